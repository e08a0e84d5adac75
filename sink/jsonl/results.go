package jsonl

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/livecam/livecam/events"
	"github.com/livecam/livecam/pipeline"
)

// Results is a pipeline.Sink that writes one JSON object per frame, a line
// each (see AppendResult), through a Writer. Lines are built in a reused
// buffer: nothing is allocated per frame.
type Results struct {
	w    *Writer
	line []byte
}

// NewResults returns a Sink writing to w; closing the sink closes w.
func NewResults(w *Writer) *Results { return &Results{w: w, line: make([]byte, 0, 512)} }

// Write writes the frame's line.
func (r *Results) Write(o *pipeline.Output) error {
	r.line = AppendResult(r.line[:0], o.Result)
	return r.w.WriteLine(r.line)
}

// Close finishes the output (see Writer.Close).
func (r *Results) Close() error { return r.w.Close() }

// TimeLayout is how "time" is written: RFC 3339 in UTC, with milliseconds.
const TimeLayout = "2006-01-02T15:04:05.000Z07:00"

// AppendResult appends res as one JSON line, with its newline, to b:
//
//	{"frame":12,"pts_ms":400.0,"time":"2026-11-27T09:30:00.123Z","top":[{"class":281,"label":"tabby, tabby cat","score":0.8700}],"inferred":true,"latency_ms":9.8,"dropped":0}
//
// pts_ms is the frame's time on the source's clock (the container's for
// files, the caller's for pushed frames), time the wall-clock time it was
// captured. A frame whose own size differs from the source's (a stream
// that changed resolution) adds "size":[width,height]. Scores that are not
// finite are written as null, so the line stays JSON.
func AppendResult(b []byte, res *pipeline.Result) []byte {
	b = append(b, `{"frame":`...)
	b = strconv.AppendInt(b, res.Frame, 10)
	b = append(b, `,"pts_ms":`...)
	b = appendMS(b, res.PTS)
	if !res.Time.IsZero() {
		b = append(b, `,"time":"`...)
		b = res.Time.UTC().AppendFormat(b, TimeLayout)
		b = append(b, '"')
	}
	b = append(b, `,"top":[`...)
	for i, t := range res.Top() {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"class":`...)
		b = strconv.AppendInt(b, int64(t.Class), 10)
		b = append(b, `,"label":`...)
		b = appendString(b, t.Label)
		b = append(b, `,"score":`...)
		b = appendScore(b, t.Score)
		b = append(b, '}')
	}
	b = append(b, `],"inferred":`...)
	b = strconv.AppendBool(b, res.Inferred)
	b = append(b, `,"latency_ms":`...)
	b = appendMS(b, res.Latency)
	b = append(b, `,"dropped":`...)
	b = strconv.AppendInt(b, res.Dropped, 10)
	if res.Width > 0 {
		b = append(b, `,"size":[`...)
		b = strconv.AppendInt(b, int64(res.Width), 10)
		b = append(b, ',')
		b = strconv.AppendInt(b, int64(res.Height), 10)
		b = append(b, ']')
	}
	return append(b, "}\n"...)
}

// AppendEvent appends e as one JSON line, with its newline, to b:
//
//	{"type":"enter","class":466,"label":"bullet train","start_ms":1200.0,"peak_score":0.9700,"mean_score":0.9100,"frames":12}
//	{"type":"leave","class":466,"label":"bullet train","start_ms":1200.0,"end_ms":4800.0,"peak_score":0.9700,"mean_score":0.9100,"frames":108}
//
// The label is the first of the class's names; times are on the source's
// clock. An enter line's totals cover the frames up to the enter, a leave
// line's the whole stay.
func AppendEvent(b []byte, e events.Event) []byte {
	b = append(b, `{"type":`...)
	b = appendString(b, string(e.Type))
	b = append(b, `,"class":`...)
	b = strconv.AppendInt(b, int64(e.Class), 10)
	b = append(b, `,"label":`...)
	first, _, _ := strings.Cut(e.Label, ",")
	b = appendString(b, first)
	b = append(b, `,"start_ms":`...)
	b = appendMS(b, e.Start)
	if e.Type == events.Leave {
		b = append(b, `,"end_ms":`...)
		b = appendMS(b, e.End)
	}
	b = append(b, `,"peak_score":`...)
	b = appendScore(b, e.PeakScore)
	b = append(b, `,"mean_score":`...)
	b = appendScore(b, e.MeanScore)
	b = append(b, `,"frames":`...)
	b = strconv.AppendInt(b, int64(e.Frames), 10)
	return append(b, "}\n"...)
}

// appendMS writes a duration in milliseconds with one decimal.
func appendMS(b []byte, d time.Duration) []byte {
	return strconv.AppendFloat(b, float64(d.Microseconds())/1000, 'f', 1, 64)
}

// appendScore writes a score with four decimals, null when not finite.
func appendScore(b []byte, s float32) []byte {
	if f := float64(s); math.IsNaN(f) || math.IsInf(f, 0) {
		return append(b, "null"...)
	}
	return strconv.AppendFloat(b, float64(s), 'f', 4, 32)
}
