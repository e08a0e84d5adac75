package overlay

import "image"

// yuv is a colour in BT.601 limited range (Y 16-235, U and V 16-240
// around 128), the YUV of OpenCV's COLOR_BGR2YUV_I420 and of the video
// streams the planes come from.
type yuv struct{ y, u, v int32 }

// toYUV converts a BGR colour with OpenCV's integer BT.601 coefficients.
func toYUV(c bgr) yuv {
	b, g, r := int32(c[0]), int32(c[1]), int32(c[2])
	return yuv{
		y: (66*r+129*g+25*b+128)>>8 + 16,
		u: (-38*r-74*g+112*b+128)>>8 + 128,
		v: (112*r-94*g-18*b+128)>>8 + 128,
	}
}

// blend mixes col over v with weight w of 255, rounded.
func blend(col, v, w int32) byte {
	return byte((col*w + v*(255-w) + 127) / 255)
}

// chroma returns the chroma samples whose top-left pixel lies in r: the
// samples a fill or shade of r sets, as OpenCV's COLOR_BGR2YUV_I420
// takes each sample from its block's top-left pixel, so that overlapping
// fills end as they would on BGR converted after.
func chroma(r image.Rectangle) image.Rectangle {
	return image.Rect((r.Min.X+1)>>1, (r.Min.Y+1)>>1, (r.Max.X+1)>>1, (r.Max.Y+1)>>1)
}

// shadeI420 darkens r (inside the frame) toward black, Y 16 and U, V
// 128: the same keep/256 of the picture as shade leaves of BGR.
func (c *canvas) shadeI420(r image.Rectangle, keep uint32) {
	k := int32(keep)
	for y := r.Min.Y; y < r.Max.Y; y++ {
		row := c.pix[y*c.stride+r.Min.X : y*c.stride+r.Max.X]
		for i, v := range row {
			row[i] = byte(16 + (int32(v)-16)*k>>8)
		}
	}
	cs, cr := c.stride/2, chroma(r)
	for cy := cr.Min.Y; cy < cr.Max.Y; cy++ {
		u, v := c.u[cy*cs+cr.Min.X:cy*cs+cr.Max.X], c.v[cy*cs+cr.Min.X:cy*cs+cr.Max.X]
		for i := range u {
			u[i] = byte(128 + (int32(u[i])-128)*k/256)
			v[i] = byte(128 + (int32(v[i])-128)*k/256)
		}
	}
}

// fillI420 paints r (inside the frame) in col.
func (c *canvas) fillI420(r image.Rectangle, col bgr) {
	t := toYUV(col)
	for y := r.Min.Y; y < r.Max.Y; y++ {
		row := c.pix[y*c.stride+r.Min.X : y*c.stride+r.Max.X]
		for i := range row {
			row[i] = byte(t.y)
		}
	}
	cs, cr := c.stride/2, chroma(r)
	for cy := cr.Min.Y; cy < cr.Max.Y; cy++ {
		u, v := c.u[cy*cs+cr.Min.X:cy*cs+cr.Max.X], c.v[cy*cs+cr.Min.X:cy*cs+cr.Max.X]
		for i := range u {
			u[i], v[i] = byte(t.u), byte(t.v)
		}
	}
}

// glyphI420 blends gl's mask, its top-left corner at (x0, y0), over r
// (the mask's rectangle inside the frame): the luma by each pixel's
// coverage, a chroma sample by its top-left pixel's.
func (c *canvas) glyphI420(gl *glyph, x0, y0 int, r image.Rectangle, col bgr) {
	t := toYUV(col)
	m := gl.mask
	for y := r.Min.Y; y < r.Max.Y; y++ {
		src := m.Pix[(y-y0)*m.Stride+(r.Min.X-x0) : (y-y0)*m.Stride+(r.Max.X-x0)]
		dst := c.pix[y*c.stride+r.Min.X : y*c.stride+r.Max.X]
		for i, a := range src {
			switch a {
			case 0:
			case 255:
				dst[i] = byte(t.y)
			default:
				dst[i] = blend(t.y, int32(dst[i]), int32(a))
			}
		}
	}
	cs, cr := c.stride/2, chroma(r)
	for cy := cr.Min.Y; cy < cr.Max.Y; cy++ {
		src := m.Pix[(2*cy-y0)*m.Stride:]
		for cx := cr.Min.X; cx < cr.Max.X; cx++ {
			if a := int32(src[2*cx-x0]); a != 0 {
				i := cy*cs + cx
				c.u[i] = blend(t.u, int32(c.u[i]), a)
				c.v[i] = blend(t.v, int32(c.v[i]), a)
			}
		}
	}
}
