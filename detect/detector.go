package detect

import (
	"errors"
	"fmt"
	"image"
	"math"
	"strings"
	"sync/atomic"

	"github.com/livecam/livecam/internal/bgr"
	"github.com/livecam/livecam/internal/imgprep"
	"github.com/livecam/livecam/models"
	"github.com/livecam/livecam/net/mobilenet"
	"github.com/livecam/livecam/net/tflite"
)

// MaxInputPixels bounds a detection model's input (2048x2048): every
// Runner keeps the input and its own copy of it, so a crafted file's
// 9000x9000 input would cost about 800 MB per worker.
const MaxInputPixels = 2048 * 2048

// ErrFrame reports an image the Detector cannot use.
var ErrFrame = errors.New("detect: unusable image")

// ErrClosed reports a call on a closed Detector, or on one New did not
// make (a nil or zero Detector).
var ErrClosed = errors.New("detect: the Detector is closed")

// errZero is the error of a call on a nil or zero Detector.
var errZero = fmt.Errorf("%w (or was not made by New)", ErrClosed)

// Model is a detection network ready to run: its graph, class names and
// filter. It is immutable and shared by any number of Runners.
type Model struct {
	model  *models.Model
	graph  *tflite.Graph
	labels []string
	filter Filter
	size   image.Point // the network's input, width × height
	max    int         // the most detections one image can give
}

// Runner runs a Model on one image at a time, reusing its buffers: after
// the first image of a given size it allocates nothing (beyond what dst
// needs). It is not safe for concurrent use; Close releases it.
type Runner struct {
	m      *Model
	runner *tflite.Runner
	resize *imgprep.Resizer
	rgb    []byte
}

// Detector finds objects in single images without a pipeline: MediaPipe's
// IMAGE mode, in pure Go. It is safe for concurrent use: each call
// borrows one of its Runners (as many as New was given), so calls beyond
// that number wait. Close it to release the runners.
type Detector struct {
	*Model
	free   chan *Runner
	all    []*Runner
	closed atomic.Bool
}

// Labels returns the names of a detector's classes from a labels file's
// lines: a first line "???" or "background" names the background column,
// which the model does not output (COCO's labelmap.txt), so class c is
// line c+1; otherwise class c is line c. Nil labels have no names.
func Labels(l *mobilenet.Labels) []string {
	if l == nil {
		return nil
	}
	names := l.Names
	if len(names) > 0 && (names[0] == "???" || strings.EqualFold(names[0], "background")) {
		names = names[1:]
	}
	return append([]string(nil), names...)
}

// NewModel returns the Model running the detection model m (see
// models.Open), reporting the objects filter keeps. m's graph must take
// one uint8 RGB image [1, H, W, 3] and give the four outputs of
// TFLite_Detection_PostProcess (boxes, classes, scores, count); class c
// is named m.Labels[c].
func NewModel(m *models.Model, filter Filter) (*Model, error) {
	switch {
	case m == nil:
		return nil, fmt.Errorf("detect: %w (nil)", models.ErrNoModel)
	case m.Task != models.Detect:
		return nil, fmt.Errorf("detect: model %s is a %q model, not a detector (see package classify)", m.Name, m.Task)
	}
	if err := m.Check(); err != nil {
		return nil, fmt.Errorf("detect: model %s: %w", m.Name, err)
	}
	dm, err := newModel(m.Graph, m.Labels, filter)
	if err != nil {
		return nil, fmt.Errorf("%w (model %s)", err, m.Name)
	}
	dm.model = m
	return dm, nil
}

func newModel(g *tflite.Graph, labels []string, filter Filter) (*Model, error) {
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
	return &Runner{m: m, runner: m.graph.NewRunner(max(threads, 1)),
		resize: imgprep.NewResizer(m.size.X, m.size.Y), rgb: make([]byte, m.size.X*m.size.Y*3)}
}

// New returns a Detector running the detection model m (see NewModel),
// able to run concurrent calls at once (at least 1), each on one thread.
func New(m *models.Model, filter Filter, concurrent int) (*Detector, error) {
	if concurrent < 1 {
		return nil, fmt.Errorf("detect: %d concurrent calls: want at least 1", concurrent)
	}
	dm, err := NewModel(m, filter)
	if err != nil {
		return nil, err
	}
	d := &Detector{Model: dm, free: make(chan *Runner, concurrent)}
	for range concurrent {
		r := dm.NewRunner(1)
		d.all = append(d.all, r)
		d.free <- r
	}
	return d, nil
}

