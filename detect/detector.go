package detect

import (
	"errors"
	"fmt"
	"image"
	"math"
	"strings"

	"gocv.io/x/gocv"

	"github.com/livecam/livecam/internal/bgr"
	"github.com/livecam/livecam/net/mobilenet"
	"github.com/livecam/livecam/net/tflite"
)

// MaxInputPixels bounds a detection model's input (2048x2048): every
// Runner keeps the input, the resized frame and its RGB copy, so a
// crafted file's 9000x9000 input would cost about 800 MB per worker.
const MaxInputPixels = 2048 * 2048

// ErrFrame reports an image the Detector cannot use.
var ErrFrame = errors.New("detect: unusable image")

// Model is a detection network ready to run: its graph, class names and
// filter. It is immutable and shared by any number of Runners.
type Model struct {
	graph  *tflite.Graph
	labels []string
	filter Filter
	size   image.Point // the network's input, width × height
	max    int         // the most detections one image can give
}

// Runner runs a Model on one image at a time, reusing its buffers: after
// the first frame of a given size it allocates nothing (beyond what dst
// needs). It is not safe for concurrent use; Close releases it.
type Runner struct {
	m       *Model
	runner  *tflite.Runner
	resized gocv.Mat
	rgb     gocv.Mat
	pix     []byte
}

// Detector finds objects in single images without a pipeline: MediaPipe's
// IMAGE mode. It is safe for concurrent use: each call borrows one of its
// Runners (as many as New was given), so calls beyond that number wait.
// Close it to release the runners.
type Detector struct {
	*Model
	free chan *Runner
	all  []*Runner
}

// Labels returns the names of a detector's classes from a labels file's
// lines: a first line "???" or "background" names the background column,
// which the model does not output (COCO's labelmap.txt), so class c is
// line c+1; otherwise class c is line c.
func Labels(l *mobilenet.Labels) []string {
	names := l.Names
	if len(names) > 0 && (names[0] == "???" || strings.EqualFold(names[0], "background")) {
		names = names[1:]
	}
	return append([]string(nil), names...)
}

// NewModel returns the Model running graph g, naming classes with labels
// (see Labels), reporting the objects filter keeps. The graph must take one uint8 RGB
// image [1, H, W, 3] and give the four outputs of TFLite_Detection_PostProcess
// (boxes, classes, scores, count).
func NewModel(g *tflite.Graph, labels []string, filter Filter) (*Model, error) {
	in := g.Input()
	if len(in.Shape) != 4 || in.Shape[0] != 1 || in.Shape[3] != 3 || in.Type != tflite.Uint8 {
		return nil, fmt.Errorf("detect: the model's input is %v %v, want a uint8 RGB image [1 H W 3]", in.Type, in.Shape)
	}
	if in.Shape[1] < 1 || in.Shape[2] < 1 || in.Shape[1]*in.Shape[2] > MaxInputPixels {
		return nil, fmt.Errorf("detect: the model's input is %dx%d: more than a detector's %d pixels (each runner would hold several copies of it)", in.Shape[2], in.Shape[1], MaxInputPixels)
	}
	outs := g.Outputs()
	if len(outs) != 4 {
		return nil, fmt.Errorf("detect: the model has %d outputs, want the 4 of a detection postprocess (boxes, classes, scores, count)", len(outs))
	}
	n := 0
	if s := outs[0].Shape; len(s) == 3 && s[2] == 4 {
		n = s[1]
	}
	for i, o := range outs {
		size := 1
		for _, d := range o.Shape {
			size *= d
		}
		want := [4]int{4 * n, n, n, 1}[i]
		if o.Type != tflite.Float32 || n == 0 || size != want {
			return nil, fmt.Errorf("detect: the model's output %d is %v %v: not a detection postprocess's", i, o.Type, o.Shape)
		}
	}
	if err := filter.check(labels); err != nil {
		return nil, err
	}
	return &Model{graph: g, labels: labels, filter: filter, size: image.Pt(in.Shape[2], in.Shape[1]), max: n}, nil
}

// NewRunner returns a Runner of m whose network runs on threads
// goroutines (at least 1).
func (m *Model) NewRunner(threads int) *Runner {
	return &Runner{m: m, runner: m.graph.NewRunner(max(threads, 1)), resized: gocv.NewMat(), rgb: gocv.NewMat()}
}

// New returns a Detector running graph g (see NewModel), able to run
// concurrent calls (at least 1), each on one thread.
func New(g *tflite.Graph, labels []string, filter Filter, concurrent int) (*Detector, error) {
	m, err := NewModel(g, labels, filter)
	if err != nil {
		return nil, err
	}
	concurrent = max(concurrent, 1)
	d := &Detector{Model: m, free: make(chan *Runner, concurrent)}
	for range concurrent {
		r := m.NewRunner(1)
		d.all = append(d.all, r)
		d.free <- r
	}
	return d, nil
}

// CheckFilter reports whether f can apply to m's objects (an error
// wrapping ErrFilter names the problem: a label m does not have, a score
// outside [0, 1]).
func (m *Model) CheckFilter(f Filter) error { return f.check(m.labels) }

// InputSize returns the network's input size (300x300 for the COCO
// detector).
func (m *Model) InputSize() image.Point { return m.size }

// MaxObjects returns the most objects one image can give.
func (m *Model) MaxObjects() int { return m.max }

