package track

import (
	"slices"
	"strings"
	"testing"
)

func TestParseZone(t *testing.T) {
	for _, c := range []struct {
		spec string
		want Zone
	}{
		{"driveway=0,400,640,380,1280,720,0,720", Zone{Name: "driveway", Points: [][2]float64{{0, 400}, {640, 380}, {1280, 720}, {0, 720}}}},
		{"porch=0,0.5,1,0.5,1,1,0,1", Zone{Name: "porch", Points: [][2]float64{{0, 0.5}, {1, 0.5}, {1, 1}, {0, 1}}, Fractions: true}},
		{"all=0,0,1,0,1,1", Zone{Name: "all", Points: [][2]float64{{0, 0}, {1, 0}, {1, 1}}, Fractions: true}},
		{" yard = 0.1 , 0.2, 0.3,0.2, 0.2,0.5 ", Zone{Name: "yard", Points: [][2]float64{{0.1, 0.2}, {0.3, 0.2}, {0.2, 0.5}}, Fractions: true}},
		{"edge=-10,0,0.5,0,0.5,0.5", Zone{Name: "edge", Points: [][2]float64{{-10, 0}, {0.5, 0}, {0.5, 0.5}}}},
	} {
		got, err := ParseZone(c.spec)
		if err != nil {
			t.Errorf("%q: %v", c.spec, err)
			continue
		}
		if got.Name != c.want.Name || got.Fractions != c.want.Fractions || !slices.Equal(got.Points, c.want.Points) {
			t.Errorf("%q: got %+v, want %+v", c.spec, got, c.want)
		}
		back, err := ParseZone(got.String())
		if err != nil || back.Name != got.Name || back.Fractions != got.Fractions || !slices.Equal(back.Points, got.Points) {
			t.Errorf("%q: String %q reads back as %+v, %v", c.spec, got.String(), back, err)
		}
	}
	for _, c := range []struct{ spec, problem string }{
		{"driveway", "no '='"},
		{"=1,2,3,4,5,6", "no name"},
		{"a=", "no points"},
		{"a=1,2,3,4,5", "5 values"},
		{"a=1,2,3,4", "2 point(s)"},
		{"a=1,2,x,4,5,6", `value 3 ("x") is not a finite number`},
		{"a=1,2,3,NaN,5,6", "value 4"},
		{"a=1,2,3,4,5,+Inf", "value 6"},
		{"a=1,2,,4,5,6", "value 3"},
	} {
		_, err := ParseZone(c.spec)
		if err == nil {
			t.Errorf("%q: no error", c.spec)
			continue
		}
		if msg := err.Error(); !strings.Contains(msg, `"`+c.spec+`"`) && !strings.Contains(msg, c.spec) || !strings.Contains(msg, c.problem) {
			t.Errorf("%q: error %q does not name the spec and %q", c.spec, msg, c.problem)
		}
	}
}

func TestInPolygon(t *testing.T) {
	square := [][2]float64{{10, 10}, {20, 10}, {20, 20}, {10, 20}}
	triangle := [][2]float64{{0, 0}, {10, 0}, {0, 10}}
	// An L: the square [0,20]² without its top-right quarter (10,0)-(20,10).
	ell := [][2]float64{{0, 0}, {10, 0}, {10, 10}, {20, 10}, {20, 20}, {0, 20}}
	for _, c := range []struct {
		name string
		poly [][2]float64
		x, y float64
		want bool
	}{
		{"square centre", square, 15, 15, true},
		{"square left edge", square, 10, 15, true},
		{"square right edge", square, 20, 15, true},
		{"square top edge", square, 15, 10, true},
		{"square bottom edge", square, 15, 20, true},
		{"square corner", square, 20, 20, true},
		{"square corner 2", square, 10, 10, true},
		{"square just left", square, 9.999, 15, false},
		{"square just right", square, 20.001, 15, false},
		{"square just below", square, 15, 20.001, false},
		{"square just above", square, 15, 9.999, false},
		{"square far", square, 100, 15, false},
		{"square level with corner", square, 25, 10, false},
		{"triangle inside", triangle, 2, 2, true},
		{"triangle hypotenuse", triangle, 5, 5, true},
		{"triangle just past hypotenuse", triangle, 5.001, 5, false},
		{"ell inside", ell, 5, 5, true},
		{"ell notch", ell, 15, 5, false},
		{"ell inner corner", ell, 10, 10, true},
		{"ell notch edge", ell, 15, 10, true},
		{"ell lower arm", ell, 15, 15, true},
	} {
		if got := inPolygon(c.poly, c.x, c.y); got != c.want {
			t.Errorf("%s (%v, %v): %v, want %v", c.name, c.x, c.y, got, c.want)
		}
	}
}

