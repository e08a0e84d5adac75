package pipeline

// SetTakeHook makes every worker call f with the index of each frame it
// takes, before it processes it (nil: no hook), for tests that need a
// worker held busy; it returns a function that removes the hook. Set it
// before Run and remove it after Run returns.
func SetTakeHook(f func(frame int64)) (remove func()) {
	takeHook = f
	return func() { takeHook = nil }
}
