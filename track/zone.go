package track

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Zone is a named polygon of the frame. An object is in a zone when the
// bottom centre of its box (where it stands), moved into the frame if the
// box reaches past the frame's edge, lies inside the polygon or on its
// border: a zone includes its edges and corners, so a zone drawn to the
// frame's edge catches objects cut off by it, and a point on the edge
// shared by two zones is in both. Polygons may be concave; a
// self-intersecting one counts by the even-odd rule.
type Zone struct {
	// Name names the zone in events ("driveway"); unique per Tracker.
	Name string
	// Points are the polygon's corners in order, at least three; the
	// last joins the first. In pixels of the source frame, or in
	// fractions of its width and height when Fractions is set.
	Points [][2]float64
	// Fractions says Points are fractions of the frame (0 to 1).
	Fractions bool
}

// ParseZone reads a zone as written on the command line:
// "NAME=x1,y1,x2,y2,x3,y3,..." with at least three points. The values are
// fractions of the frame's width and height when every one of them lies
// within [0, 1] ("porch=0,0.5,1,0.5,1,1,0,1" is the lower half of any
// frame), and pixels of the source frame otherwise
// ("driveway=0,400,640,380,1280,720,0,720"); a polygon in pixels can only
// lie within a 1x1 square by mistake, and New refuses such a zone as
// having no area. Spaces around the name and the values are ignored.
func ParseZone(spec string) (Zone, error) {
	bad := func(format string, args ...any) (Zone, error) {
		return Zone{}, fmt.Errorf("track: zone %q: %s", spec, fmt.Sprintf(format, args...))
	}
	name, list, ok := strings.Cut(spec, "=")
	name = strings.TrimSpace(name)
	if !ok {
		return bad("want NAME=x1,y1,x2,y2,x3,y3,... (no '=')")
	}
	if name == "" {
		return bad("no name before '='")
	}
	fields := strings.Split(list, ",")
	if strings.TrimSpace(list) == "" {
		return bad("no points after '='")
	}
	if len(fields)%2 != 0 {
		return bad("%d values: want x,y pairs", len(fields))
	}
	if len(fields) < 6 {
		return bad("%d point(s): a zone needs at least 3", len(fields)/2)
	}
	z := Zone{Name: name, Points: make([][2]float64, len(fields)/2), Fractions: true}
	for i, f := range fields {
		f = strings.TrimSpace(f)
		v, err := strconv.ParseFloat(f, 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			return bad("value %d (%q) is not a finite number", i+1, f)
		}
		z.Points[i/2][i%2] = v
		if v < 0 || v > 1 {
			z.Fractions = false
		}
	}
	return z, nil
}

// String writes the zone back in ParseZone's form (pixels, or fractions
// when Fractions is set).
func (z Zone) String() string {
	var b strings.Builder
	b.WriteString(z.Name)
	b.WriteByte('=')
	for i, p := range z.Points {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.FormatFloat(p[0], 'g', -1, 64))
		b.WriteByte(',')
		b.WriteString(strconv.FormatFloat(p[1], 'g', -1, 64))
	}
	return b.String()
}

// zone is a Zone resolved to pixels, with its bounding box.
type zone struct {
	name                   string
	poly                   [][2]float64
	minX, minY, maxX, maxY float64
}

// resolve checks z against a frameW × frameH frame and returns it in
// pixels.
func resolve(z Zone, frameW, frameH int) (zone, error) {
	bad := func(format string, args ...any) (zone, error) {
		return zone{}, fmt.Errorf("track: zone %q: %s", z.Name, fmt.Sprintf(format, args...))
	}
	if strings.TrimSpace(z.Name) == "" {
		return zone{}, fmt.Errorf("track: zone %v has no name", z.Points)
	}
	if len(z.Points) < 3 {
		return bad("%d point(s): a zone needs at least 3", len(z.Points))
	}
	r := zone{name: z.Name, poly: make([][2]float64, len(z.Points))}
	r.minX, r.minY = math.Inf(1), math.Inf(1)
	r.maxX, r.maxY = math.Inf(-1), math.Inf(-1)
	for i, p := range z.Points {
		for _, v := range p {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return bad("point %d (%v) is not finite", i+1, p)
			}
			if z.Fractions && (v < 0 || v > 1) {
				return bad("point %d (%v) is outside [0, 1] in a zone of fractions", i+1, p)
			}
		}
		if z.Fractions {
			p[0] *= float64(frameW)
			p[1] *= float64(frameH)
		}
		r.poly[i] = p
		r.minX, r.maxX = min(r.minX, p[0]), max(r.maxX, p[0])
		r.minY, r.maxY = min(r.minY, p[1]), max(r.maxY, p[1])
	}
	var area float64 // shoelace, twice the signed area
	for i, j := 0, len(r.poly)-1; i < len(r.poly); j, i = i, i+1 {
		area += r.poly[j][0]*r.poly[i][1] - r.poly[i][0]*r.poly[j][1]
	}
	if math.Abs(area)/2 < 1 {
		return bad("polygon has no area (less than one square pixel in a %dx%d frame; are the points on a line, or are pixels written as fractions?)", frameW, frameH)
	}
	if r.maxX < 0 || r.maxY < 0 || r.minX > float64(frameW) || r.minY > float64(frameH) {
		return bad("polygon lies outside the %dx%d frame", frameW, frameH)
	}
	return r, nil
}

// contains reports whether the point (x, y) lies inside the zone or on
// its border.
func (z *zone) contains(x, y float64) bool {
	if x < z.minX || x > z.maxX || y < z.minY || y > z.maxY {
		return false
	}
	return inPolygon(z.poly, x, y)
}

// inPolygon is the crossing-number test (a ray from the point towards +x
// crosses the border an odd number of times), closed: a point on an edge,
// within a billionth of a pixel, is inside.
func inPolygon(poly [][2]float64, x, y float64) bool {
	in := false
	for i, j := 0, len(poly)-1; i < len(poly); j, i = i, i+1 {
		xi, yi := poly[i][0], poly[i][1]
		xj, yj := poly[j][0], poly[j][1]
		dx, dy := xj-xi, yj-yi
		if x >= min(xi, xj) && x <= max(xi, xj) && y >= min(yi, yj) && y <= max(yi, yj) &&
			math.Abs(dx*(y-yi)-dy*(x-xi)) <= 1e-9*math.Hypot(dx, dy) {
			return true // on the edge
		}
		if (yi > y) != (yj > y) && x < dx*(y-yi)/dy+xi {
			in = !in
		}
	}
	return in
}
