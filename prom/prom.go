// Package prom exposes pipelines' metrics to Prometheus through the
// official client library: per camera, the frames read, delivered and
// dropped, the forward passes and the reconnects as counters, and the
// latency of every phase as a histogram; with a detector that tracks
// objects, per camera and label, the objects that entered the view and
// those in view now; for the process, the model and kernels in use, and
// Go's build information.
//
//	livecam_frames_in_total{camera="door"} 1234
//	livecam_latency_seconds_bucket{camera="door",phase="inference",le="0.01"} 1200
//	livecam_objects_total{camera="door",label="person"} 17
//	livecam_objects{camera="door",label="person"} 2
//	livecam_model_info{model="mobilenet_v1_0.75_224",kernels="avx512"} 1
//
// A Collector reads each pipeline's Metrics when it is scraped; recording
// costs the pipeline nothing more than it does already. The object
// counts come from the tracker's events (Objects).
package prom

import (
	"net/http"
	"slices"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/livecam/livecam/internal/redact"
	"github.com/livecam/livecam/pipeline"
)

// Info describes the process for livecam_model_info.
type Info struct {
	Model   string // the model's name
	Kernels string // the kernels the forward pass runs
}

// Collector is a prometheus.Collector for the pipelines added to it, each
// under a camera name. It is safe for concurrent use.
type Collector struct {
	info    Info
	mu      sync.Mutex
	cameras []camera
	objects []cameraObjects
}

type camera struct {
	name    string
	metrics *pipeline.Metrics
}

var (
	labels        = []string{"camera"}
	framesIn      = prometheus.NewDesc("livecam_frames_in_total", "Frames read from the camera or file.", labels, nil)
	framesOut     = prometheus.NewDesc("livecam_frames_out_total", "Frames delivered to the outputs.", labels, nil)
	framesDropped = prometheus.NewDesc("livecam_frames_dropped_total", "Frames read but dropped, stale in live mode.", labels, nil)
	inferences    = prometheus.NewDesc("livecam_inferences_total", "Forward passes of the network.", labels, nil)
	reconnects    = prometheus.NewDesc("livecam_reconnects_total", "Times a lost camera or stream came back.", labels, nil)
	latency       = prometheus.NewDesc("livecam_latency_seconds", "Latency of each phase of a frame's trip (capture, queue, preprocess, inference, output, capture-to-overlay).", []string{"camera", "phase"}, nil)
	objectsTotal  = prometheus.NewDesc("livecam_objects_total", "Tracked objects that entered the view, by label (a track counts once, when the tracker confirms it).", []string{"camera", "label"}, nil)
	objectsInView = prometheus.NewDesc("livecam_objects", "Tracked objects in view now, by label.", []string{"camera", "label"}, nil)
	modelInfo     = prometheus.NewDesc("livecam_model_info", "The model and kernels in use (always 1).", []string{"model", "kernels"}, nil)
)

// NewCollector returns a Collector with no cameras yet.
func NewCollector(info Info) *Collector { return &Collector{info: info} }

// Add reports m's figures under the camera name; adding a name again
// replaces its metrics (a camera's pipeline made anew). A name with a URL
// in it is shown with the URL's credentials redacted (redact.Text): a
// label is read by whoever can scrape.
func (c *Collector) Add(name string, m *pipeline.Metrics) {
	name = redact.URL(name)
	c.mu.Lock()
	defer c.mu.Unlock()
	if i := slices.IndexFunc(c.cameras, func(cam camera) bool { return cam.name == name }); i >= 0 {
		c.cameras[i].metrics = m
		return
	}
	c.cameras = append(c.cameras, camera{name, m})
}

// Describe sends the descriptions of every metric.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{framesIn, framesOut, framesDropped, inferences, reconnects, latency, objectsTotal, objectsInView, modelInfo} {
		ch <- d
	}
}

// Collect sends the current figures of every camera.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	ch <- prometheus.MustNewConstMetric(modelInfo, prometheus.GaugeValue, 1, c.info.Model, c.info.Kernels)
	c.mu.Lock()
	cams := slices.Clone(c.cameras)
	objs := slices.Clone(c.objects)
	c.mu.Unlock()
	for _, cam := range cams {
		s := cam.metrics.Snapshot()
		for _, v := range []struct {
			d *prometheus.Desc
			n int64
		}{{framesIn, s.In}, {framesOut, s.Out}, {framesDropped, s.Dropped}, {inferences, s.Inferences}, {reconnects, s.Reconnects}} {
			ch <- prometheus.MustNewConstMetric(v.d, prometheus.CounterValue, float64(v.n), cam.name)
		}
		for i, h := range s.Histograms {
			buckets := make(map[float64]uint64, len(h.Counts))
			for b, n := range h.Counts {
				buckets[pipeline.LatencyBuckets[b]] = n
			}
			ch <- prometheus.MustNewConstHistogram(latency, h.Count, h.Sum, buckets, cam.name, pipeline.Phase(i).String())
		}
	}
	for _, o := range objs {
		o.metrics.collect(ch, o.name)
	}
}

// Handler serves the exposition format of c, Go's build information
// and the Go runtime's and the process's own metrics.
func Handler(c *Collector) http.Handler {
	reg := prometheus.NewRegistry()
	reg.MustRegister(c, collectors.NewBuildInfoCollector(), collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})
}
