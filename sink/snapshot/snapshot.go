// Package snapshot writes a JPEG of each tracked object's best frame into
// a folder when the object leaves: CAMERA-RUN-ID-LABEL.jpg, RUN the run's
// start (20261201T220501.123, UTC), so that a rerun, whose track ids
// start at 1 again, names new files. An existing file is never replaced.
//
// A Writer takes a pipeline's per-object callbacks: BestFrame for
// pipeline.Config.OnBestFrame, Event for the track events.
package snapshot

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"gocv.io/x/gocv"

	"github.com/livecam/livecam/detect"
	"github.com/livecam/livecam/internal/topicname"
	"github.com/livecam/livecam/track"
)

// RunFormat is the layout of RUN in the names (time.Time.Format, UTC).
const RunFormat = "20060102T150405.000"

// Writer keeps the JPEG of each live track's best frame and writes it
// when the track leaves. Its methods may be called from several
// goroutines.
type Writer struct {
	dir, camera string
	run         string
	logf        func(format string, args ...any)
	mu          sync.Mutex
	best        map[int][]byte // by track id
}

// New makes the folder dir (and its parents) and returns a Writer into
// it for camera (made safe for a file name: topicname.Safe). run names
// the run; "" is the time now in RunFormat. logf (nil: none) takes the
// warnings of snapshots that could not be encoded or written: the run
// goes on without them.
func New(dir, camera, run string, logf func(format string, args ...any)) (*Writer, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	if run == "" {
		run = time.Now().UTC().Format(RunFormat)
	}
	if logf == nil {
		logf = func(string, ...any) {}
	}
	return &Writer{dir: dir, camera: topicname.Safe(camera), run: run, logf: logf, best: map[int][]byte{}}, nil
}

// BestFrame encodes frame, the best frame of object o so far, replacing
// the one kept for o's track.
func (w *Writer) BestFrame(o detect.Object, frame gocv.Mat) {
	buf, err := gocv.IMEncode(gocv.JPEGFileExt, frame)
	if err != nil {
		w.logf("warning: snapshot of object %d: %v", o.ID, err)
		return
	}
	defer buf.Close()
	w.mu.Lock()
	w.best[o.ID] = append(w.best[o.ID][:0], buf.GetBytes()...)
	w.mu.Unlock()
}

// Event writes the snapshot of a track that left the frame (a Leave
// event of no zone); other events are ignored. A track with no best
// frame writes nothing.
func (w *Writer) Event(ev track.Event) {
	if ev.Type != track.Leave || ev.Zone != "" {
		return
	}
	w.mu.Lock()
	jpg := w.best[ev.ID]
	delete(w.best, ev.ID)
	w.mu.Unlock()
	if jpg == nil {
		return
	}
	if err := w.write(w.Name(ev.ID, ev.Label), jpg); err != nil {
		w.logf("warning: snapshot: %v", err)
	}
}

// Name is the file name of track id's snapshot: CAMERA-RUN-ID-LABEL.jpg,
// the label made safe and bounded (topicname.Safe: at most
// topicname.MaxLen bytes).
func (w *Writer) Name(id int, label string) string {
	return fmt.Sprintf("%s-%s-%d-%s.jpg", w.camera, w.run, id, topicname.Safe(label))
}

// write creates a new file name in the folder; an existing one is an error.
func (w *Writer) write(name string, jpg []byte) error {
	f, err := os.OpenFile(filepath.Join(w.dir, name), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	_, err = f.Write(jpg)
	return errors.Join(err, f.Close())
}
