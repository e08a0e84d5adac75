package tflite

// SplitEverything makes the graphs planned until restore is called split
// every operator across their runners' threads, however small, so that
// tests cover every split.
func SplitEverything() (restore func()) {
	old := parallelCost
	parallelCost = 0
	return func() { parallelCost = old }
}
