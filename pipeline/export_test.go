package pipeline

import "time"

// SetTakeHook makes every worker call f with the index of each frame it
// takes, before it processes it (nil: no hook), for tests that need a
// worker held busy; it returns a function that removes the hook. Set it
// before Run and remove it after Run returns.
func SetTakeHook(f func(frame int64)) (remove func()) {
	takeHook = f
	return func() { takeHook = nil }
}

// SetPoolHooks makes the Pools made from now on call queued with a
// camera's (a source's) name after each change of its handoff (a frame
// queued, or the handoff closed), and taken, on the worker, with the
// camera's name and the PTS of each frame the worker takes, before it
// processes it: a test that blocks in taken holds the worker busy and
// sees the order of the turns. It returns a function that removes the
// hooks. Set them before NewPool; remove them after the Pool is closed.
func SetPoolHooks(queued func(camera string), taken func(camera string, pts time.Duration)) (remove func()) {
	poolQueuedHook, poolTakenHook = queued, taken
	return func() { poolQueuedHook, poolTakenHook = nil, nil }
}

// SetSignalClock makes p watch its signal on the clock now, checking for
// a stale source at each value tick receives (instead of a real ticker).
// Call it before Run.
func SetSignalClock(p *Pipeline, now func() time.Time, tick <-chan time.Time) {
	p.now = now
	p.ticker = func(time.Duration) (<-chan time.Time, func()) { return tick, func() {} }
}

// SetReconnectTimer makes p wait between reconnection attempts on after
// (instead of a real timer): a test's after can fire at once and move
// the clock it gave SetSignalClock on by the wait. Call it before Run.
func SetReconnectTimer(p *Pipeline, after func(time.Duration) <-chan time.Time) {
	p.after = after
}
