package overlay

import (
	"image"
	"math"
	"testing"

	"gocv.io/x/gocv"
)

// at returns the BGR pixel at (x, y).
func at(m gocv.Mat, x, y int) bgr {
	v := m.GetVecbAt(y, x)
	return bgr{v[0], v[1], v[2]}
}

// tabHeight returns the height of a box's label tab on a frame of height
// h, as drawBoxes lays it out.
func tabHeight(d *Drawer, h int) int {
	g := d.glyphsAt(boxTextSize(h))
	return g.ascent + g.descent + 2*max(1, g.ascent/8)
}

// TestBoxOutline draws one box on a grey frame: its outline is the class
// colour, LineWidth thick, on the inside of the rectangle; the picture
// inside the box and around it is untouched.
func TestBoxOutline(t *testing.T) {
	const level = 90
	d := New(&Options{HideStatus: true})
	img := frame(640, 480, level)
	defer img.Close()
	r := image.Rect(200, 150, 400, 350)
	d.Draw(&img, &Info{Objects: []Box{{Rect: r, Label: "person", Score: 0.87, ID: 12, Class: 0}}})
	want, _ := classBGR(0)
	lw := LineWidth(480)
	bg := bgr{level, level, level}
	for i := range lw {
		for _, p := range []image.Point{
			{r.Min.X + i, 250}, {r.Max.X - 1 - i, 250}, // left, right
			{300, r.Min.Y + i}, {300, r.Max.Y - 1 - i}, // top, bottom
			{r.Min.X + i, r.Min.Y + i}, {r.Max.X - 1 - i, r.Max.Y - 1 - i}, // corners
		} {
			if got := at(img, p.X, p.Y); got != want {
				t.Errorf("outline at %v: %v, want the class colour %v", p, got, want)
			}
		}
	}
	// Inside: every pixel untouched (the tab is above the box).
	in := r.Inset(lw)
	for y := in.Min.Y; y < in.Max.Y; y++ {
		for x := in.Min.X; x < in.Max.X; x++ {
			if got := at(img, x, y); got != bg {
				t.Fatalf("inside the box at (%d,%d): %v, want the picture %v", x, y, got, bg)
			}
		}
	}
	// Just outside, left, right and below: untouched.
	for _, p := range []image.Point{{r.Min.X - 1, 250}, {r.Max.X, 250}, {300, r.Max.Y}, {r.Max.X, r.Min.Y - 1}} {
		if got := at(img, p.X, p.Y); got != bg {
			t.Errorf("outside the box at %v: %v, want the picture %v", p, got, bg)
		}
	}
	// The tab sits on the box's top edge, left-aligned with it.
	th := tabHeight(d, 480)
	if got := at(img, r.Min.X, r.Min.Y-th); got != want {
		t.Errorf("tab's top-left corner: %v, want %v", got, want)
	}
	if got := at(img, r.Min.X, r.Min.Y-th-1); got != bg {
		t.Errorf("above the tab: %v, want the picture", got)
	}
}

// TestClassColours checks that the common COCO classes get distinct
// colours, far enough apart to tell on a frame, and that any class index,
// negative too, has one.
func TestClassColours(t *testing.T) {
	common := map[string]int{"person": 0, "bicycle": 1, "car": 2, "motorcycle": 3, "bus": 5, "truck": 7, "bird": 15, "cat": 16, "dog": 17}
	for a, ca := range common {
		for b, cb := range common {
			if a >= b {
				continue
			}
			p, q := ClassColor(ca), ClassColor(cb)
			dr, dg, db := int(p.R)-int(q.R), int(p.G)-int(q.G), int(p.B)-int(q.B)
			if d := dr*dr + dg*dg + db*db; d < 80*80 {
				t.Errorf("%s %v and %s %v are too alike (distance %.0f)", a, p, b, q, math.Sqrt(float64(d)))
			}
		}
	}
	for _, c := range []int{-1, -21, 90, math.MinInt, math.MaxInt} {
		if ClassColor(c).A != 255 {
			t.Errorf("class %d has no colour", c)
		}
	}
	if ClassColor(17) != ClassColor(37) || ClassColor(-1) != ClassColor(19) {
		t.Error("classes do not cycle through the palette")
	}
}

func TestAppendLabel(t *testing.T) {
	for _, c := range []struct {
		b    Box
		want string
	}{
		{Box{Label: "person", Score: 0.87, ID: 12}, "person 87% #12"},
		{Box{Label: "car", Score: 0.91}, "car 91%"},
		{Box{Score: 0.5, Class: 5}, "class 5 50%"},
		{Box{Label: "tabby, tabby cat", Score: 1.7, ID: 3}, "tabby 100% #3"},
		{Box{Label: "dog", Score: float32(math.NaN()), ID: 3}, "dog #3"},
		{Box{Label: "dog", Score: -1}, "dog 0%"},
	} {
		if got := string(AppendLabel(nil, &c.b)); got != c.want {
			t.Errorf("%+v: %q, want %q", c.b, got, c.want)
		}
	}
}

