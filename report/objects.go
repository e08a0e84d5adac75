package report

import (
	"encoding/base64"
	"fmt"
	"html/template"
	"image/color"
	"io"
	"slices"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/livecam/livecam/timeline"
)

// MaxTrackRows bounds the rows of a detector's track table; the page
// says how many more there were.
const MaxTrackRows = 500

// detection reports whether frames are a detector's: any line with
// "objects".
func detection(frames []Frame) bool {
	return slices.ContainsFunc(frames, func(f Frame) bool { return f.Detection })
}

// tracked reports whether any object of frames has a track id.
func tracked(frames []Frame) bool {
	return slices.ContainsFunc(frames, func(f Frame) bool {
		return slices.ContainsFunc(f.Objects, func(o timeline.Object) bool { return o.ID != 0 })
	})
}

// mostAtOnce counts, per label, the most objects in one frame: those
// with a track id when the run tracked objects (the others are not yet
// confirmed), all of them otherwise.
func mostAtOnce(frames []Frame, ids bool) map[string]int {
	most := map[string]int{}
	n := map[string]int{}
	for _, f := range frames {
		clear(n)
		for _, o := range f.Objects {
			if !ids || o.ID != 0 {
				n[o.Label]++
			}
		}
		for l, c := range n {
			most[l] = max(most[l], c)
		}
	}
	return most
}

// writeObjects writes the page of a detector's results.
func writeObjects(w io.Writer, d *Data) error {
	stats := Summarize(d.Frames)
	ids := tracked(d.Frames)
	colors := labelColors(d.Segments)
	rows := timeline.ByLabel(d.Segments)
	chart, err := objectsChart(rows, colors)
	if err != nil {
		return err
	}
	latencySVG, err := latencyChart(d.Frames)
	if err != nil {
		return err
	}
	most := mostAtOnce(d.Frames, ids)
	type labelRow struct {
		Label, Color, Tracks, First, Last, InView, Peak string
		Most                                            int
	}
	var labels []labelRow
	for _, r := range rows {
		l := labelRow{Label: r.Label, Color: hex(colors[r.Class]), Most: most[r.Label], Tracks: "–",
			First: timeline.Clock(r.Spans[0].Start), Last: timeline.Clock(r.Spans[len(r.Spans)-1].End),
			InView: timeline.Clock(r.InView), Peak: fmt.Sprintf("%.0f%%", 100*r.PeakScore)}
		if ids {
			l.Tracks = fmt.Sprint(r.Segments)
		}
		labels = append(labels, l)
	}
	type trackRow struct {
		ID                             int
		Label, Color, Start, End, Mean string
		Peak                           string
		Frames                         int
		Thumb                          template.URL
	}
	var tracks []trackRow
	for i, s := range d.Segments[:min(len(d.Segments), MaxTrackRows)] {
		r := trackRow{ID: s.ID, Label: s.Label, Color: hex(colors[s.Class]), Start: timeline.Clock(s.Start), End: timeline.Clock(s.End),
			Mean: fmt.Sprintf("%.0f%%", 100*s.MeanScore), Peak: fmt.Sprintf("%.0f%%", 100*s.PeakScore), Frames: s.Frames}
		if i < len(d.Thumbnails) && d.Thumbnails[i] != nil {
			r.Thumb = template.URL("data:image/jpeg;base64," + base64.StdEncoding.EncodeToString(d.Thumbnails[i]))
		}
		tracks = append(tracks, r)
	}
	created := ""
	if !d.Created.IsZero() {
		created = d.Created.UTC().Format("2006-01-02 15:04 UTC")
	}
	return objectsPage.Execute(w, map[string]any{
		"D": d, "Stats": stats, "Labels": labels, "Tracks": tracks, "Tracked": ids,
		"Segments": len(d.Segments), "More": len(d.Segments) - len(tracks), "Created": created,
		"Duration": timeline.Clock(stats.Duration),
		"Timeline": template.HTML(chart), "Latency": template.HTML(latencySVG),
	})
}

