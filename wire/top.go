package wire

import (
	"strconv"
	"sync"
	"time"

	"github.com/livecam/livecam/net/mobilenet"
	"github.com/livecam/livecam/pipeline"
)

// AppendTop appends a camera's best label, res's first class, to b:
//
//	{"class":281,"label":"tabby","score":0.8731,"pts_ms":1200.0}
//
// with the label's display name (mobilenet.ShortLabel), or nulls when
// res reports no class:
//
//	{"class":null,"label":null,"score":null,"pts_ms":1240.0}
//
// It is what sink/mqtt and sink/natsjs publish as a camera's current
// label, when TopChanges says it changed. A nil res is written as null.
func AppendTop(b []byte, res *pipeline.Result) []byte {
	if res == nil {
		return append(b, "null"...)
	}
	top := res.Top()
	if len(top) == 0 {
		b = append(b, `{"class":null,"label":null,"score":null,"pts_ms":`...)
	} else {
		b = append(b, `{"class":`...)
		b = strconv.AppendInt(b, int64(top[0].Class), 10)
		b = append(b, `,"label":`...)
		b = appendString(b, mobilenet.ShortLabel(top[0].Label))
		b = append(b, `,"score":`...)
		b = appendScore(b, top[0].Score)
		b = append(b, `,"pts_ms":`...)
	}
	b = appendMS(b, res.PTS)
	return append(b, '}')
}

// AppendNoSignal appends a camera's top label while it has no signal
// (its frames stopped at since, the last frame's wall-clock time) to b:
//
//	{"class":null,"label":null,"score":null,"no_signal_since":"2026-12-02T15:42:07.123Z"}
//
// It replaces the retained label (see AppendTop) until frames return, so
// that nobody reads the last label as still there.
func AppendNoSignal(b []byte, since time.Time) []byte {
	b = append(b, `{"class":null,"label":null,"score":null,"no_signal_since":"`...)
	b = since.UTC().AppendFormat(b, "2006-01-02T15:04:05.000Z")
	return append(b, `"}`...)
}

// TopChanges tells, frame by frame, when a camera's best class changes
// (see AppendTop). It is safe for concurrent use; the zero value is
// ready.
type TopChanges struct {
	mu    sync.Mutex
	class int
	seen  bool
}

// Changed reports whether res's best class (or its having none) differs
// from that of the frame given before, and true for the first frame. A
// nil res is no frame: false, and the next frame is compared with the
// one before it.
func (t *TopChanges) Changed(res *pipeline.Result) bool {
	if res == nil {
		return false
	}
	class := -1
	if top := res.Top(); len(top) > 0 {
		class = top[0].Class
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	same := t.seen && class == t.class
	t.class, t.seen = class, true
	return !same
}

// Reset forgets the frame given before: the next frame counts as changed
// (a camera whose signal came back publishes its label again).
func (t *TopChanges) Reset() {
	t.mu.Lock()
	t.seen = false
	t.mu.Unlock()
}
