package wire_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/livecam/livecam/events"
	"github.com/livecam/livecam/track"
	"github.com/livecam/livecam/wire"
)

// TestEventFiles: a leave event names its clip (and an object's its
// snapshot) last, as JSON strings; an event without them has neither key.
func TestEventFiles(t *testing.T) {
	clip := `porch/clips/2026-12-02/15-42-07.dog-3.mp4`
	snap := `snaps/porch-20261202T154200.000-3-dog "x".jpg`
	for _, tc := range []struct {
		name, got, suffix string
	}{
		{"label", string(wire.AppendEvent(nil, events.Event{Type: events.Leave, Label: "dog", Clip: clip})), `,"clip":"` + clip + `"}`},
		{"object", string(wire.AppendObjectEvent(nil, "porch", track.Event{Type: track.Leave, ID: 3, Label: "dog", Clip: clip, Snapshot: snap})),
			`,"clip":"` + clip + `","snapshot":"snaps/porch-20261202T154200.000-3-dog \"x\".jpg"}`},
		{"object snapshot only", string(wire.AppendObjectEvent(nil, "porch", track.Event{Type: track.Leave, ID: 3, Label: "dog", Snapshot: "a.jpg"})), `"frames":0,"snapshot":"a.jpg"}`},
		{"label none", string(wire.AppendEvent(nil, events.Event{Type: events.Leave, Label: "dog"})), `"frames":0}`},
		{"object none", string(wire.AppendObjectEvent(nil, "porch", track.Event{Type: track.Leave, ID: 3, Label: "dog"})), `"frames":0}`},
	} {
		if !strings.HasSuffix(tc.got, tc.suffix) {
			t.Errorf("%s: %s\nwant it to end with %s", tc.name, tc.got, tc.suffix)
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(tc.got), &m); err != nil {
			t.Errorf("%s: %s: %v", tc.name, tc.got, err)
		}
	}
}
