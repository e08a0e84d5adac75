package mainjob

import (
	"strings"
	"testing"
	"time"

	"github.com/livecam/livecam/events"
)

// TestRecordOptions: a live camera of a cameras' run in an out-dir
// records its results and events beside its segments, or alone when its
// video goes to a file of its own; the closing lines name its source
// without credentials; a file camera, a lone source and a run without an
// out-dir record nothing.
func TestRecordOptions(t *testing.T) {
	f := &Settings{OutDir: "/out", Segment: time.Minute, Keep: time.Hour, KeepSize: 1 << 20, Threshold: 0.25}
	for _, tc := range []struct {
		what        string
		c           camRun
		ok, noVideo bool
	}{
		{"a network camera", camRun{name: "porch", j: Job{Source: "rtsp://admin:SECRET@cam/1"}, f: f}, true, false},
		{"a camera with its own video", camRun{name: "porch", j: Job{Source: "0", Out: "/v/porch.mp4"}, f: f}, true, true},
		{"a file", camRun{name: "door", j: Job{Source: "door.mp4"}, f: f}, false, false},
		{"a lone source", camRun{j: Job{Source: "0"}, f: f}, false, false},
		{"no out-dir", camRun{name: "porch", j: Job{Source: "0"}, f: &Settings{}}, false, false},
	} {
		o, ok := recordOptions(&tc.c)
		if ok != tc.ok {
			t.Errorf("%s: records %t, want %t", tc.what, ok, tc.ok)
			continue
		}
		if !ok {
			continue
		}
		if !o.Sidecars || o.NoVideo != tc.noVideo || o.Dir != "/out" || o.Camera != "porch" || o.Length != time.Minute || o.Keep != time.Hour || o.KeepBytes != 1<<20 || o.Threshold != 0.25 {
			t.Errorf("%s: options %+v", tc.what, o)
		}
		if strings.Contains(o.Source, "SECRET") || o.Source == "" {
			t.Errorf("%s: the closing lines' source %q", tc.what, o.Source)
		}
	}
	// Events before the recording is open are dropped, not a panic.
	recordingEvents{&camRun{}}.Event(events.Event{Type: events.Enter})
}