func TestZoneValidation(t *testing.T) {
	for _, c := range []struct {
		zones   []Zone
		problem string
	}{
		{[]Zone{{Name: "a", Points: [][2]float64{{0, 0}, {10, 10}, {20, 20}}}}, `zone "a": polygon has no area`},
		{[]Zone{{Name: "a", Points: [][2]float64{{0, 0}, {0.5, 0}, {0.5, 0.5}}}}, `zone "a": polygon has no area`},
		{[]Zone{{Name: "a", Points: [][2]float64{{700, 0}, {800, 0}, {800, 100}}}}, `zone "a": polygon lies outside the 640x360 frame`},
		{[]Zone{{Name: "a", Points: [][2]float64{{0, 0}, {1.5, 0}, {1, 1}}, Fractions: true}}, `zone "a": point 2 ([1.5 0]) is outside [0, 1]`},
		{[]Zone{{Name: "a", Points: [][2]float64{{0, 0}, {1, 0}}}}, `zone "a": 2 point(s)`},
		{[]Zone{{Name: " ", Points: [][2]float64{{0, 0}, {100, 0}, {0, 100}}}}, "has no name"},
		{[]Zone{{Name: "a", Points: [][2]float64{{0, 0}, {100, 0}, {0, 100}}}, {Name: "a", Points: [][2]float64{{0, 0}, {1, 0}, {0, 1}}, Fractions: true}}, `zone "a" is given twice`},
	} {
		_, err := New(Config{Zones: c.zones}, 640, 360)
		if err == nil || !strings.Contains(err.Error(), c.problem) {
			t.Errorf("%+v: error %v, want %q", c.zones, err, c.problem)
		}
	}
	tr, err := New(Config{Zones: []Zone{{Name: "half", Points: [][2]float64{{0, 0.5}, {1, 0.5}, {1, 1}, {0, 1}}, Fractions: true}}}, 640, 360)
	if err != nil {
		t.Fatal(err)
	}
	if got := tr.Zones(); len(got) != 1 || got[0].Fractions || !slices.Equal(got[0].Points, [][2]float64{{0, 180}, {640, 180}, {640, 360}, {0, 360}}) {
		t.Errorf("resolved zones %+v", got)
	}
}

// zoneRun walks a 40×80 box's bottom centre along xs (one per frame) at
// height y and returns the tracker's objects and events.
func zoneRun(t *testing.T, cfg Config, xs []float64, y float64) ([][]Object, []Event) {
	t.Helper()
	tr, err := New(cfg, 640, 360)
	if err != nil {
		t.Fatal(err)
	}
	var all [][]Object
	var evs []Event
	var objs []Object
	var fe []Event
	for f, x := range xs {
		det := Detection{Class: 2, Label: "car", Score: 0.9, Box: Box{x - 20, y - 80, 40, 80}}
		objs, fe = tr.Update(frame(f), []Detection{det}, objs, fe)
		all = append(all, cloneObjects(objs))
		evs = append(evs, cloneEvents(fe)...)
	}
	evs = append(evs, cloneEvents(tr.Flush(frame(len(xs)), fe))...)
	return all, evs
}

func zonesOf(evs []Event, zone string) []Event {
	var out []Event
	for _, e := range evs {
		if e.Zone == zone {
			out = append(out, e)
		}
	}
	return out
}

func TestZoneEnterLeave(t *testing.T) {
	driveway, _ := ParseZone("driveway=200,200,400,200,400,360,200,360")
	street, _ := ParseZone("street=0,0.5,1,0.5,1,1,0,1")
	cfg := Config{Zones: []Zone{driveway, street}}
	// The bottom centre moves 5 pixels a frame from x 120: on the
	// driveway's left edge at frame 16, on its right edge at frame 56,
	// past it at 57. It is on the street all along.
	var xs []float64
	for f := 0; f < 80; f++ {
		xs = append(xs, 120+5*float64(f))
	}
	objs, evs := zoneRun(t, cfg, xs, 230)
	d := zonesOf(evs, "driveway")
	if len(d) != 2 {
		t.Fatalf("driveway events %+v", d)
	}
	if d[0].Type != Enter || d[0].Start != frame(16) || d[0].Time != frame(17) || !slices.Equal(d[0].Zones, []string{"driveway", "street"}) {
		t.Errorf("driveway enter %+v: want start frame 16, time 17, zones [driveway street]", d[0])
	}
	if d[1].Type != Leave || d[1].Start != frame(16) || d[1].End != frame(56) || d[1].Time != frame(58) || !slices.Equal(d[1].Zones, []string{"street"}) {
		t.Errorf("driveway leave %+v: want start 16, end 56, time 58, zones [street]", d[1])
	}
	for f, o := range objs {
		if f < 2 {
			continue
		}
		want := []string{"street"}
		if f >= 17 && f < 58 {
			want = []string{"driveway", "street"}
		}
		if len(o) != 1 || !slices.Equal(o[0].Zones, want) {
			t.Errorf("frame %d: objects %+v, want zones %v", f, o, want)
		}
	}
	s := zonesOf(evs, "street")
	if len(s) != 2 || s[0].Type != Enter || s[0].Start != 0 || s[0].Time != frame(2) || s[1].Type != Leave || s[1].End != frame(79) || s[1].Time != frame(80) {
		t.Errorf("street events %+v: want enter at confirmation (frame 2) since 0, leave on flush", s)
	}
	v := zonesOf(evs, "")
	if len(v) != 2 || !slices.Equal(v[0].Zones, []string{"street"}) || !slices.Equal(v[1].Zones, []string{"street"}) || v[1].End != frame(79) {
		t.Errorf("view events %+v: want zones [street] at both", v)
	}
	// The view's enter comes first, its leave last.
	if evs[0].Zone != "" || evs[len(evs)-1].Zone != "" {
		t.Errorf("event order: %+v", evs)
	}
}

