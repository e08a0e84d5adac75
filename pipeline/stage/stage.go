// Package stage holds the policies a pipeline composes around its
// classifier or detector, each one small and testable alone.
//
// Gates run on the capture goroutine and decide which frames get a forward
// pass; the frames between carry the last result:
//
//	Every(k)      every k-th frame
//	MaxRate(fps)  at most fps forward passes per second
//	All(g...)     frames every gate passes, asked in order
//
// Stages run on the output goroutine, in frame order, each wrapping the
// sink after it (pipeline.Stage):
//
//	Smooth(a)     exponential moving average of a classifier's
//	              probabilities (a detector's results pass as they are)
//	Overlay(opts) the labels, or a detector's objects as boxes and its
//	              zones, and a status line drawn onto the frame
//
// A stage sees pipeline.Output only during its Write; it passes the frame
// on to the next sink and closes that sink when it is closed.
package stage

import (
	"fmt"
	"image"
	"math"
	"time"

	"github.com/livecam/livecam/overlay"
	"github.com/livecam/livecam/pipeline"
	"github.com/livecam/livecam/track"
)

// Every returns a Gate that classifies frames 0, k, 2k, ... (k >= 1).
func Every(k int) pipeline.Gate {
	k = max(k, 1)
	return pipeline.GateFunc(func(frame int64, _ time.Time) bool { return frame%int64(k) == 0 })
}

// MaxRate returns a Gate that classifies at most fps frames per second of
// wall-clock time: a frame is classified when at least 1/fps has passed
// since the last one that was. fps <= 0 classifies every frame.
func MaxRate(fps float64) pipeline.Gate {
	if !(fps > 0) {
		return pipeline.GateFunc(func(int64, time.Time) bool { return true })
	}
	gap := time.Duration(float64(time.Second) / fps)
	var last time.Time
	return pipeline.GateFunc(func(_ int64, now time.Time) bool {
		if !last.IsZero() && now.Sub(last) < gap {
			return false
		}
		last = now
		return true
	})
}

// All returns a Gate that classifies a frame when every gate does. Gates
// are asked in order and the first "no" stops the asking, so a rate cap
// after Every counts only the frames Every passed.
func All(gates ...pipeline.Gate) pipeline.Gate {
	return pipeline.GateFunc(func(frame int64, now time.Time) bool {
		for _, g := range gates {
			if !g.Classify(frame, now) {
				return false
			}
		}
		return true
	})
}

// Smooth returns a Stage that replaces each frame's probabilities by an
// exponential moving average, a*newest + (1-a)*average, updated on every
// classified frame (a in (0, 1]; 1 is no smoothing), and ranks the result
// again.
func Smooth(a float64) (pipeline.Stage, error) {
	if math.IsNaN(a) || a <= 0 || a > 1 {
		return nil, fmt.Errorf("stage: smoothing weight %v is outside (0, 1]", a)
	}
	w := float32(a)
	return func(next pipeline.Sink) pipeline.Sink {
		var avg []float32
		return &sinkFunc{next: next, write: func(o *pipeline.Output) error {
			if o.Result.Inferred {
				if avg == nil {
					avg = append([]float32(nil), o.Probs...)
				} else {
					for i, v := range o.Probs {
						avg[i] = w*v + (1-w)*avg[i]
					}
				}
			}
			if avg != nil {
				o.Probs = avg
				o.Rank()
			}
			return next.Write(o)
		}}
	}, nil
}

// Overlay returns a Stage that draws each frame's result onto its image,
// BGR or I420 planes (see package overlay; nil options mean defaults): a
// classifier's
// reported classes, or a detector's objects as boxes in a colour per
// class, each with its label, score and track id ("dog 91% #2"), and the
// zones of Output.Zones outlined with their names; and a status line with
// the model, the output rate, the latency so far and the frames dropped.
// It allocates nothing per frame (the zones' outlines are computed again
// only when the zones change).
func Overlay(opts *overlay.Options) pipeline.Stage {
	return func(next pipeline.Sink) pipeline.Sink {
		drawer := overlay.New(opts)
		info := overlay.Info{Top: make([]overlay.Label, 0, 10), Objects: make([]overlay.Box, 0, pipeline.MaxObjects)}
		var zones zoneCache
		return &sinkFunc{next: next, write: func(o *pipeline.Output) error {
			res := o.Result
			info.Top = info.Top[:0]
			for _, t := range res.Top() {
				info.Top = append(info.Top, overlay.Label{Name: t.Label, Score: t.Score})
			}
			info.Objects = info.Objects[:0]
			for _, d := range res.Objects() {
				info.Objects = append(info.Objects, overlay.Box{Rect: d.Box, Label: d.Label, Score: d.Score, ID: d.ID, Class: d.Class})
			}
			info.Zones = zones.get(o.Zones)
			info.Model, info.FPS, info.Dropped = o.Model, o.FPS, res.Dropped
			info.SourceWidth, info.SourceHeight = res.Width, res.Height
			info.Latency = float64(time.Since(res.Time).Nanoseconds()) / 1e6
			if o.HasI420() {
				drawer.DrawI420(&o.I420, &info)
			} else {
				drawer.Draw(&o.Image, &info)
			}
			return next.Write(o)
		}}
	}
}

// zoneCache holds the overlay's outlines of the zones last given, so
// that they are rounded to pixels only when the zones change.
type zoneCache struct {
	from []track.Zone
	to   []overlay.Zone
}

// get returns zones as the overlay draws them.
func (c *zoneCache) get(zones []track.Zone) []overlay.Zone {
	if len(zones) == 0 {
		return nil
	}
	if len(zones) == len(c.from) && &zones[0] == &c.from[0] {
		return c.to
	}
	c.from, c.to = zones, make([]overlay.Zone, len(zones))
	for i, z := range zones {
		pts := make([]image.Point, len(z.Points))
		for j, p := range z.Points {
			pts[j] = image.Pt(int(math.Round(p[0])), int(math.Round(p[1])))
		}
		c.to[i] = overlay.Zone{Name: z.Name, Points: pts}
	}
	return c.to
}

// sinkFunc is a stage's Sink: its own Write, and Close passed on. Every
// stage of this package takes I420 planes as well as BGR, so it takes
// them when the sinks after it do (pipeline.I420Sink).
type sinkFunc struct {
	next  pipeline.Sink
	write func(o *pipeline.Output) error
}

func (s *sinkFunc) Write(o *pipeline.Output) error { return s.write(o) }
func (s *sinkFunc) Close() error                   { return s.next.Close() }
func (s *sinkFunc) TakesI420() bool                { return pipeline.TakesI420(s.next) }
