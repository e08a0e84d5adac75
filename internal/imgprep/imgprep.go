// Package imgprep turns Go images into a network's input without cgo: a
// part of the image (CenterSquare for a classifier, the whole frame for a
// detector) resized to the input size with bilinear interpolation, as
// packed RGB bytes. The resize is OpenCV's cv::resize with INTER_LINEAR on
// 8-bit BGR pixels (OpenCV 4.6 on amd64: SSE-width vector code), step by
// step in integers, so that an image.Image gets the bytes the pipeline's
// OpenCV path gives the same pixels (see Resizer for where it may differ).
//
// Why not golang.org/x/image/draw's BiLinear: when it shrinks, it widens
// its kernel to the scale (every source pixel under the destination
// pixel contributes, an area-like filter), while OpenCV's INTER_LINEAR
// always reads the 2x2 source pixels around the sample point. Images
// shrunk 3 times would differ by several levels, not 1.
package imgprep

import (
	"errors"
	"fmt"
	"image"
	"math"

	"github.com/livecam/livecam/internal/bgr"
)

// CenterSquare returns the largest square centred in a w×h frame (its
// origin at 0,0). Odd margins put the extra pixel after the square.
func CenterSquare(w, h int) image.Rectangle {
	s := min(w, h)
	x, y := (w-s)/2, (h-s)/2
	return image.Rect(x, y, x+s, y+s)
}

// ErrImage reports an image or region the Resizer cannot use.
var ErrImage = errors.New("imgprep: unusable image")

// The fixed point of OpenCV's bilinear coefficients (INTER_RESIZE_COEF_BITS).
const (
	coefBits  = 11
	coefScale = 1 << coefBits
)

// Resizer resizes parts of images to one output size. It keeps the
// coefficients of the last source size and its row buffers, so after the
// first call for a given source size it allocates nothing (an image type
// with neither a fast path in package bgr nor an RGBA64At method
// allocates what its At method does). A Resizer is not safe for
// concurrent use.
//
// It follows cv::resize(INTER_LINEAR) for CV_8UC3: a source of the output
// size is copied; otherwise each output pixel mixes the 2x2 source
// pixels around ((d+0.5)·scale-0.5), with
// 11-bit coefficients rounded from float32 as OpenCV computes them,
// horizontally in int32, then vertically as OpenCV's VResizeLinear for
// 8-bit does it, in its vector code and its scalar tail alike: each
// horizontal sum >>4, times its coefficient, the high 16 bits kept, the
// two added, +2, >>2. Measured against OpenCV 4.6 on amd64, every byte
// is the same; another build (NEON, say) may round a few values the
// other way, by 1 at most. (For exactly twice the output size OpenCV
// averages 2x2 blocks instead, +2 >>2; the arithmetic above gives the
// same bytes there, so it needs no case of its own.)
type Resizer struct {
	w, h int // output size

	sw, sh      int     // the source size the coefficients are for (0: none yet)
	xofs, xofs1 []int32 // per output column: the two source columns (pixels)
	alpha       []int32 // per output column: 2 coefficients
	yofs, yofs1 []int32 // per output row: the two source rows, clipped
	beta        []int32 // per output row: 2 coefficients

	row  []byte     // one source row, BGR
	hrow [2][]int32 // horizontally resized rows, BGR
	hsy  [2]int     // the source row each holds
}

// NewResizer returns a Resizer to w×h pixels.
func NewResizer(w, h int) *Resizer {
	return &Resizer{w: w, h: h}
}

// Size returns the output size.
func (r *Resizer) Size() image.Point { return image.Pt(r.w, r.h) }

