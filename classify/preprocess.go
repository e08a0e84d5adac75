package classify

import (
	"errors"
	"fmt"
	"image"

	"gocv.io/x/gocv"

	"github.com/livecam/livecam/net/mobilenet"
)

// Preprocessor turns BGR frames into network input: it centre-crops the
// frame to a square, resizes it to the model's size with bilinear
// interpolation (a frame already at that size is used as it is), converts
// BGR to RGB (RGB gives these bytes) and, for a float32 model, scales
// each byte to x/127.5-1 (Tensor). It owns the Mats it works
// in and reuses them, so after the first frame of a given size it
// allocates nothing. A Preprocessor is not safe for concurrent use; Close
// releases its Mats.
type Preprocessor struct {
	size    int
	resized gocv.Mat
	rgb     gocv.Mat
}

// NewPreprocessor returns a Preprocessor for a model with the given input
// size.
func NewPreprocessor(size int) *Preprocessor {
	return &Preprocessor{size: size, resized: gocv.NewMat(), rgb: gocv.NewMat()}
}

// Size returns the side of the square input the Preprocessor produces.
func (p *Preprocessor) Size() int { return p.size }

// ErrFrame reports a frame the Preprocessor cannot use.
var ErrFrame = errors.New("classify: unusable frame")

// CenterSquare returns the largest square centred in a w×h frame.
func CenterSquare(w, h int) image.Rectangle {
	s := min(w, h)
	x, y := (w-s)/2, (h-s)/2
	return image.Rect(x, y, x+s, y+s)
}

// Tensor writes the float32 network input for frame, an 8-bit BGR Mat,
// into dst, which must hold Size×Size×3 values.
func (p *Preprocessor) Tensor(dst []float32, frame gocv.Mat) error {
	if len(dst) != p.size*p.size*3 {
		return fmt.Errorf("%w: tensor of %d values for a %dx%d input", ErrFrame, len(dst), p.size, p.size)
	}
	rgb, err := p.RGB(frame)
	if err != nil {
		return err
	}
	mobilenet.NormalizeRGB(dst, rgb)
	return nil
}

// RGB returns the network input for frame, an 8-bit BGR Mat, as
// Size×Size×3 RGB bytes (centre square, bilinear resize), the form
// Runner.Probabilities takes for float32 and quantized models alike. The
// bytes belong to the Preprocessor and are valid until its next call.
func (p *Preprocessor) RGB(frame gocv.Mat) ([]uint8, error) {
	if frame.Empty() || frame.Type() != gocv.MatTypeCV8UC3 {
		return nil, fmt.Errorf("%w: want a non-empty 8-bit BGR image, got type %v with %dx%d pixels", ErrFrame, frame.Type(), frame.Cols(), frame.Rows())
	}
	src := frame
	if frame.Cols() != p.size || frame.Rows() != p.size {
		sq := CenterSquare(frame.Cols(), frame.Rows())
		crop := frame
		if sq.Dx() != frame.Cols() || sq.Dy() != frame.Rows() {
			crop = frame.Region(sq)
			defer crop.Close()
		}
		gocv.Resize(crop, &p.resized, image.Pt(p.size, p.size), 0, 0, gocv.InterpolationLinear)
		src = p.resized
	}
	gocv.CvtColor(src, &p.rgb, gocv.ColorBGRToRGB)
	rgb, err := p.rgb.DataPtrUint8()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrFrame, err)
	}
	if len(rgb) != p.size*p.size*3 { // a non-continuous Mat
		return nil, fmt.Errorf("%w: %d RGB bytes for a %dx%d input", ErrFrame, len(rgb), p.size, p.size)
	}
	return rgb, nil
}

// Close releases the Preprocessor's Mats.
func (p *Preprocessor) Close() error {
	err := p.resized.Close()
	return errors.Join(err, p.rgb.Close())
}
