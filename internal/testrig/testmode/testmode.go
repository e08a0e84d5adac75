// Package testmode tells a test which run of the suite it is in, so that
// the heaviest checks run once, in the run that needs them:
//
//	make test    go test -short: the default kernels, no long end-to-end runs
//	make check   every test in full, then again under -race -short
//
// A test skips a check that the plain run already makes when Race is
// true: the race detector slows pure computation several times over and
// finds nothing in code that shares no memory between goroutines.
package testmode
