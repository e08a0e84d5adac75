// Package bgr converts images to the packed 8-bit BGR layout of OpenCV's
// Mats: the decoders' *image.YCbCr (4:4:4, 4:2:2, 4:2:0, 4:4:0),
// *image.RGBA, *image.NRGBA and *image.Gray by fast paths, any other
// image.Image through its RGBA64At method (every image type of the
// standard library has one) or, failing that, At. Conversions write into
// the caller's buffer; only At allocates (what it returns).
package bgr

import (
	"errors"
	"fmt"
	"image"
	"reflect"
)

// ErrNil reports a nil image: a nil image.Image, or a nil pointer of an
// image type (a nil *image.RGBA, say), whose Bounds would panic.
var ErrNil = errors.New("bgr: nil image")

// Nil reports whether img is nil or a nil pointer: an image that cannot
// be read, not even for its bounds.
func Nil(img image.Image) bool {
	if img == nil {
		return true
	}
	v := reflect.ValueOf(img)
	return v.Kind() == reflect.Pointer && v.IsNil()
}

// FromImage writes img as packed BGR (Dx*Dy*3 bytes, row-major) into dst,
// which must have exactly that length. A nil img is ErrNil.
func FromImage(dst []byte, img image.Image) error {
	if Nil(img) {
		return ErrNil
	}
	return Rect(dst, img, img.Bounds())
}

// Rect writes the part r of img (which must lie inside img.Bounds()) as
// packed BGR (r.Dx()*r.Dy()*3 bytes, row-major) into dst, which must have
// exactly that length. Converting one row at a time (r one pixel high)
// gives the same bytes as converting the whole image. A nil img is
// ErrNil.
func Rect(dst []byte, img image.Image, r image.Rectangle) error {
	if Nil(img) {
		return ErrNil
	}
	if !r.In(img.Bounds()) {
		return fmt.Errorf("bgr: %v is not inside the image's bounds %v", r, img.Bounds())
	}
	w, h := r.Dx(), r.Dy()
	if len(dst) != w*h*3 {
		return fmt.Errorf("bgr: %d bytes for a %dx%d image", len(dst), w, h)
	}
	if r.Empty() {
		return nil
	}
	switch src := img.(type) {
	case *image.YCbCr:
		fromYCbCr(dst, src, r)
	case *image.RGBA:
		fromRGBX(dst, src.Pix, src.Stride, src.PixOffset(r.Min.X, r.Min.Y), w, h)
	case *image.NRGBA:
		// Frames are opaque: the colour is taken as it is, alpha ignored.
		fromRGBX(dst, src.Pix, src.Stride, src.PixOffset(r.Min.X, r.Min.Y), w, h)
	case *image.Gray:
		for y := 0; y < h; y++ {
			row := src.Pix[src.PixOffset(r.Min.X, r.Min.Y+y):][:w]
			out := dst[y*w*3:][:w*3]
			for x, v := range row {
				out[3*x], out[3*x+1], out[3*x+2] = v, v, v
			}
		}
	case image.RGBA64Image:
		i := 0
		for y := r.Min.Y; y < r.Max.Y; y++ {
			for x := r.Min.X; x < r.Max.X; x++ {
				c := src.RGBA64At(x, y)
				dst[i], dst[i+1], dst[i+2] = byte(c.B>>8), byte(c.G>>8), byte(c.R>>8)
				i += 3
			}
		}
	default:
		i := 0
		for y := r.Min.Y; y < r.Max.Y; y++ {
			for x := r.Min.X; x < r.Max.X; x++ {
				r, g, bl, _ := img.At(x, y).RGBA()
				dst[i], dst[i+1], dst[i+2] = byte(bl>>8), byte(g>>8), byte(r>>8)
				i += 3
			}
		}
	}
	return nil
}

