//go:build race

package testmode

// Race reports whether the race detector is built in (go test -race).
const Race = true
