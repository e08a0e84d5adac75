package prom

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/livecam/livecam/pipeline"
)

// TestAddReplaces: adding a camera's name again (its pipeline made anew)
// replaces its metrics, and so does a URL that differs only in its
// redacted password: the Collector sends one series per camera, never
// two (a duplicate series, which the registry refuses).
func TestAddReplaces(t *testing.T) {
	c := NewCollector(Info{})
	c.Add("door", &pipeline.Metrics{})
	c.Add("rtsp://admin:old@yard.lan/s", &pipeline.Metrics{})
	c.Add("door", &pipeline.Metrics{})
	c.Add("rtsp://admin:new@yard.lan/s", &pipeline.Metrics{})
	ch := make(chan prometheus.Metric, 1000)
	c.Collect(ch)
	close(ch)
	var cams []string
	for m := range ch {
		if m.Desc() != framesIn {
			continue
		}
		var pb dto.Metric
		if err := m.Write(&pb); err != nil {
			t.Fatal(err)
		}
		for _, l := range pb.Label {
			cams = append(cams, l.GetValue())
		}
	}
	if len(cams) != 2 || cams[0] != "door" || cams[1] != "rtsp://admin:xxxxx@yard.lan/s" {
		t.Errorf("livecam_frames_in_total for cameras %q, want door and the yard's URL once each", cams)
	}
}
