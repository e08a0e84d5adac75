package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/livecam/livecam/internal/testrig/mjpegtest"
	"github.com/livecam/livecam/internal/testrig/mosquittotest"
	"github.com/livecam/livecam/internal/testrig/shareddata"
	"github.com/livecam/livecam/sink/jsonl"
)

// TestCamerasFromConfig runs two cameras from a config file, sharing the
// model and its workers, each with its own settings and outputs: every
// frame of each is in its own results, the top-1 camera's results carry
// one class per frame, and each gets its line of statistics and its
// story.
func TestCamerasFromConfig(t *testing.T) {
	useSharedModels(t)
	dir := t.TempDir()
	shapes, _ := filepath.Abs("../../testdata/videos/shapes_320x240.avi")
	vga := shareddata.Path(t, "videos", "short_vga.avi")
	conf := filepath.Join(dir, "cameras.yaml")
	os.WriteFile(conf, []byte(`workers: 2
cameras:
  - name: shapes
    source: `+shapes+`
    results: `+filepath.Join(dir, "shapes.jsonl")+`
  - name: vga
    source: `+vga+`
    topk: 1
    results: `+filepath.Join(dir, "vga.jsonl")+`
    events: `+filepath.Join(dir, "vga-events.jsonl")+`
`), 0o644)
	_, errOut, code := livecam(t, "-config", conf, "-topk", "3")
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, errOut)
	}
	for _, tc := range []struct {
		camera      string
		frames, top int
	}{{"shapes", 45, 3}, {"vga", 60, 1}} {
		lines := readLines(t, filepath.Join(dir, tc.camera+".jsonl"))
		if len(lines) != tc.frames {
			t.Errorf("%s: %d results, want %d", tc.camera, len(lines), tc.frames)
		}
		if n := strings.Count(lines[len(lines)-1], `"class"`); n != tc.top {
			t.Errorf("%s: %d classes per result, want %d: %s", tc.camera, n, tc.top, lines[len(lines)-1])
		}
		if !regexp.MustCompile(`livecam: ` + tc.camera + `: \d+ in, \d+ out, 0 dropped, \d+ inferences`).MatchString(errOut) {
			t.Errorf("no statistics line for %s:\n%s", tc.camera, errOut)
		}
		if !strings.Contains(errOut, "livecam: "+tc.camera+": what was seen") {
			t.Errorf("no story for %s:\n%s", tc.camera, errOut)
		}
	}
	if ev := readLines(t, filepath.Join(dir, "vga-events.jsonl")); len(ev) < 2 {
		t.Errorf("%d events for a video of three scenes", len(ev))
	}
}

// TestCamerasNamedSources: NAME=SOURCE arguments with -out-dir give each
// camera NAME.mp4, NAME.jsonl and NAME.events.jsonl; a camera that cannot
// be opened is reported by name, the others run, and the exit status
// says one failed.
func TestCamerasNamedSources(t *testing.T) {
	useSharedModels(t)
	out := t.TempDir()
	shapes := "../../testdata/videos/shapes_320x240.avi"
	_, errOut, code := livecam(t, "-out-dir", out, "-source", "left="+shapes, "-source", "right="+shapes,
		"-source", "broken="+shareddata.Path(t, "videos", "garbage.mp4"))
	if code != 1 {
		t.Errorf("exit %d, want 1 (one camera failed):\n%s", code, errOut)
	}
	if !regexp.MustCompile(`livecam: broken: FAILED: .*garbage\.mp4`).MatchString(errOut) || !strings.Contains(errOut, "1 of 3 cameras failed") {
		t.Errorf("the broken camera is not reported:\n%s", errOut)
	}
	for _, name := range []string{"left", "right"} {
		for _, ext := range []string{".mp4", ".jsonl"} {
			if st, err := os.Stat(filepath.Join(out, name+ext)); err != nil || st.Size() == 0 {
				t.Errorf("%s%s: %v", name, ext, err)
			}
		}
		if n := len(readLines(t, filepath.Join(out, name+".jsonl"))); n != 45 {
			t.Errorf("%s: %d results, want 45", name, n)
		}
	}
}

