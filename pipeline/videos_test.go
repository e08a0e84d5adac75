package pipeline_test

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/livecam/livecam/classify"
	"github.com/livecam/livecam/internal/testrig/shareddata"
	"github.com/livecam/livecam/models"
	"github.com/livecam/livecam/pipeline"
	"github.com/livecam/livecam/pipeline/stage"
	"github.com/livecam/livecam/sink/outfile"
	"github.com/livecam/livecam/sink/video"
	"github.com/livecam/livecam/source"
)

type segment struct{ start, end, class int }

func readTruth(tb testing.TB, path string) []segment {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	var segs []segment
	sc := bufio.NewScanner(f)
	for n := 0; sc.Scan(); n++ {
		if n == 0 {
			continue
		}
		fields := strings.Split(sc.Text(), "\t")
		var s segment
		s.start, _ = strconv.Atoi(fields[0])
		s.end, _ = strconv.Atoi(fields[1])
		s.class, _ = strconv.Atoi(fields[2])
		segs = append(segs, s)
	}
	return segs
}

// TestSharedVideos runs the real model over the labelled videos in file
// mode and checks the output video, the JSON lines and, per segment, that
// the most frequent top-1 label is the true class.
func TestSharedVideos(t *testing.T) {
	if testing.Short() {
		t.Skip("1100 frames through the real model: skipped with -short")
	}
	m := models.FromClassifier(shareddata.Model(t))
	for _, tc := range []struct {
		video     string
		frames    int
		size, fps string
		minRight  int
	}{
		{"slideshow_720p.mp4", 720, "1280x720", "30/1", 11},
		{"slideshow_480p_noisy.mkv", 320, "640x480", "25/1", 6},
		{"short_vga.avi", 60, "320x240", "15/1", 4},
	} {
		t.Run(tc.video, func(t *testing.T) {
			src, err := source.Open(shareddata.Path(t, "videos", tc.video), source.Options{})
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			outVideo := filepath.Join(dir, "out.mp4")
			vs, err := video.Create(outVideo, outfile.Options{})
			if err != nil {
				t.Fatal(err)
			}
			outJSON := filepath.Join(dir, "results.jsonl")
			results, err := resultsFile(outJSON)
			if err != nil {
				t.Fatal(err)
			}
			p, err := pipeline.New(pipeline.Config{Source: src, Model: m, Stages: []pipeline.Stage{stage.Overlay(nil)}, Classes: classify.Options{MaxResults: 3}, Sinks: []pipeline.Sink{vs, results}})
			if err != nil {
				t.Fatal(err)
			}
			if err := p.Run(context.Background()); err != nil {
				t.Fatal(err)
			}
			n, w, h, fps := frameCount(t, outVideo)
			if n != tc.frames || strconv.Itoa(w)+"x"+strconv.Itoa(h) != tc.size || fps != tc.fps {
				t.Errorf("output video: %d frames %dx%d at %s; source %d frames %s at %s", n, w, h, fps, tc.frames, tc.size, tc.fps)
			}
			top1 := readResults(t, outJSON, tc.frames)
			segs := readTruth(t, shareddata.Path(t, "videos", strings.TrimSuffix(tc.video, filepath.Ext(tc.video))+".truth.tsv"))
			right := 0
			for _, s := range segs {
				votes := map[int]int{}
				best := -1
				for f := s.start; f <= s.end; f++ {
					votes[top1[f]]++
					if best < 0 || votes[top1[f]] > votes[best] {
						best = top1[f]
					}
				}
				if best == s.class {
					right++
				} else {
					t.Logf("frames %d-%d: most frequent top-1 %d (%d votes), truth %d (%d votes)", s.start, s.end, best, votes[best], s.class, votes[s.class])
				}
			}
			t.Logf("%d of %d segments right", right, len(segs))
			if right < tc.minRight {
				t.Errorf("%d of %d segments right, want at least %d", right, len(segs), tc.minRight)
			}
		})
	}
}

// readResults parses the JSON lines: one valid object per frame, in order.
func readResults(t *testing.T, path string, frames int) []int {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var top1 []int
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var line struct {
			Frame   int     `json:"frame"`
			PTS     float64 `json:"pts_ms"`
			Latency float64 `json:"latency_ms"`
			Dropped int     `json:"dropped"`
			Top     []struct {
				Class int     `json:"class"`
				Label string  `json:"label"`
				Score float64 `json:"score"`
			} `json:"top"`
		}
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			t.Fatalf("line %d is not JSON: %v: %s", len(top1)+1, err, sc.Bytes())
		}
		if line.Frame != len(top1) || len(line.Top) != 3 || line.Top[0].Label == "" {
			t.Fatalf("line %d: %s", len(top1)+1, sc.Bytes())
		}
		top1 = append(top1, line.Top[0].Class)
	}
	if len(top1) != frames {
		t.Fatalf("%d result lines for %d frames", len(top1), frames)
	}
	return top1
}