// RGB writes the part src of img resized to the Resizer's size into dst
// as packed RGB, row-major (dst must hold exactly w·h·3 bytes). src must
// be a non-empty rectangle inside img's bounds; a nil img (or nil
// pointer) is ErrImage.
func (r *Resizer) RGB(dst []byte, img image.Image, src image.Rectangle) error {
	if bgr.Nil(img) {
		return fmt.Errorf("%w: nil image", ErrImage)
	}
	if r.w < 1 || r.h < 1 {
		return fmt.Errorf("%w: output size %dx%d", ErrImage, r.w, r.h)
	}
	if len(dst) != r.w*r.h*3 {
		return fmt.Errorf("%w: %d bytes for a %dx%d RGB input", ErrImage, len(dst), r.w, r.h)
	}
	if src.Empty() || !src.In(img.Bounds()) {
		return fmt.Errorf("%w: region %v of an image with bounds %v", ErrImage, src, img.Bounds())
	}
	sw, sh := src.Dx(), src.Dy()
	if sw != r.sw || sh != r.sh {
		r.plan(sw, sh)
	}
	if sw == r.w && sh == r.h {
		return r.copyRows(dst, img, src)
	}
	return r.bilinear(dst, img, src)
}

// plan computes the coefficients for a sw×sh source, as hal::resize does.
func (r *Resizer) plan(sw, sh int) {
	r.sw, r.sh = sw, sh
	invX, invY := float64(r.w)/float64(sw), float64(r.h)/float64(sh)
	scaleX, scaleY := 1/invX, 1/invY
	r.row = grow(r.row, sw*3)
	for i := range r.hrow {
		r.hrow[i] = grow32(r.hrow[i], r.w*3)
	}
	r.xofs, r.xofs1 = grow32(r.xofs, r.w), grow32(r.xofs1, r.w)
	r.alpha = grow32(r.alpha, 2*r.w)
	for dx := range r.w {
		sx, f := sample(dx, scaleX)
		if sx < 0 {
			sx, f = 0, 0
		}
		if sx >= sw-1 {
			sx, f = sw-1, 0
		}
		r.xofs[dx], r.xofs1[dx] = int32(sx), int32(min(sx+1, sw-1))
		r.alpha[2*dx], r.alpha[2*dx+1] = coef(1-f), coef(f)
	}
	r.yofs, r.yofs1 = grow32(r.yofs, r.h), grow32(r.yofs1, r.h)
	r.beta = grow32(r.beta, 2*r.h)
	for dy := range r.h {
		// Rows are clipped, not the coefficients: a sample above the
		// first row mixes row 0 with itself.
		sy, f := sample(dy, scaleY)
		r.yofs[dy], r.yofs1[dy] = int32(clip(sy, sh)), int32(clip(sy+1, sh))
		r.beta[2*dy], r.beta[2*dy+1] = coef(1-f), coef(f)
	}
}

// sample returns the source index and the float32 fraction OpenCV takes
// for output index d: fx = (float)((d+0.5)*scale - 0.5), floor, and the
// remainder in float32. The explicit conversions keep Go from fusing the
// multiply and add (as it may on arm64), which would round differently.
func sample(d int, scale float64) (int, float32) {
	p := float64((float64(d) + 0.5) * scale)
	f := float32(p - 0.5)
	i := int(math.Floor(float64(f)))
	return i, f - float32(i)
}

// coef is saturate_cast<short>(v*INTER_RESIZE_COEF_SCALE) for a float32
// v: rounded half to even, as cvRound does.
func coef(v float32) int32 {
	c := math.RoundToEven(float64(float32(v * coefScale)))
	return int32(max(min(c, math.MaxInt16), math.MinInt16))
}

// clip is OpenCV's clip(i, 0, n): i held inside [0, n).
func clip(i, n int) int { return max(0, min(i, n-1)) }

func grow(b []byte, n int) []byte {
	if cap(b) < n {
		return make([]byte, n)
	}
	return b[:n]
}

func grow32(b []int32, n int) []int32 {
	if cap(b) < n {
		return make([]int32, n)
	}
	return b[:n]
}

// sourceRow converts row y (0-based within src) into buf as BGR.
func sourceRow(buf []byte, img image.Image, src image.Rectangle, y int) error {
	return bgr.Rect(buf, img, image.Rect(src.Min.X, src.Min.Y+y, src.Max.X, src.Min.Y+y+1))
}

