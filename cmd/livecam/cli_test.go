package main

import (
	"bytes"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/livecam/livecam/internal/testrig/chromium"
	"github.com/livecam/livecam/internal/testrig/shareddata"
)

func TestFlagsAfterArguments(t *testing.T) {
	var out bytes.Buffer
	fs := newFlags("x", "FILE...", &out, &out)
	n := fs.Int("n", 1, "a number")
	v := fs.Bool("v", false, "verbose")
	if err := fs.Parse([]string{"a", "-n", "3", "b", "-v", "--", "-c"}); err != nil {
		t.Fatal(err)
	}
	if *n != 3 || !*v || strings.Join(fs.Args(), " ") != "a b -c" {
		t.Errorf("n=%d v=%v args=%q; want 3, true, [a b -c]", *n, *v, fs.Args())
	}
}

func TestRepeatedFlag(t *testing.T) {
	fs := newFlags("x", "", &bytes.Buffer{}, &bytes.Buffer{})
	fs.Int("n", 1, "a number")
	var many []string
	fs.Multi("m", "repeatable", func(s string) error { many = append(many, s); return nil })
	if err := fs.Parse([]string{"-m", "a", "-m", "b", "-n", "2"}); err != nil || len(many) != 2 {
		t.Errorf("repeatable flag twice: %v, %q", err, many)
	}
	fs = newFlags("x", "", &bytes.Buffer{}, &bytes.Buffer{})
	fs.Int("n", 1, "a number")
	err := fs.Parse([]string{"-n", "1", "-n", "2"})
	if err == nil || !strings.Contains(err.Error(), "-n takes one value") {
		t.Errorf("-n twice: %v; want an error", err)
	}
	// The same through the command line: a usage error, exit 2.
	if _, errOut, code := livecam(t, "-source", "a.mp4", "-source-x", "b"); code != 2 || !strings.Contains(errOut, "-source-x") {
		t.Errorf("unknown flag: exit %d, %q", code, errOut)
	}
	if _, errOut, code := livecam(t, "classify", "-topk", "1", "-topk", "2", "x.jpg"); code != 2 || !strings.Contains(errOut, "given twice") {
		t.Errorf("classify -topk twice: exit %d, %q", code, errOut)
	}
	// A flag after a file is a flag, not a file.
	useSharedModels(t)
	if out, errOut, code := livecam(t, "classify", "../../testdata/images/demo/parrot.jpg", "-topk", "1", "-json"); code != 0 || strings.Count(out, `"class"`) != 1 {
		t.Errorf("classify FILE -topk 1 -json: exit %d, %q %q", code, out, errOut)
	}
}

// TestHelpListsEveryFlagInAGroup: livecam help flags shows the main
// job's flags in their groups (none left over under "other").
func TestHelpListsEveryFlagInAGroup(t *testing.T) {
	stdout, _, code := livecam(t, "help", "flags")
	if code != 0 {
		t.Fatalf("livecam help flags: exit %d", code)
	}
	for _, want := range []string{"usage: livecam [flags] [SOURCE...]", "\ninput:\n", "\nmodel:\n", "\noutput:\n", "\nviewer:\n", "\ntuning:\n", "\nprogress and diagnostics:\n"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("livecam -h lacks %q", want)
		}
	}
	if strings.Contains(stdout, "\nother:\n") {
		t.Errorf("flags outside any group:\n%s", stdout[strings.Index(stdout, "\nother:\n"):])
	}
	fs, _ := defineRunFlags(&bytes.Buffer{}, &bytes.Buffer{})
	fs.VisitAll(func(f *flag.Flag) {
		if !regexp.MustCompile(`\n  -` + f.Name + `[ \t\n]`).MatchString(stdout) {
			t.Errorf("-%s missing from livecam help flags", f.Name)
		}
	})
}

