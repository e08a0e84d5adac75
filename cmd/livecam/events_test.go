package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/livecam/livecam/internal/demo"
	"github.com/livecam/livecam/internal/testrig/mosquittotest"
)

// demoVideo makes the demo video (eight photos, 2 s each) and returns it
// with its segments.
func demoVideo(t *testing.T) (string, []demo.Segment) {
	t.Helper()
	video := filepath.Join(t.TempDir(), "demo.mp4")
	segs, err := demo.MakeVideo("../../testdata/images/demo", video)
	if err != nil {
		t.Fatal(err)
	}
	return video, segs
}

type eventLine struct {
	Type      string   `json:"type"`
	Class     int      `json:"class"`
	Label     string   `json:"label"`
	StartMS   float64  `json:"start_ms"`
	EndMS     *float64 `json:"end_ms"`
	PeakScore float64  `json:"peak_score"`
	MeanScore float64  `json:"mean_score"`
	Frames    int      `json:"frames"`
}

// TestEventsOnDemo labels the demo video with -events: each photo's class
// enters during its own segment and leaves before the next photo is half
// a second in (the portrait's "military uniform" leaves half-way through
// its segment, as the zoom loses the uniform), with consistent totals; the
// results carry the wall-clock "time" of each frame.
func TestEventsOnDemo(t *testing.T) {
	useSharedModels(t)
	video, segs := demoVideo(t)
	dir := t.TempDir()
	evFile, resFile := filepath.Join(dir, "events.jsonl"), filepath.Join(dir, "results.jsonl")
	started := time.Now()
	_, stderr, code := livecam(t, "-source", video, "-events", evFile, "-results", resFile,
		"-event-enter", "0.4", "-event-leave", "0.2", "-event-min", "300ms")
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, stderr)
	}
	data, err := os.ReadFile(evFile)
	if err != nil {
		t.Fatal(err)
	}
	var evs []eventLine
	for _, l := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		var e eventLine
		if err := json.Unmarshal([]byte(l), &e); err != nil {
			t.Fatalf("%q: %v", l, err)
		}
		evs = append(evs, e)
	}
	const frameMS = 1000.0 / demo.FPS
	for _, s := range segs {
		segStart, segEnd := float64(s.Start)*1000/demo.FPS, float64(s.End)*1000/demo.FPS
		found := false
		for i, e := range evs {
			if e.Type != "enter" || e.Class != s.Class || e.StartMS < segStart || e.StartMS >= segEnd {
				continue
			}
			found = true
			var leave *eventLine
			for j := i + 1; j < len(evs); j++ {
				if evs[j].Type == "leave" && evs[j].Class == e.Class {
					leave = &evs[j]
					break
				}
			}
			if leave == nil || leave.EndMS == nil || *leave.EndMS <= e.StartMS || *leave.EndMS > segEnd+500 || leave.StartMS != e.StartMS {
				t.Errorf("%s: entered at %.0f ms, left %+v; segment %.0f-%.0f ms", s.Photo, e.StartMS, leave, segStart, segEnd)
				break
			}
			if leave.Frames < e.Frames || leave.PeakScore < leave.MeanScore || leave.MeanScore < 0.2 ||
				float64(leave.Frames) > (*leave.EndMS-leave.StartMS)/frameMS+1.5 || e.EndMS != nil {
				t.Errorf("%s: inconsistent totals: enter %+v, leave %+v", s.Photo, e, *leave)
			}
			if first, _, _ := strings.Cut(s.Label, ","); e.Label != first {
				t.Errorf("%s: label %q, want %q", s.Photo, e.Label, first)
			}
			break
		}
		if !found {
			t.Errorf("%s (class %d): no enter event in its segment %.0f-%.0f ms; events:\n%s", s.Photo, s.Class, segStart, segEnd, data)
		}
	}
	res, err := os.ReadFile(resFile)
	if err != nil {
		t.Fatal(err)
	}
	lines := jsonLines(t, res)
	for i, l := range lines {
		ts, err := time.Parse(time.RFC3339Nano, l["time"].(string))
		if err != nil || ts.Before(started.Add(-time.Second)) || ts.After(time.Now()) {
			t.Fatalf("line %d: time %v (%v), run started %v", i, l["time"], err, started)
		}
	}
}

