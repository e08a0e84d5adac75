package overlay

import (
	"fmt"
	"image"
	"image/draw"
	"os"
	"sync"

	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
)

// Font is a parsed TrueType or OpenType font the overlay draws with.
type Font struct {
	name string
	f    *opentype.Font
}

// Name returns the font's file name, or "Go Regular" for the default.
func (f *Font) Name() string { return f.name }

var (
	defaultFont     *Font
	defaultFontOnce sync.Once
)

// DefaultFont returns the Go Regular font (Latin, Greek and Cyrillic
// scripts), compiled into the program.
func DefaultFont() *Font {
	defaultFontOnce.Do(func() {
		f, err := opentype.Parse(goregular.TTF)
		if err != nil {
			panic("overlay: the embedded Go font does not parse: " + err.Error())
		}
		defaultFont = &Font{name: "Go Regular", f: f}
	})
	return defaultFont
}

// LoadFont reads a TrueType or OpenType font file (the first font of a
// collection), for labels in scripts the default font lacks, such as
// Chinese or Japanese.
func LoadFont(path string) (*Font, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return ParseFont(path, data)
}

// ParseFont parses font data (a .ttf, .otf or .ttc file's contents); name
// says where it came from in errors and in Name.
func ParseFont(name string, data []byte) (*Font, error) {
	c, err := opentype.ParseCollection(data)
	if err != nil {
		return nil, fmt.Errorf("%s: not a TrueType or OpenType font: %v", name, err)
	}
	f, err := c.Font(0)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	return &Font{name: name, f: f}, nil
}

// glyph is one rune rasterized once: its coverage mask, where the mask sits
// relative to the pen position on the baseline, and how far the pen moves.
type glyph struct {
	mask    *image.Alpha
	off     image.Point
	advance int
}

// glyphs rasterizes the runes of one font at one pixel size, each once:
// a label is drawn from cached masks on every frame after its first.
type glyphs struct {
	face    font.Face
	cache   map[rune]*glyph
	ascent  int // pixels above the baseline
	descent int // pixels below it
}

// maxCachedGlyphs bounds the cache (ImageNet's labels use fewer than 100
// distinct runes; a labels file in Chinese uses more).
const maxCachedGlyphs = 4096

func newGlyphs(f *Font, px int) (*glyphs, error) {
	face, err := opentype.NewFace(f.f, &opentype.FaceOptions{Size: float64(px), DPI: 72, Hinting: font.HintingFull})
	if err != nil {
		return nil, fmt.Errorf("overlay: %s at %d px: %v", f.name, px, err)
	}
	m := face.Metrics()
	return &glyphs{face: face, cache: make(map[rune]*glyph), ascent: m.Ascent.Ceil(), descent: m.Descent.Ceil()}, nil
}

// get returns r's glyph, rasterizing it on first use.
func (g *glyphs) get(r rune) *glyph {
	if gl, ok := g.cache[r]; ok {
		return gl
	}
	dr, mask, mp, adv, ok := g.face.Glyph(fixed.Point26_6{}, r)
	if !ok {
		// The font has no such rune: draw its "missing glyph" box.
		dr, mask, mp, adv, _ = g.face.Glyph(fixed.Point26_6{}, '\uFFFD')
	}
	gl := &glyph{mask: image.NewAlpha(image.Rect(0, 0, dr.Dx(), dr.Dy())), off: dr.Min, advance: adv.Round()}
	if mask != nil {
		draw.Draw(gl.mask, gl.mask.Bounds(), mask, mp, draw.Src)
	}
	if len(g.cache) >= maxCachedGlyphs {
		clear(g.cache)
	}
	g.cache[r] = gl
	return gl
}

// Missing returns the first rune of s the font has no glyph for, and
// false when it has them all: a labels file in a script the font lacks
// would otherwise be drawn as boxes.
func (f *Font) Missing(s string) (rune, bool) {
	var buf sfnt.Buffer
	for _, r := range s {
		if r < ' ' {
			continue
		}
		if i, err := f.f.GlyphIndex(&buf, r); err != nil || i == 0 {
			return r, true
		}
	}
	return 0, false
}