// fromRGBX converts 4-byte RGBA-ordered pixels.
func fromRGBX(dst, pix []byte, stride, off, w, h int) {
	for y := 0; y < h; y++ {
		row := pix[off+y*stride:][:4*w]
		out := dst[y*w*3:][:w*3]
		for x := 0; x < w; x++ {
			p := row[4*x : 4*x+3 : 4*x+3]
			o := out[3*x : 3*x+3 : 3*x+3]
			o[0], o[1], o[2] = p[2], p[1], p[0]
		}
	}
}

// fromYCbCr converts with the arithmetic of image/color.YCbCrToRGB (JPEG's
// full-range BT.601), so the result equals what img.At would give.
func fromYCbCr(dst []byte, src *image.YCbCr, b image.Rectangle) {
	h := b.Dy()
	if b.Min.X < 0 || b.Min.Y < 0 {
		// COffset halves coordinates rounding towards zero: below 0 the
		// pixels that share chroma are not the pairs the fast paths
		// assume.
		w := b.Dx()
		for y := range h {
			out := dst[y*w*3:][:w*3]
			for x := range w {
				p := image.Pt(b.Min.X+x, b.Min.Y+y)
				ci := src.COffset(p.X, p.Y)
				put(out[3*x:3*x+3:3*x+3], src.Y[src.YOffset(p.X, p.Y)], src.Cb[ci], src.Cr[ci])
			}
		}
		return
	}
	y := 0
	if src.SubsampleRatio == image.YCbCrSubsampleRatio420 && b.Min.X&1 == 0 {
		// Rows in pairs that share a chroma row (an odd Min.Y starts
		// with a row alone), pixels in 2x2 blocks.
		if b.Min.Y&1 == 1 {
			y = 1
			fromYCbCrRows(dst, src, b, 0, 1)
		}
		for ; y+1 < h; y += 2 {
			block420(dst, src, b, y)
		}
	}
	fromYCbCrRows(dst, src, b, y, h)
}

// block420 converts rows y and y+1 of the part b of a 4:2:0 image, where
// b.Min.X and b.Min.Y+y are even.
func block420(dst []byte, src *image.YCbCr, b image.Rectangle, y int) {
	w := b.Dx()
	y0 := src.Y[src.YOffset(b.Min.X, b.Min.Y+y):][:w]
	y1 := src.Y[src.YOffset(b.Min.X, b.Min.Y+y+1):][:w]
	ci := src.COffset(b.Min.X, b.Min.Y+y)
	n := (w + 1) / 2
	cb, cr := src.Cb[ci:][:n], src.Cr[ci:][:n]
	o0, o1 := dst[y*w*3:][:w*3], dst[(y+1)*w*3:][:w*3]
	for j := 0; j < w/2; j++ {
		dr, dg, db := crR[cr[j]], cbG[cb[j]]+crG[cr[j]], cbB[cb[j]]
		a, c := o0[6*j:6*j+6:6*j+6], o1[6*j:6*j+6:6*j+6]
		yy := int32(y0[2*j]) * 0x10101
		a[0], a[1], a[2] = clamp(yy+db), clamp(yy+dg), clamp(yy+dr)
		yy = int32(y0[2*j+1]) * 0x10101
		a[3], a[4], a[5] = clamp(yy+db), clamp(yy+dg), clamp(yy+dr)
		yy = int32(y1[2*j]) * 0x10101
		c[0], c[1], c[2] = clamp(yy+db), clamp(yy+dg), clamp(yy+dr)
		yy = int32(y1[2*j+1]) * 0x10101
		c[3], c[4], c[5] = clamp(yy+db), clamp(yy+dg), clamp(yy+dr)
	}
	if w&1 == 1 {
		x := w - 1
		put(o0[3*x:3*x+3:3*x+3], y0[x], cb[n-1], cr[n-1])
		put(o1[3*x:3*x+3:3*x+3], y1[x], cb[n-1], cr[n-1])
	}
}

