package report

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/livecam/livecam/timeline"
)

// obj is one object of a detector's results line.
type obj struct {
	id    int
	class int
	label string
}

// objLine is a detector's results line (sink/jsonl's form) at 25 fps.
func objLine(frame int, objs ...obj) string {
	var b strings.Builder
	for i, o := range objs {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('{')
		if o.id != 0 {
			fmt.Fprintf(&b, `"id":%d,`, o.id)
		}
		fmt.Fprintf(&b, `"class":%d,"label":%q,"score":0.75,"box":[1,2,3,4]}`, o.class, o.label)
	}
	return fmt.Sprintf(`{"frame":%d,"pts_ms":%d.0,"time":"2026-11-27T09:30:00.123Z","objects":[%s],"inferred":true,"latency_ms":%.1f,"dropped":0}`+"\n",
		frame, frame*40, b.String(), 30+float64(frame%5))
}

// trackedRun is 4 s: person 1 in frames 0-59, person 2 in 30-89, dog 3
// in 70-99, an unconfirmed (id-less) cat in frame 10 and person in frame
// 40, and a label that is HTML in 80-84.
func trackedRun() string {
	var in strings.Builder
	for i := range 100 {
		var objs []obj
		if i < 60 {
			objs = append(objs, obj{1, 0, "person"})
		}
		if i >= 30 && i < 90 {
			objs = append(objs, obj{2, 0, "person"})
		}
		if i >= 70 {
			objs = append(objs, obj{3, 17, "dog"})
		}
		if i == 10 {
			objs = append(objs, obj{0, 16, "cat"})
		}
		if i == 40 { // a third person, not yet confirmed
			objs = append(objs, obj{0, 0, "person"})
		}
		if i >= 80 && i < 85 {
			objs = append(objs, obj{4, 89, "<script>alert(1)</script>"})
		}
		in.WriteString(objLine(i, objs...))
	}
	return in.String()
}

