package report

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"hash/fnv"
	"html/template"
	"image/color"
	"io"
	"math"
	"slices"
	"sort"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgsvg"

	"github.com/livecam/livecam/timeline"
)

// Setting is one line of the run's settings table.
type Setting struct{ Name, Value string }

// Data is what one report shows.
type Data struct {
	Title    string    // the page's heading, usually the input's name
	Results  string    // the results file the frames came from
	Video    string    // the annotated video, when there is one
	Settings []Setting // the run's settings, when known
	Frames   []Frame
	// Segments are Build's: a classifier's label segments, or a
	// detector's tracks (or, untracked, its labels' stretches).
	Segments []timeline.Segment
	// Thumbnails holds one JPEG per segment (nil where there is none).
	Thumbnails [][]byte
	Created    time.Time
	// Ended says where and why the source ended early ("ended at
	// 0:04.9 of 0:24.0: damaged file", from the results file's closing
	// line), shown at the top of the page; "" for a whole source.
	Ended string
}

// Build makes the segments of frames (see package timeline): for a
// classifier's results, the segments of its best label; for a
// detector's (any frame a Detection), one segment per tracked object
// (timeline.Objects.Tracks: Segment.ID is the track's id), or, when no
// object has an id (a run without tracking), the stretches during which
// objects of each label were in view (timeline.Objects.Spans). Objects
// scoring below opts.MinScore are left out; opts.MinDuration bridges a
// label's short absences (spans only). With opts.Gap, a classifier's
// frames that stop for longer than it (a live camera's outage) make a
// "(no signal)" segment (timeline.NoSignal).
func Build(frames []Frame, opts timeline.Options) []timeline.Segment {
	if detection(frames) {
		b := timeline.NewObjects(opts)
		for _, f := range frames {
			b.Add(f.PTS, f.Objects)
		}
		if b.Tracked() {
			return b.Tracks()
		}
		return b.Spans()
	}
	b := timeline.New(opts)
	for _, f := range frames {
		if f.HasResult {
			b.Add(f.PTS, f.Class, f.Label, f.Score)
		} else {
			b.Add(f.PTS, timeline.Unsure, "", 0)
		}
	}
	return b.Segments()
}

// Stats are the latency figures the page shows, in milliseconds.
type Stats struct {
	Frames, Inferred   int
	Dropped            int64
	Duration           time.Duration
	P50, P95, P99, Max float64
}

// Summarize computes the page's figures from the frames.
func Summarize(frames []Frame) Stats {
	var s Stats
	lat := make([]float64, 0, len(frames))
	for _, f := range frames {
		s.Frames++
		if f.Inferred {
			s.Inferred++
		}
		s.Dropped = max(s.Dropped, f.Dropped)
		lat = append(lat, float64(f.Latency)/float64(time.Millisecond))
	}
	if len(frames) > 1 {
		s.Duration = frames[len(frames)-1].PTS - frames[0].PTS
	}
	if len(lat) > 0 {
		slices.Sort(lat)
		q := func(p float64) float64 { return lat[min(len(lat)-1, int(math.Ceil(p*float64(len(lat))))-1)] }
		s.P50, s.P95, s.P99, s.Max = q(0.50), q(0.95), q(0.99), lat[len(lat)-1]
	}
	return s
}

// Write writes d as one HTML page.
func Write(w io.Writer, d *Data) error {
	if len(d.Frames) == 0 {
		return errNoFrames
	}
	if detection(d.Frames) {
		return writeObjects(w, d)
	}
	stats := Summarize(d.Frames)
	colors := labelColors(d.Segments)
	timelineSVG, err := timelineChart(d, colors)
	if err != nil {
		return err
	}
	latencySVG, err := latencyChart(d.Frames)
	if err != nil {
		return err
	}
	type row struct {
		Start, End, Label string
		Color             string
		Mean, Peak        string
		Thumb             template.URL
	}
	var rows []row
	for i, s := range d.Segments {
		r := row{Start: timeline.Clock(s.Start), End: timeline.Clock(s.End), Label: timeline.Name(s), Color: hex(colors[s.Class])}
		if s.Class != timeline.Unsure && s.Class != timeline.NoSignal {
			r.Mean, r.Peak = fmt.Sprintf("%.0f%%", 100*s.MeanScore), fmt.Sprintf("%.0f%%", 100*s.PeakScore)
		}
		if i < len(d.Thumbnails) && d.Thumbnails[i] != nil {
			r.Thumb = template.URL("data:image/jpeg;base64," + base64.StdEncoding.EncodeToString(d.Thumbnails[i]))
		}
		rows = append(rows, r)
	}
	// The legend: each label once, longest in total first.
	type key struct{ Label, Color string }
	var legend []key
	total := map[int]time.Duration{}
	for _, s := range d.Segments {
		total[s.Class] += s.Duration()
	}
	var first []timeline.Segment // each class's first segment
	seen := map[int]bool{}
	for _, s := range d.Segments {
		if !seen[s.Class] {
			seen[s.Class] = true
			first = append(first, s)
		}
	}
	sort.SliceStable(first, func(a, b int) bool { return total[first[a].Class] > total[first[b].Class] })
	for _, s := range first {
		legend = append(legend, key{timeline.Name(s), hex(colors[s.Class])})
	}
	created := ""
	if !d.Created.IsZero() {
		created = d.Created.UTC().Format("2006-01-02 15:04 UTC")
	}
	return page.Execute(w, map[string]any{
		"D": d, "Stats": stats, "Rows": rows, "Created": created, "Legend": legend,
		"Duration": timeline.Clock(stats.Duration),
		"Timeline": template.HTML(timelineSVG), "Latency": template.HTML(latencySVG),
	})
}

