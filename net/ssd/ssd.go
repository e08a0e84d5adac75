package ssd

import (
	"errors"
	"fmt"
	"math"

	"github.com/livecam/livecam/net/quant"
)

// Limits New accepts: far above any SSD model, low enough that a damaged
// file cannot make it allocate without bound.
const (
	maxAnchors    = 1 << 20
	maxClasses    = 1 << 16
	maxDetections = 1 << 16
	// maxWork bounds anchors × max_detections: greedy NMS compares each
	// candidate with every box taken, so this product bounds a frame's
	// work (the COCO detector: 1917 × 10). At 2^24 a frame takes tens of
	// milliseconds at worst, where a crafted file could otherwise ask
	// for minutes.
	maxWork = 1 << 24
)

// ErrUnsupported reports options the postprocess does not implement
// (regular NMS, more than one class per detection).
var ErrUnsupported = errors.New("unsupported")

// PostProcess is TFLite's TFLite_Detection_PostProcess operator with fast
// (class-agnostic) NMS for uint8 box encodings and scores, bit for bit. It
// is immutable after New and safe for concurrent use; each goroutine runs
// it with its own Work.
type PostProcess struct {
	o          Options
	numAnchors int
	classes    int       // NumClasses + 1: a score row, background first
	anchors    []float32 // numAnchors × (ycenter, xcenter, h, w), dequantized

	// Box decoding tables by encoding byte (rule 10b), each the exact
	// float64 value TFLite computes from that byte:
	// cy[q] = double(ty)/double(y_scale), cx likewise;
	// eh[q] = 0.5·exp(double(th)/double(h_scale)), ew likewise.
	cy, cx, eh, ew [256]float64

	score [256]float32 // the dequantized score of a score byte, increasing
	minQ  int          // candidates have a best score byte >= minQ (256: none)
}

// New prepares the postprocess: o the operator's options, anchors the
// constant anchor tensor (numAnchors × 4 uint8: ycenter, xcenter, h, w)
// with its quantization anchorQ, boxQ and scoreQ the quantization of the
// box-encoding and score inputs. It refuses regular NMS and
// MaxClassesPerDetection other than 1 (ErrUnsupported), and options or
// quantizations that make no sense, with an error saying which.
func New(o Options, anchors []uint8, anchorQ quant.Params, boxQ quant.Params, scoreQ quant.Params, numAnchors int) (*PostProcess, error) {
	if o.UseRegularNMS {
		return nil, fmt.Errorf("TFLite_Detection_PostProcess: regular NMS is not supported (use_regular_nms is true): %w", ErrUnsupported)
	}
	if o.MaxClassesPerDetection != 1 {
		return nil, fmt.Errorf("TFLite_Detection_PostProcess: max_classes_per_detection %d is not supported (only 1): %w", o.MaxClassesPerDetection, ErrUnsupported)
	}
	if o.MaxDetections < 1 || o.MaxDetections > maxDetections {
		return nil, fmt.Errorf("TFLite_Detection_PostProcess: max_detections %d is not in [1, %d]", o.MaxDetections, maxDetections)
	}
	if o.NumClasses < 1 || o.NumClasses > maxClasses {
		return nil, fmt.Errorf("TFLite_Detection_PostProcess: num_classes %d is not in [1, %d]", o.NumClasses, maxClasses)
	}
	if numAnchors < 1 || numAnchors > maxAnchors {
		return nil, fmt.Errorf("TFLite_Detection_PostProcess: %d anchors is not in [1, %d]", numAnchors, maxAnchors)
	}
	if numAnchors*o.MaxDetections > maxWork {
		return nil, fmt.Errorf("TFLite_Detection_PostProcess: %d anchors × %d detections is more suppression work per frame than livecam takes (at most %d)", numAnchors, o.MaxDetections, maxWork)
	}
	if len(anchors) != numAnchors*4 {
		return nil, fmt.Errorf("TFLite_Detection_PostProcess: %d anchor bytes for %d anchors (want %d)", len(anchors), numAnchors, numAnchors*4)
	}
	// TFLite's own check (NonMaxSuppressionSingleClassHelper).
	if !(o.IoUThreshold > 0 && o.IoUThreshold <= 1) {
		return nil, fmt.Errorf("TFLite_Detection_PostProcess: nms_iou_threshold %v is not in (0, 1]", o.IoUThreshold)
	}
	if math.IsNaN(float64(o.ScoreThreshold)) {
		return nil, errors.New("TFLite_Detection_PostProcess: nms_score_threshold is NaN")
	}
	for _, s := range []struct {
		name string
		v    float32
	}{{"y_scale", o.YScale}, {"x_scale", o.XScale}, {"h_scale", o.HScale}, {"w_scale", o.WScale}} {
		if !(s.v > 0 && s.v <= math.MaxFloat32) {
			return nil, fmt.Errorf("TFLite_Detection_PostProcess: %s %v is not a positive number", s.name, s.v)
		}
	}
	for _, q := range []struct {
		name string
		p    quant.Params
	}{{"anchors", anchorQ}, {"box encodings", boxQ}, {"scores", scoreQ}} {
		if !(q.p.Scale > 0 && q.p.Scale <= math.MaxFloat32) || q.p.ZeroPoint < 0 || q.p.ZeroPoint > 255 {
			return nil, fmt.Errorf("TFLite_Detection_PostProcess: the %s' quantization (scale %v, zero point %d) is not a uint8 one", q.name, q.p.Scale, q.p.ZeroPoint)
		}
	}

	p := &PostProcess{o: o, numAnchors: numAnchors, classes: o.NumClasses + 1}
	p.anchors = make([]float32, len(anchors))
	for i, q := range anchors {
		p.anchors[i] = dequantize(q, anchorQ)
	}
	for q := range 256 {
		v := float64(dequantize(uint8(q), boxQ))
		p.cy[q] = v / float64(o.YScale)
		p.cx[q] = v / float64(o.XScale)
		p.eh[q] = 0.5 * math.Exp(v/float64(o.HScale))
		p.ew[q] = 0.5 * math.Exp(v/float64(o.WScale))
	}
	p.minQ = 256
	for q := 255; q >= 0; q-- {
		p.score[q] = dequantize(uint8(q), scoreQ)
		if q < 255 && !(p.score[q] < p.score[q+1]) {
			// The candidates are sorted by score byte: two bytes with one
			// score would order differently from TFLite's float sort.
			return nil, fmt.Errorf("TFLite_Detection_PostProcess: the scores' quantization (scale %v, zero point %d) gives bytes %d and %d the same score", scoreQ.Scale, scoreQ.ZeroPoint, q, q+1)
		}
		if p.score[q] >= o.ScoreThreshold {
			p.minQ = q
		}
	}
	return p, nil
}