// TestCamerasMisuse: mistakes in a multi-camera run are refused before
// anything runs (exit 2), each with a message that names the problem.
func TestCamerasMisuse(t *testing.T) {
	useSharedModels(t)
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("cameras:\n  - name: door\n    source: 0\n    fsp: 2\n"), 0o644)
	dup := filepath.Join(dir, "dup.yaml")
	os.WriteFile(dup, []byte("cameras:\n  - name: a\n    source: 0\n    results: x.jsonl\n  - name: b\n    source: 1\n    results: x.jsonl\n"), 0o644)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-config", bad}, `bad.yaml: [4:5] unknown field "fsp"`},
		{[]string{"-config", filepath.Join(dir, "none.yaml")}, "none.yaml: no such file"},
		{[]string{"-config", bad, "-source", "0"}, "give no -source with it"},
		{[]string{"-source", "a=0", "-source", "b=1", "-out", filepath.Join(dir, "x.mp4")}, "-out names one output"},
		{[]string{"-source", "a=0", "-source", "clip.mp4"}, "give every source a name"},
		{[]string{"-source", "a=0", "-source", "a=1"}, "two cameras named a"},
		{[]string{"-config", dup}, "cameras a and b would both write x.jsonl"},
	} {
		_, errOut, code := livecam(t, tc.args...)
		if code != 2 || !strings.Contains(errOut, tc.want) {
			t.Errorf("livecam %q: exit %d, %q; want 2 and %q", tc.args, code, errOut, tc.want)
		}
	}
}

// readLines returns a file's lines, without the last newline.
func readLines(t *testing.T, path string) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	if jsonl.IsEnd([]byte(lines[len(lines)-1])) {
		lines = lines[:len(lines)-1] // a whole run's closing line: no frame's
	}
	return lines
}

// TestCamerasMQTT: two cameras on one broker connection, with every
// result published: each camera's events arrive under its own name,
// identical to its events file, as do all its results; each camera is
// online once, then offline once.
func TestCamerasMQTT(t *testing.T) {
	useSharedModels(t)
	b := mosquittotest.Start(t, nil)
	sub := mosquittotest.Subscribe(t, b.URL())
	out := t.TempDir()
	shapes := "../../testdata/videos/shapes_320x240.avi"
	vga := shareddata.Path(t, "videos", "short_vga.avi")
	_, errOut, code := livecam(t, "-quiet", "-out-dir", out, "-source", "shapes="+shapes, "-source", "vga="+vga,
		"-mqtt", b.URL(), "-mqtt-results")
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, errOut)
	}
	for _, cam := range []string{"shapes", "vga"} {
		want := readLines(t, filepath.Join(out, cam+".events.jsonl"))
		if got := sub.Payloads("livecam/"+cam+"/events", len(want)); strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("%s: MQTT events differ from the file's:\n got %q\nwant %q", cam, got, want)
		}
		results := readLines(t, filepath.Join(out, cam+".jsonl"))
		if got := sub.Payloads("livecam/"+cam+"/results", len(results)); len(got) != len(results) {
			t.Errorf("%s: %d results published of %d", cam, len(got), len(results))
		}
	}
	for _, cam := range []string{"shapes", "vga"} {
		if avail := sub.Matching("livecam/"+cam+"/availability/+", 2); strings.Join(avail, " ") != "online offline" {
			t.Errorf("%s availability %q, want online then offline", cam, avail)
		}
	}
}