// labelColors gives each class a colour: the classes that last longest
// get the most distinct ones; Unsure is grey.
func labelColors(segs []timeline.Segment) map[int]color.RGBA {
	total := map[int]time.Duration{}
	for _, s := range segs {
		total[s.Class] += s.Duration()
	}
	classes := make([]int, 0, len(total))
	for c := range total {
		classes = append(classes, c)
	}
	sort.Slice(classes, func(a, b int) bool {
		if total[classes[a]] != total[classes[b]] {
			return total[classes[a]] > total[classes[b]]
		}
		return classes[a] < classes[b]
	})
	// Tableau's ten, then colours from a hash of the class.
	palette := []color.RGBA{{31, 119, 180, 255}, {255, 127, 14, 255}, {44, 160, 44, 255}, {214, 39, 40, 255}, {148, 103, 189, 255},
		{140, 86, 75, 255}, {227, 119, 194, 255}, {188, 189, 34, 255}, {23, 190, 207, 255}, {127, 127, 127, 255}}
	out := map[int]color.RGBA{}
	i := 0
	for _, c := range classes {
		if c == timeline.Unsure {
			out[c] = color.RGBA{200, 200, 200, 255}
			continue
		}
		if c == timeline.NoSignal { // a live camera's outage: dark
			out[c] = color.RGBA{40, 40, 40, 255}
			continue
		}
		if i < len(palette) {
			out[c] = palette[i]
		} else {
			h := fnv.New32a()
			fmt.Fprint(h, c)
			v := h.Sum32()
			out[c] = color.RGBA{uint8(60 + v%160), uint8(60 + (v>>8)%160), uint8(60 + (v>>16)%160), 255}
		}
		i++
	}
	return out
}

func hex(c color.RGBA) string { return fmt.Sprintf("#%02x%02x%02x", c.R, c.G, c.B) }

// maxCurvePoints bounds the score curve's points (longer videos are
// thinned evenly).
const maxCurvePoints = 2000

// timelineChart draws the label bands and the best-score curve.
func timelineChart(d *Data, colors map[int]color.RGBA) (string, error) {
	p := plot.New()
	p.Title.Text = "Best label and its score over time"
	p.X.Label.Text = "time (s)"
	p.Y.Label.Text = "best score"
	p.Y.Min, p.Y.Max = 0, 1
	for _, s := range d.Segments {
		x0, x1 := s.Start.Seconds(), s.End.Seconds()
		band, err := plotter.NewPolygon(plotter.XYs{{X: x0, Y: 0}, {X: x1, Y: 0}, {X: x1, Y: 1}, {X: x0, Y: 1}})
		if err != nil {
			return "", err
		}
		c := colors[s.Class]
		band.Color = color.NRGBA{R: c.R, G: c.G, B: c.B, A: 110}
		band.LineStyle.Width = 0
		p.Add(band)
	}
	step := max(1, len(d.Frames)/maxCurvePoints)
	var pts plotter.XYs
	for i := 0; i < len(d.Frames); i += step {
		f := d.Frames[i]
		if s := float64(f.Score); !math.IsNaN(s) && !math.IsInf(s, 0) {
			pts = append(pts, plotter.XY{X: f.PTS.Seconds(), Y: s})
		}
	}
	if len(pts) > 0 {
		line, err := plotter.NewLine(pts)
		if err != nil {
			return "", err
		}
		line.Color = color.RGBA{20, 20, 20, 255}
		line.Width = vg.Points(1)
		p.Add(line)
	}
	return svg(p, 9*vg.Inch, 3*vg.Inch)
}

// latencyChart draws the distribution of capture-to-output latency.
func latencyChart(frames []Frame) (string, error) {
	p := plot.New()
	p.Title.Text = "Latency, capture to output"
	p.X.Label.Text = "ms"
	p.Y.Label.Text = "frames"
	vals := make(plotter.Values, len(frames))
	for i, f := range frames {
		vals[i] = float64(f.Latency) / float64(time.Millisecond)
	}
	bins := min(40, max(5, len(vals)/10))
	h, err := plotter.NewHist(vals, bins)
	if err != nil {
		return "", err
	}
	h.FillColor = color.RGBA{31, 119, 180, 255}
	h.LineStyle.Width = 0
	p.Add(h)
	return svg(p, 6*vg.Inch, 2.5*vg.Inch)
}

