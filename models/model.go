package models

import (
	"errors"

	"github.com/livecam/livecam/net/mobilenet"
	"github.com/livecam/livecam/net/tflite"
)

// Model is a network livecam can run, with its class names: a classifier
// or a detector. Open returns one from a name, a folder or a file;
// FromClassifier and FromDetector wrap a network built in memory. It is
// what package classify, package detect, the pipeline and the command all
// take. A Model is immutable and safe for concurrent use.
type Model struct {
	// Name is the catalogue name the model was opened by; for a model
	// opened from a folder or a file, or built in memory, the network's
	// own name (a TFLite file's name without ".tflite", a TF.js model's
	// variant name such as "mobilenet_v1_0.75_224").
	Name string
	// Path is the folder or file the model was loaded from ("" when
	// built in memory).
	Path string
	// Variant is the catalogue entry when the model was opened by name
	// (the zero Variant otherwise).
	Variant Variant
	// Task says whether the model classifies or detects.
	Task Task
	// Classifier is the classification network, with its labels (Task
	// Classify; nil otherwise).
	Classifier *mobilenet.Model
	// Graph is the detection network (Task Detect; nil otherwise): it
	// takes one uint8 RGB image and ends in TFLite_Detection_PostProcess.
	Graph *tflite.Graph
	// Labels names a detector's classes: class c is Labels[c] (the
	// labels file's background line already dropped). Nil for a
	// classifier, whose labels are Classifier.Labels().
	Labels []string

	// labelsFile is the labels file Open read beside the model or from
	// OpenOptions.Labels ("" when none).
	labelsFile string
}

// ErrNoModel reports a nil Model or one holding no network.
var ErrNoModel = errors.New("models: no model")

// FromClassifier wraps a classification network built in memory (such as
// mobilenet.NewModel's) as a Model.
func FromClassifier(m *mobilenet.Model) *Model {
	if m == nil {
		return nil
	}
	return &Model{Name: m.Name(), Task: Classify, Classifier: m}
}

// FromDetector wraps a detection graph and its class names (class c is
// labels[c]) as a Model named name.
func FromDetector(name string, g *tflite.Graph, labels []string) *Model {
	if g == nil {
		return nil
	}
	return &Model{Name: name, Task: Detect, Graph: g, Labels: append([]string(nil), labels...)}
}

// Check reports ErrNoModel when m is nil or does not hold the network its
// Task names.
func (m *Model) Check() error {
	switch {
	case m == nil:
		return ErrNoModel
	case m.Task == Classify && m.Classifier != nil:
		return nil
	case m.Task == Detect && m.Graph != nil:
		return nil
	}
	return ErrNoModel
}