func detectorPage(t *testing.T, results string) (*Data, string) {
	t.Helper()
	frames, _, err := ReadResults(strings.NewReader(results), "r.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	d := &Data{Title: "porch", Results: "r.jsonl", Frames: frames, Settings: []Setting{{"model", "coco_ssd_mobilenet_v1"}}}
	d.Segments = Build(frames, timeline.Options{MinDuration: time.Second, MinScore: 0.2})
	var b bytes.Buffer
	if err := Write(&b, d); err != nil {
		t.Fatal(err)
	}
	if os.Getenv("REPORT_OUT") != "" {
		os.WriteFile(os.Getenv("REPORT_OUT")+"."+t.Name()+".html", b.Bytes(), 0o644)
	}
	return d, b.String()
}

// cells returns the text of the cells of the table row whose label cell
// holds label.
func cells(t *testing.T, html, table, label string) []string {
	t.Helper()
	i := strings.Index(html, `<table id="`+table+`">`)
	if i < 0 {
		t.Fatalf("no table %s", table)
	}
	html = html[i:]
	html = html[:strings.Index(html, "</table>")]
	tag := regexp.MustCompile(`<[^>]*>`)
	for _, row := range strings.Split(html, "<tr>") {
		var out []string
		for _, c := range strings.Split(row, "<td")[1:] {
			out = append(out, strings.TrimSpace(tag.ReplaceAllString("<td"+c, "")))
		}
		if len(out) > 0 && (out[0] == label || len(out) > 1 && out[1] == label) {
			return out
		}
	}
	t.Fatalf("no row %q in table %s", label, table)
	return nil
}

// TestDetectorReport: a tracked run's page counts tracks (distinct ids)
// per label and the most in one frame, draws a row per label, lists
// every track with its first and last frame, and escapes a label that
// is HTML.
func TestDetectorReport(t *testing.T) {
	d, html := detectorPage(t, trackedRun())
	var ids []int
	for _, s := range d.Segments {
		ids = append(ids, s.ID)
	}
	if !reflect.DeepEqual(ids, []int{1, 2, 3, 4}) {
		t.Errorf("segments are tracks %v, want 1 2 3 4 (the id-less cat left out)", ids)
	}
	for label, want := range map[string][]string{
		// label, tracks, most at once, in view, first, last, peak
		"person":                                {"person", "2", "2", "0:03.6", "0:00.0", "0:03.6", "75%"},
		"dog":                                   {"dog", "1", "1", "0:01.2", "0:02.8", "0:04.0", "75%"},
		"&lt;script&gt;alert(1)&lt;/script&gt;": {"&lt;script&gt;alert(1)&lt;/script&gt;", "1", "1", "0:00.2", "0:03.2", "0:03.4", "75%"},
	} {
		if got := cells(t, html, "objects", label); !reflect.DeepEqual(got, want) {
			t.Errorf("objects row %s: %q, want %q", label, got, want)
		}
	}
	// id, label, first seen, last seen, mean, peak, frames
	if got, want := cells(t, html, "tracks", "2")[:7], []string{"2", "person", "0:01.2", "0:03.6", "75%", "75%", "60"}; !reflect.DeepEqual(got, want) {
		t.Errorf("track 2: %q, want %q", got, want)
	}
	for _, want := range []string{"<b>4</b>tracks", "<b>3</b>labels", "<b>100</b>frames (100 detected)", `<figure id="timeline"><svg`, ">person</text>", ">dog</text>"} {
		if !strings.Contains(html, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	if strings.Contains(html, "<script>") || strings.Contains(html, ">cat<") || strings.Contains(html, `id="segments"`) {
		t.Error("the page has a raw <script>, the unconfirmed cat, or a classifier's segments")
	}
}

// TestDetectorReportUntracked: without ids, the page counts the most
// objects of a label in one frame and lists when each label was in view,
// its short absences bridged.
func TestDetectorReportUntracked(t *testing.T) {
	var in strings.Builder
	for i := range 100 {
		var objs []obj
		if i < 50 && i != 20 { // missed once
			objs = append(objs, obj{0, 0, "person"})
		}
		if i >= 10 && i < 20 {
			objs = append(objs, obj{0, 0, "person"}, obj{0, 0, "person"})
		}
		if i >= 60 {
			objs = append(objs, obj{0, 17, "dog"})
		}
		in.WriteString(objLine(i, objs...))
	}
	d, html := detectorPage(t, in.String())
	if len(d.Segments) != 2 || d.Segments[0].Label != "person" || d.Segments[0].End != 2*time.Second || d.Segments[1].Label != "dog" {
		t.Errorf("segments %+v, want person 0-2 s and dog", d.Segments)
	}
	if got, want := cells(t, html, "objects", "person"), []string{"person", "–", "3", "0:02.0", "0:00.0", "0:02.0", "75%"}; !reflect.DeepEqual(got, want) {
		t.Errorf("person: %q, want %q", got, want)
	}
	if strings.Contains(html, "</b>tracks") || !strings.Contains(html, "did not track objects") {
		t.Error("an untracked run's page counts tracks")
	}
}

// TestReadObjects: a detector's line gives its objects, a frame with
// none ("objects":[]) is still a detector's, a null score is NaN.
func TestReadObjects(t *testing.T) {
	in := objLine(0, obj{3, 17, "dog"}, obj{0, 0, "person"}) + objLine(1) + strings.Replace(objLine(2, obj{1, 0, "person"}), "0.75", "null", 1)
	frames, _, err := ReadResults(strings.NewReader(in), "r.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	want := []timeline.Object{{ID: 3, Class: 17, Label: "dog", Score: 0.75}, {Class: 0, Label: "person", Score: 0.75}}
	if !frames[0].Detection || !reflect.DeepEqual(frames[0].Objects, want) || frames[0].HasResult || frames[0].Class != -1 {
		t.Errorf("frame 0: %+v", frames[0])
	}
	if !frames[1].Detection || len(frames[1].Objects) != 0 {
		t.Errorf("frame 1 (no objects): %+v", frames[1])
	}
	if s := frames[2].Objects[0].Score; !math.IsNaN(float64(s)) {
		t.Errorf("a null score reads as %v", s)
	}
	// A classifier's line is not a detector's.
	frames, _, _ = ReadResults(strings.NewReader(line(0, "banjo", 420, "0.5", 1)), "r.jsonl")
	if frames[0].Detection || frames[0].Objects != nil {
		t.Errorf("a classifier's line: %+v", frames[0])
	}
}

// TestClassifierReportUnchanged: a classifier's results make the
// classifier's page, its segments those of timeline.Builder.
func TestClassifierReportUnchanged(t *testing.T) {
	var in strings.Builder
	for i := range 100 {
		label, class := "tabby, tabby cat", 281
		if i >= 60 {
			label, class = "banjo", 420
		}
		in.WriteString(line(i, label, class, "0.9000", 10))
	}
	d, html := detectorPage(t, in.String())
	b := timeline.New(timeline.Options{MinDuration: time.Second, MinScore: 0.2})
	for _, f := range d.Frames {
		b.Add(f.PTS, f.Class, f.Label, f.Score)
	}
	if !reflect.DeepEqual(d.Segments, b.Segments()) {
		t.Errorf("segments %+v, want timeline.Builder's %+v", d.Segments, b.Segments())
	}
	if !strings.Contains(html, `<table id="segments">`) || !strings.Contains(html, "(100 classified)") || strings.Contains(html, `id="objects"`) {
		t.Error("a classifier's results do not make the classifier's page")
	}
}