// TestLabelTabLegible draws a light class (yellow, bus) and a dark one
// (blue, car): the tab is filled with the class colour and its text is
// black on the light one, white on the dark one, with enough text pixels
// to be letters.
func TestLabelTabLegible(t *testing.T) {
	for _, c := range []struct {
		class int
		ink   bgr
	}{{5, bgr{0, 0, 0}}, {2, bgr{255, 255, 255}}, {0, bgr{255, 255, 255}}, {9, bgr{0, 0, 0}}} {
		d := New(&Options{HideStatus: true})
		img := frame(640, 480, 128)
		r := image.Rect(100, 200, 300, 400)
		d.Draw(&img, &Info{Objects: []Box{{Rect: r, Label: "label", Score: 0.9, ID: 4, Class: c.class}}})
		fill, _ := classBGR(c.class)
		th := tabHeight(d, 480)
		var nFill, nInk int
		for y := r.Min.Y - th; y < r.Min.Y; y++ {
			for x := r.Min.X; x < r.Max.X; x++ {
				v := at(img, x, y)
				near := true // within 64 of the text colour in every channel
				for i := range v {
					near = near && abs(int(v[i])-int(c.ink[i])) < 64
				}
				switch {
				case v == fill:
					nFill++
				case near:
					nInk++
				}
			}
		}
		img.Close()
		if nFill < 300 || nInk < 60 {
			t.Errorf("class %d: tab has %d pixels of its colour %v and %d of the text colour %v", c.class, nFill, fill, nInk, c.ink)
		}
	}
}

// TestLabelTabInsideFrame puts boxes against the top and right edges:
// their tabs are drawn whole inside the frame.
func TestLabelTabInsideFrame(t *testing.T) {
	d := New(&Options{HideStatus: true})
	img := frame(640, 480, 128)
	defer img.Close()
	// Touching the top: the tab goes inside the box, at its top.
	top := image.Rect(100, 0, 300, 200)
	// Off the top: the tab goes at the frame's top.
	above := image.Rect(350, -100, 450, 100)
	// At the right edge with a label wider than what is left.
	right := image.Rect(620, 300, 700, 400)
	d.Draw(&img, &Info{Objects: []Box{
		{Rect: top, Label: "person", Score: 0.9, Class: 0},
		{Rect: above, Label: "car", Score: 0.9, Class: 2},
		{Rect: right, Label: "dog", Score: 0.9, ID: 1234, Class: 17},
	}})
	th := tabHeight(d, 480)
	person, _ := classBGR(0)
	car, _ := classBGR(2)
	dog, _ := classBGR(17)
	// The tab's left padding, just right of the box's outline, is in the
	// class colour from the frame's top row down.
	lw := LineWidth(480)
	for y := range th {
		if got := at(img, top.Min.X+lw, y); got != person {
			t.Fatalf("tab of a box at the top, row %d: %v, want %v", y, got, person)
		}
		if got := at(img, above.Min.X+lw, y); got != car {
			t.Fatalf("tab of a box above the frame, row %d: %v, want %v", y, got, car)
		}
	}
	// The right-hand tab ends at the frame's edge and starts left of the box.
	if got := at(img, 639, right.Min.Y-1); got != dog {
		t.Errorf("tab at the right edge: %v at x=639, want %v", got, dog)
	}
	if got := at(img, right.Min.X-20, right.Min.Y-th); got != dog {
		t.Errorf("tab at the right edge not pulled left: %v at x=%d", got, right.Min.X-20)
	}
}

