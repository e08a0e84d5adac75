// Package overlay draws a model's results onto video frames: a
// classifier's reported classes with their scores and a score bar each,
// a notice when the best score is below a confidence threshold, a
// detector's objects as boxes in a colour per class with a label tab
// ("person 87% #12"), named zones as polygon outlines, and a status line
// with labelled figures (frames per second, latency, frames dropped),
// the text on translucent panels so it reads on a bright sky as on a
// dark room.
//
// Text is drawn with a TrueType font (Go Regular unless Options.Font says
// otherwise), so labels in any script the font covers come out right; each
// glyph is rasterized once per size and blended from a cache on every
// frame after, which keeps a 720p frame's overlay well under a
// millisecond. Sizes follow the frame height, from 240p to 4K. The
// package only draws: it keeps no frames and knows nothing of where they
// come from.
package overlay

import (
	"image"
	"strconv"

	"gocv.io/x/gocv"

	"github.com/livecam/livecam/net/mobilenet"
)

// Label is one line of the top-k list.
type Label struct {
	Name  string
	Score float32
}

// Info is what one frame's overlay shows. Zones are drawn first, then
// the objects, then the top-k list (left out when Top is empty), then the
// status line.
type Info struct {
	Top []Label // best first
	// Objects are detections to draw, boxes in the pixels of the frame
	// drawn on.
	Objects []Box
	// Zones are regions to outline, in the pixels of the frame drawn on.
	Zones   []Zone
	Model   string
	FPS     float64 // frames per second out of the pipeline
	Latency float64 // capture to overlay, milliseconds
	Dropped int64
	// SourceWidth and SourceHeight, when set, are the frame's own size,
	// which differs from the frame drawn on (a stream that changed
	// resolution, scaled to fit): the status line says so.
	SourceWidth, SourceHeight int
}

// Options adjust the drawing; nil means defaults.
type Options struct {
	// Threshold is the score below which the overlay says it is unsure
	// instead of naming the best class (default 0.2; negative: never).
	Threshold float32
	// HideStatus leaves out the status line.
	HideStatus bool
	// Font draws the text (default: DefaultFont, Go Regular). Labels in
	// scripts it lacks, such as Chinese, need a font that has them.
	Font *Font
}

var (
	white  = bgr{255, 255, 255}
	yellow = bgr{0, 220, 255}
	grey   = bgr{190, 190, 190}
	track  = bgr{90, 90, 90}
)

// panelKeep is how much of the picture shows through a panel (of 256).
const panelKeep = 90

// Drawer draws overlays. It reuses a text buffer and its glyph caches
// between frames, so it is not safe for concurrent use; use one per
// goroutine.
type Drawer struct {
	opts  Options
	buf   []byte
	sizes map[int]*glyphs // by pixel size
}

// New returns a Drawer with the given options (nil for defaults).
func New(opts *Options) *Drawer {
	d := &Drawer{opts: Options{Threshold: 0.2}, buf: make([]byte, 0, 256), sizes: make(map[int]*glyphs)}
	if opts != nil {
		d.opts = *opts
	}
	if d.opts.Font == nil {
		d.opts.Font = DefaultFont()
	}
	return d
}

// TextSize returns the pixel size of the labels on a frame of the given
// height: 20 px at 480 lines, never below 11 px so that 240-line frames
// stay legible.
func TextSize(height int) int {
	return max(11, (height+12)/24)
}

// glyphsAt returns the glyph cache for a pixel size.
func (d *Drawer) glyphsAt(px int) *glyphs {
	if g, ok := d.sizes[px]; ok {
		return g
	}
	g, err := newGlyphs(d.opts.Font, px)
	if err != nil {
		// A parsed font makes faces at any positive size.
		panic(err)
	}
	d.sizes[px] = g
	return g
}

// Draw draws info onto img, a continuous 8-bit BGR frame (CV_8UC3), in
// place; other Mats are left as they are.
func (d *Drawer) Draw(img *gocv.Mat, info *Info) {
	if img.Type() != gocv.MatTypeCV8UC3 || !img.IsContinuous() {
		return
	}
	pix, err := img.DataPtrUint8()
	if err != nil {
		return
	}
	c := canvas{pix: pix, stride: 3 * img.Cols(), bounds: image.Rect(0, 0, img.Cols(), img.Rows())}
	d.draw(&c, info)
}

