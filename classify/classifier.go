package classify

import (
	"errors"
	"fmt"
	"image"
	"sync/atomic"

	"github.com/livecam/livecam/internal/bgr"
	"github.com/livecam/livecam/internal/imgprep"
	"github.com/livecam/livecam/models"
	"github.com/livecam/livecam/net/mobilenet"
)

// ErrFrame reports an image the Classifier cannot use.
var ErrFrame = errors.New("classify: unusable image")

// ErrClosed reports a call on a closed Classifier, or on one
// NewClassifier did not make (a nil or zero Classifier).
var ErrClosed = errors.New("classify: the Classifier is closed")

// errZero is the error of a call on a nil or zero Classifier.
var errZero = fmt.Errorf("%w (or was not made by NewClassifier)", ErrClosed)

// CenterSquare returns the largest square centred in a w×h image, the
// part of a frame a classifier sees (its origin at 0,0).
func CenterSquare(w, h int) image.Rectangle { return imgprep.CenterSquare(w, h) }

// Classifier labels single images without a pipeline: MediaPipe's IMAGE
// mode, in pure Go. Every call prepares the image as the pipeline does
// (its centre square, resized to the model's input with OpenCV's bilinear
// arithmetic, as RGB), so an image gets the labels a frame with the same
// pixels gets there. A Classifier is safe for concurrent use: each call
// borrows one of its runners (as many as NewClassifier was given), so
// calls beyond that number wait. Close it to release the runners.
type Classifier struct {
	model  *models.Model
	net    *mobilenet.Model
	filter *Filter
	free   chan *worker
	all    []*worker
	closed atomic.Bool
}

// worker is what one call needs: a runner and its buffers.
type worker struct {
	runner *mobilenet.Runner
	resize *imgprep.Resizer
	rgb    []byte
	probs  []float32
}

// NewClassifier returns a Classifier of the classification model m (see
// models.Open) reporting the classes opts select, able to run concurrent
// calls at once (at least 1), each on one thread.
func NewClassifier(m *models.Model, opts Options, concurrent int) (*Classifier, error) {
	net, err := network(m)
	if err != nil {
		return nil, err
	}
	if concurrent < 1 {
		return nil, fmt.Errorf("classify: %d concurrent calls: want at least 1", concurrent)
	}
	f, err := NewFilter(opts, net.Labels())
	if err != nil {
		return nil, fmt.Errorf("%w (model %s)", err, m.Name)
	}
	size := net.Config().Size
	c := &Classifier{model: m, net: net, filter: f, free: make(chan *worker, concurrent)}
	for range concurrent {
		w := &worker{runner: net.NewRunner(1), resize: imgprep.NewResizer(size, size),
			rgb: make([]byte, net.InputLen()), probs: make([]float32, net.Classes())}
		c.all = append(c.all, w)
		c.free <- w
	}
	return c, nil
}

// network returns m's classification network, or an error saying why m
// has none.
func network(m *models.Model) (*mobilenet.Model, error) {
	if m == nil {
		return nil, fmt.Errorf("classify: %w (nil)", models.ErrNoModel)
	}
	if m.Task != models.Classify {
		return nil, fmt.Errorf("classify: model %s is a %q model, not a classifier (see package detect)", m.Name, m.Task)
	}
	if err := m.Check(); err != nil {
		return nil, fmt.Errorf("classify: model %s: %w", m.Name, err)
	}
	return m.Classifier, nil
}

// Model returns the model the Classifier runs.
func (c *Classifier) Model() *models.Model { return c.model }

// Filter returns the Filter that applies the Classifier's options.
func (c *Classifier) Filter() *Filter { return c.filter }

// InputSize returns the side of the square RGB input the network takes
// (ClassifyTensor); 0 for a Classifier NewClassifier did not make.
func (c *Classifier) InputSize() int {
	if c == nil || c.net == nil {
		return 0
	}
	return c.net.Config().Size
}

// Classify labels an image of any size and kind. The predictions are
// appended to dst, best first. *image.YCbCr (what image/jpeg decodes),
// *image.RGBA, *image.NRGBA and *image.Gray are read without going
// through color.Color, and after the first image of a given size a call
// allocates nothing beyond what dst needs. A nil image (or nil pointer)
// is ErrFrame.
func (c *Classifier) Classify(dst []Prediction, img image.Image) ([]Prediction, error) {
	if c == nil || c.free == nil {
		return dst, errZero
	}
	if bgr.Nil(img) {
		return dst, fmt.Errorf("%w: nil image", ErrFrame)
	}
	b := img.Bounds()
	if b.Empty() {
		return dst, fmt.Errorf("%w: empty image (bounds %v)", ErrFrame, b)
	}
	w, err := c.take()
	if err != nil {
		return dst, err
	}
	defer c.give(w)
	if err := w.resize.RGB(w.rgb, img, CenterSquare(b.Dx(), b.Dy()).Add(b.Min)); err != nil {
		return dst, fmt.Errorf("%w: %v", ErrFrame, err)
	}
	return c.run(dst, w, w.rgb)
}

// ClassifyTensor labels the network's input as it is: InputSize² RGB
// pixels, packed, row-major (the bytes a caller prepared itself, such as
// the pipeline's OpenCV path does). The predictions are appended to dst,
// best first.
func (c *Classifier) ClassifyTensor(dst []Prediction, rgb []uint8) ([]Prediction, error) {
	if c == nil || c.free == nil {
		return dst, errZero
	}
	if len(rgb) != c.net.InputLen() {
		s := c.InputSize()
		return dst, fmt.Errorf("%w: %d bytes, want %dx%dx3 = %d", ErrFrame, len(rgb), s, s, c.net.InputLen())
	}
	w, err := c.take()
	if err != nil {
		return dst, err
	}
	defer c.give(w)
	return c.run(dst, w, rgb)
}

func (c *Classifier) run(dst []Prediction, w *worker, rgb []uint8) ([]Prediction, error) {
	if err := w.runner.Probabilities(w.probs, rgb); err != nil {
		return dst, err
	}
	return c.filter.Select(dst, w.probs), nil
}

// take borrows a worker, waiting for one to be free.
func (c *Classifier) take() (*worker, error) {
	if c == nil || c.free == nil { // a nil channel would wait forever
		return nil, errZero
	}
	w, ok := <-c.free
	if !ok {
		return nil, ErrClosed
	}
	if c.closed.Load() {
		c.free <- w
		return nil, ErrClosed
	}
	return w, nil
}

func (c *Classifier) give(w *worker) { c.free <- w }

// Close waits for the calls under way, then releases the runners; calls
// after Close return ErrClosed. Closing twice, or closing a Classifier
// NewClassifier did not make, does nothing.
func (c *Classifier) Close() error {
	if c == nil || c.free == nil || c.closed.Swap(true) {
		return nil
	}
	for range c.all {
		<-c.free
	}
	close(c.free)
	for _, w := range c.all {
		w.runner.Close()
	}
	return nil
}
