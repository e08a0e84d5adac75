package overlay

import (
	"image"
	"image/color"
	"math"
	"strconv"

	"github.com/livecam/livecam/net/mobilenet"
)

// Box is one detected object to draw: an outline in its class's colour
// and a filled tab above it that names it ("person 87% #12").
type Box struct {
	// Rect is the box in the pixels of the frame drawn on; it may lie
	// partly or wholly outside the frame.
	Rect image.Rectangle
	// Label names the class ("person"); empty draws "class N".
	Label string
	// Score is the detection's confidence, 0 to 1 (NaN draws none).
	Score float32
	// ID is the object's track id, 0 for none.
	ID int
	// Class picks the colour (see ClassColor): the model's class index.
	Class int
}

// Zone is a named region of the frame, drawn as a thin polygon outline
// with its name.
type Zone struct {
	Name string
	// Points are the polygon's corners in the pixels of the frame drawn
	// on, in order; the last joins the first.
	Points []image.Point
}

// palette holds the class colours (RGB), indexed by class modulo its
// length. The entries for COCO's common classes (0-based output classes:
// 0 person, 1 bicycle, 2 car, 3 motorcycle, 5 bus, 7 truck, 15 bird,
// 16 cat, 17 dog) differ clearly from each other; every colour is
// saturated enough to show on a grey street and on a white wall.
var palette = [20]color.RGBA{
	{255, 56, 56, 255},   // 0 person: red
	{255, 120, 200, 255}, // 1 bicycle: pink
	{30, 144, 255, 255},  // 2 car: blue
	{230, 0, 230, 255},   // 3 motorcycle: magenta
	{0, 220, 220, 255},   // 4 airplane: cyan
	{255, 230, 0, 255},   // 5 bus: yellow
	{150, 90, 255, 255},  // 6 train: violet
	{0, 190, 120, 255},   // 7 truck: sea green
	{70, 100, 255, 255},  // 8 boat: royal blue
	{170, 255, 0, 255},   // 9 traffic light: lime
	{255, 160, 120, 255}, // 10 fire hydrant: salmon
	{200, 200, 200, 255}, // 11
	{200, 110, 40, 255},  // 12 stop sign: brown
	{170, 170, 0, 255},   // 13 parking meter: olive
	{120, 200, 255, 255}, // 14 bench: sky blue
	{50, 220, 50, 255},   // 15 bird: green
	{180, 60, 255, 255},  // 16 cat: purple
	{255, 128, 0, 255},   // 17 dog: orange
	{255, 100, 130, 255}, // 18 horse: rose
	{90, 255, 180, 255},  // 19 sheep: aquamarine
}

// zoneColor draws zones: a pale gold that no class colour matches.
var zoneColor = bgr{90, 235, 255}

// ClassColor returns the colour the overlay draws class c in, so that a
// viewer or report can match it. Classes repeat the 20 colours (c modulo
// 20; negative classes too).
func ClassColor(c int) color.RGBA {
	i := c % len(palette)
	if i < 0 {
		i += len(palette)
	}
	return palette[i]
}

// classBGR returns class c's colour in a frame's byte order, and the
// colour its tab's text reads best in: black on light colours, white on
// dark ones.
func classBGR(c int) (fill, text bgr) {
	p := ClassColor(c)
	fill = bgr{p.B, p.G, p.R}
	// Rec. 601 luma.
	if 299*int(p.R)+587*int(p.G)+114*int(p.B) > 150*1000 {
		return fill, bgr{0, 0, 0}
	}
	return fill, bgr{255, 255, 255}
}

