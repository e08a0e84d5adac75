package cliflag

import (
	"errors"
	"fmt"
	"testing"
)

// TestRenamed: the flags a message is about are replaced where names has
// them, whole names only (-mqtt is not the start of -mqtt-password-file),
// not in advice ("pass -serve ADDR") nor inside a word ("pre-serve"), and
// the error still unwraps.
func TestRenamed(t *testing.T) {
	names := map[string]string{"mqtt": "c.yaml: line 2: mqtt.broker", "mqtt-password-file": "c.yaml: line 4: mqtt.password_file", "serve": "c.yaml: line 1: serve"}
	base := fmt.Errorf("%w: -mqtt-password-file: open /x: -mqtt x: pre-serve; pass -serve ADDR", ErrUsage)
	got := Renamed(base, names)
	want := "usage: c.yaml: line 4: mqtt.password_file: open /x: c.yaml: line 2: mqtt.broker x: pre-serve; pass -serve ADDR"
	if got.Error() != want || !errors.Is(got, ErrUsage) {
		t.Errorf("got %q (is ErrUsage: %v), want %q", got, errors.Is(got, ErrUsage), want)
	}
	if other := errors.New("-topk 99: want 1-10"); Renamed(other, names) != other || Renamed(nil, names) != nil {
		t.Error("an error naming none of the flags is not returned as it is")
	}
}