// TestCameraAwayAtStart: a network camera that does not answer when
// livecam starts is tried again while the other camera runs, and once it
// answers it is labelled like the other: its results fill, the viewer's
// /healthz names it until then, and a stop ends both with status 0.
func TestCameraAwayAtStart(t *testing.T) {
	srv, err := mjpegtest.Start(320, 240, 25)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop()
	srv.Stop() // the camera is away
	out := t.TempDir()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	cmd, stderr, done := startLivecam(t, "-out-dir", out, "-serve", addr, "-reconnect", "1s",
		"-source", "door=../../testdata/videos/shapes_320x240.avi", "-source", "yard="+srv.URL(), "-realtime", "-loop")
	health := func() string {
		resp, err := http.Get("http://" + addr + "/healthz")
		if err != nil {
			return err.Error()
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return fmt.Sprint(resp.StatusCode, " ", string(b))
	}
	// The camera was tried again, and is still away.
	waitFor(t, 10*time.Second, stderr, func() bool { return strings.Contains(stderr.String(), "yard: still cannot open (attempt 2)") }, "second attempt")
	// The other camera's first frame may come after the second attempt
	// (250 ms in): wait for it, while the away camera stays named.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		h := health()
		if !strings.HasPrefix(h, "503") || !strings.Contains(h, "yard: no frame yet") {
			t.Fatalf("healthz with the camera away: %q", h)
		}
		if !strings.Contains(h, "door") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the camera that answers never showed a frame: %q\n%s", h, stderr)
		}
	}
	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(15 * time.Second); !strings.HasPrefix(health(), "200"); time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the camera never came in: %q\n%s", health(), stderr)
		}
	}
	// Until the late camera has had 10 frames.
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		resp, err := http.Get("http://" + addr + "/cameras/yard/status.json")
		if err != nil {
			t.Fatal(err)
		}
		var st struct{ Frames int }
		json.NewDecoder(resp.Body).Decode(&st)
		resp.Body.Close()
		if st.Frames >= 10 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the late camera has %d frames after 20 s:\n%s", st.Frames, stderr)
		}
	}
	cmd.Process.Signal(syscall.SIGINT)
	select {
	case err := <-done:
		if code := exitCode(err); code != 0 {
			t.Errorf("exit %d:\n%s", code, stderr)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("still running 10 s after SIGINT:\n%s", stderr)
	}
	if !strings.Contains(stderr.String(), "yard: cannot open yet") || !regexp.MustCompile(`yard: opened \(attempt \d+\)`).MatchString(stderr.String()) {
		t.Errorf("no word of the camera opening:\n%s", stderr)
	}
	// A live camera's video is in segments, in its own folder, its
	// results beside each segment (each file with its closing line).
	res, _ := filepath.Glob(filepath.Join(out, "yard", "20*", "*.results.jsonl"))
	if len(res) == 0 {
		t.Fatalf("the live camera's results: none in %s/yard", out)
	}
	if segs, _ := filepath.Glob(filepath.Join(out, "yard", "20*", "*.mp4")); len(segs) == 0 {
		t.Errorf("no segment of the live camera's recording in %s/yard", out)
	}
	// Every frame the late camera's pipeline gave out has its line in
	// the results: as many lines (readLines leaves out each file's
	// closing line) as its summary's "N out", at least the 10 the viewer
	// counted.
	n := 0
	for _, r := range res {
		n += len(readLines(t, r))
	}
	m := regexp.MustCompile(`yard: (\d+) in, (\d+) out, (\d+) dropped`).FindStringSubmatch(stderr.String())
	if m == nil {
		t.Fatalf("no counts of the camera that came late:\n%s", stderr)
	}
	in, _ := strconv.Atoi(m[1])
	outN, _ := strconv.Atoi(m[2])
	dropped, _ := strconv.Atoi(m[3])
	if n != outN || outN < 10 || in != outN+dropped {
		t.Errorf("%d results of the camera that came late, for %d in, %d out, %d dropped; want one per frame out, at least 10:\n%s",
			n, in, outN, dropped, stderr)
	}
}

// TestCameraErrorsShownSafely: cameras that cannot be opened, one a URL
// with credentials, one a file name with an escape sequence in it
// (which would clear the terminal), are reported on one line each, without the secret and
// without the control characters; the other camera runs, and the exit
// status says some failed.
func TestCameraErrorsShownSafely(t *testing.T) {
	useSharedModels(t)
	out := t.TempDir()
	_, errOut, code := livecam(t, "-quiet", "-out-dir", out, "-reconnect", "0",
		"-source", "door=../../testdata/videos/shapes_320x240.avi",
		"-source", "yard=http://admin:SECRET@127.0.0.1:1/cam.mjpg?usr=admin&pwd=SECRET",
		"-source", "gate=no-such\x1b[2J.mp4")
	if code == 0 {
		t.Errorf("exit 0 with two cameras failed:\n%s", errOut)
	}
	if strings.Contains(errOut, "SECRET") || strings.Contains(errOut, "\x1b") {
		t.Errorf("the log shows a secret or a control character:\n%q", errOut)
	}
	for _, want := range []string{"livecam: yard: FAILED: ", `livecam: gate: FAILED: no-such\x1b[2J.mp4`} {
		if !strings.Contains(errOut, want) {
			t.Errorf("no %q in the log:\n%s", want, errOut)
		}
	}
}
