package mqtt

import (
	"encoding/json"
	"image"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/livecam/livecam/classify"
	"github.com/livecam/livecam/detect"
	"github.com/livecam/livecam/internal/testrig/mosquittotest"
	"github.com/livecam/livecam/pipeline"
	"github.com/livecam/livecam/track"
)

// objectEvent is an event of object id (label) entering or leaving the
// view (zone "") or a zone.
func objectEvent(typ track.EventType, id int, label, zone string) track.Event {
	e := track.Event{Type: typ, ID: id, Class: id, Label: label, Zone: zone, Start: time.Duration(id) * time.Second,
		Time: time.Duration(id)*time.Second + 100*time.Millisecond, PeakScore: 0.75, PeakBox: track.Box{X: 1, Y: 2, W: 30, H: 40}, Frames: 3}
	if zone != "" {
		e.Zones = []string{zone}
	}
	if typ == track.Leave {
		e.End = e.Time
		e.Zones = nil
	}
	return e
}

// hostileZone is a zone name with MQTT's level separator and wildcards.
const hostileZone = "drive/way#+"

// objectStory: two people (one through the hostile zone), a dining table,
// an object labelled like the camera's events topic, one whose label
// holds a '/' and a '#'; then the people and "events" leave.
var objectStory = []track.Event{
	objectEvent(track.Enter, 1, "person", ""),
	objectEvent(track.Enter, 1, "person", hostileZone),
	objectEvent(track.Enter, 2, "person", ""),
	objectEvent(track.Enter, 3, "dining table", ""),
	objectEvent(track.Enter, 4, "events", ""),
	objectEvent(track.Enter, 5, "a/b#", ""),
	objectEvent(track.Leave, 1, "person", hostileZone),
	objectEvent(track.Leave, 1, "person", ""),
	objectEvent(track.Leave, 2, "person", ""),
	objectEvent(track.Leave, 4, "events", ""),
}

// wantCounts are the messages of objectStory on each count topic, in
// order, and what each topic retains at the end.
var wantCounts = map[string][]string{
	"livecam/porch/person":             {"1", "2", "1", "0"},
	"livecam/porch/drive_way__/person": {"1", "0"},
	"livecam/porch/dining_table":       {"1"},
	"livecam/porch/events_":            {"1", "0"},
	"livecam/porch/a_b_":               {"1"},
}

// otherTopics are the other topics a camera publishes on.
var otherTopics = []string{"livecam/porch/events", "livecam/porch/availability/+", "livecam/instance/+/availability", "homeassistant/sensor/livecam/+/config"}

