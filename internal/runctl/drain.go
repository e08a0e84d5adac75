package runctl

import (
	"context"
	"os"
	"os/signal"
	"sync"
)

// Drain listens for the stop signals of a process that takes work one
// piece after another (a fleet worker's jobs): the first closes stop
// (finish the piece in hand, take no other) and says so through
// o.Logf; a second cancels ctx (hand the piece in hand back now).
// o.Exit is not used: nothing quits the process. Call end when the work
// is over: it stops listening and cancels ctx.
func Drain(parent context.Context, o Options) (ctx context.Context, stop <-chan struct{}, end func()) {
	if o.Signals == nil {
		o.Signals = StopSignals
	}
	ctx, cancel := context.WithCancel(parent)
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, o.Signals...)
	stopping, done := make(chan struct{}), make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		select {
		case <-sigs:
		case <-done:
			return
		}
		if o.Logf != nil {
			o.Logf("stopping after the job in hand (signal again to hand it back now)")
		}
		close(stopping)
		select {
		case <-sigs:
			cancel()
		case <-done:
		}
	}()
	var once sync.Once
	end = func() {
		once.Do(func() {
			signal.Stop(sigs)
			close(done)
			wg.Wait()
			cancel()
		})
	}
	return ctx, stopping, end
}