// objectsChart draws one row per label (the first on top) with a bar
// for each stretch its objects were in view.
func objectsChart(rows []timeline.Row, colors map[int]color.RGBA) (string, error) {
	p := plot.New()
	p.Title.Text = "Objects in view, by label"
	p.X.Label.Text = "time (s)"
	n := len(rows)
	names := make([]string, n)
	for i, r := range rows {
		y := float64(n - 1 - i)
		names[n-1-i] = timeline.Name(timeline.Segment{Label: r.Label})
		for _, s := range r.Spans {
			x0, x1 := s.Start.Seconds(), s.End.Seconds()
			bar, err := plotter.NewPolygon(plotter.XYs{{X: x0, Y: y - 0.35}, {X: x1, Y: y - 0.35}, {X: x1, Y: y + 0.35}, {X: x0, Y: y + 0.35}})
			if err != nil {
				return "", err
			}
			bar.Color = colors[r.Class]
			bar.LineStyle.Width = 0
			p.Add(bar)
		}
	}
	if n > 0 {
		p.NominalY(names...)
		p.Y.Min, p.Y.Max = -0.6, float64(n)-0.4
	}
	return svg(p, 9*vg.Inch, vg.Length(0.9+0.28*float64(max(n, 2)))*vg.Inch)
}

var objectsPage = template.Must(template.New("objects").Parse(pageHead + `
<p class="meta">{{if .D.Video}}Video: {{.D.Video}} · {{end}}Results: {{.D.Results}}{{if .Created}} · made {{.Created}}{{end}}</p>
<div class="figures">
<div><b>{{.Duration}}</b>duration</div>
<div><b>{{.Stats.Frames}}</b>frames ({{.Stats.Inferred}} detected)</div>
{{if .Tracked}}<div><b>{{.Segments}}</b>tracks</div>{{end}}
<div><b>{{len .Labels}}</b>labels</div>
<div><b>{{printf "%.1f" .Stats.P50}} ms</b>median latency (p95 {{printf "%.1f" .Stats.P95}})</div>
<div><b>{{.Stats.Dropped}}</b>frames dropped</div>
</div>
<h2>Objects</h2>
<table id="objects"><tr><th>label</th><th>tracks</th><th>most at once</th><th>in view</th><th>first seen</th><th>last seen</th><th>peak</th></tr>
{{range .Labels}}<tr><td><span class="sw" style="background:{{.Color}}"></span>{{.Label}}</td><td class="num">{{.Tracks}}</td><td class="num">{{.Most}}</td><td class="num">{{.InView}}</td><td class="num">{{.First}}</td><td class="num">{{.Last}}</td><td class="num">{{.Peak}}</td></tr>
{{end}}</table>
<p class="meta">{{if .Tracked}}Tracks are the objects the tracker followed (distinct ids); most at once counts tracked objects in one frame.{{else}}The run did not track objects: most at once is the most objects of a label in one frame.{{end}}</p>
<h2>Timeline</h2>
<figure id="timeline">{{.Timeline}}</figure>
{{if .Tracked}}<h2>Tracks</h2>
<table id="tracks"><tr><th>id</th><th>label</th><th>first seen</th><th>last seen</th><th>mean</th><th>peak</th><th>frames</th><th>frame</th></tr>
{{range .Tracks}}<tr><td class="num">{{.ID}}</td><td><span class="sw" style="background:{{.Color}}"></span>{{.Label}}</td><td class="num">{{.Start}}</td><td class="num">{{.End}}</td><td class="num">{{.Mean}}</td><td class="num">{{.Peak}}</td><td class="num">{{.Frames}}</td><td>{{if .Thumb}}<img class="thumb" alt="{{.Label}} {{.ID}} at {{.Start}}" src="{{.Thumb}}">{{end}}</td></tr>
{{end}}</table>{{else}}<h2>In view</h2>
<table id="tracks"><tr><th>label</th><th>from</th><th>to</th><th>mean</th><th>peak</th><th>frames</th><th>frame</th></tr>
{{range .Tracks}}<tr><td><span class="sw" style="background:{{.Color}}"></span>{{.Label}}</td><td class="num">{{.Start}}</td><td class="num">{{.End}}</td><td class="num">{{.Mean}}</td><td class="num">{{.Peak}}</td><td class="num">{{.Frames}}</td><td>{{if .Thumb}}<img class="thumb" alt="{{.Label}} at {{.Start}}" src="{{.Thumb}}">{{end}}</td></tr>
{{end}}</table>{{end}}
{{if gt .More 0}}<p class="meta">{{.More}} more left out of this table.</p>{{end}}
` + pageTail))