func TestEveryCommandAnswersHelp(t *testing.T) {
	for _, c := range commands {
		args := []string{c.name, "-h"}
		stdout, stderr, code := livecam(t, args...)
		if code != 0 || !strings.Contains(stdout+stderr, "usage: livecam "+c.name) {
			t.Errorf("livecam %s -h: exit %d, output %q", c.name, code, stdout+stderr)
		}
	}
	if stdout, _, code := livecam(t, "models", "fetch", "-h"); code != 0 || !strings.Contains(stdout, "-dest") {
		t.Errorf("livecam models fetch -h: exit %d, %q", code, stdout)
	}
	if stdout, _, code := livecam(t, "help", "report"); code != 0 || !strings.Contains(stdout, "-video") {
		t.Errorf("livecam help report: exit %d, %q", code, stdout)
	}
}

func TestVersion(t *testing.T) {
	stdout, _, code := livecam(t, "version")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{"livecam ", "commit ", runtime.Version(), "opencv   4.", "kernels  "} {
		if !strings.Contains(stdout, want) {
			t.Errorf("version lacks %q:\n%s", want, stdout)
		}
	}
}

// TestBatchFolder runs a folder holding two videos and a damaged file:
// each good video gets its annotated video, results and report in
// -out-dir and a "done" line; the bad one a "FAILED" line naming it; the
// exit status is 1.
func TestBatchFolder(t *testing.T) {
	useSharedModels(t)
	in, out := t.TempDir(), t.TempDir()
	for _, f := range []string{"shapes_320x240.avi", "shapes_copy.avi"} {
		copyFile(t, "../../testdata/videos/shapes_320x240.avi", filepath.Join(in, f))
	}
	copyFile(t, shareddata.Path(t, "videos", "garbage.mp4"), filepath.Join(in, "garbage.mp4"))
	os.WriteFile(filepath.Join(in, "notes.txt"), []byte("not a video"), 0o644)
	_, errOut, code := livecam(t, "-out-dir", out, in)
	if code != 1 {
		t.Errorf("exit %d, want 1 (one source failed):\n%s", code, errOut)
	}
	if !regexp.MustCompile(`\[1/3\] .*garbage\.mp4: FAILED: .*garbage\.mp4: not a video`).MatchString(errOut) {
		t.Errorf("no FAILED line for garbage.mp4:\n%s", errOut)
	}
	if !strings.Contains(errOut, "2 of 3 sources done") || !strings.Contains(errOut, "1 failed") {
		t.Errorf("no summary line:\n%s", errOut)
	}
	for _, base := range []string{"shapes_320x240", "shapes_copy"} {
		for _, ext := range []string{".mp4", ".jsonl", ".html"} {
			if st, err := os.Stat(filepath.Join(out, base+ext)); err != nil || st.Size() == 0 {
				t.Errorf("%s%s: %v", base, ext, err)
			}
		}
		if !regexp.MustCompile(base + `\.avi: done in`).MatchString(errOut) {
			t.Errorf("no done line for %s", base)
		}
	}
	if entries, _ := os.ReadDir(out); len(entries) != 6 {
		t.Errorf("%d files in -out-dir, want 6", len(entries))
	}
	// Run again: every source is done, so none runs, unless -overwrite.
	_, errOut, code = livecam(t, "-out-dir", out, filepath.Join(in, "shapes_*.avi"))
	if code != 0 || !strings.Contains(errOut, "livecam: 2 already done, 0 new\n") || !strings.Contains(errOut, "nothing new: all 2 sources were done already") {
		t.Errorf("second run: exit %d, want 0 with every source done already:\n%s", code, errOut)
	}
	if _, errOut, code = livecam(t, "-out-dir", out, "-overwrite", filepath.Join(in, "shapes_*.avi")); code != 0 {
		t.Errorf("-overwrite: exit %d:\n%s", code, errOut)
	}
}

