package overlay

import (
	"image"
	"math"
	"unicode/utf8"
)

// bgr is a colour in a frame's byte order.
type bgr [3]uint8

// canvas is a view of a frame's pixels that clips everything drawn to
// the frame: 8-bit BGR (pix, rows of stride bytes), or, when i420 is set,
// YUV 4:2:0 planes (pix the luma, rows of stride bytes; u and v the
// chroma, a sample per 2×2 pixels, rows of stride/2 bytes).
type canvas struct {
	pix    []byte
	stride int
	bounds image.Rectangle
	i420   bool
	u, v   []byte
}

// shade darkens r, keeping keep/256 of each value: the translucent panel
// behind the text.
func (c *canvas) shade(r image.Rectangle, keep uint32) {
	r = r.Intersect(c.bounds)
	if c.i420 {
		c.shadeI420(r, keep)
		return
	}
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
	if c.i420 {
		c.fillI420(r, col)
		return
	}
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
	if c.i420 {
		c.glyphI420(gl, x0, y0, r, col)
		return
	}
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

// outline paints a frame of thickness t along the inside of r, whose
// coordinates must be small enough not to overflow (drawBoxes cuts boxes
// in to near the frame first).
func (c *canvas) outline(r image.Rectangle, t int, col bgr) {
	t = min(t, r.Dx(), r.Dy())
	c.fill(image.Rect(r.Min.X, r.Min.Y, r.Max.X, r.Min.Y+t), col)
	c.fill(image.Rect(r.Min.X, r.Max.Y-t, r.Max.X, r.Max.Y), col)
	c.fill(image.Rect(r.Min.X, r.Min.Y+t, r.Min.X+t, r.Max.Y-t), col)
	c.fill(image.Rect(r.Max.X-t, r.Min.Y+t, r.Max.X, r.Max.Y-t), col)
}

// line paints the segment from p to q, t pixels thick (a t×t square
// drawn along it). The segment is first clipped to the frame, so that
// points far outside it cost nothing.
func (c *canvas) line(p, q image.Point, t int, col bgr) {
	// Clip in float64 against the frame grown by the brush.
	lo := float64(t)
	x0, y0, x1, y1, ok := clipSegment(float64(p.X), float64(p.Y), float64(q.X), float64(q.Y),
		float64(c.bounds.Min.X)-lo, float64(c.bounds.Min.Y)-lo, float64(c.bounds.Max.X)+lo, float64(c.bounds.Max.Y)+lo)
	if !ok {
		return
	}
	ax, ay := int(math.Round(x0)), int(math.Round(y0))
	bx, by := int(math.Round(x1)), int(math.Round(y1))
	// Bresenham.
	dx, dy := abs(bx-ax), -abs(by-ay)
	sx, sy := 1, 1
	if ax > bx {
		sx = -1
	}
	if ay > by {
		sy = -1
	}
	e := dx + dy
	o := t / 2
	for {
		c.fill(image.Rect(ax-o, ay-o, ax-o+t, ay-o+t), col)
		if ax == bx && ay == by {
			return
		}
		e2 := 2 * e
		if e2 >= dy {
			e += dy
			ax += sx
		}
		if e2 <= dx {
			e += dx
			ay += sy
		}
	}
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

// clipSegment clips the segment (x0,y0)-(x1,y1) to the rectangle
// [minX,maxX]×[minY,maxY] (Liang–Barsky); ok is false when nothing of it
// is inside.
func clipSegment(x0, y0, x1, y1, minX, minY, maxX, maxY float64) (cx0, cy0, cx1, cy1 float64, ok bool) {
	dx, dy := x1-x0, y1-y0
	t0, t1 := 0.0, 1.0
	for _, e := range [4][2]float64{{-dx, x0 - minX}, {dx, maxX - x0}, {-dy, y0 - minY}, {dy, maxY - y0}} {
		p, q := e[0], e[1]
		if p == 0 {
			if q < 0 {
				return 0, 0, 0, 0, false
			}
			continue
		}
		r := q / p
		if p < 0 {
			t0 = max(t0, r)
		} else {
			t1 = min(t1, r)
		}
		if t0 > t1 {
			return 0, 0, 0, 0, false
		}
	}
	return x0 + t0*dx, y0 + t0*dy, x0 + t1*dx, y0 + t1*dy, true
}
