package bench

import (
	"fmt"
	"os"
	"runtime/pprof"
)

// profiler writes a CPU profile of each store's share of each round of
// `drip bench append --cpuprofile PREFIX`: the baseline's shares and the
// setup stay out, so the profiles show the store's write path alone. A nil
// profiler does nothing.
type profiler struct {
	prefix string
	f      *os.File
}

// start begins the profile of one store's share of one round, in
// PREFIX-<writers>[-<store>]-r<round>.pprof (go tool pprof merges several).
func (p *profiler) start(writers, store, round int) error {
	if p == nil {
		return nil
	}
	name := fmt.Sprintf("%s-%d-r%d.pprof", p.prefix, writers, round)
	if store > 0 {
		name = fmt.Sprintf("%s-%d-%d-r%d.pprof", p.prefix, writers, store, round)
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
