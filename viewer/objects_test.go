package viewer

import (
	"context"
	"encoding/json"
	"image"
	"reflect"
	"strings"
	"testing"
	"time"

	"gocv.io/x/gocv"

	"github.com/livecam/livecam/classify"
	"github.com/livecam/livecam/detect"
	"github.com/livecam/livecam/internal/testrig/chromium"
	"github.com/livecam/livecam/pipeline"
)

var (
	dog    = detect.Object{ID: 3, Class: 17, Label: "dog", Score: 0.875, Box: image.Rect(10, 20, 110, 220)}
	person = detect.Object{Class: 0, Label: "person", Score: 0.5, Box: image.Rect(0, 0, 5, 5)}
)

// writeObjects writes one detector's frame with objs to c.
func writeObjects(c *Camera, img gocv.Mat, frame int64, objs ...detect.Object) {
	var r pipeline.Result
	r.Frame = frame
	r.SetObjects(objs)
	c.Write(&pipeline.Output{Image: img, Result: &r, Source: pipeline.SourceInfo{Name: "porch"}})
}

// TestDetectorStatus: a detector's camera shows its newest frame's
// objects (label, track id, score, box); a frame without objects shows
// none (an empty list, not the last frame's); a classifier's status has
// no objects at all.
func TestDetectorStatus(t *testing.T) {
	s := listen(t, Options{Model: "coco_ssd_mobilenet_v1"})
	porch, err := s.Camera("porch")
	if err != nil {
		t.Fatal(err)
	}
	hall, err := s.Camera("hall")
	if err != nil {
		t.Fatal(err)
	}
	img := gocv.NewMatWithSize(240, 320, gocv.MatTypeCV8UC3)
	defer img.Close()
	writeObjects(porch, img, 0, dog, person)
	var cr pipeline.Result
	cr.SetTop([]classify.Prediction{{Class: 281, Label: "tabby", Score: 0.5}})
	hall.Write(&pipeline.Output{Image: img, Result: &cr, Source: pipeline.SourceInfo{Name: "hall"}})

	type obj struct {
		ID    *int    `json:"id"`
		Class int     `json:"class"`
		Label string  `json:"label"`
		Score float32 `json:"score"`
		Box   [4]int  `json:"box"`
	}
	status := func(cam string) (map[string]json.RawMessage, []obj) {
		_, body := get(t, s.URL()+"cameras/"+cam+"/status.json")
		var raw map[string]json.RawMessage
		if err := json.Unmarshal(body, &raw); err != nil {
			t.Fatalf("%s: %v", body, err)
		}
		var objs []obj
		json.Unmarshal(raw["objects"], &objs)
		return raw, objs
	}
	raw, objs := status("porch")
	three := 3
	want := []obj{{ID: &three, Class: 17, Label: "dog", Score: 0.875, Box: [4]int{10, 20, 100, 200}}, {Label: "person", Score: 0.5, Box: [4]int{0, 0, 5, 5}}}
	if !reflect.DeepEqual(objs, want) || string(raw["top"]) != "[]" {
		t.Errorf("porch: objects %s, top %s", raw["objects"], raw["top"])
	}
	writeObjects(porch, img, 1)
	if raw, _ := status("porch"); string(raw["objects"]) != "[]" {
		t.Errorf("porch with nothing in view: objects %s, want []", raw["objects"])
	}
	if raw, _ := status("hall"); raw["objects"] != nil || !strings.Contains(string(raw["top"]), `"tabby"`) {
		t.Errorf("the classifier's status: objects %s, top %s", raw["objects"], raw["top"])
	}
}

// TestDetectorWriteAllocs: with nobody watching, a detector's frame costs
// the viewer no allocation.
func TestDetectorWriteAllocs(t *testing.T) {
	s := New(Options{})
	defer s.Close()
	c, err := s.Camera("porch")
	if err != nil {
		t.Fatal(err)
	}
	img := gocv.NewMatWithSize(24, 32, gocv.MatTypeCV8UC3)
	defer img.Close()
	var r pipeline.Result
	r.SetObjects([]detect.Object{dog, person})
	o := &pipeline.Output{Image: img, Result: &r, Source: pipeline.SourceInfo{Name: "porch"}}
	c.Write(o)
	if a := testing.AllocsPerRun(100, func() { c.Write(o) }); a != 0 {
		t.Errorf("%v allocations per frame", a)
	}
}

// TestObjectsInChromium: the page lists a detector's objects with their
// track ids.
func TestObjectsInChromium(t *testing.T) {
	chromium.Path(t)
	s := listen(t, Options{Model: "coco_ssd_mobilenet_v1"})
	c, err := s.Camera("porch")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		img := gocv.NewMatWithSize(120, 160, gocv.MatTypeCV8UC3)
		defer img.Close()
		for i := int64(0); ctx.Err() == nil; i++ {
			writeObjects(c, img, i, dog, person)
			time.Sleep(30 * time.Millisecond)
		}
	}()
	var html string
	for attempt := 1; attempt <= 3; attempt++ {
		html = string(chromium.Run(t, s.URL(), 2*time.Second, "--dump-dom").DOM)
		if strings.Contains(html, "<td>dog #3</td>") {
			break
		}
		t.Logf("attempt %d: the page had not polled its status yet", attempt)
	}
	if !strings.Contains(html, `<td class="p">87.5%</td><td>dog #3</td>`) || !strings.Contains(html, `<td class="p">50.0%</td><td>person</td>`) {
		t.Errorf("the page does not list the objects:\n%s", html)
	}
}