// Label returns the name of class c.
func (m *Model) Label(c int) string {
	if c >= 0 && c < len(m.labels) {
		return m.labels[c]
	}
	return fmt.Sprintf("class %d", c)
}

// DetectMat finds objects in an 8-bit BGR Mat of any size; they are
// appended to dst in the model's order (best first), boxes in the Mat's
// pixels.
func (d *Detector) DetectMat(dst []Object, frame gocv.Mat) ([]Object, error) {
	r := <-d.free
	defer func() { d.free <- r }()
	return r.DetectMat(dst, frame)
}

// Detect finds objects in an image of any size and kind, boxes in the
// image's pixels relative to its bounds' origin.
func (d *Detector) Detect(dst []Object, img image.Image) ([]Object, error) {
	r := <-d.free
	defer func() { d.free <- r }()
	return r.Detect(dst, img)
}

// DetectTensor runs the network on its input tensor as it is (H×W×3 RGB
// bytes, 270000 for the COCO detector) and maps the boxes onto a
// width×height image.
func (d *Detector) DetectTensor(dst []Object, rgb []uint8, width, height int) ([]Object, error) {
	r := <-d.free
	defer func() { d.free <- r }()
	return r.DetectTensor(dst, rgb, width, height)
}

// Model returns the Model the Runner runs.
func (r *Runner) Model() *Model { return r.m }

// Detect is Detector.Detect on this Runner.
func (r *Runner) Detect(dst []Object, img image.Image) ([]Object, error) {
	b := img.Bounds()
	if b.Empty() {
		return dst, fmt.Errorf("%w: empty image", ErrFrame)
	}
	n := b.Dx() * b.Dy() * 3
	if cap(r.pix) < n {
		r.pix = make([]byte, n)
	}
	r.pix = r.pix[:n]
	if err := bgr.FromImage(r.pix, img); err != nil {
		return dst, err
	}
	m, err := gocv.NewMatFromBytes(b.Dy(), b.Dx(), gocv.MatTypeCV8UC3, r.pix)
	if err != nil {
		return dst, err
	}
	defer m.Close()
	return r.DetectMat(dst, m)
}

// Input returns the network's input for frame, an 8-bit BGR Mat: the
// whole frame resized to the input size (bilinear, aspect ratio not kept)
// as RGB bytes. They belong to the Runner and are valid until its next
// call.
func (r *Runner) Input(frame gocv.Mat) ([]uint8, error) {
	if frame.Empty() || frame.Type() != gocv.MatTypeCV8UC3 {
		return nil, fmt.Errorf("%w: want a non-empty 8-bit BGR image, got type %v with %dx%d pixels", ErrFrame, frame.Type(), frame.Cols(), frame.Rows())
	}
	src := frame
	if frame.Cols() != r.m.size.X || frame.Rows() != r.m.size.Y {
		gocv.Resize(frame, &r.resized, r.m.size, 0, 0, gocv.InterpolationLinear)
		src = r.resized
	}
	gocv.CvtColor(src, &r.rgb, gocv.ColorBGRToRGB)
	rgb, err := r.rgb.DataPtrUint8()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrFrame, err)
	}
	if len(rgb) != r.m.size.X*r.m.size.Y*3 { // a non-continuous Mat
		return nil, fmt.Errorf("%w: %d RGB bytes for a %dx%d input", ErrFrame, len(rgb), r.m.size.X, r.m.size.Y)
	}
	return rgb, nil
}

// DetectMat is Detector.DetectMat on this Runner.
func (r *Runner) DetectMat(dst []Object, frame gocv.Mat) ([]Object, error) {
	rgb, err := r.Input(frame)
	if err != nil {
		return dst, err
	}
	return r.DetectTensor(dst, rgb, frame.Cols(), frame.Rows())
}

// DetectTensor is Detector.DetectTensor on this Runner.
func (r *Runner) DetectTensor(dst []Object, rgb []uint8, width, height int) ([]Object, error) {
	m := r.m
	if width < 1 || height < 1 {
		return dst, fmt.Errorf("%w: %dx%d pixels", ErrFrame, width, height)
	}
	if err := r.runner.Run(rgb); err != nil {
		return dst, fmt.Errorf("%w: %v", ErrFrame, err)
	}
	boxes, classes := r.runner.OutputFloat32(0), r.runner.OutputFloat32(1)
	scores, count := r.runner.OutputFloat32(2), r.runner.OutputFloat32(3)
	n := 0
	if c := count[0]; c >= 1 { // false for NaN
		n = int(min(c, float32(m.max)))
	}
	for i := range n {
		c := classes[i]
		if c != c || c < 0 || c > math.MaxInt32 {
			continue
		}
		o := Object{Class: int(c), Label: m.Label(int(c)), Score: scores[i],
			Norm: [4]float32{boxes[4*i], boxes[4*i+1], boxes[4*i+2], boxes[4*i+3]}}
		o.Box = PixelBox(o.Norm, width, height)
		if m.filter.Keep(o) {
			dst = append(dst, o)
		}
	}
	return dst, nil
}

// Close releases the Runner's goroutines and Mats.
func (r *Runner) Close() error {
	r.runner.Close()
	return errors.Join(r.resized.Close(), r.rgb.Close())
}

// Close releases the runners and their buffers; calls after Close panic.
func (d *Detector) Close() error {
	var errs []error
	for _, r := range d.all {
		errs = append(errs, r.Close())
	}
	return errors.Join(errs...)
}
