// Package overlay draws classification results onto video frames: the
// top-k labels with their scores, a notice when the best score is below a
// confidence threshold, and a status line (model, FPS, latency, dropped
// frames). Text size follows the frame height, so the overlay reads the
// same on 320x240 and 1920x1080. It only draws: it keeps no frames and
// knows nothing of where they come from.
package overlay

import (
	"image"
	"image/color"
	"strconv"
	"unsafe"

	"gocv.io/x/gocv"
)

// Label is one line of the top-k list.
type Label struct {
	Name  string
	Score float32
}

// Info is what one frame's overlay shows.
type Info struct {
	Top     []Label // best first
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
}

var (
	white  = color.RGBA{255, 255, 255, 255}
	yellow = color.RGBA{255, 220, 0, 255} // as RGB: gocv converts to BGR
	grey   = color.RGBA{200, 200, 200, 255}
	black  = color.RGBA{0, 0, 0, 255}
)

// Drawer draws overlays. It reuses a text buffer between frames, so it is
// not safe for concurrent use; use one per goroutine.
type Drawer struct {
	opts Options
	buf  []byte
}

// New returns a Drawer with the given options (nil for defaults).
func New(opts *Options) *Drawer {
	d := &Drawer{opts: Options{Threshold: 0.2}, buf: make([]byte, 0, 256)}
	if opts != nil {
		d.opts = *opts
	}
	return d
}

// Scale returns the font scale for a frame height: 0.6 at 480 lines,
// never below 0.35 so that 240-line frames stay legible.
func Scale(height int) float64 {
	return max(0.35, 0.6*float64(height)/480)
}

// Draw draws info onto img, a BGR frame, in place.
func (d *Drawer) Draw(img *gocv.Mat, info *Info) {
	h := img.Rows()
	scale := Scale(h)
	thick := max(1, int(scale*1.6+0.5))
	line := int(30 * scale)
	margin := int(10 * scale)
	y := margin + line - int(8*scale)

	if len(info.Top) > 0 && info.Top[0].Score < d.opts.Threshold {
		d.buf = append(d.buf[:0], "not sure ("...)
		d.buf = appendPercent(d.buf, info.Top[0].Score)
		d.buf = append(d.buf, " "...)
		d.buf = append(d.buf, shortLabel(info.Top[0].Name)...)
		d.buf = append(d.buf, ')')
		d.text(img, image.Pt(margin, y), scale, thick, grey)
		y += line
	} else {
		for i, l := range info.Top {
			d.buf = appendPercent(d.buf[:0], l.Score)
			d.buf = append(d.buf, ' ')
			d.buf = append(d.buf, shortLabel(l.Name)...)
			c := white
			if i == 0 {
				c = yellow
			}
			d.text(img, image.Pt(margin, y), scale, thick, c)
			y += line
		}
	}
	if d.opts.HideStatus {
		return
	}
	d.buf = append(d.buf[:0], info.Model...)
	d.buf = append(d.buf, "  "...)
	d.buf = strconv.AppendFloat(d.buf, info.FPS, 'f', 1, 64)
	d.buf = append(d.buf, " fps  "...)
	d.buf = strconv.AppendFloat(d.buf, info.Latency, 'f', 1, 64)
	d.buf = append(d.buf, " ms  dropped "...)
	d.buf = strconv.AppendInt(d.buf, info.Dropped, 10)
	if info.SourceWidth > 0 {
		d.buf = append(d.buf, "  source now "...)
		d.buf = strconv.AppendInt(d.buf, int64(info.SourceWidth), 10)
		d.buf = append(d.buf, 'x')
		d.buf = strconv.AppendInt(d.buf, int64(info.SourceHeight), 10)
	}
	small := scale * 0.7
	d.text(img, image.Pt(margin, h-margin), small, max(1, thick-1), white)
}

// text draws d.buf with a dark outline so it reads on any background.
func (d *Drawer) text(img *gocv.Mat, at image.Point, scale float64, thick int, c color.RGBA) {
	// gocv copies the string into C memory at once, so a view of the
	// reused buffer is enough and allocates nothing.
	s := unsafe.String(unsafe.SliceData(d.buf), len(d.buf))
	gocv.PutTextWithParams(img, s, at, gocv.FontHersheySimplex, scale, black, thick+2, gocv.LineAA, false)
	gocv.PutTextWithParams(img, s, at, gocv.FontHersheySimplex, scale, c, thick, gocv.LineAA, false)
}

func appendPercent(b []byte, score float32) []byte {
	b = strconv.AppendFloat(b, float64(score)*100, 'f', 1, 64)
	return append(b, '%')
}

// shortLabel keeps the first of an ImageNet label's synonyms ("tabby,
// tabby cat" -> "tabby").
func shortLabel(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] == ',' {
			return s[:i]
		}
	}
	return s
}
