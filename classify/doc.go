// Package classify turns images into classifications the way the
// pipeline does, and chooses which classes a result reports.
//
//	Preprocessor   a BGR frame -> the network's input: centre square,
//	               bilinear resize, RGB, x/127.5-1 (no allocation)
//	Options        how many classes, a minimum score, classes allowed
//	               and denied (MediaPipe's classifier options)
//	Filter         Options applied to a probability vector (no allocation)
//	ParseClass     a class from an index, a WordNet id or a label's name
//	Classifier     one image.Image or gocv.Mat at a time, no pipeline;
//	               safe for concurrent use
package classify
