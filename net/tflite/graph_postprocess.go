package tflite

import (
	"github.com/livecam/livecam/net/ssd"
)

// postOp is the custom TFLite_Detection_PostProcess on net/ssd: box
// encodings and class scores in, four float32 outputs (boxes, classes,
// scores, count).
type postOp struct {
	boxenc, scores int
	outs           [4]int
	p              *ssd.PostProcess
	work           int // the runner's ssd.Work
}

func (q *postOp) run(r *Runner, part, _ int) {
	if part != 0 {
		return
	}
	n := q.p.Run(r.works[q.work], r.floats[q.outs[0]], r.floats[q.outs[1]], r.floats[q.outs[2]], r.bufs[q.boxenc], r.bufs[q.scores])
	r.floats[q.outs[3]][0] = float32(n)
}

// postprocess plans a TFLite_Detection_PostProcess: inputs box encodings
// [1 N 4], scores [1 N classes+1] (background first) and the constant
// anchors [N 4], all uint8; outputs boxes [1 D 4], classes [1 D],
// scores [1 D] and count [1], float32, D = max_detections.
func (p *planner) postprocess(i int, o *Operator) (kernel, error) {
	f, g := p.f, p.g
	if len(o.Inputs) != 3 || len(o.Outputs) != 4 {
		return nil, f.fail(i, "%w: %d inputs and %d outputs (want 3 and 4)", ErrMalformed, len(o.Inputs), len(o.Outputs))
	}
	opts, err := ssd.ParseOptions(o.Custom)
	if err != nil {
		return nil, f.fail(i, "%w: %v", ErrMalformed, err)
	}
	box, boxQ, err := p.u8(i, o.Inputs[0], "box encodings")
	if err != nil {
		return nil, err
	}
	scores, scoreQ, err := p.u8(i, o.Inputs[1], "scores")
	if err != nil {
		return nil, err
	}
	anchors, anchorQ, err := p.u8(i, o.Inputs[2], "anchors")
	if err != nil {
		return nil, err
	}
	bs, ss, as := box.info.Shape, scores.info.Shape, anchors.info.Shape
	if len(bs) != 3 || bs[0] != 1 || bs[2] != 4 {
		return nil, f.fail(i, "%w: box encodings of shape %v (want [1 N 4])", ErrUnsupported, bs)
	}
	n := bs[1]
	if len(ss) != 3 || ss[0] != 1 || ss[1] != n || ss[2] != opts.NumClasses+1 {
		return nil, f.fail(i, "%w: scores of shape %v (want [1 %d %d]: %d classes and the background)", ErrUnsupported, ss, n, opts.NumClasses+1, opts.NumClasses)
	}
	if anchors.konst == nil || len(as) != 2 || as[0] != n || as[1] != 4 {
		return nil, f.fail(i, "%w: anchors of shape %v (want constant [%d 4])", ErrUnsupported, as, n)
	}
	post, err := ssd.New(opts, anchors.konst, anchorQ, boxQ, scoreQ, n)
	if err != nil {
		return nil, f.fail(i, "%w: %v", ErrUnsupported, err)
	}
	d := opts.MaxDetections
	q := &postOp{boxenc: o.Inputs[0], scores: o.Inputs[1], p: post, work: len(g.posts)}
	for j, shape := range [][]int{{1, d, 4}, {1, d}, {1, d}, {1}} {
		t := o.Outputs[j]
		tp := &g.tensors[t]
		if tp.info.Type != Float32 {
			return nil, f.fail(i, "%w: output %d %q is %s (want FLOAT32)", ErrMalformed, j, tp.info.Name, tp.info.Type)
		}
		for k := j + 1; k < 4; k++ {
			if o.Outputs[k] == t {
				return nil, f.fail(i, "%w: outputs %d and %d are one tensor", ErrMalformed, j, k)
			}
		}
		tp.info.Shape, tp.size, tp.float = shape, 1, true
		for _, v := range shape {
			tp.size *= v
		}
		q.outs[j] = t
	}
	g.posts = append(g.posts, post)
	return q, nil
}
