package main

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/livecam/livecam/internal/testrig/shareddata"
)

// TestQuantizedModelEverywhere runs Google's quantized 0.75@192 file by
// name and by path through classify, bench and a video run, as a user
// would: the cat photo is an Egyptian cat (class 286 of the 1001-class
// convention), bench reports uint8 and the results file of a video holds
// every frame with labels from imagenet_labels.txt.
func TestQuantizedModelEverywhere(t *testing.T) {
	useSharedModels(t)
	cat := shareddata.Path(t, "demo", "cat.jpg")
	file := shareddata.Path(t, "models", "tflite", "mobilenet_v1_0.75_192_quant.tflite")
	for _, model := range []string{"mobilenet_v1_0.75_192_quant", file} {
		out, errOut, code := livecam(t, "classify", "-model", model, "-json", "-topk", "3", cat)
		if code != 0 {
			t.Fatalf("classify -model %s: exit %d: %s", model, code, errOut)
		}
		var res struct {
			Top []struct {
				Class int
				Label string
				Score float64
			}
		}
		if err := json.Unmarshal([]byte(out), &res); err != nil {
			t.Fatal(err)
		}
		if len(res.Top) == 0 || res.Top[0].Class != 286 || res.Top[0].Label != "Egyptian cat" {
			t.Errorf("-model %s: %s", model, out)
		}
		for _, p := range res.Top {
			// Printed to 4 decimals: within 0.03 steps of a multiple of 1/256.
			if q := p.Score * 256; math.Abs(q-math.Round(q)) > 0.03 || p.Score == 0 {
				t.Errorf("score %v is not a non-zero multiple of 1/256", p.Score)
			}
		}
	}

	out, errOut, code := livecam(t, "bench", "-model", "mobilenet_v1_0.75_192_quant", "-n", "5", "-json")
	if code != 0 {
		t.Fatalf("bench: exit %d: %s", code, errOut)
	}
	var b benchResult
	if err := json.Unmarshal([]byte(out), &b); err != nil || b.Precision != "uint8" || b.Model != "mobilenet_v1_0.75_192_quant" || !(b.MedianMS > 0) {
		t.Errorf("bench: %+v, %v", b, err)
	}

	dir := t.TempDir()
	results := filepath.Join(dir, "r.jsonl")
	_, errOut, code = livecam(t, "-model", file, "-results", results, "-out", filepath.Join(dir, "o.mp4"), "../../testdata/videos/shapes_320x240.avi")
	if code != 0 {
		t.Fatalf("run: exit %d: %s", code, errOut)
	}
	data, _ := os.ReadFile(results)
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	if len(lines) < 10 || !strings.Contains(lines[0], `"label":`) || strings.Contains(string(data), `"class 0"`) {
		t.Errorf("%d result lines: %.300s", len(lines), data)
	}
}

// TestBadTFLiteFile: a damaged or foreign .tflite is refused with one
// line naming the file and the problem, exit 1, and no output written.
func TestBadTFLiteFile(t *testing.T) {
	useSharedModels(t)
	dir := t.TempDir()
	good, err := os.ReadFile(shareddata.Path(t, "models", "tflite", "mobilenet_v1_0.25_128_quant.tflite"))
	if err != nil {
		t.Fatal(err)
	}
	truncated := filepath.Join(dir, "truncated.tflite")
	os.WriteFile(truncated, good[:len(good)/3], 0o644)
	text := filepath.Join(dir, "text.tflite")
	os.WriteFile(text, []byte("this is not a model\n"), 0o644)
	for _, c := range []struct{ file, want string }{
		{truncated, "truncated.tflite: "},
		{text, "text.tflite: not a well-formed TFLite file (no TFL3 identifier)"},
	} {
		out := filepath.Join(dir, "out.jsonl")
		_, errOut, code := livecam(t, "-model", c.file, "-results", out, "../../testdata/videos/shapes_320x240.avi")
		if code != 1 || !strings.Contains(errOut, c.want) || strings.Contains(errOut, "goroutine") || strings.Count(strings.TrimSpace(errOut), "\n") > 0 {
			t.Errorf("%s: exit %d, stderr %q", filepath.Base(c.file), code, errOut)
		}
		if _, err := os.Stat(out); err == nil {
			t.Errorf("%s: an output was written", filepath.Base(c.file))
		}
	}
}