// dequantize is TFLite's dequantization in the postprocess:
// (float(q) − zero point) · scale, one float32 rounding.
func dequantize(q uint8, p quant.Params) float32 {
	return float32(int32(q)-p.ZeroPoint) * p.Scale
}

// Options returns the options New was given.
func (p *PostProcess) Options() Options { return p.o }

// NumAnchors returns the number of anchors: Run's boxenc holds
// NumAnchors·4 bytes and its scores NumAnchors·(NumClasses+1).
func (p *PostProcess) NumAnchors() int { return p.numAnchors }

// Work is one runner's scratch space for Run, allocated once by NewWork;
// a Work is used by one goroutine at a time.
type Work struct {
	p      *PostProcess
	best   []uint8      // each anchor's largest non-background score byte
	order  []int32      // the candidates, sorted by score, stably
	counts [256]int32   // candidates per score byte, then bucket starts
	sel    [][4]float32 // the taken boxes
	anchor []int        // the taken anchors
	n      int          // how many were taken by the last Run
}

// NewWork returns scratch space for Run.
func (p *PostProcess) NewWork() *Work {
	return &Work{
		p:      p,
		best:   make([]uint8, p.numAnchors),
		order:  make([]int32, p.numAnchors),
		sel:    make([][4]float32, p.o.MaxDetections),
		anchor: make([]int, p.o.MaxDetections),
	}
}

// Anchors returns the anchor each output row of the last Run came from
// (for debugging and tests; valid until the next Run with w).
func (w *Work) Anchors() []int { return w.anchor[:w.n] }

