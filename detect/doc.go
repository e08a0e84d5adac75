// Package detect finds objects in images with an SSD detector (Google's
// quantized COCO SSD-MobileNet V1, or any TFLite graph ending in
// TFLite_Detection_PostProcess) and says where they are in the image's own
// pixels. It is pure Go: it builds with CGO_ENABLED=0 and cross-compiles.
//
//	Model      a detection model (models.Open) with its filter; immutable
//	Runner     one image at a time on one goroutine, buffers reused (what
//	           a pipeline worker holds)
//	Detector   New(model, filter, n): one image.Image or input tensor at
//	           a time, no pipeline (MediaPipe's IMAGE mode); safe for
//	           concurrent use
//	Object     a detection: class, label, score, the model's normalized box
//	           and the box in the image's pixels
//	Filter     minimum score and area, labels allowed and denied
//
// How a frame reaches the network: the whole frame is resized to the
// network's input (300x300 for the COCO detector) with bilinear
// interpolation (OpenCV's arithmetic, in Go for an image.Image, by OpenCV
// itself in the pipeline), aspect ratio not kept, exactly as the model
// was trained and as TensorFlow Lite's reference preprocessing does. So the model's
// normalized box maps back to the frame by scaling alone: x = xmin·width,
// y = ymin·height. A frame already at the input size is fed as it is.
package detect
