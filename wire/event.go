package wire

import (
	"strconv"

	"github.com/livecam/livecam/events"
	"github.com/livecam/livecam/net/mobilenet"
	"github.com/livecam/livecam/track"
)

// AppendEvent appends a classifier's label event (package events) to b:
//
//	{"type":"enter","class":466,"label":"bullet train","start_ms":1200.0,"peak_score":0.9700,"mean_score":0.9100,"frames":12}
//	{"type":"leave","class":466,"label":"bullet train","start_ms":1200.0,"end_ms":4800.0,"peak_score":0.9700,"mean_score":0.9100,"frames":108,"time":"2026-12-02T15:42:07.123Z","camera":"porch"}
//
// The label is the class's display name (mobilenet.ShortLabel); times
// are on the source's clock, except "time": the wall-clock time of the
// frame that decided the event (e.Time, in UTC, to the millisecond),
// left out when zero; "camera" (e.Camera) is left out when empty. An enter's totals cover the frames up to
// the enter, a leave's the whole stay. "clip" and "snapshot" (e.Clip, e.Snapshot: the stay's
// video clip and its best frame, relative to the run's out-dir) are left
// out when empty.
func AppendEvent(b []byte, e events.Event) []byte {
	b = append(b, `{"type":`...)
	b = appendString(b, string(e.Type))
	b = append(b, `,"class":`...)
	b = strconv.AppendInt(b, int64(e.Class), 10)
	b = append(b, `,"label":`...)
	b = appendString(b, mobilenet.ShortLabel(e.Label))
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
	if !e.Time.IsZero() {
		b = append(b, `,"time":"`...)
		b = e.Time.UTC().AppendFormat(b, "2006-01-02T15:04:05.000Z")
		b = append(b, '"')
	}
	if e.Camera != "" {
		b = append(b, `,"camera":`...)
		b = appendString(b, e.Camera)
	}
	b = appendFiles(b, e.Clip, e.Snapshot)
	return append(b, '}')
}

// AppendObjectEvent appends a tracked object's event (package track),
// seen by camera, to b:
//
//	{"type":"enter","camera":"porch","id":3,"class":17,"label":"dog","zones":[],"start_ms":0.0,"time_ms":80.0,"peak_score":0.91015625,"peak_ms":40.0,"box":[412,96,230,301],"frames":3}
//	{"type":"leave","camera":"porch","id":3,"class":17,"label":"dog","zone":"driveway","zones":[],"start_ms":200.0,"end_ms":4800.0,"time_ms":4840.0,"peak_score":0.9375,"peak_ms":2400.0,"box":[380,120,260,310],"frames":96,"time":"2026-12-02T15:42:07.123Z"}
//
// "camera" is left out when camera is empty; "zone" is present for a zone's
// events (the object entered or left that zone) and absent for the view's;
// "zones" are the zones the object is in after the event. start_ms,
// end_ms (leave only), time_ms (when the event was decided) and peak_ms
// are on the source's clock; "box" (x, y, width, height in the frame's
// pixels) is where the object was at its peak score, and "peak_score" is
// written as the shortest decimal that reads back as the same float32.
// "time" is the wall-clock capture time of the frame that decided the
// event (e.Wall, in UTC, to the millisecond), left out when zero.
// "clip" and "snapshot" (e.Clip, e.Snapshot: the stay's video clip and
// best frame, relative to the run's out-dir) are left out when empty.
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
	if !e.Wall.IsZero() {
		b = append(b, `,"time":"`...)
		b = e.Wall.UTC().AppendFormat(b, "2006-01-02T15:04:05.000Z")
		b = append(b, '"')
	}
	b = appendFiles(b, e.Clip, e.Snapshot)
	return append(b, '}')
}

// appendFiles appends an event's "clip" and "snapshot" (the stay's video
// clip and best frame, relative to the run's out-dir), each left out
// when empty.
func appendFiles(b []byte, clip, snapshot string) []byte {
	if clip != "" {
		b = append(b, `,"clip":`...)
		b = appendString(b, clip)
	}
	if snapshot != "" {
		b = append(b, `,"snapshot":`...)
		b = appendString(b, snapshot)
	}
	return b
}
