package classify

import (
	"errors"
	"fmt"
	"image"

	"gocv.io/x/gocv"

	"github.com/livecam/livecam/internal/bgr"
	"github.com/livecam/livecam/net/mobilenet"
)

// Prediction is one class of a classification: its index, WordNet id
// (empty when the labels have none), label and probability.
type Prediction struct {
	Class int
	WNID  string
	Label string
	Score float32
}

// Classifier labels single images without a pipeline: MediaPipe's IMAGE
// mode. Every call preprocesses as the pipeline does (centre square,
// bilinear resize, BGR to RGB, x/127.5-1), so a frame gets the same labels
// either way. A Classifier is safe for concurrent use: each call borrows
// one of its runners (as many as NewClassifier was given), so calls beyond
// that number wait. Close it to release the runners.
type Classifier struct {
	model  *mobilenet.Model
	filter *Filter
	free   chan *worker
	all    []*worker
}

// worker is what one call needs: a runner and its buffers.
type worker struct {
	runner *mobilenet.Runner
	pre    *Preprocessor
	probs  []float32
	top    []mobilenet.Prediction
	pix    []byte
}

// NewClassifier returns a Classifier of model m reporting the classes opts
// select, able to run concurrent calls (at least 1), each on one thread.
func NewClassifier(m *mobilenet.Model, opts Options, concurrent int) (*Classifier, error) {
	f, err := NewFilter(opts, m.Classes())
	if err != nil {
		return nil, err
	}
	concurrent = max(concurrent, 1)
	c := &Classifier{model: m, filter: f, free: make(chan *worker, concurrent)}
	for range concurrent {
		w := &worker{runner: m.NewRunner(1), pre: NewPreprocessor(m.Config().Size),
			probs: make([]float32, m.Classes()), top: make([]mobilenet.Prediction, 0, MaxResults)}
		c.all = append(c.all, w)
		c.free <- w
	}
	return c, nil
}

// ClassifyMat labels an 8-bit BGR Mat of any size. The predictions are
// appended to dst, best first.
func (c *Classifier) ClassifyMat(dst []Prediction, frame gocv.Mat) ([]Prediction, error) {
	w := <-c.free
	defer func() { c.free <- w }()
	return c.classify(dst, w, frame)
}

// Classify labels an image of any size and kind; *image.YCbCr (what
// image/jpeg decodes), *image.RGBA, *image.NRGBA and *image.Gray are
// converted without going through color.Color.
func (c *Classifier) Classify(dst []Prediction, img image.Image) ([]Prediction, error) {
	b := img.Bounds()
	if b.Empty() {
		return dst, fmt.Errorf("%w: empty image", ErrFrame)
	}
	w := <-c.free
	defer func() { c.free <- w }()
	n := b.Dx() * b.Dy() * 3
	if cap(w.pix) < n {
		w.pix = make([]byte, n)
	}
	w.pix = w.pix[:n]
	if err := bgr.FromImage(w.pix, img); err != nil {
		return dst, err
	}
	m, err := gocv.NewMatFromBytes(b.Dy(), b.Dx(), gocv.MatTypeCV8UC3, w.pix)
	if err != nil {
		return dst, err
	}
	defer m.Close()
	return c.classify(dst, w, m)
}

func (c *Classifier) classify(dst []Prediction, w *worker, frame gocv.Mat) ([]Prediction, error) {
	rgb, err := w.pre.RGB(frame)
	if err != nil {
		return dst, err
	}
	if err := w.runner.Probabilities(w.probs, rgb); err != nil {
		return dst, err
	}
	labels := c.model.Labels()
	for _, p := range c.filter.Select(w.top[:0], w.probs) {
		dst = append(dst, Prediction{Class: p.Class, WNID: labels.WNID(p.Class), Label: labels.Name(p.Class), Score: p.Score})
	}
	return dst, nil
}

// Close releases the runners and buffers; calls after Close panic.
func (c *Classifier) Close() error {
	var errs []error
	for _, w := range c.all {
		w.runner.Close()
		errs = append(errs, w.pre.Close())
	}
	return errors.Join(errs...)
}
