package jsonl

import (
	"github.com/livecam/livecam/pipeline"
	"github.com/livecam/livecam/wire"
)

// Results is a pipeline.Sink that writes one JSON object per frame, a line
// each (wire.AppendResult and a newline), through a Writer. Lines are
// built in a reused buffer: nothing is allocated per frame.
type Results struct {
	w    *Writer
	line []byte
}

// NewResults returns a Sink writing to w; closing the sink closes w.
func NewResults(w *Writer) *Results { return &Results{w: w, line: make([]byte, 0, 512)} }

// TakesI420 is true: results hold no pixels, so the frame may come in
// any format (pipeline.I420Sink).
func (r *Results) TakesI420() bool { return true }

// Write writes the frame's line.
func (r *Results) Write(o *pipeline.Output) error {
	r.line = append(wire.AppendResult(r.line[:0], o.Result), '\n')
	return r.w.WriteLine(r.line)
}

// Close finishes the output (see Writer.Close).
func (r *Results) Close() error { return r.w.Close() }
