package prom

import (
	"fmt"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"

	"github.com/livecam/livecam/track"
)

// scrapeCollector scrapes c over HTTP and parses the exposition format.
func scrapeCollector(t *testing.T, c *Collector) map[string]*dto.MetricFamily {
	t.Helper()
	srv := httptest.NewServer(Handler(c))
	defer srv.Close()
	resp, err := srv.Client().Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("scrape: %s", resp.Status)
	}
	var parser expfmt.TextParser
	fams, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("the exposition does not parse: %v", err)
	}
	return fams
}

func enter(id int, label, zone string) track.Event {
	return track.Event{Type: track.Enter, ID: id, Label: label, Zone: zone}
}

func leave(id int, label, zone string) track.Event {
	return track.Event{Type: track.Leave, ID: id, Label: label, Zone: zone}
}

// TestObjects: tracks entered are counted per camera and label, those in
// view go up on enter and down on leave (not below 0), zone events count
// for nothing, and a label with quotes, a newline or a byte that is not
// UTF-8 is shown escaped without failing the scrape.
func TestObjects(t *testing.T) {
	c := NewCollector(Info{Model: "coco_ssd_mobilenet_v1", Kernels: "test"})
	porch, yard := c.Objects("porch"), c.Objects("rtsp://admin:SECRET@cam.lan/yard")
	if c.Objects("porch") != porch {
		t.Error("a second Objects call for a camera gives other metrics")
	}
	odd := "a \"b\"\nc\xff"
	for _, e := range []track.Event{
		enter(1, "person", ""), enter(1, "person", "driveway"), enter(2, "person", ""), enter(3, "car", ""),
		leave(1, "person", "driveway"), leave(1, "person", ""), enter(4, "person", ""), enter(5, odd, ""),
		leave(9, "dog", ""), // a leave never entered: 0, not -1
	} {
		porch.Event(e)
	}
	yard.Event(enter(1, "person", ""))
	yard.Event(leave(1, "person", ""))
	fams := scrapeCollector(t, c)
	oddShown := "a \"b\"\nc\uFFFD"
	for _, w := range []struct {
		camera, label string
		total, inView float64
	}{
		{"porch", "person", 3, 2}, {"porch", "car", 1, 1}, {"porch", "dog", 0, 0}, {"porch", oddShown, 1, 1},
		{"rtsp://admin:xxxxx@cam.lan/yard", "person", 1, 0},
	} {
		labels := []string{"camera=" + w.camera, "label=" + w.label}
		if got := value(t, fams, "livecam_objects_total", labels...).GetCounter().GetValue(); got != w.total {
			t.Errorf("livecam_objects_total{%s,%q} = %v, want %v", w.camera, w.label, got, w.total)
		}
		if got := value(t, fams, "livecam_objects", labels...).GetGauge().GetValue(); got != w.inView {
			t.Errorf("livecam_objects{%s,%q} = %v, want %v", w.camera, w.label, got, w.inView)
		}
	}
	if n := len(fams["livecam_objects"].Metric); n != 5 {
		t.Errorf("%d livecam_objects series, want 5 (no zone's)", n)
	}
}

// TestObjectEventAllocs: counting an event of a label seen before
// allocates nothing.
func TestObjectEventAllocs(t *testing.T) {
	m := NewCollector(Info{}).Objects("porch")
	label := strings.Repeat("person", 2)[:6] // not the constant's memory
	in, out := enter(1, label, ""), leave(1, label, "")
	m.Event(in)
	if a := testing.AllocsPerRun(100, func() {
		m.Event(in)
		m.Event(out)
		m.Event(enter(1, label, "driveway"))
	}); a != 0 {
		t.Errorf("%v allocations per event", a)
	}
}

// TestObjectsConcurrent: events and scrapes at once (run with -race).
func TestObjectsConcurrent(t *testing.T) {
	c := NewCollector(Info{})
	var wg sync.WaitGroup
	for cam := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			m := c.Objects(fmt.Sprint("cam", cam))
			for i := range 200 {
				m.Event(enter(i, fmt.Sprint("label", i%7), ""))
			}
		}()
	}
	for range 5 {
		scrapeCollector(t, c)
	}
	wg.Wait()
	fams := scrapeCollector(t, c)
	if got := value(t, fams, "livecam_objects", "camera=cam2", "label=label3").GetGauge().GetValue(); got != 29 {
		t.Errorf("cam2 label3 in view: %v, want 29", got)
	}
}
