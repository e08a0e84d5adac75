package wire

import (
	"image"
	"math"
	"math/rand/v2"
	"time"

	"github.com/livecam/livecam/classify"
	"github.com/livecam/livecam/detect"
	"github.com/livecam/livecam/events"
	"github.com/livecam/livecam/pipeline"
	"github.com/livecam/livecam/track"
)

// The golden file testdata/golden.txt holds, for the inputs below, the
// bytes sink/jsonl's encoders wrote before they moved to this package
// (their lines without the newline): TestGolden holds the wire format to
// them, byte for byte.

// goldenLabels are labels as they come: ImageNet's synonyms, COCO's,
// and ones that need escaping in JSON.
var goldenLabels = []string{"tabby, tabby cat", "hotdog, hot dog, red hot", "golden retriever", "dog", "dining table",
	`a "person"`, `back\slash`, "tab\there", "café, crème", "ok ünïcödé ☕", "", "crane,", " spaced , out"}

// goldenScores are scores as models give them, and the ones that are
// not finite.
var goldenScores = []float32{0, 1, 0.5, 0.87, 0.1, 0.83203125, 1.0 / 256, 0.99609375, 0.123456, 1e-7,
	float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1))}

// goldenResults returns classifiers' and detectors' results.
func goldenResults() []*pipeline.Result {
	r := rand.New(rand.NewPCG(22, 8))
	var out []*pipeline.Result
	for i := range 60 {
		res := &pipeline.Result{Frame: int64(i * 7), PTS: time.Duration(r.Int64N(int64(time.Hour))), Inferred: r.IntN(2) == 0,
			Latency: time.Duration(r.Int64N(int64(time.Second))), Dropped: r.Int64N(1000)}
		if i%3 != 0 {
			res.Time = time.Date(2026, 11, 27, 9, 30, 0, int(r.Int64N(1e9)), time.FixedZone("X", 3600*(i%5-2)))
		}
		if i%7 == 3 {
			res.Width, res.Height = 640+i, 360+i
		}
		if i%2 == 0 {
			top := make([]classify.Prediction, i%11)
			for j := range top {
				top[j] = classify.Prediction{Class: r.IntN(1000), Label: goldenLabels[r.IntN(len(goldenLabels))], Score: goldenScores[r.IntN(len(goldenScores))]}
			}
			res.SetTop(top)
		} else {
			objs := make([]detect.Object, i%12)
			for j := range objs {
				x, y := r.IntN(700)-20, r.IntN(500)-20
				objs[j] = detect.Object{Class: r.IntN(90), Label: goldenLabels[r.IntN(len(goldenLabels))], Score: goldenScores[r.IntN(len(goldenScores))],
					Box: image.Rect(x, y, x+r.IntN(300), y+r.IntN(300))}
				if r.IntN(3) > 0 {
					objs[j].ID = 1 + r.IntN(500)
				}
			}
			res.SetObjects(objs)
		}
		out = append(out, res)
	}
	return out
}

// goldenEvents returns a classifier's label events.
func goldenEvents() []events.Event {
	r := rand.New(rand.NewPCG(22, 9))
	var out []events.Event
	for i := range 30 {
		e := events.Event{Type: events.Enter, Class: r.IntN(1000), Label: goldenLabels[i%len(goldenLabels)],
			Start: time.Duration(r.Int64N(int64(time.Hour))), PeakScore: goldenScores[r.IntN(len(goldenScores))],
			MeanScore: goldenScores[r.IntN(len(goldenScores))], Frames: r.IntN(10000)}
		if i%2 == 1 {
			e.Type, e.End = events.Leave, e.Start+time.Duration(r.Int64N(int64(time.Minute)))
		}
		out = append(out, e)
	}
	return out
}

// goldenObjectEvents returns tracked objects' events and the camera each
// is from.
func goldenObjectEvents() ([]track.Event, []string) {
	r := rand.New(rand.NewPCG(22, 10))
	zones := []string{"porch", "drive\"way", "lawn", "zone ☕"}
	coords := []float64{0, 1, 412, 96.5, 380.25, -3, 1e-3, 12345.678, math.NaN(), math.Inf(1)}
	cams := []string{"", "porch", `cam "1"`, "door#1+.mp4"}
	var out []track.Event
	var camera []string
	for i := range 30 {
		e := track.Event{Type: track.Enter, ID: 1 + r.IntN(1000), Class: r.IntN(90), Label: goldenLabels[i%len(goldenLabels)],
			Start: time.Duration(r.Int64N(int64(time.Hour))), Time: time.Duration(r.Int64N(int64(time.Hour))),
			PeakScore: goldenScores[r.IntN(len(goldenScores))], PeakTime: time.Duration(r.Int64N(int64(time.Hour))),
			PeakBox: track.Box{X: coords[r.IntN(len(coords))], Y: coords[r.IntN(len(coords))], W: coords[r.IntN(len(coords))], H: coords[r.IntN(len(coords))]},
			Frames:  r.IntN(5000)}
		if i%2 == 1 {
			e.Type, e.End = track.Leave, e.Start+time.Duration(r.Int64N(int64(time.Minute)))
		}
		if i%3 == 1 {
			e.Zone = zones[r.IntN(len(zones))]
		}
		if i%4 != 0 {
			e.Zones = zones[:r.IntN(len(zones)+1)]
		}
		out = append(out, e)
		camera = append(camera, cams[i%len(cams)])
	}
	return out, camera
}

// goldenTops returns a classifier's frames in a row, for a camera's top
// label: classes that stay, change, go and come back.
func goldenTops() []*pipeline.Result {
	r := rand.New(rand.NewPCG(22, 11))
	var out []*pipeline.Result
	classes := []int{-1, 281, 281, 207, 207, 207, -1, -1, 281, 0, 999, 999}
	// No control character: the old encoder escaped a tab as \t (this
	// package writes \u0009, the same string to a JSON reader).
	labels := []string{"tabby, tabby cat", "hotdog, hot dog, red hot", "golden retriever", `a "person"`, `back\slash`, "café, crème", "ok ünïcödé ☕", "", "crane,", " spaced , out"}
	for i := range 40 {
		res := &pipeline.Result{Frame: int64(i), PTS: time.Duration(i) * 40 * time.Millisecond}
		if c := classes[(i+r.IntN(2))%len(classes)]; c >= 0 {
			res.SetTop([]classify.Prediction{{Class: c, Label: labels[(c+i/5)%len(labels)], Score: goldenScores[r.IntN(10)]},
				{Class: 5, Label: "other", Score: 0.01}})
		}
		out = append(out, res)
	}
	return out
}
