// Package classify labels images with a classification model, in pure Go
// (no cgo: it builds with CGO_ENABLED=0 and cross-compiles), and chooses
// which classes a result reports.
//
//	Classifier     NewClassifier(model, options, n): one image.Image (or a
//	               prepared input tensor) at a time, no pipeline; safe for
//	               concurrent use
//	Options        how many classes (any number, or AllResults), a minimum
//	               score, classes allowed and denied by label or index
//	               (MediaPipe's classifier options)
//	Filter         Options applied to a probability vector (no allocation)
//	Prediction     one class: index, WordNet id, label, score
//	ParseClass     a class from an index, a WordNet id or a label's name
//	CenterSquare   the part of a frame the classifier sees
//
// A model comes from models.Open (or models.FromClassifier). An image is
// prepared as the pipeline prepares a camera's frame: its centre square,
// resized to the model's input with OpenCV's bilinear arithmetic
// reproduced in Go, as RGB; the same pixels give the same input bytes
// either way.
package classify
