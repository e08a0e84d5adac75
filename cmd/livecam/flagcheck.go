package main

import (
	"fmt"
	"math"
	"time"
)

// intIn checks that flag -name's value v lies in [lo, hi].
func intIn(name string, v, lo, hi int) error {
	if v < lo || v > hi {
		return fmt.Errorf("-%s %d: want a whole number from %d to %d", name, v, lo, hi)
	}
	return nil
}

// floatIn checks that flag -name's value v is a number in [lo, hi] (NaN
// and infinities are not).
func floatIn(name string, v, lo, hi float64) error {
	if math.IsNaN(v) || v < lo || v > hi {
		return fmt.Errorf("-%s %v: want a number from %g to %g", name, v, lo, hi)
	}
	return nil
}

// durationIn checks that flag -name's value d lies in [lo, hi].
func durationIn(name string, d, lo, hi time.Duration) error {
	if d < lo || d > hi {
		return fmt.Errorf("-%s %v: want a duration from %v to %v", name, d, lo, hi)
	}
	return nil
}

// firstError returns the first non-nil error.
func firstError(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
