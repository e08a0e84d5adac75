//go:build !race

package natsjs

const raceDetector = false