// TestResultFilters: -allow keeps only the classes named (by index,
// WordNet id or first name), -deny removes one, -min-score drops weak
// ones; a name that is no class is a usage error naming the flag.
func TestResultFilters(t *testing.T) {
	useSharedModels(t)
	video, _ := demoVideo(t)
	out := filepath.Join(t.TempDir(), "r.jsonl")
	// 88 macaw by index, hotdog by first name, n02085620 (Chihuahua) by
	// WordNet id.
	_, stderr, code := livecam(t, "-source", video, "-results", out, "-topk", "5",
		"-allow", "88", "-allow", "hotdog", "-allow", "n02085620", "-min-score", "0.05")
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, stderr)
	}
	data, _ := os.ReadFile(out)
	seen := map[float64]bool{}
	for _, l := range jsonLines(t, data) {
		for _, c := range l["top"].([]any) {
			c := c.(map[string]any)
			seen[c["class"].(float64)] = true
			if c["score"].(float64) < 0.05 {
				t.Fatalf("class %v with score %v below -min-score", c["class"], c["score"])
			}
		}
	}
	for c := range seen {
		if c != 88 && c != 934 && c != 151 {
			t.Errorf("class %v reported, not allowed", c)
		}
	}
	if !seen[88] || !seen[934] {
		t.Errorf("allowed classes seen: %v, want macaw (88) and hotdog (934) at least", seen)
	}
	// Deny the best class of the parrot photo: macaw never appears.
	_, stderr, code = livecam(t, "-source", video, "-results", out, "-overwrite", "-deny", "macaw")
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, stderr)
	}
	data, _ = os.ReadFile(out)
	if strings.Contains(string(data), `"class":88,`) {
		t.Error("-deny macaw: class 88 still reported")
	}
	_, stderr, code = livecam(t, "-source", video, "-allow", "unicorn")
	if code != 2 || !strings.Contains(stderr, "-allow") || !strings.Contains(stderr, "unicorn") {
		t.Errorf("-allow unicorn: exit %d:\n%s", code, stderr)
	}
}

// TestMQTTEventsOfDemo labels the demo video with -events FILE and -mqtt
// against a real broker: every event line of the file arrives on
// livecam/demo/events, once, in order, identical; the current label is
// retained on livecam/demo/top; the camera's availability goes online,
// then offline.
func TestMQTTEventsOfDemo(t *testing.T) {
	useSharedModels(t)
	video, _ := demoVideo(t)
	b := mosquittotest.Start(t, nil)
	sub := mosquittotest.Subscribe(t, b.URL())
	evFile := filepath.Join(t.TempDir(), "ev.jsonl")
	_, errOut, code := livecam(t, "-quiet", "-source", video, "-events", evFile, "-mqtt", b.URL())
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, errOut)
	}
	data, err := os.ReadFile(evFile)
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Split(strings.TrimSpace(string(data)), "\n")
	if len(want) < 10 {
		t.Fatalf("only %d events in the file", len(want))
	}
	base := strings.TrimSuffix(filepath.Base(video), filepath.Ext(video))
	got := sub.Payloads("livecam/"+base+"/events", len(want))
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("MQTT events differ from the file's:\n got %d: %q\nwant %d: %q", len(got), got, len(want), want)
	}
	if top := sub.Payloads("livecam/"+base+"/top", 1); len(top) == 0 || !strings.Contains(top[len(top)-1], `"label":`) {
		t.Errorf("no top label: %q", top)
	}
	if avail := sub.Matching("livecam/"+base+"/availability/+", 2); strings.Join(avail, " ") != "online offline" {
		t.Errorf("availability %q", avail)
	}
}