// fromYCbCrRows converts rows [y0, y1) of the part b of an image of any
// subsampling ratio.
func fromYCbCrRows(dst []byte, src *image.YCbCr, b image.Rectangle, y0, y1 int) {
	w := b.Dx()
	for y := y0; y < y1; y++ {
		yrow := src.Y[src.YOffset(b.Min.X, b.Min.Y+y):][:w]
		out := dst[y*w*3:][:w*3]
		switch src.SubsampleRatio {
		case image.YCbCrSubsampleRatio444, image.YCbCrSubsampleRatio440:
			ci := src.COffset(b.Min.X, b.Min.Y+y)
			cb, cr := src.Cb[ci:][:w], src.Cr[ci:][:w]
			for x, yv := range yrow {
				put(out[3*x:3*x+3:3*x+3], yv, cb[x], cr[x])
			}
		case image.YCbCrSubsampleRatio422, image.YCbCrSubsampleRatio420:
			// Chroma is shared by pairs of pixels. An odd Min.X starts
			// half-way through a pair: that first pixel is done alone.
			ci := src.COffset(b.Min.X, b.Min.Y+y)
			x := 0
			if b.Min.X&1 == 1 {
				put(out[0:3:3], yrow[0], src.Cb[ci], src.Cr[ci])
				x, ci = 1, ci+1
			}
			pairs := (w - x) / 2
			cb, cr := src.Cb[ci:][:pairs+(w-x)%2], src.Cr[ci:][:pairs+(w-x)%2]
			o, yp := out[3*x:], yrow[x:]
			for j := 0; j < pairs; j++ {
				pair(o[:6:6], yp[0], yp[1], cb[j], cr[j])
				o, yp = o[6:], yp[2:]
			}
			x += 2 * pairs
			if x < w {
				put(out[3*x:3*x+3:3*x+3], yrow[x], cb[pairs], cr[pairs])
			}
		default:
			for x := 0; x < w; x++ {
				ci := src.COffset(b.Min.X+x, b.Min.Y+y)
				put(out[3*x:3*x+3:3*x+3], yrow[x], src.Cb[ci], src.Cr[ci])
			}
		}
	}
}

// put writes one pixel as B, G, R.
func put(o []byte, y, cb, cr uint8) {
	yy := int32(y) * 0x10101
	cb1 := int32(cb) - 128
	cr1 := int32(cr) - 128
	o[0], o[1], o[2] = clamp(yy+116130*cb1), clamp(yy-22554*cb1-46802*cr1), clamp(yy+91881*cr1)
}

// pair writes two pixels that share their chroma.
func pair(o []byte, y0, y1, cb, cr uint8) {
	dr, dg, db := crR[cr], cbG[cb]+crG[cr], cbB[cb]
	yy := int32(y0) * 0x10101
	o[0], o[1], o[2] = clamp(yy+db), clamp(yy+dg), clamp(yy+dr)
	yy = int32(y1) * 0x10101
	o[3], o[4], o[5] = clamp(yy+db), clamp(yy+dg), clamp(yy+dr)
}

// The chroma terms of image/color.YCbCrToRGB, 16.16 fixed point, per
// 8-bit value.
var crR, crG, cbG, cbB = chromaTables()

func chromaTables() (crR, crG, cbG, cbB [256]int32) {
	for i := range 256 {
		c := int32(i) - 128
		crR[i], crG[i], cbG[i], cbB[i] = 91881*c, -46802*c, -22554*c, 116130*c
	}
	return
}

// clamp turns a 16.16 fixed-point value into a byte, saturating, without
// branches (min and max compile to conditional moves).
func clamp(v int32) uint8 {
	return clampTab[uint32((v>>16)+clampOff)&1023]
}

// clampOff and clampTab saturate without branches: index (v>>16)+clampOff
// covers every value the chroma terms can produce (-227..482).
const clampOff = 384

var clampTab = func() (t [1024]uint8) {
	for i := range t {
		t[i] = uint8(min(max(i-clampOff, 0), 255))
	}
	return
}()