func TestZoneFlicker(t *testing.T) {
	// An object standing on the driveway's edge, its bottom centre in and
	// out on alternate frames, neither enters nor leaves; one that steps
	// in and stays, after the flicker, enters once.
	driveway, _ := ParseZone("driveway=200,200,400,200,400,360,200,360")
	var xs []float64
	for f := 0; f < 40; f++ {
		xs = append(xs, 199+2*float64(f%2))
	}
	xs = append(xs, 210, 210, 210, 210)
	_, evs := zoneRun(t, Config{Zones: []Zone{driveway}}, xs, 300)
	d := zonesOf(evs, "driveway")
	// Frame 39 (x 201) and 40 (x 210) are the first two in a row inside.
	if len(d) != 2 || d[0].Type != Enter || d[0].Start != frame(39) || d[0].Time != frame(40) || d[1].Type != Leave || d[1].Time != frame(44) {
		t.Errorf("driveway events %+v: want one enter at frame 40 since 39, and the leave on flush", d)
	}
	// ZoneFrames 1 follows every flicker.
	_, evs = zoneRun(t, Config{Zones: []Zone{driveway}, ZoneFrames: 1}, xs, 300)
	if d := zonesOf(evs, "driveway"); len(d) < 30 {
		t.Errorf("ZoneFrames 1: %d driveway events, want one per flicker", len(d))
	}
}

func TestZoneAtFrameEdge(t *testing.T) {
	// A box reaching past the bottom of the frame stands on its edge,
	// in a zone drawn to that edge.
	bottom, _ := ParseZone("bottom=0,0.8,1,0.8,1,1,0,1")
	var xs []float64
	for f := 0; f < 5; f++ {
		xs = append(xs, 300)
	}
	objs, _ := zoneRun(t, Config{Zones: []Zone{bottom}}, xs, 400)
	if o := objs[4]; len(o) != 1 || !slices.Equal(o[0].Zones, []string{"bottom"}) {
		t.Errorf("objects %+v, want in zone bottom", o)
	}
}

func TestZoneCoastingStays(t *testing.T) {
	// A coasting object stays in its zones; its zone leave on leaving
	// the view ends at the last frame it was seen inside.
	driveway, _ := ParseZone("driveway=200,200,400,200,400,360,200,360")
	tr, err := New(Config{Zones: []Zone{driveway}, MaxLost: 3}, 640, 360)
	if err != nil {
		t.Fatal(err)
	}
	det := []Detection{{Class: 2, Label: "car", Score: 0.9, Box: Box{280, 220, 40, 80}}}
	var objs []Object
	var evs []Event
	for f := 0; f < 10; f++ {
		objs, _ = tr.Update(frame(f), det, objs, evs)
	}
	for f := 10; f < 13; f++ {
		objs, _ = tr.Update(frame(f), nil, objs, evs)
		if len(objs) != 1 || objs[0].Lost != f-9 || !slices.Equal(objs[0].Zones, []string{"driveway"}) {
			t.Fatalf("frame %d: %+v", f, objs)
		}
	}
	objs, evs = tr.Update(frame(13), nil, objs, evs)
	if len(objs) != 0 || len(evs) != 2 || evs[0].Zone != "driveway" || evs[0].End != frame(9) || evs[1].Zone != "" || evs[1].End != frame(9) || evs[1].Time != frame(13) || len(evs[0].Zones) != 0 || !slices.Equal(evs[1].Zones, []string{"driveway"}) {
		t.Fatalf("frame 13: objects %+v, events %+v", objs, evs)
	}
}
