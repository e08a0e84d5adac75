package main

import "github.com/livecam/livecam/internal/cliflag"

// The range checks of flag values, and the first error of several
// (cliflag's, under the names the command's files use).
var (
	intIn      = cliflag.IntIn
	floatIn    = cliflag.FloatIn
	durationIn = cliflag.DurationIn
	firstError = cliflag.FirstError
)