// svg renders p as an SVG document without its XML prolog, for inlining.
func svg(p *plot.Plot, w, h vg.Length) (string, error) {
	for _, f := range []*font.Font{&p.Title.TextStyle.Font, &p.X.Label.TextStyle.Font, &p.Y.Label.TextStyle.Font, &p.X.Tick.Label.Font, &p.Y.Tick.Label.Font} {
		f.Variant = "Sans"
	}
	c := vgsvg.New(w, h)
	p.Draw(draw.New(c))
	var b bytes.Buffer
	if _, err := c.WriteTo(&b); err != nil {
		return "", err
	}
	s := b.Bytes()
	if i := bytes.Index(s, []byte("<svg")); i > 0 {
		s = s[i:]
	}
	return string(s), nil
}

// pageHead is the start of both pages: the title and the style.
const pageHead = `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.D.Title}} · livecam report</title>
<style>
body { font: 15px/1.45 system-ui, sans-serif; margin: 2em auto; max-width: 70em; padding: 0 1em; color: #222; }
h1 { font-size: 1.5em; margin-bottom: 0.2em; } h2 { font-size: 1.15em; margin-top: 1.8em; }
.meta { color: #666; }
.ended { background: #fff4d6; border-left: 4px solid #d98e04; padding: 0.5em 0.8em; }
.figures { display: flex; gap: 2em; flex-wrap: wrap; margin: 1em 0; }
.figures div { background: #f4f4f4; padding: 0.6em 1em; border-radius: 6px; }
.figures b { display: block; font-size: 1.3em; }
table { border-collapse: collapse; } td, th { padding: 0.3em 0.8em; text-align: left; border-bottom: 1px solid #eee; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.key { margin-right: 1.2em; white-space: nowrap; }
.sw { display: inline-block; width: 0.9em; height: 0.9em; border-radius: 2px; vertical-align: -0.1em; margin-right: 0.4em; }
img.thumb { height: 72px; border-radius: 3px; display: block; }
svg { max-width: 100%; height: auto; }
</style></head>
<body>
<h1>{{.D.Title}}</h1>
{{if .D.Ended}}<p class="ended" id="ended"><b>Not the whole video:</b> the source {{.D.Ended}}. This report covers what was read before it.</p>{{end}}`

// pageTail is the end of both pages: the latency and the settings.
const pageTail = `<h2>Latency</h2>
<p>p50 {{printf "%.1f" .Stats.P50}} ms · p95 {{printf "%.1f" .Stats.P95}} ms · p99 {{printf "%.1f" .Stats.P99}} ms · max {{printf "%.1f" .Stats.Max}} ms</p>
<figure id="latency">{{.Latency}}</figure>
{{if .D.Settings}}<h2>Settings</h2>
<table id="settings">{{range .D.Settings}}<tr><th>{{.Name}}</th><td>{{.Value}}</td></tr>{{end}}</table>{{end}}
<p class="meta">Made by livecam.</p>
</body></html>
`

var page = template.Must(template.New("report").Parse(pageHead + `
<p class="meta">{{if .D.Video}}Video: {{.D.Video}} · {{end}}Results: {{.D.Results}}{{if .Created}} · made {{.Created}}{{end}}</p>
<div class="figures">
<div><b>{{.Duration}}</b>duration</div>
<div><b>{{.Stats.Frames}}</b>frames ({{.Stats.Inferred}} classified)</div>
<div><b>{{len .Rows}}</b>segments</div>
<div><b>{{printf "%.1f" .Stats.P50}} ms</b>median latency (p95 {{printf "%.1f" .Stats.P95}})</div>
<div><b>{{.Stats.Dropped}}</b>frames dropped</div>
</div>
<h2>Timeline</h2>
<figure id="timeline">{{.Timeline}}
<figcaption>{{range .Legend}}<span class="key"><span class="sw" style="background:{{.Color}}"></span>{{.Label}}</span> {{end}}</figcaption></figure>
<h2>Segments</h2>
<table id="segments"><tr><th>from</th><th>to</th><th>label</th><th>mean</th><th>peak</th><th>frame</th></tr>
{{range .Rows}}<tr><td class="num">{{.Start}}</td><td class="num">{{.End}}</td><td><span class="sw" style="background:{{.Color}}"></span>{{.Label}}</td><td class="num">{{.Mean}}</td><td class="num">{{.Peak}}</td><td>{{if .Thumb}}<img class="thumb" alt="{{.Label}} at {{.Start}}" src="{{.Thumb}}">{{end}}</td></tr>
{{end}}</table>
` + pageTail))