func TestBatchMisuse(t *testing.T) {
	useSharedModels(t)
	in := t.TempDir()
	copyFile(t, "../../testdata/videos/shapes_320x240.avi", filepath.Join(in, "a.avi"))
	copyFile(t, "../../testdata/videos/shapes_320x240.avi", filepath.Join(in, "b.avi"))
	other := t.TempDir()
	copyFile(t, "../../testdata/videos/shapes_320x240.avi", filepath.Join(other, "a.avi"))
	for _, tc := range []struct {
		args []string
		msg  string
	}{
		{[]string{in}, "2 sources: give -out-dir DIR"},
		{[]string{"-out-dir", t.TempDir(), "-out", "x.mp4", in}, "-out cannot be used with -out-dir"},
		{[]string{"-out-dir", filepath.Join(in, "no", "pe"), in}, "its parent " + filepath.Join(in, "no") + " is not a folder that exists"},
		{[]string{"-out-dir", filepath.Join(in, "a.avi"), in}, "a regular file, not a folder"},
		{[]string{"-out-dir", t.TempDir(), in, filepath.Join(other, "a.avi")}, "would both write"},
		{[]string{"-out-dir", t.TempDir(), filepath.Join(in, "*.mkv")}, "matches no file"},
		{[]string{"-source", filepath.Join(in, "a.avi"), "-report", "r.html"}, "-report needs -results FILE"},
		{[]string{"-source", filepath.Join(in, "a.avi"), "-codec", "hevc"}, `-codec "hevc": want h264, vp9, mjpeg`},
		{[]string{"-source", filepath.Join(in, "a.avi"), "-progress", "-quiet"}, "contradict"},
	} {
		_, errOut, code := livecam(t, tc.args...)
		if code != 2 || !strings.Contains(errOut, tc.msg) {
			t.Errorf("%v: exit %d, %q; want exit 2 and %q", tc.args, code, errOut, tc.msg)
		}
	}
}

// TestProgressAndSummary: -progress draws the bar even on a pipe, with
// its percentage; by default a pipe gets no bar; both end with the
// summary of what was seen; -quiet prints neither.
func TestProgressAndSummary(t *testing.T) {
	useSharedModels(t)
	src := "../../testdata/videos/shapes_320x240.avi"
	_, errOut, code := livecam(t, "-source", src, "-progress")
	if code != 0 || !strings.Contains(errOut, "100% |") || !strings.Contains(errOut, "frames/s") {
		t.Errorf("-progress: exit %d, no bar reaching 100%%:\n%q", code, errOut)
	}
	_, errOut, _ = livecam(t, "-source", src)
	if strings.Contains(errOut, "% |") {
		t.Errorf("a bar on a pipe without -progress:\n%q", errOut)
	}
	if !strings.Contains(errOut, "what was seen") || !regexp.MustCompile(`\n  0:00\.0 - 0:\d\d\.\d  \S`).MatchString(errOut) {
		t.Errorf("no summary of what was seen:\n%s", errOut)
	}
	_, errOut, _ = livecam(t, "-source", src, "-quiet")
	if strings.Contains(errOut, "what was seen") || strings.Contains(errOut, "% |") {
		t.Errorf("-quiet still printed:\n%s", errOut)
	}
}

