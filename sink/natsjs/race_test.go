//go:build race

package natsjs

// raceDetector is true under -race, whose instrumentation allocates.
const raceDetector = true
