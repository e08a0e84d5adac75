package jsonl

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/livecam/livecam/classify"
	"github.com/livecam/livecam/detect"
	"github.com/livecam/livecam/events"
	"github.com/livecam/livecam/pipeline"
	"github.com/livecam/livecam/track"
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
//
// A detector's result (res.Detection) has "objects" in place of "top",
// in the model's order (best first):
//
//	{"frame":12,"pts_ms":400.0,"time":"2026-11-27T09:30:00.123Z","objects":[{"id":3,"class":17,"label":"dog","score":0.91015625,"box":[412,96,230,301]}],"inferred":true,"latency_ms":41.2,"dropped":0}
//
// "box" is x, y, width, height in the pixels of the frame the pipeline
// got (the source's frames); "score" is the shortest decimal that reads
// back as the same float32 (the model's scores are multiples of 1/256);
// "id" is the object's track id, present only when the run tracks
// objects and the object's track is confirmed. A frame with no objects
// has "objects":[].
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
	if res.Detection() {
		b = appendObjects(b, res.Objects())
	} else {
		b = appendTop(b, res.Top())
	}
	b = append(b, `,"inferred":`...)
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

// appendTop appends a classifier's "top" field.
func appendTop(b []byte, top []classify.Prediction) []byte {
	b = append(b, `,"top":[`...)
	for i, t := range top {
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
	return append(b, ']')
}

// appendObjects appends a detector's "objects" field.
func appendObjects(b []byte, objs []detect.Object) []byte {
	b = append(b, `,"objects":[`...)
	for i := range objs {
		o := &objs[i]
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '{')
		if o.ID != 0 {
			b = append(b, `"id":`...)
			b = strconv.AppendInt(b, int64(o.ID), 10)
			b = append(b, ',')
		}
		b = append(b, `"class":`...)
		b = strconv.AppendInt(b, int64(o.Class), 10)
		b = append(b, `,"label":`...)
		b = appendString(b, o.Label)
		b = append(b, `,"score":`...)
		b = appendFloat32(b, o.Score)
		b = append(b, `,"box":[`...)
		for j, v := range [4]int{o.Box.Min.X, o.Box.Min.Y, o.Box.Dx(), o.Box.Dy()} {
			if j > 0 {
				b = append(b, ',')
			}
			b = strconv.AppendInt(b, int64(v), 10)
		}
		b = append(b, "]}"...)
	}
	return append(b, ']')
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

// appendFloat32 writes f as the shortest decimal that reads back as the
// same float32 (as detect.Float32 does), null when not finite.
func appendFloat32(b []byte, f float32) []byte {
	if v := float64(f); math.IsNaN(v) || math.IsInf(v, 0) {
		return append(b, "null"...)
	}
	return strconv.AppendFloat(b, float64(f), 'g', -1, 32)
}

// appendScore writes a score with four decimals, null when not finite.
func appendScore(b []byte, s float32) []byte {
	if f := float64(s); math.IsNaN(f) || math.IsInf(f, 0) {
		return append(b, "null"...)
	}
	return strconv.AppendFloat(b, float64(s), 'f', 4, 32)
}

// AppendObjectEvent appends a tracked object's event (package track) as
// one JSON line, with its newline, to b:
//
//	{"type":"enter","camera":"porch","id":3,"class":17,"label":"dog","zones":[],"start_ms":0.0,"time_ms":80.0,"peak_score":0.91015625,"peak_ms":40.0,"box":[412,96,230,301],"frames":3}
//	{"type":"leave","camera":"porch","id":3,"class":17,"label":"dog","zone":"driveway","zones":[],"start_ms":200.0,"end_ms":4800.0,"time_ms":4840.0,"peak_score":0.9375,"peak_ms":2400.0,"box":[380,120,260,310],"frames":96}
//
// "camera" is left out when camera is empty; "zone" is present for a zone's
// events (the object entered or left that zone) and absent for the view's;
// "zones" are the zones the object is in after the event. start_ms,
// end_ms (leave only), time_ms (when the event was decided) and peak_ms
// are on the source's clock; "box" (x, y, width, height in the frame's
// pixels) is where the object was at its peak score, and "peak_score" is
// written as the shortest decimal that reads back as the same float32.
func AppendObjectEvent(b []byte, camera string, e track.Event) []byte {
	b = append(b, `{"type":`...)
	b = appendString(b, string(e.Type))
	if camera != "" {
		b = append(b, `,"camera":`...)
		b = appendString(b, camera)
	}
	b = append(b, `,"id":`...)
	b = strconv.AppendInt(b, int64(e.ID), 10)
	b = append(b, `,"class":`...)
	b = strconv.AppendInt(b, int64(e.Class), 10)
	b = append(b, `,"label":`...)
	b = appendString(b, e.Label)
	if e.Zone != "" {
		b = append(b, `,"zone":`...)
		b = appendString(b, e.Zone)
	}
	b = append(b, `,"zones":[`...)
	for i, z := range e.Zones {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, z)
	}
	b = append(b, `],"start_ms":`...)
	b = appendMS(b, e.Start)
	if e.Type == track.Leave {
		b = append(b, `,"end_ms":`...)
		b = appendMS(b, e.End)
	}
	b = append(b, `,"time_ms":`...)
	b = appendMS(b, e.Time)
	b = append(b, `,"peak_score":`...)
	b = appendFloat32(b, e.PeakScore)
	b = append(b, `,"peak_ms":`...)
	b = appendMS(b, e.PeakTime)
	b = append(b, `,"box":[`...)
	for i, v := range [4]float64{e.PeakBox.X, e.PeakBox.Y, e.PeakBox.W, e.PeakBox.H} {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendCoord(b, v)
	}
	b = append(b, `],"frames":`...)
	b = strconv.AppendInt(b, int64(e.Frames), 10)
	return append(b, "}\n"...)
}

// appendCoord writes a box coordinate: the shortest decimal (a whole
// number of pixels prints as one), null when not finite.
func appendCoord(b []byte, v float64) []byte {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return append(b, "null"...)
	}
	return strconv.AppendFloat(b, v, 'f', -1, 64)
}
