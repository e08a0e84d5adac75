package cvlog

import "testing"

func TestSetAndGet(t *testing.T) {
	old := Get()
	defer Set(old)
	for _, l := range []Level{Silent, Error, Warning} {
		Set(l)
		if got := Get(); got != l {
			t.Errorf("Set(%d): Get() = %d", l, got)
		}
	}
}