// CheckFilter reports whether f can apply to m's objects (an error
// wrapping ErrFilter names the problem: a label m does not have, a score
// outside [0, 1]).
func (m *Model) CheckFilter(f Filter) error { return f.check(m.labels) }

// Source returns the model m was made from.
func (m *Model) Source() *models.Model { return m.model }

// Filter returns the filter the Model applies.
func (m *Model) Filter() Filter { return m.filter }

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

// Detect finds objects in an image of any size and kind; they are
// appended to dst in the model's order (best first), boxes in the
// image's pixels relative to its bounds' origin. *image.YCbCr (what
// image/jpeg decodes), *image.RGBA, *image.NRGBA and *image.Gray are read
// without going through color.Color.
func (d *Detector) Detect(dst []Object, img image.Image) ([]Object, error) {
	r, err := d.take()
	if err != nil {
		return dst, err
	}
	defer d.give(r)
	return r.Detect(dst, img)
}

// DetectTensor runs the network on its input tensor as it is (H×W×3 RGB
// bytes, 270000 for the COCO detector: the bytes a caller prepared
// itself, such as the pipeline's OpenCV path does) and maps the boxes
// onto a width×height image.
func (d *Detector) DetectTensor(dst []Object, rgb []uint8, width, height int) ([]Object, error) {
	r, err := d.take()
	if err != nil {
		return dst, err
	}
	defer d.give(r)
	return r.DetectTensor(dst, rgb, width, height)
}

// take borrows a Runner, waiting for one to be free.
func (d *Detector) take() (*Runner, error) {
	if d == nil || d.free == nil { // a nil channel would wait forever
		return nil, errZero
	}
	r, ok := <-d.free
	if !ok {
		return nil, ErrClosed
	}
	if d.closed.Load() {
		d.free <- r
		return nil, ErrClosed
	}
	return r, nil
}

func (d *Detector) give(r *Runner) { d.free <- r }

// Model returns the Model the Runner runs.
func (r *Runner) Model() *Model { return r.m }

// Detect is Detector.Detect on this Runner.
func (r *Runner) Detect(dst []Object, img image.Image) ([]Object, error) {
	rgb, err := r.Input(img)
	if err != nil {
		return dst, err
	}
	b := img.Bounds()
	return r.DetectTensor(dst, rgb, b.Dx(), b.Dy())
}

// Input returns the network's input for img: the whole image resized to
// the input size (OpenCV's bilinear arithmetic, aspect ratio not kept)
// as RGB bytes. They belong to the Runner and are valid until its next
// call. A nil image (or nil pointer) is ErrFrame.
func (r *Runner) Input(img image.Image) ([]uint8, error) {
	if bgr.Nil(img) {
		return nil, fmt.Errorf("%w: nil image", ErrFrame)
	}
	b := img.Bounds()
	if b.Empty() {
		return nil, fmt.Errorf("%w: empty image (bounds %v)", ErrFrame, b)
	}
	if err := r.resize.RGB(r.rgb, img, b); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrFrame, err)
	}
	return r.rgb, nil
}

// DetectTensor is Detector.DetectTensor on this Runner.
func (r *Runner) DetectTensor(dst []Object, rgb []uint8, width, height int) ([]Object, error) {
	m := r.m
	if width < 1 || height < 1 {
		return dst, fmt.Errorf("%w: %dx%d pixels", ErrFrame, width, height)
	}
	if len(rgb) != m.size.X*m.size.Y*3 {
		return dst, fmt.Errorf("%w: %d bytes, want %dx%dx3 = %d", ErrFrame, len(rgb), m.size.X, m.size.Y, m.size.X*m.size.Y*3)
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

// Close releases the Runner's goroutines.
func (r *Runner) Close() error {
	r.runner.Close()
	return nil
}

// Close waits for the calls under way, then releases the runners; calls
// after Close return ErrClosed. Closing twice, or closing a Detector New
// did not make, does nothing.
func (d *Detector) Close() error {
	if d == nil || d.free == nil || d.closed.Swap(true) {
		return nil
	}
	for range d.all {
		<-d.free
	}
	close(d.free)
	var errs []error
	for _, r := range d.all {
		errs = append(errs, r.Close())
	}
	return errors.Join(errs...)
}