// DrawI420 draws info onto img, a frame as YUV 4:2:0 planes in one
// continuous 8-bit single-channel Mat (I420: the width×height luma, then
// the U and then the V plane at half the width and height, so
// height×3/2 rows; width and height even), in place, in BT.601 limited
// range, the YUV of the video streams such planes come from and of
// OpenCV's COLOR_BGR2YUV_I420. The overlay is the one Draw makes, its
// colours converted: the luma drawn pixel by pixel, each chroma sample
// as at its 2×2 block's top-left pixel, as OpenCV's conversion of Draw's
// frame would take it (the same within 2 levels). Other Mats are left as
// they are.
func (d *Drawer) DrawI420(img *gocv.Mat, info *Info) {
	w, h := img.Cols(), img.Rows()*2/3
	if img.Type() != gocv.MatTypeCV8UC1 || !img.IsContinuous() || w%2 != 0 || h%2 != 0 || img.Rows() != h*3/2 || w == 0 {
		return
	}
	pix, err := img.DataPtrUint8()
	if err != nil || len(pix) != w*h*3/2 {
		return
	}
	q := w * h / 4
	c := canvas{pix: pix[:w*h], stride: w, bounds: image.Rect(0, 0, w, h), i420: true,
		u: pix[w*h : w*h+q], v: pix[w*h+q:]}
	d.draw(&c, info)
}

// draw lays out and draws the overlay on c.
func (d *Drawer) draw(c *canvas, info *Info) {
	h := c.bounds.Dy()
	px := TextSize(h)
	g := d.glyphsAt(px)
	pad := max(3, px/2)
	rowH := g.ascent + g.descent + px/4
	barW, barH := 3*px, max(3, px/3)

	d.drawZones(c, info.Zones)
	d.drawBoxes(c, info.Objects)

	// The classes: a score bar and "87.3%  tabby" per row.
	unsure := len(info.Top) > 0 && info.Top[0].Score < d.opts.Threshold
	rows := len(info.Top)
	if unsure {
		rows = 1
	}
	if rows > 0 {
		textW := 0
		for i := range rows {
			textW = max(textW, textWidth(g, d.row(info, i, unsure)))
		}
		panel := image.Rect(pad, pad, pad+pad+barW+pad+textW+pad, pad+pad+rows*rowH+pad/2)
		c.shade(panel, panelKeep)
		y := panel.Min.Y + pad
		for i := range rows {
			base := y + g.ascent
			col, bar := white, grey
			switch {
			case unsure:
				col, bar = grey, grey
			case i == 0:
				col, bar = yellow, yellow
			}
			x := panel.Min.X + pad
			barY := base - g.ascent/2 - barH/2
			c.fill(image.Rect(x, barY, x+barW, barY+barH), track)
			score := max(0, min(1, info.Top[i].Score))
			if score == score { // NaN draws no bar
				c.fill(image.Rect(x, barY, x+int(float32(barW)*score+0.5), barY+barH), bar)
			}
			c.text(g, x+barW+pad, base, d.row(info, i, unsure), col)
			y += rowH
		}
	}
	if d.opts.HideStatus {
		return
	}
	// The status line, smaller, at the bottom left.
	sg := d.glyphsAt(max(10, px*3/4))
	d.status(info)
	w := textWidth(sg, d.buf)
	panel := image.Rect(pad, h-pad-sg.ascent-sg.descent-pad, pad+pad/2+w+pad/2, h-pad)
	c.shade(panel, panelKeep)
	c.text(sg, panel.Min.X+pad/2, panel.Max.Y-pad/2-sg.descent, d.buf, white)
}

// row puts row i's text in d.buf and returns it.
func (d *Drawer) row(info *Info, i int, unsure bool) []byte {
	d.buf = d.buf[:0]
	if unsure {
		d.buf = append(d.buf, "not sure ("...)
	}
	d.buf = appendPercent(d.buf, info.Top[i].Score)
	d.buf = append(d.buf, "  "...)
	d.buf = append(d.buf, mobilenet.ShortLabel(info.Top[i].Name)...)
	if unsure {
		d.buf = append(d.buf, ')')
	}
	return d.buf
}

// status puts the status line in d.buf.
func (d *Drawer) status(info *Info) {
	d.buf = append(d.buf[:0], info.Model...)
	d.buf = append(d.buf, "   "...)
	d.buf = strconv.AppendFloat(d.buf, info.FPS, 'f', 1, 64)
	d.buf = append(d.buf, " fps   latency "...)
	d.buf = strconv.AppendFloat(d.buf, info.Latency, 'f', 1, 64)
	d.buf = append(d.buf, " ms   dropped "...)
	d.buf = strconv.AppendInt(d.buf, info.Dropped, 10)
	if info.SourceWidth > 0 {
		d.buf = append(d.buf, "   source now "...)
		d.buf = strconv.AppendInt(d.buf, int64(info.SourceWidth), 10)
		d.buf = append(d.buf, "\u00d7"...)
		d.buf = strconv.AppendInt(d.buf, int64(info.SourceHeight), 10)
	}
}

func appendPercent(b []byte, score float32) []byte {
	b = strconv.AppendFloat(b, float64(score)*100, 'f', 1, 64)
	return append(b, '%')
}