// TestBoxesClippedToFrame draws boxes lying partly or wholly outside the
// frame, with far-off and inverted coordinates: nothing panics, the
// visible edges are drawn, and nothing wraps onto the next rows.
func TestBoxesClippedToFrame(t *testing.T) {
	const level = 60
	d := New(&Options{HideStatus: true})
	lw := LineWidth(480)
	t.Run("right edge", func(t *testing.T) {
		img := frame(640, 480, level)
		defer img.Close()
		r := image.Rect(600, 100, 700, 200)
		d.Draw(&img, &Info{Objects: []Box{{Rect: r, Label: "bus", Score: 0.5, Class: 5}}})
		col, _ := classBGR(5)
		if got := at(img, 600, 150); got != col {
			t.Errorf("left edge of a box over the right edge: %v", got)
		}
		if got := at(img, 639, 150); got != (bgr{level, level, level}) {
			t.Errorf("the box's right edge, outside the frame, drawn at x=639: %v", got)
		}
		// A row that ran past x=640 would land at the start of the next.
		for y := r.Min.Y; y < r.Max.Y+lw; y++ {
			for x := range 40 {
				if got := at(img, x, y); got != (bgr{level, level, level}) {
					t.Fatalf("drawn at (%d,%d), across the frame from the box: %v", x, y, got)
				}
			}
		}
	})
	t.Run("top left", func(t *testing.T) {
		img := frame(640, 480, level)
		defer img.Close()
		d.Draw(&img, &Info{Objects: []Box{{Rect: image.Rect(-50, -50, 100, 100), Label: "cat", Score: 0.5, Class: 16}}})
		col, _ := classBGR(16)
		if at(img, 99, 50) != col || at(img, 50, 99) != col {
			t.Error("visible edges of a box over the top-left corner not drawn")
		}
		if got := at(img, 200, 200); got != (bgr{level, level, level}) {
			t.Errorf("drawn far from the box: %v", got)
		}
	})
	t.Run("outside", func(t *testing.T) {
		img := frame(640, 480, level)
		defer img.Close()
		d.Draw(&img, &Info{Objects: []Box{
			{Rect: image.Rect(-300, 100, -10, 200), Label: "left", Class: 1},
			{Rect: image.Rect(700, 100, 900, 200), Label: "right", Class: 2},
			{Rect: image.Rect(100, 500, 200, 600), Label: "below", Class: 3},
			{Rect: image.Rect(100, -300, 200, -100), Label: "above", Class: 4},
			{Rect: image.Rect(100, 100, 100, 200), Label: "empty", Class: 5},
		}})
		if n := changed(img, level); n != 0 {
			t.Errorf("%d pixels drawn for boxes outside the frame", n)
		}
	})
	t.Run("around the frame", func(t *testing.T) {
		// A box whose edges are all far outside: only its tab shows.
		for _, r := range []image.Rectangle{
			{image.Pt(math.MinInt, math.MinInt), image.Pt(math.MaxInt, math.MaxInt)},
			{image.Pt(-1<<40, -1<<40), image.Pt(1<<40, 1<<40)},
			{image.Pt(-10, -10), image.Pt(650, 490)},
		} {
			img := frame(640, 480, level)
			d.Draw(&img, &Info{Objects: []Box{{Rect: r, Label: "person", Score: 1, Class: 0}}})
			th := tabHeight(d, 480)
			for y := th; y < 480; y++ {
				for x := range 640 {
					if got := at(img, x, y); got != (bgr{level, level, level}) {
						t.Fatalf("box %v: drawn at (%d,%d): %v", r, x, y, got)
					}
				}
			}
			img.Close()
		}
	})
	t.Run("extreme", func(t *testing.T) {
		for _, r := range []image.Rectangle{
			{image.Pt(math.MinInt, math.MinInt), image.Pt(math.MaxInt, math.MaxInt)},
			{image.Pt(math.MaxInt-5, 10), image.Pt(math.MaxInt, 20)},
			{image.Pt(-1<<40, -1<<40), image.Pt(1<<40, 300)},
			{image.Pt(300, 300), image.Pt(100, 100)}, // inverted
		} {
			img := frame(64, 48, level)
			d.Draw(&img, &Info{Objects: []Box{{Rect: r, Label: "person", Score: 1, ID: math.MaxInt, Class: math.MinInt}}})
			img.Close()
		}
		img := frame(1, 1, level)
		d.Draw(&img, &Info{Objects: []Box{{Rect: image.Rect(-5, -5, 5, 5), Label: "person"}}})
		img.Close()
	})
}

// TestObjectsWithoutTopLeaveOutThePanel draws objects and no classes: the
// top-left corner, where the top-k panel goes, stays untouched, and the
// status line is still drawn.
func TestObjectsWithoutTopLeaveOutThePanel(t *testing.T) {
	const level = 200
	d := New(nil)
	img := frame(640, 480, level)
	defer img.Close()
	d.Draw(&img, &Info{Model: "coco_ssd_mobilenet_v1", Objects: []Box{{Rect: image.Rect(400, 100, 600, 300), Label: "dog", Score: 0.8, Class: 17}}})
	for y := range 100 {
		for x := range 300 {
			if got := at(img, x, y); got != (bgr{level, level, level}) {
				t.Fatalf("drawn at (%d,%d) with no classes: %v", x, y, got)
			}
		}
	}
	dark := 0
	for x := range 300 {
		if v := at(img, x, 460); v[0] < level/2 {
			dark++
		}
	}
	if dark < 100 {
		t.Errorf("status line missing: %d dark pixels on row 460", dark)
	}
}

