package outputs

import (
	"os"
	"path/filepath"
	"strings"

	"github.com/livecam/livecam/events"
	"github.com/livecam/livecam/pipeline"
	"github.com/livecam/livecam/prom"
	"github.com/livecam/livecam/sink/jsonl"
	"github.com/livecam/livecam/sink/snapshot"
	"github.com/livecam/livecam/track"
	"github.com/livecam/livecam/wire"
)

// labelEvents writes the run's label events as JSON lines. It is a
// pipeline.Sink only to be closed with the other outputs, after the
// last event.
type labelEvents struct {
	w     *jsonl.Writer
	line  []byte
	logf  func(format string, args ...any)
	ended bool
}

func (e *labelEvents) event(ev events.Event) {
	if e.ended {
		return
	}
	e.line = append(wire.AppendEvent(e.line[:0], ev), '\n')
	if err := e.w.WriteLine(e.line); err != nil {
		e.ended = true
		e.logf("warning: %v; the run goes on without it", err)
	}
}

func (e *labelEvents) Write(*pipeline.Output) error { return nil }
func (e *labelEvents) TakesI420() bool              { return true }
func (e *labelEvents) Close() error                 { return e.w.Close() }

// objectEvents fans a run's per-object events out to its outputs: the
// events file, brokers, snapshots, metrics.
type objectEvents struct {
	camera  string
	w       *jsonl.Writer
	line    []byte
	logf    func(format string, args ...any)
	ended   bool
	pubs    []pipeline.ObjectPublisher
	snaps   *snapshot.Writer
	snapDir string // snaps' folder
	root    string // the folder the events name files relative to
	clips   Clips
	metrics *prom.ObjectMetrics // Prometheus's objects per label, or nil
}

func (e *objectEvents) event(ev track.Event) {
	if e.snaps != nil {
		e.snaps.Event(ev)
		ev.Snapshot = e.snapshot(ev)
	}
	if e.clips != nil {
		ev = e.clips.ObjectEvent(ev)
	}
	for _, p := range e.pubs {
		p.ObjectEvent(ev)
	}
	if e.metrics != nil {
		e.metrics.Event(ev)
	}
	if e.w == nil || e.ended {
		return
	}
	e.line = append(wire.AppendObjectEvent(e.line[:0], e.camera, ev), '\n')
	if err := e.w.WriteLine(e.line); err != nil {
		e.ended = true
		e.logf("warning: %v; the run goes on without it", err)
	}
}

// snapshot names the snapshot the leave event ev made, relative to the
// root folder when it is within it; "" when none was written.
func (e *objectEvents) snapshot(ev track.Event) string {
	if ev.Type != track.Leave || ev.Zone != "" {
		return ""
	}
	path := filepath.Join(e.snapDir, e.snaps.Name(ev.ID, ev.Label))
	if _, err := os.Lstat(path); err != nil {
		return ""
	}
	return relative(e.root, path)
}

// relative is path relative to root when it is within root, else path.
func relative(root, path string) string {
	if root == "" {
		return path
	}
	rel, err := filepath.Rel(root, path)
	if err != nil || rel == ".." || strings.HasPrefix(rel, "../") {
		return path
	}
	return rel
}

func (e *objectEvents) Write(*pipeline.Output) error { return nil }
func (e *objectEvents) TakesI420() bool              { return true }
func (e *objectEvents) Close() error {
	if e.w == nil {
		return nil
	}
	return e.w.Close()
}