// copyRows is the same-size case: cv::resize copies, the BGR to RGB
// conversion follows.
func (r *Resizer) copyRows(dst []byte, img image.Image, src image.Rectangle) error {
	n := r.w * 3
	for y := range r.h {
		if err := sourceRow(r.row, img, src, y); err != nil {
			return err
		}
		swapRB(dst[y*n:][:n], r.row)
	}
	return nil
}

// swapRB writes the BGR pixels of src as RGB into dst.
func swapRB(dst, src []byte) {
	for i := 0; i+2 < len(src); i += 3 {
		d, s := dst[i:i+3:i+3], src[i:i+3:i+3]
		d[0], d[1], d[2] = s[2], s[1], s[0]
	}
}

// bilinear is resizeGeneric_ with HResizeLinear and VResizeLinear.
func (r *Resizer) bilinear(dst []byte, img image.Image, src image.Rectangle) error {
	r.hsy = [2]int{-1, -1}
	n := r.w * 3
	for dy := range r.h {
		y0, y1 := int(r.yofs[dy]), int(r.yofs1[dy])
		i0, err := r.horizontal(img, src, y0, y1)
		if err != nil {
			return err
		}
		i1, err := r.horizontal(img, src, y1, y0)
		if err != nil {
			return err
		}
		r.vertical(dst[dy*n:][:n], r.hrow[i0], r.hrow[i1], r.beta[2*dy], r.beta[2*dy+1])
	}
	return nil
}

// horizontal returns which of hrow holds source row y resized
// horizontally, computing it if neither does, without overwriting the
// one holding row keep.
func (r *Resizer) horizontal(img image.Image, src image.Rectangle, y, keep int) (int, error) {
	for i, sy := range r.hsy {
		if sy == y {
			return i, nil
		}
	}
	i := 0
	if r.hsy[0] == keep {
		i = 1
	}
	if err := sourceRow(r.row, img, src, y); err != nil {
		return 0, err
	}
	row, out := r.row, r.hrow[i][:r.w*3]
	for dx := range r.w {
		s0, s1 := 3*int(r.xofs[dx]), 3*int(r.xofs1[dx])
		a0, a1 := r.alpha[2*dx], r.alpha[2*dx+1]
		p, q := row[s0:s0+3:s0+3], row[s1:s1+3:s1+3]
		o := out[3*dx : 3*dx+3 : 3*dx+3]
		o[0] = int32(p[0])*a0 + int32(q[0])*a1
		o[1] = int32(p[1])*a0 + int32(q[1])*a1
		o[2] = int32(p[2])*a0 + int32(q[2])*a1
	}
	r.hsy[i] = y
	return i, nil
}

// vertical mixes two horizontally resized BGR rows into one RGB output
// row with OpenCV's arithmetic (see Resizer). The horizontal sums are at
// most 255·2048, so >>4 fits the 16 bits OpenCV packs them into, and the
// coefficients' sum is about 2048, so the result needs no clamping beyond
// 255 (a coefficient pair rounded to 2049 could reach 256).
func (r *Resizer) vertical(out []byte, s0, s1 []int32, b0, b1 int32) {
	n := len(out)
	s0, s1 = s0[:n], s1[:n]
	for x := 0; x+2 < n; x += 3 {
		o := out[x : x+3 : x+3]
		p, q := s0[x:x+3:x+3], s1[x:x+3:x+3]
		o[2] = mix(p[0], q[0], b0, b1) // B
		o[1] = mix(p[1], q[1], b0, b1)
		o[0] = mix(p[2], q[2], b0, b1) // R
	}
}

func mix(s0, s1, b0, b1 int32) byte {
	v := ((b0*(s0>>4))>>16 + (b1*(s1>>4))>>16 + 2) >> 2
	return byte(min(v, 255))
}