// AppendLabel appends the text of b's tab to dst: the label's display
// name (mobilenet.ShortLabel), the score as a whole percentage and the track id when there
// is one ("person 87% #12").
func AppendLabel(dst []byte, b *Box) []byte {
	if b.Label == "" {
		dst = append(dst, "class "...)
		dst = strconv.AppendInt(dst, int64(b.Class), 10)
	} else {
		dst = append(dst, mobilenet.ShortLabel(b.Label)...)
	}
	if s := b.Score; s == s { // NaN says nothing
		dst = append(dst, ' ')
		dst = strconv.AppendInt(dst, int64(math.Round(float64(max(0, min(1, s)))*100)), 10)
		dst = append(dst, '%')
	}
	if b.ID != 0 {
		dst = append(dst, " #"...)
		dst = strconv.AppendInt(dst, int64(b.ID), 10)
	}
	return dst
}

// LineWidth returns the thickness of box outlines on a frame of the given
// height: 2 px up to 719 lines, 3 at 720p, 4 at 1080p, 9 at 4K.
func LineWidth(height int) int {
	return max(2, height/240)
}

// boxTextSize is the pixel size of box labels: three quarters of the
// top-k list's, never below 11 px.
func boxTextSize(height int) int {
	return max(11, TextSize(height)*3/4)
}

// drawBoxes draws each box's outline and its label tab.
func (d *Drawer) drawBoxes(c *canvas, boxes []Box) {
	if len(boxes) == 0 {
		return
	}
	h := c.bounds.Dy()
	t := LineWidth(h)
	g := d.glyphsAt(boxTextSize(h))
	padX, padY := max(2, g.ascent/4), max(1, g.ascent/8)
	tabH := g.ascent + g.descent + 2*padY
	for i := range boxes {
		b := &boxes[i]
		r := b.Rect.Canon()
		if r.Empty() || !r.Overlaps(c.bounds) {
			continue
		}
		// Edges beyond this margin look the same wherever they are;
		// cutting them in keeps far-off coordinates from overflowing.
		r = r.Intersect(c.bounds.Inset(-(t + tabH + 1)))
		fill, ink := classBGR(b.Class)
		c.outline(r, t, fill)

		d.buf = AppendLabel(d.buf[:0], b)
		tabW := textWidth(g, d.buf) + 2*padX
		// Above the box, its left edge on the box's; inside the frame
		// (then inside the box) when the box touches the top, and
		// pulled left when it would run off the right edge.
		x := min(r.Min.X, c.bounds.Max.X-tabW)
		x = max(x, c.bounds.Min.X)
		y := r.Min.Y - tabH
		if y < c.bounds.Min.Y {
			y = max(r.Min.Y, c.bounds.Min.Y)
		}
		tab := image.Rect(x, y, x+tabW, y+tabH)
		c.fill(tab, fill)
		c.text(g, x+padX, y+padY+g.ascent, d.buf, ink)
	}
}

// drawZones draws each zone's outline and its name at its topmost corner.
func (d *Drawer) drawZones(c *canvas, zones []Zone) {
	if len(zones) == 0 {
		return
	}
	h := c.bounds.Dy()
	t := max(2, LineWidth(h)-1)
	g := d.glyphsAt(boxTextSize(h))
	pad := max(2, g.ascent/4)
	for i := range zones {
		z := &zones[i]
		n := len(z.Points)
		if n == 0 {
			continue
		}
		top := 0
		for j := range n {
			c.line(z.Points[j], z.Points[(j+1)%n], t, zoneColor)
			if p := z.Points[j]; p.Y < z.Points[top].Y || p.Y == z.Points[top].Y && p.X < z.Points[top].X {
				top = j
			}
		}
		if z.Name == "" {
			continue
		}
		d.buf = append(d.buf[:0], z.Name...)
		w := textWidth(g, d.buf) + 2*pad
		hh := g.ascent + g.descent + 2*pad/2
		// Just below the topmost corner, kept inside the frame.
		p := z.Points[top]
		x := max(c.bounds.Min.X, min(p.X+t, c.bounds.Max.X-w))
		y := max(c.bounds.Min.Y, min(p.Y+t, c.bounds.Max.Y-hh))
		c.shade(image.Rect(x, y, x+w, y+hh), panelKeep)
		c.text(g, x+pad, y+pad/2+g.ascent, d.buf, zoneColor)
	}
}
