package jsonl

import (
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/livecam/livecam/pipeline"
)

// TopChanges tells, frame by frame, when a camera's best label changes,
// and formats it: {"class":281,"label":"tabby","score":0.8731,"pts_ms":1200.0}
// (the label's first name only; nulls when no class is reported). It is
// what sink/mqtt and sink/natsjs publish as a camera's current label. It
// is safe for concurrent use; the zero value is ready.
type TopChanges struct {
	mu    sync.Mutex
	class int
	seen  bool
}

// Next returns the message for res's best label and true when it differs
// from the last frame's (or res is the first frame), nil and false
// otherwise.
func (t *TopChanges) Next(res *pipeline.Result) ([]byte, bool) {
	top := res.Top()
	class := -1
	if len(top) > 0 {
		class = top[0].Class
	}
	t.mu.Lock()
	same := t.seen && class == t.class
	t.class, t.seen = class, true
	t.mu.Unlock()
	if same {
		return nil, false
	}
	pts := float64(res.PTS.Microseconds()) / 1000
	if class < 0 {
		return fmt.Appendf(nil, `{"class":null,"label":null,"score":null,"pts_ms":%.1f}`, pts), true
	}
	label, _, _ := strings.Cut(top[0].Label, ",")
	return fmt.Appendf(nil, `{"class":%d,"label":%s,"score":%.4f,"pts_ms":%.1f}`, class, strconv.Quote(label), top[0].Score, pts), true
}