// Run decodes every anchor's box, picks each anchor's class, sorts and
// suppresses; boxes has MaxDetections*4 floats (ymin,xmin,ymax,xmax),
// classes and scores MaxDetections; returns the count. scoresU8 is
// [numAnchors][NumClasses+1] with column 0 the background.
//
// The rules are TFLite's (see ../shared/golden-detect/README.md, rule 10):
// an anchor's class is the first maximum among the non-background
// columns; candidates are the anchors whose score is >= ScoreThreshold,
// sorted by score, descending, stably (equal scores in anchor order);
// greedy class-agnostic NMS takes the next candidate not suppressed and
// suppresses every later one whose IoU with it is > IoUThreshold (a
// suppressed box suppresses nothing); boxes are decoded in float64, each
// coordinate rounded once to float32, and not clipped. Rows at and beyond
// the count are zeroed (TFLite leaves them stale).
//
// Boxes are decoded only for the candidates NMS looks at, in order, and a
// candidate is compared with the boxes already taken: the same result as
// TFLite's decode-all, suppress-forward loop, without its cost. Run
// allocates nothing. It panics when a slice is shorter than documented
// or w belongs to another PostProcess: those are programming errors (the
// graph's shapes are checked when it is loaded).
func (p *PostProcess) Run(w *Work, boxes, classes, scores []float32, boxenc, scoresU8 []uint8) int {
	n, nc, maxDet := p.numAnchors, p.classes, p.o.MaxDetections
	if w.p != p {
		panic("ssd: Run with a Work from another PostProcess")
	}
	if len(boxes) < maxDet*4 || len(classes) < maxDet || len(scores) < maxDet || len(boxenc) < n*4 || len(scoresU8) < n*nc {
		panic(fmt.Sprintf("ssd: Run: outputs of %d, %d, %d floats (want %d, %d, %d) and inputs of %d, %d bytes (want %d, %d)",
			len(boxes), len(classes), len(scores), maxDet*4, maxDet, maxDet, len(boxenc), len(scoresU8), n*4, n*nc))
	}

	// Each anchor's best score byte: the dequantized score increases with
	// the byte, so the byte's maximum is the float maximum.
	counts := &w.counts
	*counts = [256]int32{}
	best := w.best[:n]
	for a := range best {
		m := rowMax(scoresU8[a*nc+1 : a*nc+nc])
		best[a] = m
		counts[m]++
	}

	// Counting sort by score byte, descending; anchors ascending within
	// a byte: exactly a stable sort of the candidates by score.
	pos := int32(0)
	for q := 255; q >= p.minQ; q-- {
		c := counts[q]
		counts[q] = pos
		pos += c
	}
	order := w.order[:pos]
	if pos > 0 {
		for a, q := range best {
			if int(q) >= p.minQ {
				order[counts[q]] = int32(a)
				counts[q]++
			}
		}
	}

	// Greedy NMS: a candidate is taken when no box taken before it
	// overlaps it by more than the threshold.
	k := 0
	thr := p.o.IoUThreshold
candidates:
	for _, a := range order {
		if k == maxDet {
			break
		}
		box := p.decode(int(a), boxenc)
		for j := range k {
			if IoU(w.sel[j], box) > thr {
				continue candidates
			}
		}
		w.sel[k] = box
		w.anchor[k] = int(a)
		k++
	}
	w.n = k

	for i := range k {
		a := w.anchor[i]
		copy(boxes[i*4:i*4+4], w.sel[i][:])
		row := scoresU8[a*nc+1 : a*nc+nc]
		c := 0
		for row[c] != best[a] { // the first maximum
			c++
		}
		classes[i] = float32(c)
		scores[i] = p.score[best[a]]
	}
	clear(boxes[k*4 : maxDet*4])
	clear(classes[k:maxDet])
	clear(scores[k:maxDet])
	return k
}

// decode returns anchor a's box (ymin, xmin, ymax, xmax): TFLite's
// DecodeCenterSizeBoxes in float64, each of the centre and half-sizes
// rounded once to float32. The explicit float64() conversions keep the
// compiler from fusing a multiply and an add.
func (p *PostProcess) decode(a int, boxenc []uint8) [4]float32 {
	e := boxenc[a*4 : a*4+4]
	an := p.anchors[a*4 : a*4+4]
	ha, wa := float64(an[2]), float64(an[3])
	yc := float32(float64(p.cy[e[0]]*ha) + float64(an[0]))
	xc := float32(float64(p.cx[e[1]]*wa) + float64(an[1]))
	hh := float32(p.eh[e[2]] * ha)
	hw := float32(p.ew[e[3]] * wa)
	return [4]float32{yc - hh, xc - hw, yc + hh, xc + hw}
}

// IoU returns the intersection over union of two boxes (ymin, xmin, ymax,
// xmax) in float32 exactly as TFLite's postprocess computes it: 0 when
// either box has an area <= 0, otherwise
// inter / ((area_a + area_b) − inter), every operation a float32 one, no
// fused multiply-add, and std::max/std::min's NaN behaviour (a NaN
// coordinate gives NaN or 0, never a panic).
func IoU(a, b [4]float32) float32 {
	areaA := float32((a[2] - a[0]) * (a[3] - a[1]))
	areaB := float32((b[2] - b[0]) * (b[3] - b[1]))
	if areaA <= 0 || areaB <= 0 {
		return 0
	}
	ymin := cmax(a[0], b[0])
	xmin := cmax(a[1], b[1])
	ymax := cmin(a[2], b[2])
	xmax := cmin(a[3], b[3])
	inter := float32(cmax(ymax-ymin, 0) * cmax(xmax-xmin, 0))
	return inter / (float32(areaA+areaB) - inter)
}

// cmax is std::max<float>: (a < b) ? b : a.
func cmax(a, b float32) float32 {
	if a < b {
		return b
	}
	return a
}

// cmin is std::min<float>: (b < a) ? b : a.
func cmin(a, b float32) float32 {
	if b < a {
		return b
	}
	return a
}
