package cliflag

import (
	"fmt"
	"math"
	"time"
)

// IntIn checks that flag -name's value v lies in [lo, hi].
func IntIn(name string, v, lo, hi int) error {
	if v < lo || v > hi {
		return fmt.Errorf("-%s %d: want a whole number from %d to %d", name, v, lo, hi)
	}
	return nil
}

// FloatIn checks that flag -name's value v is a number in [lo, hi] (NaN
// and infinities are not).
func FloatIn(name string, v, lo, hi float64) error {
	if math.IsNaN(v) || v < lo || v > hi {
		return fmt.Errorf("-%s %v: want a number from %g to %g", name, v, lo, hi)
	}
	return nil
}

// DurationIn checks that flag -name's value d lies in [lo, hi].
func DurationIn(name string, d, lo, hi time.Duration) error {
	if d < lo || d > hi {
		return fmt.Errorf("-%s %v: want a duration from %v to %v", name, d, lo, hi)
	}
	return nil
}

// FirstError returns the first non-nil error of errs, nil if none.
func FirstError(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