// TestReportOfARun writes a run's report, checks its figures against the
// results lines, and renders it in headless Chromium: a screenshot is
// taken, the page logs no console error, and the timeline chart holds one
// band per segment.
func TestReportOfARun(t *testing.T) {
	useSharedModels(t)
	dir := t.TempDir()
	video, results, page := filepath.Join(dir, "out.mp4"), filepath.Join(dir, "r.jsonl"), filepath.Join(dir, "r.html")
	_, errOut, code := livecam(t, "-source", shareddata.Path(t, "videos", "slideshow_480p_noisy.mkv"), "-out", video, "-results", results, "-report", page)
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, errOut)
	}
	data, err := os.ReadFile(results)
	if err != nil {
		t.Fatal(err)
	}
	lines := jsonLines(t, data)
	html, err := os.ReadFile(page)
	if err != nil {
		t.Fatal(err)
	}
	// Its figures, from the lines: the frame count, and each segment's
	// label among the lines' best labels.
	if !bytes.Contains(html, []byte("<b>"+itoa(len(lines))+"</b>frames")) {
		t.Errorf("the page does not say %d frames", len(lines))
	}
	best := map[string]bool{}
	for _, l := range lines {
		top := l["top"].([]any)
		label := top[0].(map[string]any)["label"].(string)
		best[strings.SplitN(label, ",", 2)[0]] = true
	}
	rows := regexp.MustCompile(`<tr><td class="num">[^<]*</td><td class="num">[^<]*</td><td><span class="sw"[^>]*></span>([^<]*)</td>`).FindAllSubmatch(html, -1)
	if len(rows) < 6 || len(rows) > 12 {
		t.Errorf("%d segments for 8 pictures", len(rows))
	}
	for _, r := range rows {
		if !best[unescape(string(r[1]))] {
			t.Errorf("segment label %q is no frame's best label", r[1])
		}
	}
	if n := bytes.Count(html, []byte(`<img class="thumb"`)); n != len(rows) {
		t.Errorf("%d thumbnails for %d segments", n, len(rows))
	}
	// In the browser.
	shot := filepath.Join(dir, "shot.png")
	r := chromium.Run(t, "file://"+page, 3*time.Second, "--screenshot="+shot, "--window-size=1200,1600")
	if st, err := os.Stat(shot); err != nil || st.Size() < 20000 {
		t.Errorf("no screenshot: %v", err)
	}
	if len(r.Console) > 0 {
		t.Errorf("console messages: %q", r.Console)
	}
	dom := chromium.Run(t, "file://"+page, 3*time.Second, "--dump-dom").DOM
	chart := regexp.MustCompile(`(?s)<figure id="timeline">.*?</figure>`).Find(dom)
	if !bytes.Contains(chart, []byte("<svg")) {
		t.Fatalf("no chart in the timeline figure")
	}
	// Each band is a filled path with the band's translucency.
	if bands := bytes.Count(chart, []byte(`fill-opacity:0.43137`)); bands != len(rows) {
		t.Errorf("%d bands in the chart for %d segments", bands, len(rows))
	}
}

