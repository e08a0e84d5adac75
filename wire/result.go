package wire

import (
	"strconv"

	"github.com/livecam/livecam/classify"
	"github.com/livecam/livecam/detect"
	"github.com/livecam/livecam/pipeline"
)

// AppendResult appends res, one frame's result, to b:
//
//	{"frame":12,"pts_ms":400.0,"time":"2026-11-27T09:30:00.123Z","top":[{"class":281,"label":"tabby, tabby cat","score":0.8700}],"inferred":true,"latency_ms":9.8,"dropped":0}
//
// pts_ms is the frame's time on the source's clock (the container's for
// files, the caller's for pushed frames), time the wall-clock time it was
// captured (left out when zero). A frame whose own size differs from the
// source's (a stream that changed resolution) adds "size":[width,height].
// Scores that are not finite are written as null.
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
// has "objects":[]. A nil res is written as null.
func AppendResult(b []byte, res *pipeline.Result) []byte {
	if res == nil {
		return append(b, "null"...)
	}
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
	return append(b, '}')
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