// TestZones draws a zone: its edges are in the zone colour, its name on a
// panel at its top corner; far-off corners are clipped without cost.
func TestZones(t *testing.T) {
	const level = 100
	d := New(&Options{HideStatus: true})
	img := frame(640, 480, level)
	defer img.Close()
	z := Zone{Name: "driveway", Points: []image.Point{{100, 400}, {300, 200}, {500, 400}}}
	d.Draw(&img, &Info{Zones: []Zone{z}})
	for _, p := range []image.Point{{200, 400}, {400, 400}, {200, 300}, {400, 300}, {100, 400}, {500, 400}} {
		if got := at(img, p.X, p.Y); got != zoneColor {
			t.Errorf("zone edge at %v: %v, want %v", p, got, zoneColor)
		}
	}
	// Inside and outside the triangle, away from edges and name: untouched.
	for _, p := range []image.Point{{300, 350}, {100, 200}, {600, 450}} {
		if got := at(img, p.X, p.Y); got != (bgr{level, level, level}) {
			t.Errorf("at %v: %v, want the picture", p, got)
		}
	}
	// The name: a dark panel with text in the zone colour below (300, 200).
	var shaded, ink int
	for y := 200; y < 230; y++ {
		for x := 300; x < 400; x++ {
			switch v := at(img, x, y); {
			case v == zoneColor:
				ink++
			case v[0] < level/2:
				shaded++
			}
		}
	}
	if shaded < 500 || ink < 40 {
		t.Errorf("zone name: %d shaded and %d text pixels", shaded, ink)
	}

	far := frame(640, 480, level)
	defer far.Close()
	d.Draw(&far, &Info{Zones: []Zone{
		{Name: "far", Points: []image.Point{{-1 << 50, -1 << 50}, {1 << 50, 240}, {320, 1 << 50}}},
		{Name: "one point", Points: []image.Point{{10, 10}}},
		{Name: "none"},
		{Points: []image.Point{{math.MinInt, math.MinInt}, {math.MaxInt, math.MaxInt}}},
	}})
	if changed(far, level) == 0 {
		t.Error("a zone crossing the frame drew nothing")
	}
}

// TestLine checks the line drawer's ends and steps against exact pixels.
func TestLine(t *testing.T) {
	pix := make([]byte, 3*20*10)
	c := canvas{pix: pix, stride: 60, bounds: image.Rect(0, 0, 20, 10)}
	c.line(image.Pt(2, 1), image.Pt(17, 6), 1, bgr{1, 1, 1})
	c.line(image.Pt(5, -30), image.Pt(5, 300), 1, bgr{2, 2, 2})
	n := 0
	for i := 0; i < len(pix); i += 3 {
		if pix[i] == 1 {
			n++
		}
	}
	// 16 pixels from x=2 to x=17, less the one the vertical line took.
	if n != 15 || pix[3*(1*20+2)] != 1 || pix[3*(6*20+17)] != 1 {
		t.Errorf("diagonal: %d pixels, ends %d %d", n, pix[3*(1*20+2)], pix[3*(6*20+17)])
	}
	for y := range 10 {
		if pix[3*(y*20+5)] != 2 {
			t.Errorf("vertical line missing at y=%d", y)
		}
	}
	// Lines in every octant, shallow and steep: one pixel per step along
	// the longer axis, both ends lit.
	c = canvas{pix: make([]byte, 3*64*64), stride: 3 * 64, bounds: image.Rect(0, 0, 64, 64)}
	for _, q := range []image.Point{{60, 45}, {45, 60}, {3, 60}, {10, 45}, {2, 5}, {20, 3}, {50, 2}, {61, 20}, {33, 32}} {
		clear(c.pix)
		p := image.Pt(32, 32)
		c.line(p, q, 1, bgr{9, 9, 9})
		n := 0
		for i := 0; i < len(c.pix); i += 3 {
			if c.pix[i] == 9 {
				n++
			}
		}
		if want := max(abs(q.X-p.X), abs(q.Y-p.Y)) + 1; n != want || c.pix[3*(p.Y*64+p.X)] != 9 || c.pix[3*(q.Y*64+q.X)] != 9 {
			t.Errorf("line %v-%v: %d pixels, want %d with both ends", p, q, n, want)
		}
	}
}

// BenchmarkDrawBoxes times a detector's overlay at 720p: 10 boxes with
// track ids, a zone and the status line.
func BenchmarkDrawBoxes(b *testing.B) {
	img := frame(1280, 720, 90)
	defer img.Close()
	info := &Info{Model: "coco_ssd_mobilenet_v1", FPS: 30, Latency: 40,
		Zones: []Zone{{Name: "driveway", Points: []image.Point{{100, 700}, {600, 300}, {1200, 700}}}}}
	for i := range 10 {
		info.Objects = append(info.Objects, Box{Rect: image.Rect(i*120, i*50, i*120+200, i*50+300), Label: "person", Score: 0.8, ID: i + 1, Class: i})
	}
	d := New(nil)
	d.Draw(&img, info)
	b.ResetTimer()
	for range b.N {
		d.Draw(&img, info)
	}
}
