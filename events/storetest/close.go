package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/drip-ledger/drip/events"
)

// appendsAfterCloseMax bounds a writer that races Close: each writer has
// appended once before Close is called, so a store that closes sees far
// fewer.
const appendsAfterCloseMax = 10_000

func testClose(t *testing.T, su *suite) {
	t.Run("EveryCallAfterCloseFailsWithErrClosed", func(t *testing.T) {
		f := su.fresh(t)
		f.append("close-1", events.NoStream, f.event("before close"))
		if err := f.s.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
		calls := []struct {
			name string
			call func() error
		}{
			{"Append", func() error {
				_, err := f.s.Append(f.ctx, "close-1", events.Any, f.event("after close"))
				return err
			}},
			{"AppendToANewStream", func() error {
				_, err := f.s.Append(f.ctx, "close-2", events.Any, f.event("after close"))
				return err
			}},
			{"ReadStream", func() error {
				_, err := f.s.ReadStream(f.ctx, "close-1", 1, events.Forwards, 10)
				return err
			}},
			{"ReadAll", func() error { _, err := f.s.ReadAll(f.ctx, 0, 10); return err }},
			{"Head", func() error { _, err := f.s.Head(f.ctx); return err }},
			{"Subscribe", func() error {
				sub, err := f.s.Subscribe(f.ctx, 0)
				if sub != nil {
					sub.Close()
				}
				return err
			}},
		}
		for _, c := range calls {
			if err := c.call(); !errors.Is(err, events.ErrClosed) {
				t.Errorf("%s after Close: %v; want ErrClosed", c.name, err)
			}
		}
		if err := f.s.Close(); err != nil && !errors.Is(err, events.ErrClosed) {
			t.Errorf("a second Close: %v; want nil or ErrClosed", err)
		}
	})

	t.Run("AppendsInFlightFinishOrFailWithErrClosed", func(t *testing.T) {
		f := su.fresh(t)
		const writers = 8
		started := make(chan struct{}, writers)
		results := make(chan error, writers)
		for w := range writers {
			f.spawn(func() {
				results <- func() error {
					for i := 0; i < appendsAfterCloseMax; i++ {
						if i == 1 {
							started <- struct{}{}
						}
						_, err := f.s.Append(f.ctx, fmt.Sprint("close-", w), events.Any, f.event("in flight"))
						switch {
						case errors.Is(err, events.ErrClosed):
							return nil
						case err != nil:
							return fmt.Errorf("append %d: %w; want nil or ErrClosed", i, err)
						}
					}
					return fmt.Errorf("%d appends and none saw the store close", appendsAfterCloseMax)
				}()
			})
		}
		for range writers {
			<-started
		}
		if err := f.s.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
		for range writers {
			if err := <-results; err != nil {
				t.Error(err)
			}
		}
	})

	t.Run("CanceledContextFailsAppend", func(t *testing.T) {
		f := su.fresh(t)
		_, err := f.s.Append(canceled(f.ctx), "close-1", events.Any, f.event("canceled"))
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Append with a canceled context: %v; want context.Canceled", err)
		}
	})
}
