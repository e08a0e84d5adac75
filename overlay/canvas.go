package overlay

import (
	"image"
	"unicode/utf8"
)

// bgr is a colour in a frame's byte order.
type bgr [3]uint8

// canvas is a view of a frame's pixels (8-bit BGR, rows of stride bytes)
// that clips everything drawn to the frame.
type canvas struct {
	pix    []byte
	stride int
	bounds image.Rectangle
}

// shade darkens r, keeping keep/256 of each value: the translucent panel
// behind the text.
func (c *canvas) shade(r image.Rectangle, keep uint32) {
	r = r.Intersect(c.bounds)
	for y := r.Min.Y; y < r.Max.Y; y++ {
		row := c.pix[y*c.stride+3*r.Min.X : y*c.stride+3*r.Max.X]
		for i, v := range row {
			row[i] = uint8(uint32(v) * keep >> 8)
		}
	}
}

// fill paints r in col.
func (c *canvas) fill(r image.Rectangle, col bgr) {
	r = r.Intersect(c.bounds)
	for y := r.Min.Y; y < r.Max.Y; y++ {
		row := c.pix[y*c.stride+3*r.Min.X : y*c.stride+3*r.Max.X]
		for i := 0; i+2 < len(row); i += 3 {
			row[i], row[i+1], row[i+2] = col[0], col[1], col[2]
		}
	}
}

// text draws the UTF-8 text s with its baseline starting at (x, y) and
// returns the x after it. Glyphs are blended by their coverage, so edges
// stay smooth.
func (c *canvas) text(g *glyphs, x, y int, s []byte, col bgr) int {
	for len(s) > 0 {
		r, n := utf8.DecodeRune(s)
		s = s[n:]
		gl := g.get(r)
		c.glyph(gl, x+gl.off.X, y+gl.off.Y, col)
		x += gl.advance
	}
	return x
}

// glyph blends one glyph's mask, its top-left corner at (x0, y0).
func (c *canvas) glyph(gl *glyph, x0, y0 int, col bgr) {
	m := gl.mask
	r := image.Rect(x0, y0, x0+m.Rect.Dx(), y0+m.Rect.Dy()).Intersect(c.bounds)
	for y := r.Min.Y; y < r.Max.Y; y++ {
		src := m.Pix[(y-y0)*m.Stride+(r.Min.X-x0) : (y-y0)*m.Stride+(r.Max.X-x0)]
		dst := c.pix[y*c.stride+3*r.Min.X : y*c.stride+3*r.Max.X]
		for i, a := range src {
			if a == 0 {
				continue
			}
			d := dst[3*i : 3*i+3 : 3*i+3]
			if a == 255 {
				d[0], d[1], d[2] = col[0], col[1], col[2]
				continue
			}
			w, k := uint32(a), 255-uint32(a)
			d[0] = uint8((uint32(col[0])*w + uint32(d[0])*k + 127) / 255)
			d[1] = uint8((uint32(col[1])*w + uint32(d[1])*k + 127) / 255)
			d[2] = uint8((uint32(col[2])*w + uint32(d[2])*k + 127) / 255)
		}
	}
}

// textWidth returns the width of the UTF-8 text s in pixels.
func textWidth(g *glyphs, s []byte) int {
	w := 0
	for len(s) > 0 {
		r, n := utf8.DecodeRune(s)
		s = s[n:]
		w += g.get(r).advance
	}
	return w
}
