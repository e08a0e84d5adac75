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
	// i420 and bgr hold the part of an I420 frame RGBI420 converts.
	i420, bgr gocv.Mat
}

// Square returns the Preprocessor of a classifier with a size×size input:
// the frame's centre square (imgprep.CenterSquare), resized.
func Square(size int) *Preprocessor {
	return &Preprocessor{size: image.Pt(size, size), square: true, resized: gocv.NewMat(), rgb: gocv.NewMat(), i420: gocv.NewMat(), bgr: gocv.NewMat()}
}

// Stretch returns the Preprocessor of a detector with an input of size
// (width × height): the whole frame, resized to it.
func Stretch(size image.Point) *Preprocessor {
	return &Preprocessor{size: size, resized: gocv.NewMat(), rgb: gocv.NewMat(), i420: gocv.NewMat(), bgr: gocv.NewMat()}
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

// RGBI420 is RGB for a frame given as YUV 4:2:0 planes (I420: the w×h
// luma, then the U and the V plane at half the width and height, in one
// continuous 8-bit single-channel Mat of h×3/2 rows, w and h even; BT.601
// limited range), with the same bytes as RGB of the frame converted to
// BGR by OpenCV (COLOR_YUV2BGR_I420): only the part of the frame the
// input is made from is converted (a classifier's centre square, widened
// to whole 2×2 blocks).
func (p *Preprocessor) RGBI420(frame gocv.Mat) ([]uint8, error) {
	w, h := frame.Cols(), frame.Rows()*2/3
	if frame.Empty() || frame.Type() != gocv.MatTypeCV8UC1 || !frame.IsContinuous() || w%2 != 0 || h%2 != 0 || frame.Rows() != h*3/2 {
		return nil, fmt.Errorf("%w: want non-empty continuous I420 planes of an even size, got type %v with %dx%d samples", ErrFrame, frame.Type(), frame.Cols(), frame.Rows())
	}
	src, err := frame.DataPtrUint8()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrFrame, err)
	}
	crop := image.Rect(0, 0, w, h)
	if p.square {
		crop = imgprep.CenterSquare(w, h)
	}
	// The crop widened to whole chroma samples, in the planes.
	blocks := image.Rect(crop.Min.X&^1, crop.Min.Y&^1, (crop.Max.X+1)&^1, (crop.Max.Y+1)&^1)
	if blocks == image.Rect(0, 0, w, h) { // the whole frame: nothing to copy
		gocv.CvtColor(frame, &p.bgr, gocv.ColorYUVToBGRIYUV)
		if crop == blocks {
			return p.RGB(p.bgr)
		}
		view := p.bgr.Region(crop)
		defer view.Close()
		return p.RGB(view)
	}
	bw, bh := blocks.Dx(), blocks.Dy()
	if p.i420.Cols() != bw || p.i420.Rows() != bh*3/2 {
		p.i420.Close()
		p.i420 = gocv.NewMatWithSize(bh*3/2, bw, gocv.MatTypeCV8UC1)
	}
	dst, err := p.i420.DataPtrUint8()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrFrame, err)
	}
	for y := range bh {
		copy(dst[y*bw:(y+1)*bw], src[(blocks.Min.Y+y)*w+blocks.Min.X:])
	}
	cw, ch, cx, cy := bw/2, bh/2, blocks.Min.X/2, blocks.Min.Y/2
	for i := range 2 { // U, then V
		from, to := src[w*h+i*(w/2)*(h/2):], dst[bw*bh+i*cw*ch:]
		for y := range ch {
			copy(to[y*cw:(y+1)*cw], from[(cy+y)*(w/2)+cx:])
		}
	}
	gocv.CvtColor(p.i420, &p.bgr, gocv.ColorYUVToBGRIYUV)
	sq := crop.Sub(blocks.Min)
	if sq == image.Rect(0, 0, bw, bh) {
		return p.RGB(p.bgr)
	}
	view := p.bgr.Region(sq)
	defer view.Close()
	return p.RGB(view)
}

// Close releases the Preprocessor's Mats.
func (p *Preprocessor) Close() error {
	return errors.Join(p.resized.Close(), p.rgb.Close(), p.i420.Close(), p.bgr.Close())
}
