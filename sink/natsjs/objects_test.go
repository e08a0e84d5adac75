package natsjs

import (
	"encoding/json"
	"image"
	"slices"
	"testing"
	"time"

	"github.com/livecam/livecam/classify"
	"github.com/livecam/livecam/detect"
	"github.com/livecam/livecam/internal/testrig/natstest"
	"github.com/livecam/livecam/pipeline"
	"github.com/livecam/livecam/track"
)

// TestObjectEventsStored: a detector's per-object events are stored on
// the camera's events subject, in order, as the wire format's object
// events with the camera; its frames store no top label (a classifier's
// camera on the same connection still does), and its results carry the
// objects.
func TestObjectEventsStored(t *testing.T) {
	srv := natstest.Start(t)
	porch, err := Connect(Options{URL: srv.URL(), Camera: "porch"})
	if err != nil {
		t.Fatal(err)
	}
	hall := porch.Camera("hall")
	var want []track.Event
	for i := range 20 {
		typ := track.Enter
		if i%2 == 1 {
			typ = track.Leave
		}
		e := track.Event{Type: typ, ID: i/2 + 1, Class: 17, Label: "dog", Start: time.Duration(i) * time.Second, End: time.Duration(i+1) * time.Second,
			PeakScore: 0.875, PeakBox: track.Box{X: 1, Y: 2, W: 3, H: 4}, Frames: i}
		if i%4 >= 2 {
			e.Zone, e.Zones = "drive.way*", []string{"drive.way*"}
		}
		want = append(want, e)
		porch.ObjectEvent(e)
	}
	var res pipeline.Result
	res.SetObjects([]detect.Object{{ID: 3, Class: 17, Label: "dog", Score: 0.875, Box: image.Rect(10, 20, 110, 220)}})
	for i := range 3 {
		res.Frame = int64(i)
		o := &pipeline.Output{Result: &res}
		porch.Write(o)
		porch.Result(o)
		var cres pipeline.Result
		cres.SetTop([]classify.Prediction{{Class: 281, Label: "tabby, tabby cat"}})
		hall.Write(&pipeline.Output{Result: &cres})
	}
	if err := porch.Close(); err != nil {
		t.Fatal(err)
	}
	got := stored(t, srv.URL(), Subject("porch", "events"))
	if len(got) != len(want) {
		t.Fatalf("%d events stored, want %d", len(got), len(want))
	}
	for i, g := range got {
		var e struct {
			Type   string `json:"type"`
			Camera string `json:"camera"`
			ID     int    `json:"id"`
			Label  string `json:"label"`
			Zone   string `json:"zone"`
			Frames int    `json:"frames"`
		}
		if err := json.Unmarshal([]byte(g), &e); err != nil {
			t.Fatalf("event %d: %v: %s", i, err, g)
		}
		w := want[i]
		if e.Type != string(w.Type) || e.Camera != "porch" || e.ID != w.ID || e.Label != "dog" || e.Zone != w.Zone || e.Frames != i {
			t.Errorf("event %d: %s, want %+v in order", i, g, w)
		}
	}
	if top := stored(t, srv.URL(), Subject("porch", "top")); len(top) != 0 {
		t.Errorf("a detector's frames stored top labels: %q", top)
	}
	if top := stored(t, srv.URL(), Subject("hall", "top")); len(top) != 1 {
		t.Errorf("the classifier's top labels: %q, want 1", top)
	}
	results := stored(t, srv.URL(), Subject("porch", "results"))
	if len(results) != 3 || porch.ResultsLeftOut() != 0 {
		t.Fatalf("%d results stored of 3 (%d left out)", len(results), porch.ResultsLeftOut())
	}
	for _, r := range results {
		var l struct {
			Objects []struct {
				ID    int    `json:"id"`
				Label string `json:"label"`
				Box   []int  `json:"box"`
			} `json:"objects"`
			Top []any `json:"top"`
		}
		if err := json.Unmarshal([]byte(r), &l); err != nil || l.Top != nil || len(l.Objects) != 1 ||
			l.Objects[0].ID != 3 || l.Objects[0].Label != "dog" || !slices.Equal(l.Objects[0].Box, []int{10, 20, 100, 200}) {
			t.Errorf("result %s (%v)", r, err)
		}
	}
}