func TestReportCommand(t *testing.T) {
	dir := t.TempDir()
	results := filepath.Join(dir, "run.jsonl")
	var b strings.Builder
	for i := range 50 {
		class, label, score := "281", "tabby, tabby cat", "0.9000"
		if i >= 25 {
			class, label, score = "420", "banjo", "0.8000"
		}
		b.WriteString(`{"frame":` + itoa(i) + `,"pts_ms":` + itoa(i*100) + `.0,"top":[{"class":` + class + `,"label":"` + label + `","score":` + score + `}],"inferred":true,"latency_ms":12.5,"dropped":0}` + "\n")
	}
	os.WriteFile(results, []byte(b.String()), 0o644)
	_, errOut, code := livecam(t, "report", results)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	html, err := os.ReadFile(filepath.Join(dir, "run.html"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"0:02.5", "0:05.0", ">tabby<", ">banjo<", "<b>50</b>frames", "12.5 ms"} {
		if !bytes.Contains(html, []byte(want)) {
			t.Errorf("the page lacks %q", want)
		}
	}
	// Damaged input: a clear error with the line, exit 1, no page.
	bad := filepath.Join(dir, "bad.jsonl")
	os.WriteFile(bad, []byte(b.String()[:200]+"\n{oops\n"+b.String()[200:]), 0o644)
	_, errOut, code = livecam(t, "report", bad)
	if code != 1 || !strings.Contains(errOut, "bad.jsonl:") || strings.Contains(errOut, "goroutine") {
		t.Errorf("damaged results: exit %d, %q", code, errOut)
	}
	if _, err := os.Stat(filepath.Join(dir, "bad.html")); err == nil {
		t.Error("a page was written for damaged results")
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

func unescape(s string) string {
	return strings.NewReplacer("&#39;", "'", "&amp;", "&", "&lt;", "<", "&gt;", ">", "&#34;", `"`).Replace(s)
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	data, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestNativeLogsSilenced runs livecam as a process on a camera that does
// not exist: OpenCV's own warnings ("[ WARN:0@0.08] global ...
// cap_v4l.cpp ... can't open camera by index"), written by C++ straight
// to the process's standard error, must not appear unless -v, and the
// error is one line.
func TestNativeLogsSilenced(t *testing.T) {
	for _, verbose := range []bool{false, true} {
		args := []string{"-source", "97"}
		if verbose {
			args = append(args, "-v")
		}
		cmd := exec.Command(os.Args[0], args...)
		cmd.Env = append(os.Environ(), "LIVECAM_AS_MAIN=1", "LIVECAM_MODELS="+shareddata.Path(t, "models"), "OPENCV_LOG_LEVEL=")
		out, _ := cmd.CombinedOutput()
		warned := strings.Contains(string(out), "WARN")
		switch {
		case !verbose && (warned || strings.Count(strings.TrimSpace(string(out)), "\n") != 0):
			t.Errorf("without -v: want one line, got:\n%s", out)
		case verbose && !warned:
			t.Logf("with -v OpenCV said nothing here (no V4L2 or GStreamer warning to show):\n%s", out)
		}
	}
}

// TestConfigOutDirNamesTheFile: an out_dir in a cameras file that is
// missing is created when its parent exists, and refused naming the
// file, its line and out_dir (not the -out-dir or -config flags the user
// never gave) when its parent is missing too; -out-dir on the command
// line wins over it, and is created the same way.
func TestConfigOutDirNamesTheFile(t *testing.T) {
	dir := t.TempDir()
	config := filepath.Join(dir, "cameras.yaml")
	nomodel := filepath.Join(dir, "nomodel") // the run stops there, after the folders
	missing := filepath.Join(dir, "no", "out")
	os.WriteFile(config, []byte("workers: 1\nout_dir: "+missing+"\ncameras:\n  - name: a\n    source: \"0\"\n  - name: b\n    source: \"1\"\n"), 0o644)
	_, errOut, code := livecam(t, "-config", config, "-model", nomodel)
	want := config + ": line 2: out_dir " + missing + ": its parent " + filepath.Dir(missing) + " is not a folder"
	if code != 2 || !strings.Contains(errOut, want) || strings.Contains(errOut, "-out-dir") || strings.Contains(errOut, "-config") {
		t.Errorf("exit %d, %q; want 2 and %q", code, errOut, want)
	}
	_, errOut, _ = livecam(t, "-config", config, "-model", nomodel, "-out-dir", filepath.Join(dir, "also", "missing"))
	if !strings.Contains(errOut, "-out-dir "+filepath.Join(dir, "also", "missing")+": its parent ") {
		t.Errorf("-out-dir given: %q", errOut)
	}
	if _, err := os.Stat(filepath.Dir(missing)); err == nil {
		t.Errorf("%s was created: only the folder itself may be, never its parents", filepath.Dir(missing))
	}
	for _, tc := range []struct{ outDir, flag string }{{filepath.Join(dir, "from-file"), ""}, {filepath.Join(dir, "from-flag"), filepath.Join(dir, "from-flag")}} {
		os.WriteFile(config, []byte("out_dir: "+tc.outDir+"\ncameras:\n  - name: a\n    source: \"0\"\n"), 0o644)
		args := []string{"-config", config, "-model", nomodel}
		if tc.flag != "" {
			args = append(args, "-out-dir", tc.flag)
		}
		_, errOut, _ := livecam(t, args...)
		if st, err := os.Stat(tc.outDir); err != nil || !st.IsDir() || !strings.Contains(errOut, "nomodel") {
			t.Errorf("%v: %s not created (%v), or the run did not go on to the model: %q", args, tc.outDir, err, errOut)
		}
	}
}
