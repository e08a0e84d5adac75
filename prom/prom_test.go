package prom

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"

	"github.com/livecam/livecam/internal/randweights"
	"github.com/livecam/livecam/models"
	"github.com/livecam/livecam/pipeline"
	"github.com/livecam/livecam/pipeline/stage"
	"github.com/livecam/livecam/source"
)

// scrape runs the bundled 45-frame video through a pipeline that
// classifies every third frame, then scrapes the Handler over HTTP and
// parses the exposition format.
func scrape(t *testing.T) map[string]*dto.MetricFamily {
	t.Helper()
	m, err := randweights.Model(randweights.Small, 1)
	if err != nil {
		t.Fatal(err)
	}
	src, err := source.Open("../testdata/videos/shapes_320x240.avi", source.Options{})
	if err != nil {
		t.Fatal(err)
	}
	p, err := pipeline.New(pipeline.Config{Source: src, Model: models.FromClassifier(m), Gate: stage.Every(3)})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	c := NewCollector(Info{Model: m.Name(), Kernels: "test"})
	c.Add("door", p.Metrics())
	srv := httptest.NewServer(Handler(c))
	defer srv.Close()
	resp, err := srv.Client().Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var parser expfmt.TextParser
	families, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("the exposition does not parse: %v", err)
	}
	return families
}

// value returns the value of the family's sample for the given labels.
func value(t *testing.T, fams map[string]*dto.MetricFamily, name string, labels ...string) *dto.Metric {
	t.Helper()
	f, ok := fams[name]
	if !ok {
		t.Fatalf("no %s", name)
	}
	for _, m := range f.Metric {
		var got []string
		for _, l := range m.Label {
			got = append(got, l.GetName()+"="+l.GetValue())
		}
		if strings.Join(got, ",") == strings.Join(labels, ",") {
			return m
		}
	}
	t.Fatalf("no %s{%v}", name, labels)
	return nil
}

func TestScrape(t *testing.T) {
	fams := scrape(t)
	for name, want := range map[string]float64{
		"livecam_frames_in_total": 45, "livecam_frames_out_total": 45, "livecam_frames_dropped_total": 0,
		"livecam_inferences_total": 15, "livecam_reconnects_total": 0,
	} {
		if got := value(t, fams, name, "camera=door").GetCounter().GetValue(); got != want {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
	// The end-to-end histogram counts every frame; its buckets are
	// cumulative and end at the count; the inference one counts the
	// forward passes.
	h := value(t, fams, "livecam_latency_seconds", "camera=door", "phase=capture-to-overlay").GetHistogram()
	if h.GetSampleCount() != 45 || h.GetSampleSum() <= 0 {
		t.Errorf("capture-to-overlay: count %d, sum %v; want 45 frames", h.GetSampleCount(), h.GetSampleSum())
	}
	prev := uint64(0)
	for _, b := range h.Bucket {
		if b.GetCumulativeCount() < prev || b.GetCumulativeCount() > h.GetSampleCount() {
			t.Errorf("bucket le=%v holds %d after %d (count %d)", b.GetUpperBound(), b.GetCumulativeCount(), prev, h.GetSampleCount())
		}
		prev = b.GetCumulativeCount()
	}
	if n := value(t, fams, "livecam_latency_seconds", "camera=door", "phase=inference").GetHistogram().GetSampleCount(); n != 15 {
		t.Errorf("inference histogram counts %d, want the 15 forward passes", n)
	}
	if g := value(t, fams, "livecam_model_info", "kernels=test", "model=mobilenet_v1_0.25_128").GetGauge().GetValue(); g != 1 {
		t.Errorf("model info %v", g)
	}
	if _, ok := fams["go_build_info"]; !ok {
		t.Error("no go_build_info")
	}
}
