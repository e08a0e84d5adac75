package prom

import (
	"slices"
	"strings"
	"sync"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/livecam/livecam/internal/redact"
	"github.com/livecam/livecam/track"
)

// ObjectMetrics counts one camera's tracked objects per label, from its
// tracker's events (package track): livecam_objects_total counts the
// tracks that entered the view (once each, when the tracker confirms
// them; untracked detections are not counted), livecam_objects the
// tracks in view now (entered and not yet left). Zone events are not
// counted. It is safe for concurrent use; Event allocates only for a
// label it has not seen before.
type ObjectMetrics struct {
	mu     sync.Mutex
	labels map[string]*objectCount // by label as the events give it
	order  []*objectCount
}

// objectCount is one label's figures; guarded by ObjectMetrics.mu.
type objectCount struct {
	label   string // as shown: valid UTF-8
	entered int64
	inView  int64
}

// cameraObjects is one camera's ObjectMetrics.
type cameraObjects struct {
	name    string
	metrics *ObjectMetrics
}

// Objects returns the object counts of the camera name (its URL's
// credentials redacted, as Add does), made at the first call and the
// same for every later call with that name, so that a camera's pipeline
// made anew goes on counting. Feed it the pipeline's object events:
// pipeline.Config.OnObjectEvent = c.Objects(name).Event (or call Event
// from the function there).
func (c *Collector) Objects(name string) *ObjectMetrics {
	name = redact.URL(name)
	c.mu.Lock()
	defer c.mu.Unlock()
	if i := slices.IndexFunc(c.objects, func(o cameraObjects) bool { return o.name == name }); i >= 0 {
		return c.objects[i].metrics
	}
	m := &ObjectMetrics{labels: map[string]*objectCount{}}
	c.objects = append(c.objects, cameraObjects{name, m})
	return m
}

// Event counts e: an object entering the view adds one to its label's
// total and to those in view, leaving takes one from those in view
// (never below 0). Events of zones are left out.
func (m *ObjectMetrics) Event(e track.Event) {
	if e.Zone != "" || (e.Type != track.Enter && e.Type != track.Leave) {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	n := m.labels[e.Label]
	if n == nil {
		// A label value must be UTF-8: a labels file's stray byte
		// would otherwise fail the whole scrape.
		n = &objectCount{label: strings.ToValidUTF8(e.Label, "\uFFFD")}
		m.labels[strings.Clone(e.Label)] = n
		m.order = append(m.order, n)
	}
	if e.Type == track.Enter {
		n.entered++
		n.inView++
	} else {
		n.inView = max(n.inView-1, 0)
	}
}

// collect sends the camera's figures, labels in the order they came.
func (m *ObjectMetrics) collect(ch chan<- prometheus.Metric, camera string) {
	m.mu.Lock()
	counts := make([]objectCount, len(m.order))
	for i, n := range m.order {
		counts[i] = *n
	}
	m.mu.Unlock()
	for _, n := range counts {
		ch <- prometheus.MustNewConstMetric(objectsTotal, prometheus.CounterValue, float64(n.entered), camera, n.label)
		ch <- prometheus.MustNewConstMetric(objectsInView, prometheus.GaugeValue, float64(n.inView), camera, n.label)
	}
}
