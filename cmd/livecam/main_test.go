package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/livecam/livecam/internal/randweights"
	"github.com/livecam/livecam/internal/testrig/shareddata"
	"github.com/livecam/livecam/models"
	"github.com/livecam/livecam/net/mobilenet"
	"github.com/livecam/livecam/net/tfjs"
)

// livecam runs one command line in-process.
func livecam(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var o, e bytes.Buffer
	code = run(args, &o, &e)
	return o.String(), e.String(), code
}

func useSharedModels(t *testing.T) {
	t.Setenv(models.EnvDir, shareddata.Path(t, "models"))
}

func TestSummaryReproducesPaper(t *testing.T) {
	total := regexp.MustCompile(`Total: ([0-9.]+)M mult-adds, ([0-9.]+)M parameters`)
	for _, tc := range []struct {
		args          []string
		madds, params float64
	}{
		{[]string{"-alpha", "1.0"}, 569, 4.2},
		{[]string{"-alpha", "0.75"}, 325, 2.6},
		{[]string{"-alpha", "0.5"}, 149, 1.3},
		{[]string{"-alpha", "0.25"}, 41, 0.5},
		{[]string{"-size", "192"}, 418, 4.2},
		{[]string{"-size", "160"}, 290, 4.2},
		{[]string{"-size", "128"}, 186, 4.2},
	} {
		out, errOut, code := livecam(t, append([]string{"summary"}, tc.args...)...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", tc.args, code, errOut)
		}
		m := total.FindStringSubmatch(out)
		if m == nil {
			t.Fatalf("%v: no totals in\n%s", tc.args, out)
		}
		madds, _ := strconv.ParseFloat(m[1], 64)
		params, _ := strconv.ParseFloat(m[2], 64)
		if d := (madds - tc.madds) / tc.madds; d > 0.01 || d < -0.01 {
			t.Errorf("%v: %vM mult-adds, paper %vM", tc.args, madds, tc.madds)
		}
		if d := params - tc.params; d > 0.05 || d < -0.05 {
			t.Errorf("%v: %vM parameters, paper %vM", tc.args, params, tc.params)
		}
	}
	out, _, _ := livecam(t, "summary")
	for _, want := range []string{"Conv 1x1     94.86%      74.59%", "Conv / s2       3x3x3x32   224x224x3", "FC / s1      1024x1000"} {
		if !strings.Contains(out, want) {
			t.Errorf("summary lacks %q:\n%s", want, out)
		}
	}
	if _, _, code := livecam(t, "summary", "-size", "100"); code != 2 {
		t.Errorf("size 100: exit %d, want 2", code)
	}
}

