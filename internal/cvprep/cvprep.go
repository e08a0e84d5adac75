// Package cvprep turns OpenCV frames (8-bit BGR Mats) into a network's
// input with OpenCV itself: the pipeline's path, where frames are Mats
// already. For a classifier (Square) the centre square of the frame, for
// a detector (Stretch) the whole frame with its aspect ratio not kept,
// resized with cv::resize (INTER_LINEAR) and converted to RGB. Package
// imgprep does the same in pure Go for image.Image values.
package cvprep

import (
	"errors"
	"fmt"
	"image"

	"gocv.io/x/gocv"

	"github.com/livecam/livecam/internal/imgprep"
)

// ErrFrame reports a frame the Preprocessor cannot use.
var ErrFrame = errors.New("cvprep: unusable frame")

// Preprocessor turns frames into network input of one size. It owns the
// Mats it works in and reuses them, so after the first frame of a given
// size it allocates nothing. It is not safe for concurrent use; Close
// releases its Mats.
type Preprocessor struct {
	size    image.Point
	square  bool // a classifier's: the centre square only
	resized gocv.Mat
	rgb     gocv.Mat
}

// Square returns the Preprocessor of a classifier with a size×size input:
// the frame's centre square (imgprep.CenterSquare), resized.
func Square(size int) *Preprocessor {
	return &Preprocessor{size: image.Pt(size, size), square: true, resized: gocv.NewMat(), rgb: gocv.NewMat()}
}

// Stretch returns the Preprocessor of a detector with an input of size
// (width × height): the whole frame, resized to it.
func Stretch(size image.Point) *Preprocessor {
	return &Preprocessor{size: size, resized: gocv.NewMat(), rgb: gocv.NewMat()}
}

// Size returns the input size the Preprocessor produces.
func (p *Preprocessor) Size() image.Point { return p.size }

// RGB returns the network input for frame, an 8-bit BGR Mat, as packed
// RGB bytes (Size().X × Size().Y × 3). A frame already at the input size
// is used as it is. The bytes belong to the Preprocessor and are valid
// until its next call.
func (p *Preprocessor) RGB(frame gocv.Mat) ([]uint8, error) {
	if frame.Empty() || frame.Type() != gocv.MatTypeCV8UC3 {
		return nil, fmt.Errorf("%w: want a non-empty 8-bit BGR image, got type %v with %dx%d pixels", ErrFrame, frame.Type(), frame.Cols(), frame.Rows())
	}
	src := frame
	if frame.Cols() != p.size.X || frame.Rows() != p.size.Y {
		crop := frame
		if p.square {
			sq := imgprep.CenterSquare(frame.Cols(), frame.Rows())
			if sq.Dx() != frame.Cols() || sq.Dy() != frame.Rows() {
				crop = frame.Region(sq)
				defer crop.Close()
			}
		}
		gocv.Resize(crop, &p.resized, p.size, 0, 0, gocv.InterpolationLinear)
		src = p.resized
	}
	gocv.CvtColor(src, &p.rgb, gocv.ColorBGRToRGB)
	rgb, err := p.rgb.DataPtrUint8()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrFrame, err)
	}
	if len(rgb) != p.size.X*p.size.Y*3 { // a non-continuous Mat
		return nil, fmt.Errorf("%w: %d RGB bytes for a %dx%d input", ErrFrame, len(rgb), p.size.X, p.size.Y)
	}
	return rgb, nil
}

// Close releases the Preprocessor's Mats.
func (p *Preprocessor) Close() error {
	return errors.Join(p.resized.Close(), p.rgb.Close())
}
