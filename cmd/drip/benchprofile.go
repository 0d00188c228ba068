package main

import (
	"fmt"
	"os"
	"runtime/pprof"
)

// profiler writes a CPU profile of each store run of `drip bench append
// --cpuprofile PREFIX`: the baseline's runs and the setup between runs stay
// out, so the profile shows the store's write path alone. A nil profiler
// does nothing.
type profiler struct {
	prefix string
	f      *os.File
}

func (p *profiler) start(writers, store int) error {
	if p == nil {
		return nil
	}
	name := fmt.Sprintf("%s-%d.pprof", p.prefix, writers)
	if store > 0 {
		name = fmt.Sprintf("%s-%d-%d.pprof", p.prefix, writers, store)
	}
	f, err := os.Create(name)
	if err != nil {
		return err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return err
	}
	p.f = f
	return nil
}

// stop ends the profile start began, if any.
func (p *profiler) stop() error {
	if p == nil || p.f == nil {
		return nil
	}
	pprof.StopCPUProfile()
	err := p.f.Close()
	p.f = nil
	return err
}