func TestClassifyJSON(t *testing.T) {
	useSharedModels(t)
	img := shareddata.Path(t, "imagenet", "n01443537_goldfish.JPEG")
	out, errOut, code := livecam(t, "classify", "-json", "-topk", "3", img)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var res struct {
		File string `json:"file"`
		Top  []struct {
			Class int     `json:"class"`
			WNID  string  `json:"wnid"`
			Label string  `json:"label"`
			Score float64 `json:"score"`
		} `json:"top"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("%v: %q", err, out)
	}
	if res.File != img || len(res.Top) != 3 {
		t.Fatalf("result %+v", res)
	}
	if top := res.Top[0]; top.Class != 1 || top.WNID != "n01443537" || top.Label != "goldfish, Carassius auratus" || top.Score < 0.9 {
		t.Errorf("top-1 %+v, want goldfish", top)
	}
	if !(res.Top[0].Score >= res.Top[1].Score && res.Top[1].Score >= res.Top[2].Score) {
		t.Errorf("scores not best first: %+v", res.Top)
	}
	// The exact shape of a line, as documented.
	want := regexp.MustCompile(`^\{"file":"[^"]+","top":\[\{"class":1,"wnid":"n01443537","label":"goldfish, Carassius auratus","score":0\.\d{1,4}\},`)
	if !want.MatchString(out) && !strings.Contains(out, `"score":1}`) {
		t.Errorf("line does not follow the documented format: %s", out)
	}
}

func TestClassifyBadInput(t *testing.T) {
	useSharedModels(t)
	dir := t.TempDir()
	notImage := filepath.Join(dir, "notes.png")
	os.WriteFile(notImage, []byte("hello"), 0o644)
	for _, tc := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"classify", filepath.Join(dir, "missing.png")}, 1, "missing.png: no such file or directory"},
		{[]string{"classify", notImage}, 1, "notes.png: not an image OpenCV can decode"},
		{[]string{"classify", dir}, 1, "is a directory"},
		{[]string{"classify"}, 2, "no image given"},
		{[]string{"classify", "-topk", "0", notImage}, 2, "-topk 0"},
		{[]string{"classify", "-topk", "-1", notImage}, 2, "-topk -1"},
		{[]string{"classify", "-topk", "some", notImage}, 2, "-topk"},
		{[]string{"classify", "-model", filepath.Join(dir, "nope"), notImage}, 1, "nope: no such file or directory, and not a model name"},
		{[]string{"classify", "-model", dir, notImage}, 1, "holds neither model.json nor a .tflite file"},
		{[]string{"nonsense"}, 2, "livecam: nonsense: no such file or command (see livecam -h)\n"},
	} {
		_, errOut, code := livecam(t, tc.args...)
		if code != tc.code || !strings.Contains(errOut, tc.msg) {
			t.Errorf("%v: exit %d, stderr %q; want exit %d and %q", tc.args, code, errOut, tc.code, tc.msg)
		}
		if strings.Contains(errOut, "goroutine ") || strings.Contains(errOut, "panic") {
			t.Errorf("%v: stack dump on stderr", tc.args)
		}
	}
}

func TestMissingModelSaysHowToGetIt(t *testing.T) {
	t.Setenv(models.EnvDir, t.TempDir())
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	_, errOut, code := livecam(t, "classify", "x.png")
	if code != 1 || !strings.Contains(errOut, "livecam models fetch mobilenet_v1_0.75_224") {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
}

func TestBenchJSON(t *testing.T) {
	out, errOut, code := livecam(t, "bench", "-alpha", "0.25", "-size", "128", "-n", "5", "-json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var res benchResult
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatal(err)
	}
	if res.Model != "mobilenet_v1_0.25_128" || res.Runs != 5 || res.Threads != 1 ||
		!(res.MinMS > 0 && res.MinMS <= res.MedianMS && res.MedianMS <= res.P90MS) {
		t.Errorf("result %+v", res)
	}
}

func TestModelsList(t *testing.T) {
	useSharedModels(t)
	out, _, code := livecam(t, "models", "list")
	if code != 0 || strings.Count(out, "\nmobilenet_v1_") != 19 || strings.Count(out, " uint8 ") != 5 || strings.Count(out, " detect ") != 1 || !strings.Contains(out, filepath.Join(os.Getenv(models.EnvDir), models.Default)) {
		t.Errorf("exit %d:\n%s", code, out)
	}
}

// TestModelMustMatchItsName: a folder named as one variant but holding
// another is refused at load.
func TestModelMustMatchItsName(t *testing.T) {
	models := t.TempDir()
	w, err := randweights.New(mobilenet.Config{Alpha: 0.25, Size: 128, Classes: 1000}, 1)
	if err != nil {
		t.Fatal(err)
	}
	if err := tfjs.Save(filepath.Join(models, "mobilenet_v1_0.50_160"), w); err != nil {
		t.Fatal(err)
	}
	t.Setenv("LIVECAM_MODELS", models)
	_, errOut, code := livecam(t, "bench", "-model", "mobilenet_v1_0.50_160", "-n", "1")
	if code != 1 || !strings.Contains(errOut, "holds alpha 0.25 at 128x128, not mobilenet_v1_0.50_160 (alpha 0.50 at 160x160)") {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
}