// TestObjectEventsAndCounts: a detector's events reach PREFIX/CAMERA/events
// as the wire format's object events, with the camera; every enter and
// leave updates the retained count of its label, in the view and in its
// zone; labels and zone names that hold MQTT's separator or wildcards,
// or a name of the camera's own topics, land on one safe level each; and
// Home Assistant is told of one count sensor per label.
func TestObjectEventsAndCounts(t *testing.T) {
	b := mosquittotest.Start(t, nil)
	sub := mosquittotest.Subscribe(t, b.URL())
	var l logs
	p, err := Connect(Options{Broker: b.URL(), Camera: "porch", Discovery: "homeassistant", Logf: l.logf})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range objectStory {
		p.ObjectEvent(e)
	}
	// What a new subscriber finds (the counts are retained), before
	// Close clears the availability.
	for topic, want := range wantCounts {
		if got := sub.Payloads(topic, len(want)); !slices.Equal(got, want) {
			t.Errorf("%s: %q, want %q", topic, got, want)
		}
	}
	retained := mosquittotest.Retained(t, b.URL(), "livecam/porch/#")
	for topic, want := range wantCounts {
		if retained[topic] != want[len(want)-1] {
			t.Errorf("%s retains %q, want %q", topic, retained[topic], want[len(want)-1])
		}
	}
	if _, ok := retained["livecam/porch/events"]; ok {
		t.Error("the events topic is retained")
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if s := l.String(); strings.Contains(s, "connection lost") {
		t.Errorf("the connection was lost (a topic the broker refused?):\n%s", s)
	}

	// The events, in order, in the wire format with the camera.
	got := sub.Payloads("livecam/porch/events", len(objectStory))
	if len(got) != len(objectStory) {
		t.Fatalf("%d events arrived, want %d", len(got), len(objectStory))
	}
	for i, g := range got {
		var e struct {
			Type, Camera, Label, Zone string
			ID                        int
			Box                       []float64
		}
		if err := json.Unmarshal([]byte(g), &e); err != nil {
			t.Fatalf("event %d: %v: %s", i, err, g)
		}
		w := objectStory[i]
		if e.Type != string(w.Type) || e.Camera != "porch" || e.ID != w.ID || e.Label != w.Label || e.Zone != w.Zone || len(e.Box) != 4 {
			t.Errorf("event %d: %s, want %+v", i, g, w)
		}
	}

	// Nothing else: every topic is one the story explains, none with a
	// level or a wildcard from a label.
	for _, m := range sub.All() {
		_, known := wantCounts[m.Topic()]
		for _, filter := range otherTopics {
			known = known || mosquittotest.Match(filter, m.Topic())
		}
		if !known || strings.ContainsAny(m.Topic(), "+#") {
			t.Errorf("a message on %q (%q)", m.Topic(), m.Payload())
		}
	}

	// One Home Assistant sensor per label, on the camera's device.
	for level, name := range map[string]string{"person": "person", "dining_table": "dining table", "events_": "events", "a_b_": "a/b#"} {
		got := sub.Payloads("homeassistant/sensor/livecam/porch_"+level+"_count/config", 1)
		if len(got) != 1 {
			t.Errorf("%s: %d discovery messages, want 1", level, len(got))
			continue
		}
		var cfg struct {
			Name       string `json:"name"`
			StateTopic string `json:"state_topic"`
			UniqueID   string `json:"unique_id"`
			Device     struct {
				Identifiers []string `json:"identifiers"`
			} `json:"device"`
		}
		if err := json.Unmarshal([]byte(got[0]), &cfg); err != nil {
			t.Fatal(err)
		}
		if cfg.Name != name || cfg.StateTopic != "livecam/porch/"+level || cfg.UniqueID != "livecam_porch_"+level+"_count" ||
			!slices.Equal(cfg.Device.Identifiers, []string{"livecam_porch"}) {
			t.Errorf("%s discovery: %s", level, got[0])
		}
		if p.CountDiscoveryTopic(name) != "homeassistant/sensor/livecam/porch_"+level+"_count/config" {
			t.Errorf("CountDiscoveryTopic(%q) = %q", name, p.CountDiscoveryTopic(name))
		}
	}
	if got := p.CountTopic(hostileZone, "dining table"); got != "livecam/porch/drive_way__/dining_table" {
		t.Errorf("CountTopic = %q", got)
	}
}

// TestDetectorFrames: a detector's frames publish no "top" (a classifier's
// still do), and every frame's result carries its objects.
func TestDetectorFrames(t *testing.T) {
	b := mosquittotest.Start(t, nil)
	sub := mosquittotest.Subscribe(t, b.URL())
	p, err := Connect(Options{Broker: b.URL(), Camera: "porch"})
	if err != nil {
		t.Fatal(err)
	}
	cls := p.Camera("hall")
	var res pipeline.Result
	for i := range 5 {
		res.Frame = int64(i)
		res.SetObjects(nil)
		if i%2 == 1 {
			res.SetObjects([]detect.Object{{ID: 7, Class: 17, Label: "dog", Score: 0.875, Box: image.Rect(10, 20, 110, 220)}})
		}
		o := &pipeline.Output{Result: &res}
		p.Write(o)
		p.Result(o)
		var cres pipeline.Result
		cres.SetTop([]classify.Prediction{{Class: 281 + i/3, Label: "tabby, tabby cat"}})
		cls.Write(&pipeline.Output{Result: &cres})
	}
	p.ObjectEvent(objectEvent(track.Enter, 7, "dog", ""))
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	sub.Payloads("livecam/porch/events", 1) // queued after every top
	if got := sub.Payloads("livecam/hall/top", 2); len(got) != 2 {
		t.Errorf("the classifier's top labels: %q, want 2", got)
	}
	for _, m := range sub.All() {
		if m.Topic() == "livecam/porch/top" {
			t.Errorf("a detector's frame published %q to top", m.Payload())
		}
	}
	got := sub.Payloads("livecam/porch/results", 5)
	if len(got) != 5 || p.ResultsLeftOut() != 0 {
		t.Fatalf("%d results of 5 (%d left out)", len(got), p.ResultsLeftOut())
	}
	for _, g := range got {
		var r struct {
			Frame   int
			Objects []struct {
				ID    int
				Label string
				Box   []int
			}
			Top []any
		}
		if err := json.Unmarshal([]byte(g), &r); err != nil || r.Top != nil || !strings.Contains(g, `"objects":[`) {
			t.Fatalf("result %s: %v", g, err)
		}
		if want := r.Frame % 2; len(r.Objects) != want || want == 1 && (r.Objects[0].ID != 7 || r.Objects[0].Label != "dog" || !slices.Equal(r.Objects[0].Box, []int{10, 20, 100, 200})) {
			t.Errorf("result %s", g)
		}
	}
}
