package main

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/livecam/livecam/fleet"
	"github.com/livecam/livecam/internal/batch"
	"github.com/livecam/livecam/internal/testrig/mjpegtest"
	"github.com/livecam/livecam/internal/testrig/natstest"
	"github.com/livecam/livecam/internal/testrig/shareddata"
	"github.com/livecam/livecam/sink/jsonl"
)

const bundled = "../../testdata/videos/shapes_320x240.avi"

// probeFrames returns the number of frames ffprobe decodes from a video,
// failing the test when it cannot read it.
func probeFrames(t *testing.T, path string) int {
	t.Helper()
	out, err := exec.Command("ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0",
		"-show_entries", "stream=nb_read_frames", "-of", "csv=p=0", path).Output()
	if err != nil {
		t.Fatalf("ffprobe cannot read %s: %v", path, err)
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(out)))
	if err != nil {
		t.Fatalf("ffprobe %s: %q", path, out)
	}
	return n
}

// jsonLines checks that data is complete JSON lines only and returns them.
func jsonLines(t *testing.T, data []byte) []map[string]any {
	t.Helper()
	if len(data) > 0 && data[len(data)-1] != '\n' {
		t.Errorf("the results end in a cut line: %q", data[max(0, len(data)-80):])
	}
	var lines []map[string]any
	all := bytes.Split(bytes.TrimSuffix(data, []byte("\n")), []byte("\n"))
	if _, ok := jsonl.ParseEnd(all[len(all)-1]); ok {
		all = all[:len(all)-1] // a whole run's closing line: no frame's
	}
	for i, l := range all {
		if len(l) == 0 {
			continue
		}
		var v map[string]any
		if err := json.Unmarshal(l, &v); err != nil {
			t.Fatalf("line %d is not JSON (%v): %q", i+1, err, l)
		}
		lines = append(lines, v)
	}
	return lines
}

// snapshot maps every file below dir to its contents.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	files := map[string]string{}
	filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err == nil && info.Mode().IsRegular() {
			b, _ := os.ReadFile(p)
			files[p] = string(b)
		}
		return nil
	})
	return files
}

// assertUnchanged fails when any file below dir was created, removed or
// changed since before was taken.
func assertUnchanged(t *testing.T, what, dir string, before map[string]string) {
	t.Helper()
	after := snapshot(t, dir)
	for p, b := range before {
		if a, ok := after[p]; !ok {
			t.Errorf("%s: %s was removed", what, p)
		} else if a != b {
			t.Errorf("%s: %s was changed (%d bytes, was %d)", what, p, len(a), len(b))
		}
	}
	for p := range after {
		if _, ok := before[p]; !ok {
			t.Errorf("%s: %s was created", what, p)
		}
	}
}

// TestOutputsNeverDestroyInputs names the source video (and the model) as
// an output, through every spelling and link, and names one file for both
// outputs: each is refused before anything is written, with or without
// -overwrite, and no file changes.
func TestOutputsNeverDestroyInputs(t *testing.T) {
	// The model is a copy: were the check to fail, -overwrite would
	// replace the model file it names, and the shared one must never be
	// at risk (a run as root ignores its read-only mode).
	models, modelDir := copyModel(t)
	t.Setenv("LIVECAM_MODELS", models)
	dir := t.TempDir()
	src := filepath.Join(dir, "in.avi")
	data, err := os.ReadFile(bundled)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(src, data, 0o644)
	os.Symlink("in.avi", filepath.Join(dir, "link.avi"))
	os.Link(src, filepath.Join(dir, "hard.avi"))
	os.Mkdir(filepath.Join(dir, "sub"), 0o755)
	modelJSON := filepath.Join(modelDir, "model.json")
	before := snapshot(t, dir)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-out", src}, "is the input"},
		{[]string{"-results", src}, "is the input"},
		{[]string{"-results", filepath.Join(dir, "sub", "..", "in.avi")}, "is the input"},
		{[]string{"-out", filepath.Join(dir, "link.avi")}, "is the input"},
		{[]string{"-results", filepath.Join(dir, "hard.avi")}, "is the input"},
		{[]string{"-results", modelJSON}, "is the input"},
		{[]string{"-out", filepath.Join(dir, "x.mp4"), "-results", filepath.Join(dir, "sub", "..", "x.mp4")}, "are the same file"},
	} {
		for _, overwrite := range []bool{false, true} {
			args := append([]string{"-source", src}, tc.args...)
			if overwrite {
				args = append(args, "-overwrite")
			}
			_, errOut, code := livecam(t, args...)
			if code == 0 || !strings.Contains(errOut, tc.want) {
				t.Errorf("%v: exit %d, want a refusal saying %q:\n%s", args, code, tc.want, errOut)
			}
			if strings.Contains(errOut, "pass -overwrite") {
				t.Errorf("%v: the refusal suggests -overwrite, which would not help:\n%s", args, errOut)
			}
			if strings.Contains(errOut, "file mode") {
				t.Errorf("%v: the run started", args)
			}
		}
	}
	assertUnchanged(t, "refused outputs", dir, before)
	if st, _ := os.Stat(modelJSON); st.Size() == 0 {
		t.Fatal("model.json was truncated")
	}
}

// TestFailedStartKeepsOutputs: earlier outputs survive every way a run can
// fail to start (a missing source, a busy -serve port, -display without a
// display, an existing output without -overwrite); with -overwrite a run
// that works replaces them, atomically, leaving no partial file.
func TestFailedStartKeepsOutputs(t *testing.T) {
	useSharedModels(t)
	t.Setenv("DISPLAY", "")
	t.Setenv("WAYLAND_DISPLAY", "")
	dir := t.TempDir()
	out, results := filepath.Join(dir, "out.mp4"), filepath.Join(dir, "r.jsonl")
	os.WriteFile(out, []byte("earlier video"), 0o644)
	os.WriteFile(results, []byte("{\"earlier\":1}\n"), 0o644)
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	before := snapshot(t, dir)
	outs := []string{"-out", out, "-results", results}
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"missing source", []string{"-source", filepath.Join(dir, "typo.mp4"), "-overwrite"}, "no such file"},
		{"busy port", []string{"-source", bundled, "-serve", busy.Addr().String(), "-overwrite"}, "address already in use"},
		{"no display", []string{"-source", bundled, "-display", "-overwrite"}, "no display"},
		{"exists", []string{"-source", bundled}, "exists, and replacing it was not asked for; pass -overwrite to replace it"},
	} {
		_, errOut, code := livecam(t, append(tc.args, outs...)...)
		if code == 0 || !strings.Contains(errOut, tc.want) {
			t.Errorf("%s: exit %d, want an error saying %q:\n%s", tc.name, code, tc.want, errOut)
		}
		assertUnchanged(t, tc.name, dir, before)
	}
	_, errOut, code := livecam(t, append([]string{"-source", bundled, "-overwrite"}, outs...)...)
	if code != 0 {
		t.Fatalf("-overwrite: exit %d:\n%s", code, errOut)
	}
	if n := probeFrames(t, out); n != 45 {
		t.Errorf("the new video holds %d frames, want 45", n)
	}
	got, _ := os.ReadFile(results)
	if n := len(jsonLines(t, got)); n != 45 {
		t.Errorf("%d result lines, want 45", n)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 2 {
		t.Errorf("the folder holds %d files after the run, want the 2 outputs: %v", len(entries), entries)
	}
}

// TestStopSignalsFinishOutputs: SIGHUP (a closed terminal or ssh session)
// and SIGQUIT stop a live run as cleanly as SIGINT: exit 0, no goroutine
// dump, a complete video and results under their final names.
func TestStopSignalsFinishOutputs(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGHUP, syscall.SIGQUIT} {
		t.Run(sig.String(), func(t *testing.T) {
			dir := t.TempDir()
			video, results := filepath.Join(dir, "out.mp4"), filepath.Join(dir, "r.jsonl")
			cmd, stderr, done := startLivecam(t, "-source", bundled, "-loop", "-realtime", "-out", video, "-results", results)
			waitFor(t, 20*time.Second, stderr, func() bool { return partialLines(results) >= 15 }, "15 lines of results")
			cmd.Process.Signal(sig)
			var err error
			select {
			case err = <-done:
			case <-time.After(5 * time.Second):
				cmd.Process.Kill()
				t.Fatalf("still running 5 s after %v:\n%s", sig, stderr)
			}
			if code := exitCode(err); code != 0 || strings.Contains(stderr.String(), "goroutine ") {
				t.Fatalf("exit %d after %v:\n%s", code, sig, stderr)
			}
			n := probeFrames(t, video)
			data, err := os.ReadFile(results)
			if err != nil {
				t.Fatal(err)
			}
			// One result line per frame processed; in live mode the
			// video repeats frames over the gaps of dropped ones.
			m := regexp.MustCompile(`(\d+) out, (\d+) dropped`).FindStringSubmatch(stderr.String())
			if m == nil {
				t.Fatalf("no frame counts:\n%s", stderr)
			}
			processed, _ := strconv.Atoi(m[1])
			dropped, _ := strconv.Atoi(m[2])
			if lines := len(jsonLines(t, data)); lines != processed || n < processed || n > processed+dropped+1 || n < 10 {
				t.Errorf("%d frames in the video, %d result lines, %d frames processed, %d dropped", n, lines, processed, dropped)
			}
		})
	}
}

// partialFile returns the one partial file livecam left for target, or
// fails.
func partialFile(t *testing.T, target string) string {
	t.Helper()
	ext := filepath.Ext(target)
	m, _ := filepath.Glob(strings.TrimSuffix(target, ext) + ".partial-*" + ext)
	if len(m) != 1 {
		t.Fatalf("want one partial file for %s, found %v", target, m)
	}
	return m[0]
}

// TestKillKeepsWhatWasWritten: kill -9 during a live run leaves the video
// playable with every frame written (ffmpeg, in its own process group,
// finishes it when its input ends) and the results holding only complete
// lines, every line that reached the file before the kill kept. Killing ffmpeg too (as a power
// cut would) still leaves a video that plays up to its last fragment.
func TestKillKeepsWhatWasWritten(t *testing.T) {
	for _, both := range []bool{false, true} {
		t.Run(map[bool]string{false: "livecam", true: "livecam and ffmpeg"}[both], func(t *testing.T) {
			dir := t.TempDir()
			video, results := filepath.Join(dir, "out.mp4"), filepath.Join(dir, "r.jsonl")
			cmd, stderr, done := startLivecam(t, "-source", bundled, "-loop", "-realtime", "-out", video, "-results", results)
			// Lines reach the file while the run goes on (jsonl writes
			// what is pending every FlushEvery): wait for 60 of them, 4 s
			// at 15 fps on a quiet machine, however slow this one is; a
			// writer that kept its lines until the end never gets there.
			var lines int
			for deadline := time.Now().Add(60 * time.Second); lines < 60; time.Sleep(100 * time.Millisecond) {
				if time.Now().After(deadline) {
					t.Fatalf("after 60 s the results file holds %d lines:\n%s", lines, stderr)
				}
				if m, _ := filepath.Glob(strings.TrimSuffix(results, ".jsonl") + ".partial-*.jsonl"); len(m) == 1 {
					data, _ := os.ReadFile(m[0])
					lines = len(jsonLines(t, data))
				}
			}
			encoder := childRunning(cmd.Process.Pid, "pipe:0") // the encoder reads its frames from stdin
			if encoder == 0 {
				t.Fatalf("no encoder process under livecam:\n%s", stderr)
			}
			if both {
				syscall.Kill(encoder, syscall.SIGKILL)
			}
			cmd.Process.Kill()
			<-done
			waitExited(t, encoder, 10*time.Second) // ffmpeg finishes the file, then exits
			if _, err := os.Stat(video); err == nil {
				t.Errorf("a killed run left a file under the final name")
			}
			n := probeFrames(t, partialFile(t, video))
			data, _ := os.ReadFile(partialFile(t, results))
			got := len(jsonLines(t, data))
			t.Logf("%d frames in the video, %d result lines", n, got)
			if got < lines || got < 60 {
				t.Errorf("%d result lines after the kill", got)
			}
			if both && n < 30 || !both && n < got {
				t.Errorf("the video holds %d frames (%d result lines):\n%s", n, got, stderr)
			}
		})
	}
}

// TestResultsReaderGoesAway: with -results - read by `head -n 3`, the
// closed pipe ends that output with one warning; the run, its video and
// its exit status are unaffected.
func TestResultsReaderGoesAway(t *testing.T) {
	if testing.Short() {
		t.Skip("a whole video through a reader that leaves or stalls (15-19 s): make check runs it")
	}
	dir := t.TempDir()
	video := filepath.Join(dir, "out.mp4")
	sh := exec.Command("sh", "-c", `{ "$0" -source "$1" -results - -out "$2"; echo "exit $?" >&2; } | head -n 3 >/dev/null`,
		os.Args[0], shareddata.Path(t, "videos", "slideshow_720p.mp4"), video)
	sh.Env = append(os.Environ(), "LIVECAM_AS_MAIN=1", "LIVECAM_MODELS="+shareddata.Path(t, "models"))
	var stderr bytes.Buffer
	sh.Stderr = &stderr
	if err := sh.Run(); err != nil {
		t.Fatalf("%v:\n%s", err, stderr.String())
	}
	e := stderr.String()
	if !strings.Contains(e, "exit 0") || strings.Count(e, "standard output: the reader closed it") != 1 {
		t.Errorf("want exit 0 and one warning:\n%s", e)
	}
	if n := probeFrames(t, video); n != 720 {
		t.Errorf("the video holds %d frames, want 720", n)
	}
}

// TestStuckResultsReader: a FIFO whose reader never reads, and one nobody
// opens, end the results output with a warning; the run and its video
// complete, and an interrupt while the reader is stuck stops at once.
func TestStuckResultsReader(t *testing.T) {
	if testing.Short() {
		t.Skip("a whole video through a reader that leaves or stalls (15-19 s): make check runs it")
	}
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	slideshow := shareddata.Path(t, "videos", "slideshow_720p.mp4")
	t.Run("nobody opens it", func(t *testing.T) {
		useSharedModels(t)
		video := filepath.Join(dir, "a.mp4")
		_, errOut, code := livecam(t, "-source", bundled, "-results", fifo, "-out", video)
		if code != 0 || !strings.Contains(errOut, "nobody is reading this FIFO") {
			t.Errorf("exit %d:\n%s", code, errOut)
		}
		if n := probeFrames(t, video); n != 45 {
			t.Errorf("the video holds %d frames, want 45", n)
		}
	})
	t.Run("never read", func(t *testing.T) {
		r, err := os.OpenFile(fifo, os.O_RDONLY|syscall.O_NONBLOCK, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		video := filepath.Join(dir, "b.mp4")
		cmd := exec.Command(os.Args[0], "-source", slideshow, "-results", fifo, "-out", video)
		cmd.Env = append(os.Environ(), "LIVECAM_AS_MAIN=1", "LIVECAM_MODELS="+shareddata.Path(t, "models"))
		out, err := cmd.CombinedOutput()
		if exitCode(err) != 0 || !strings.Contains(string(out), "the reader took nothing for") {
			t.Errorf("exit %d:\n%s", exitCode(err), out)
		}
		if n := probeFrames(t, video); n != 720 {
			t.Errorf("the video holds %d frames, want 720", n)
		}
	})
	t.Run("interrupted while stuck", func(t *testing.T) {
		r, err := os.OpenFile(fifo, os.O_RDONLY|syscall.O_NONBLOCK, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		video := filepath.Join(dir, "c.mp4")
		cmd, stderr, done := startLivecam(t, "-source", slideshow, "-realtime", "-results", fifo, "-out", video)
		// The smallest pipe fills with two seconds of lines.
		if _, err := unix.FcntlInt(r.Fd(), unix.F_SETPIPE_SZ, 4096); err != nil {
			t.Fatal(err)
		}
		// Wait for the pipe to hold lines, then for the next flush to
		// block: the writer is stuck for the whole of its 5 s allowance.
		// Any byte will do: a one-page pipe can be full holding a single
		// short write (its one buffer slot taken), so waiting for 2 KiB
		// sometimes waited for ever while livecam was already stuck.
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
			if n, _ := unix.IoctlGetInt(int(r.Fd()), unix.TIOCINQ); n > 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("no lines reached the FIFO:\n%s", stderr)
			}
		}
		time.Sleep(time.Second)
		sent := time.Now()
		cmd.Process.Signal(syscall.SIGINT)
		select {
		case err := <-done:
			took := time.Since(sent)
			t.Logf("stopped %v after the interrupt", took)
			// The video was cut short: status 130, the video under
			// its partial name.
			if code := exitCode(err); code != 130 || took > 2500*time.Millisecond {
				t.Errorf("exit %d after %v, want 130 within 2.5 s:\n%s", code, took, stderr)
			}
		case <-time.After(8 * time.Second):
			cmd.Process.Kill()
			t.Fatalf("still running 8 s after the interrupt:\n%s", stderr)
		}
		if n := probeFrames(t, partialFile(t, video)); n < 30 {
			t.Errorf("the video holds %d frames", n)
		}
	})
}

// TestAbsurdFlags: every numeric flag has a range, NaN included, and the
// error names the flag; nothing runs.
func TestAbsurdFlags(t *testing.T) {
	useSharedModels(t)
	for _, args := range [][]string{
		{"-smooth", "NaN"}, {"-smooth", "1.5"}, {"-fps", "NaN"}, {"-fps", "-1"}, {"-fps", "Inf"},
		{"-threshold", "-1"}, {"-threshold", "NaN"}, {"-reconnect", "-1s"}, {"-reconnect", "1000h"},
		{"-workers", "1000"}, {"-workers", "-1"}, {"-threads", "0"}, {"-every", "0"}, {"-topk", "11"},
		{"-serve-max-viewers", "0"},
	} {
		_, errOut, code := livecam(t, append([]string{"-source", bundled}, args...)...)
		if code != 2 || !strings.Contains(errOut, "usage: "+args[0]+" ") || !strings.Contains(errOut, ": want") || strings.Contains(errOut, "file mode") {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 naming the flag", args, code, errOut)
		}
	}
}

// TestSourceSpelling: an existing file always wins over the other
// spellings, an unreadable file says so, and a name that is nothing says
// what was tried; a stream URL's password never appears in messages.
func TestSourceSpelling(t *testing.T) {
	useSharedModels(t)
	dir := t.TempDir()
	data, err := os.ReadFile(bundled)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"2024", "Wow!.mp4", "a ! b.avi"} {
		path := filepath.Join(dir, name)
		os.WriteFile(path, data, 0o644)
		shareddata.Chdir(t, dir)
		_, errOut, code := livecam(t, "-source", name)
		if code != 0 || !strings.Contains(errOut, name+" (320x240") || !strings.Contains(errOut, "file mode") {
			t.Errorf("-source %q: exit %d, not read as the file:\n%s", name, code, errOut)
		}
	}
	for _, tc := range []struct{ spec, want string }{
		{"no-such-thing", "no-such-thing: no such file (nor a camera index, stream URL or GStreamer pipeline)"},
		{"4711", "camera 4711: no such camera, or it cannot be opened (and there is no file named 4711)"},
		{"http://user:s3cret@127.0.0.1:1/cam", "http://user:xxxxx@127.0.0.1:1/cam: cannot open the stream"},
	} {
		_, errOut, code := livecam(t, "-source", tc.spec)
		if code != 1 || !strings.Contains(errOut, tc.want) || strings.Contains(errOut, "s3cret") {
			t.Errorf("-source %q: exit %d, stderr %q; want %q", tc.spec, code, errOut, tc.want)
		}
	}
}

// TestUnreadableSource runs livecam as an unprivileged user on a file it
// may not read: "permission denied", not "damaged".
func TestUnreadableSource(t *testing.T) {
	if os.Geteuid() != 0 {
		shareddata.Need(t, "needs root to run livecam as another user")
	}
	dir, err := os.MkdirTemp("", "unreadable")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	os.Chmod(dir, 0o755)
	src := filepath.Join(dir, "private.avi")
	data, _ := os.ReadFile(bundled)
	os.WriteFile(src, data, 0o600)
	self := filepath.Join(dir, "livecam.test")
	exe, _ := os.ReadFile(os.Args[0])
	os.WriteFile(self, exe, 0o755)
	// A model nobody may read, whatever the permissions of the checkout.
	_, model := copyModel(t)
	mine := filepath.Join(dir, "model")
	os.Mkdir(mine, 0o755)
	entries, _ := os.ReadDir(model)
	for _, e := range entries {
		data, _ := os.ReadFile(filepath.Join(model, e.Name()))
		os.WriteFile(filepath.Join(mine, e.Name()), data, 0o644)
	}
	cmd := exec.Command(self, "-source", src, "-model", mine)
	cmd.Env = append(os.Environ(), "LIVECAM_AS_MAIN=1")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	out, err := cmd.CombinedOutput()
	if exitCode(err) != 1 || !strings.Contains(string(out), "private.avi: permission denied") {
		t.Errorf("exit %d:\n%s", exitCode(err), out)
	}
}

// copyModel copies the shared default model into a new models folder and
// returns that folder and the model's.
func copyModel(t *testing.T) (models, dir string) {
	t.Helper()
	src := shareddata.Path(t, "models", "mobilenet_v1_0.75_224")
	models = t.TempDir()
	dir = filepath.Join(models, "mobilenet_v1_0.75_224")
	os.Mkdir(dir, 0o755)
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dir, e.Name()), data, 0o644)
	}
	return models, dir
}

// TestDamagedInstalledModel: the default model with its kernels shuffled
// (same size, same shapes, plausible values) is refused at load, naming
// the shard; so are shards that are a FIFO or a link to an endless device,
// without hanging or reading more than the shard should hold.
func TestDamagedInstalledModel(t *testing.T) {
	for _, tc := range []struct {
		name   string
		damage func(shard string)
		want   string
	}{
		{"shuffled", func(shard string) {
			data, _ := os.ReadFile(shard)
			n := len(data) / 4
			for i := 0; i < n/2; i++ { // swap the two halves, float by float
				j := n/2 + i
				copy(data[4*i:4*i+4], data[4*j:4*j+4])
			}
			os.WriteFile(shard, data, 0o644)
		}, "group1-shard1of1: SHA-256"},
		{"fifo", func(shard string) { os.Remove(shard); syscall.Mkfifo(shard, 0o644) }, "group1-shard1of1: cannot read shard: not a regular file"},
		{"endless", func(shard string) { os.Remove(shard); os.Symlink("/dev/zero", shard) }, "group1-shard1of1: cannot read shard: not a regular file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			models, dir := copyModel(t)
			tc.damage(filepath.Join(dir, "group1-shard1of1"))
			t.Setenv("LIVECAM_MODELS", models)
			done := make(chan struct{})
			go func() {
				defer close(done)
				_, errOut, code := livecam(t, "-source", bundled)
				if code != 1 || !strings.Contains(errOut, tc.want) {
					t.Errorf("exit %d, stderr %q; want %q", code, errOut, tc.want)
				}
			}()
			select {
			case <-done:
			case <-time.After(20 * time.Second):
				t.Fatal("loading the model hangs")
			}
		})
	}
	t.Run("intact copy", func(t *testing.T) {
		models, _ := copyModel(t)
		t.Setenv("LIVECAM_MODELS", models)
		if _, errOut, code := livecam(t, "-source", bundled); code != 0 {
			t.Errorf("exit %d:\n%s", code, errOut)
		}
	})
}

// TestEndlessLabels: -labels naming an endless device or a FIFO is an
// error at once, naming the file.
func TestEndlessLabels(t *testing.T) {
	useSharedModels(t)
	fifo := filepath.Join(t.TempDir(), "labels")
	syscall.Mkfifo(fifo, 0o644)
	for _, labels := range []string{"/dev/zero", fifo} {
		_, errOut, code := livecam(t, "-source", bundled, "-labels", labels)
		if code != 1 || !strings.Contains(errOut, labels+": not a regular file") {
			t.Errorf("-labels %s: exit %d, stderr %q", labels, code, errOut)
		}
	}
}

// TestStreamPasswordNotLogged: a camera URL with a password runs, and the
// log names it without the password (the viewer's status: TestStatusHidesSecrets).
func TestStreamPasswordNotLogged(t *testing.T) {
	srv, err := mjpegtest.Start(320, 240, 25)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop()
	url := strings.Replace(srv.URL(), "http://", "http://viewer:s3cret@", 1)
	cmd, stderr, done := startLivecam(t, "-source", url, "-serve", "127.0.0.1:0")
	waitFor(t, 10*time.Second, stderr, func() bool { return srv.Frames() >= 10 }, "10 frames of the stream read")
	cmd.Process.Signal(syscall.SIGINT)
	<-done
	if strings.Contains(stderr.String(), "s3cret") || !strings.Contains(stderr.String(), "viewer:xxxxx@") {
		t.Errorf("the log shows the password or not the source:\n%s", stderr)
	}
}

// ffmpegMake runs ffmpeg to make a test input.
func ffmpegMake(t *testing.T, args ...string) {
	t.Helper()
	if out, err := exec.Command("ffmpeg", append([]string{"-v", "error", "-y"}, args...)...).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg %v: %v: %s", args, err, out)
	}
}

// readResults runs livecam on src with -out and -results and returns the
// result lines, stderr and the output video's path.
func runOn(t *testing.T, src string) (lines []map[string]any, stderr, video string) {
	t.Helper()
	useSharedModels(t)
	dir := t.TempDir()
	video, results := filepath.Join(dir, "out.mp4"), filepath.Join(dir, "r.jsonl")
	_, errOut, code := livecam(t, "-source", src, "-out", video, "-results", results)
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, errOut)
	}
	data, err := os.ReadFile(results)
	if err != nil {
		t.Fatal(err)
	}
	return jsonLines(t, data), errOut, video
}

// TestSizeChangeFollowed: a stream that switches from 320x240 to 640x360
// half way (two MPEG-TS files joined, as after a camera reconfigures) is
// followed: the later frames are scaled into 320x240 with borders, not
// frozen; each result line of them says its size; one warning says when.
func TestSizeChangeFollowed(t *testing.T) {
	dir := t.TempDir()
	a, b, joined := filepath.Join(dir, "a.ts"), filepath.Join(dir, "b.ts"), filepath.Join(dir, "joined.ts")
	ffmpegMake(t, "-f", "lavfi", "-i", "testsrc=size=320x240:rate=15:duration=2", "-c:v", "libx264", "-pix_fmt", "yuv420p", a)
	ffmpegMake(t, "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=15:duration=2", "-c:v", "libx264", "-pix_fmt", "yuv420p", b)
	da, _ := os.ReadFile(a)
	db, _ := os.ReadFile(b)
	os.WriteFile(joined, append(da, db...), 0o644)
	lines, stderr, video := runOn(t, joined)
	if len(lines) != 60 {
		t.Fatalf("%d result lines, want 60", len(lines))
	}
	for i, l := range lines {
		size, has := l["size"].([]any)
		switch {
		case i < 30 && has:
			t.Errorf("frame %d: size %v before the change", i, size)
		case i >= 30 && (!has || len(size) != 2 || size[0] != 640.0 || size[1] != 360.0):
			t.Errorf("frame %d: size %v, want [640,360]", i, l["size"])
		}
	}
	if strings.Count(stderr, "frame 30 is 640x360, not 320x240") != 1 {
		t.Errorf("no single warning of the change:\n%s", stderr)
	}
	out, err := exec.Command("ffmpeg", "-v", "error", "-i", video, "-f", "framemd5", "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	var hashes []string
	for _, l := range strings.Split(string(out), "\n") {
		if f := strings.Split(l, ","); len(f) == 6 && !strings.HasPrefix(l, "#") {
			hashes = append(hashes, strings.TrimSpace(f[5]))
		}
	}
	distinct := map[string]bool{}
	for _, h := range hashes[min(31, len(hashes)):] {
		distinct[h] = true
	}
	if len(hashes) != 60 || len(distinct) < 20 {
		t.Errorf("the video holds %d frames, %d distinct after the change (frozen?)", len(hashes), len(distinct))
	}
}

// TestVariableFrameRate: a phone-style variable-rate file (30 frames at
// 30 fps, then 30 at 5 fps) gets its container timestamps in the results,
// no false "ended early" warning, and an output video of the same length.
func TestVariableFrameRate(t *testing.T) {
	vfr := filepath.Join(t.TempDir(), "vfr.mkv")
	ffmpegMake(t, "-f", "lavfi", "-i", "testsrc=size=320x240:rate=30:duration=2",
		"-vf", "setpts='if(lt(N,30),N/30/TB,(1+(N-30)/5)/TB)'", "-fps_mode", "vfr", "-c:v", "libx264", "-pix_fmt", "yuv420p", vfr)
	lines, stderr, video := runOn(t, vfr)
	if len(lines) != 60 {
		t.Fatalf("%d result lines, want 60", len(lines))
	}
	for i, l := range lines {
		want := float64(i) * 1000 / 30
		if i >= 30 {
			want = 1000 + float64(i-30)*200
		}
		if got := l["pts_ms"].(float64); got < want-1.5 || got > want+1.5 {
			t.Errorf("frame %d: pts_ms %v, want %.1f", i, got, want)
		}
	}
	if strings.Contains(stderr, "ended early") {
		t.Errorf("false truncation warning:\n%s", stderr)
	}
	out, err := exec.Command("ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", video).Output()
	if err != nil {
		t.Fatal(err)
	}
	if d, _ := strconv.ParseFloat(strings.TrimSpace(string(out)), 64); d < 6.7 || d > 6.95 {
		t.Errorf("output video lasts %v s, the source 6.83 s", d)
	}
}

// TestOddSizeKept: a 17x9 video comes out padded to 18x10, and a 1x1
// one 2x2 (H.264 in 4:2:0, what browsers play, needs even sizes; the
// encoder once failed on a 1x1 first frame, leaving no results at all).
func TestOddSizeKept(t *testing.T) {
	dir := t.TempDir()
	odd, one, raw := filepath.Join(dir, "odd.mkv"), filepath.Join(dir, "one.mkv"), filepath.Join(dir, "one.rgb")
	ffmpegMake(t, "-f", "lavfi", "-i", "testsrc=size=17x9:rate=10:duration=1", "-c:v", "ffv1", odd)
	os.WriteFile(raw, bytes.Repeat([]byte{200, 40, 40}, 10), 0o644)
	ffmpegMake(t, "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", "1x1", "-r", "10", "-i", raw, "-c:v", "ffv1", one)
	for src, want := range map[string]string{odd: "18,10", one: "2,2"} {
		lines, _, video := runOn(t, src)
		out, err := exec.Command("ffprobe", "-v", "error", "-show_entries", "stream=width,height", "-of", "csv=p=0", video).Output()
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.TrimSpace(string(out)); got != want || len(lines) != 10 || probeFrames(t, video) != 10 {
			t.Errorf("%s: output %s with %d lines, want %s and 10 frames", filepath.Base(src), got, len(lines), want)
		}
	}
}

// TestEncoderDiesKeepsResults: the video's encoder dies mid-run (its
// ffmpeg is killed): livecam says so, naming the file, exits 1, and keeps
// the results of every frame processed and the video up to its last
// fragment, under their partial names: a failed run is not whole.
func TestEncoderDiesKeepsResults(t *testing.T) {
	dir := t.TempDir()
	video, results := filepath.Join(dir, "out.mp4"), filepath.Join(dir, "r.jsonl")
	cmd, stderr, done := startLivecam(t, "-source", bundled, "-loop", "-realtime", "-out", video, "-results", results)
	waitFor(t, 20*time.Second, stderr, func() bool { return partialLines(results) >= 30 }, "30 lines of results")
	ff, _ := exec.Command("pgrep", "-P", strconv.Itoa(cmd.Process.Pid), "-f", "ffmpeg .*pipe:0").Output()
	pid, err := strconv.Atoi(strings.TrimSpace(string(ff)))
	if err != nil {
		t.Fatalf("no encoder: %q", ff)
	}
	syscall.Kill(pid, syscall.SIGKILL)
	var code int
	select {
	case err := <-done:
		code = exitCode(err)
	case <-time.After(10 * time.Second):
		t.Fatalf("still running 10 s after its encoder died:\n%s", stderr)
	}
	if code != 1 || !strings.Contains(stderr.String(), video+": ffmpeg stopped after") {
		t.Errorf("exit %d:\n%s", code, stderr)
	}
	m := regexp.MustCompile(`(\d+) out,`).FindStringSubmatch(stderr.String())
	if m == nil {
		t.Fatalf("no summary:\n%s", stderr)
	}
	processed, _ := strconv.Atoi(m[1])
	for _, p := range []string{video, results} {
		if _, err := os.Stat(p); err == nil {
			t.Errorf("the failed run left %s under its final name", p)
		}
	}
	data, err := os.ReadFile(partialFile(t, results))
	if err != nil {
		t.Fatal(err)
	}
	if lines := len(jsonLines(t, data)); lines != processed || lines < 30 {
		t.Errorf("%d result lines for %d frames processed", lines, processed)
	}
	if n := probeFrames(t, partialFile(t, video)); n < 15 {
		t.Errorf("the video holds %d frames", n)
	}
}

// TestFetchWithoutNetwork: a download that cannot reach its server says in
// one line what it tried and how to put the model in place by hand.
func TestFetchWithoutNetwork(t *testing.T) {
	dest := t.TempDir()
	_, errOut, code := livecam(t, "models", "fetch", "-base-url", "http://127.0.0.1:1/models", "-dest", dest, "mobilenet_v1_0.75_224")
	if code != 1 || strings.Count(strings.TrimSpace(errOut), "\n") != 0 ||
		!strings.Contains(errOut, "http://127.0.0.1:1/models/mobilenet_v1_0.75_224/model.json") ||
		!strings.Contains(errOut, "to install it by hand, put a mobilenet_v1_0.75_224 folder (model.json and its shards) in "+dest) {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
}

// TestBatchDiskFull: the -out-dir of a batch of three videos is a full
// disk (a 300 KiB tmpfs the test mounts; it needs root): the first video
// fails saying "disk full", its outputs keep their partial names (a video
// of no frame is removed), no other video starts, nothing is under a
// final name, and the status is 1.
func TestBatchDiskFull(t *testing.T) {
	useSharedModels(t)
	in, out := t.TempDir(), t.TempDir()
	if msg, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=300k", "tmpfs", out).CombinedOutput(); err != nil {
		shareddata.Need(t, "cannot mount a small tmpfs (needs root): %v: %s", err, msg)
	}
	defer exec.Command("umount", out).Run()
	for _, f := range []string{"a.avi", "b.avi", "c.avi"} {
		copyFile(t, bundled, filepath.Join(in, f))
	}
	_, errOut, code := livecam(t, "-out-dir", out, in)
	if code != 1 || !regexp.MustCompile(`\[1/3\] \S+a\.avi: FAILED \(disk full\)`).MatchString(errOut) ||
		!strings.Contains(errOut, "2 not started: disk full") || strings.Contains(errOut, "[2/3]") || strings.Contains(errOut, "[3/3]") {
		t.Errorf("exit %d, want 1, a.avi failed with a full disk and no other started:\n%s", code, errOut)
	}
	entries, _ := os.ReadDir(out)
	for _, e := range entries {
		if !strings.Contains(e.Name(), ".partial-") {
			t.Errorf("%s is under a final name on the full disk", e.Name())
		}
	}
	namedFilesExist(t, errOut)
}

// namedFilesExist fails the test when a message in errOut says a file is
// somewhere ("wrote N frames to F", "the outputs keep their partial
// names (not whole): F, G", "(it is in F)", "the output is in F", "the
// data written so far is in F") and F does not exist. The test's paths
// hold no spaces or commas.
func namedFilesExist(t *testing.T, errOut string) {
	t.Helper()
	t.Logf("stderr:\n%s", errOut)
	var named []string
	for _, re := range []*regexp.Regexp{
		regexp.MustCompile(`wrote \d+ frames to (\S+)`),
		regexp.MustCompile(`\(it is in ([^)\s]+)\)`),
		regexp.MustCompile(`the output is in (\S+)`),
		regexp.MustCompile(`the data written so far is in ([^)\s]+)\)`),
	} {
		for _, m := range re.FindAllStringSubmatch(errOut, -1) {
			named = append(named, m[1])
		}
	}
	for _, m := range regexp.MustCompile(`keep their partial names \(not whole\): ([^\n]+)`).FindAllStringSubmatch(errOut, -1) {
		named = append(named, strings.Split(m[1], ", ")...)
	}
	for _, f := range named {
		if _, err := os.Stat(f); err != nil {
			t.Errorf("a message names %s, which is not there: %v", f, err)
		}
	}
}

// TestProfileNeverWritesThroughLinks: -profile cpu's file, cpu.pprof in
// the current folder, follows the rules of every output: a link there to
// someone's file is not replaced without -overwrite, and with it the link
// itself is replaced by the profile, its target untouched.
func TestProfileNeverWritesThroughLinks(t *testing.T) {
	useSharedModels(t)
	src, err := filepath.Abs(bundled)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	victim := filepath.Join(dir, "victim")
	os.WriteFile(victim, []byte("someone's file"), 0o644)
	shareddata.Chdir(t, dir)
	if err := os.Symlink(victim, "cpu.pprof"); err != nil {
		t.Fatal(err)
	}
	_, errOut, code := livecam(t, "-quiet", "-profile", "cpu", "-source", src, "-results", "r.jsonl")
	if code == 0 || !strings.Contains(errOut, "cpu.pprof: exists, and replacing it was not asked for; pass -overwrite") {
		t.Errorf("without -overwrite: exit %d:\n%s", code, errOut)
	}
	_, errOut, code = livecam(t, "-quiet", "-profile", "cpu", "-overwrite", "-source", src, "-results", "r.jsonl")
	if code != 0 {
		t.Errorf("with -overwrite: exit %d:\n%s", code, errOut)
	}
	if got, _ := os.ReadFile(victim); string(got) != "someone's file" {
		t.Errorf("the link's target was replaced: %d bytes", len(got))
	}
	if st, err := os.Lstat("cpu.pprof"); err != nil || !st.Mode().IsRegular() || st.Size() == 0 {
		t.Errorf("cpu.pprof is not the profile: %v %v", st, err)
	}
	if m, _ := filepath.Glob(".livecam-profile-*"); len(m) != 0 {
		t.Errorf("left %v", m)
	}
}

// TestOneCameraCannotReplaceAnother: in a multi-camera run, one camera's
// output naming another camera's source is refused as an input, with or
// without -overwrite, with no hint to pass -overwrite, and the source is
// untouched; so is a batch's output that is another source of the batch.
func TestOneCameraCannotReplaceAnother(t *testing.T) {
	useSharedModels(t)
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.avi"), filepath.Join(dir, "b.avi")
	copyFile(t, bundled, a)
	copyFile(t, bundled, b)
	cfg := filepath.Join(dir, "cameras.yaml")
	os.WriteFile(cfg, []byte("cameras:\n  - name: a\n    source: "+a+"\n    out: "+filepath.Join(dir, "a.mp4")+"\n    results: "+b+"\n  - name: b\n    source: "+b+"\n"), 0o644)
	before := snapshot(t, dir)
	for _, overwrite := range []bool{false, true} {
		args := []string{"-quiet", "-config", cfg}
		if overwrite {
			args = append(args, "-overwrite")
		}
		_, errOut, code := livecam(t, args...)
		if code == 0 || !strings.Contains(errOut, "is the input "+b) || strings.Contains(errOut, "pass -overwrite") {
			t.Errorf("overwrite %v: exit %d, want a refusal naming the input and no hint:\n%s", overwrite, code, errOut)
		}
	}
	assertUnchanged(t, "one camera's output on another's source", dir, before)

	// In a batch, x/b.avi's video would be out/b.mp4, which is (a hard
	// link to) z.avi, another source of the batch.
	out := filepath.Join(dir, "out")
	os.MkdirAll(filepath.Join(dir, "x"), 0o755)
	os.MkdirAll(out, 0o755)
	copyFile(t, bundled, filepath.Join(dir, "x", "b.avi"))
	copyFile(t, bundled, filepath.Join(dir, "z.avi"))
	bundledCopy := filepath.Join(dir, "a.avi") // the same bytes as z.avi
	if err := os.Link(filepath.Join(dir, "z.avi"), filepath.Join(out, "b.mp4")); err != nil {
		t.Fatal(err)
	}
	_, errOut, code := livecam(t, "-quiet", "-overwrite", "-out-dir", out, filepath.Join(dir, "z.avi"), filepath.Join(dir, "x", "b.avi"))
	if code == 0 || !strings.Contains(errOut, "is the input "+filepath.Join(dir, "z.avi")) || strings.Contains(errOut, "pass -overwrite") {
		t.Errorf("a batch's output on another of its sources: exit %d:\n%s", code, errOut)
	}
	if got, _ := os.ReadFile(filepath.Join(dir, "z.avi")); !bytes.Equal(got, []byte(before[bundledCopy])) {
		t.Errorf("the batch's source z.avi was changed")
	}
}

// TestBatchOutputNamesStayInFolder: videos named ".avi", "..avi" and
// "...avi" once wrote into -out-dir's parent folders; their outputs now
// stay in -out-dir under a safe name, and inputs whose safe names collide
// are refused before anything runs, naming both.
func TestBatchOutputNamesStayInFolder(t *testing.T) {
	useSharedModels(t)
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in"), filepath.Join(dir, "out", "sub")
	os.MkdirAll(in, 0o755)
	os.MkdirAll(out, 0o755)
	for _, f := range []string{"..avi", "x\x1b[2J.avi"} {
		copyFile(t, bundled, filepath.Join(in, f))
	}
	_, errOut, code := livecam(t, "-quiet", "-out-dir", out, in)
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, errOut)
	}
	if strings.Contains(errOut, "\x1b") {
		t.Errorf("a name's escape sequence reached the log:\n%q", errOut)
	}
	var got []string
	filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() && !strings.HasPrefix(p, in+string(filepath.Separator)) {
			rel, _ := filepath.Rel(dir, p)
			got = append(got, rel)
		}
		return nil
	})
	want := "out/sub/video.html out/sub/video.jsonl out/sub/video.mp4 out/sub/x_[2J.html out/sub/x_[2J.jsonl out/sub/x_[2J.mp4"
	if strings.Join(got, " ") != want {
		t.Errorf("outputs %v, want %s", got, want)
	}
	// ".avi" and "...avi" would both be "video" too.
	os.RemoveAll(out)
	os.MkdirAll(out, 0o755)
	for _, f := range []string{".avi", "...avi"} {
		copyFile(t, bundled, filepath.Join(in, f))
	}
	_, errOut, code = livecam(t, "-quiet", "-out-dir", out, in)
	if code != 2 || !strings.Contains(errOut, "would both write "+filepath.Join(out, "video")+".*") {
		t.Errorf("colliding safe names: exit %d:\n%s", code, errOut)
	}
	if entries, _ := os.ReadDir(out); len(entries) != 0 {
		t.Errorf("a refused batch wrote %v", entries)
	}
}

// TestOutputLinkToDeviceRefused: a link named as an output that leads to
// a block device (made by the test with mknod; it needs root) is refused
// before anything runs, -overwrite or not.
func TestOutputLinkToDeviceRefused(t *testing.T) {
	useSharedModels(t)
	dir := t.TempDir()
	// A major number for local use: no driver, nothing to destroy even
	// if the check failed.
	if err := unix.Mknod(filepath.Join(dir, "disk"), unix.S_IFBLK|0o600, int(unix.Mkdev(240, 0))); err != nil {
		shareddata.Need(t, "cannot make a block device (needs root): %v", err)
	}
	os.Symlink(filepath.Join(dir, "disk"), filepath.Join(dir, "out.mp4"))
	for _, overwrite := range []bool{false, true} {
		args := []string{"-source", bundled, "-out", filepath.Join(dir, "out.mp4")}
		if overwrite {
			args = append(args, "-overwrite")
		}
		_, errOut, code := livecam(t, args...)
		if code != 1 || !strings.Contains(errOut, "a block device: refusing to write through it") || strings.Contains(errOut, "file mode") {
			t.Errorf("overwrite %v: exit %d:\n%s", overwrite, code, errOut)
		}
	}
}

// TestHintOnce: an existing output in a batch is reported with the hint
// to pass -overwrite once, not twice.
func TestHintOnce(t *testing.T) {
	useSharedModels(t)
	in, out := t.TempDir(), t.TempDir()
	copyFile(t, bundled, filepath.Join(in, "a.avi"))
	os.WriteFile(filepath.Join(out, "a.jsonl"), []byte("{}\n"), 0o644)
	_, errOut, code := livecam(t, "-quiet", "-out-dir", out, in)
	if code != 1 || strings.Count(errOut, "pass -overwrite to replace it") != 1 {
		t.Errorf("exit %d, want 1 and the hint once:\n%s", code, errOut)
	}
}

// TestFleetWorkerSourceNamedDiskFull: a fleet job whose source is called
// "no space left on device.avi" (random bytes) fails as the job's fault
// (it is not handed back as the worker's full disk, again and again), the
// worker does not pause, and the good video beside it is done.
func TestFleetWorkerSourceNamedDiskFull(t *testing.T) {
	useSharedModels(t)
	srv := natstest.Start(t)
	in, out := t.TempDir(), t.TempDir()
	junk := make([]byte, 64<<10)
	rand.Read(junk)
	if err := os.WriteFile(filepath.Join(in, "no space left on device.avi"), junk, 0o644); err != nil {
		t.Fatal(err)
	}
	copyFile(t, bundled, filepath.Join(in, "z.avi"))
	if stdout, errOut, code := livecam(t, "submit", "-nats", srv.URL(), "-out-dir", out, in); code != 0 {
		t.Fatalf("submit: exit %d:\n%s%s", code, stdout, errOut)
	}
	js := connect(t, srv.URL())
	w := startWorker(t, srv.URL(), "w", "-input-root", in, "-output-root", out, "-max-attempts", "1")
	states := waitJobs(t, js, 2, time.Minute, w.logText)
	w.stop(t)
	for _, st := range states {
		bad := strings.Contains(st.Job.Source, "no space left")
		if bad && (st.State != fleet.Failed || st.HandedBack != 0 || st.Failures != 1) ||
			!bad && st.State != fleet.Done {
			t.Errorf("%s: %+v", st.Job.Source, st)
		}
	}
	if log := w.logText(); strings.Contains(log, "paused") || strings.Contains(log, "the fault is this worker's") {
		t.Errorf("the worker took the name for a full disk:\n%s", log)
	}
}

// TestBatchResumes does what the folder-of-videos user does: a batch of
// two videos, then a third video added and the same command again: only
// the new one runs, and the batch says so. A results file whose closing
// line is gone is not taken for done: it is refused, naming it, and
// -overwrite redoes it.
func TestBatchResumes(t *testing.T) {
	useSharedModels(t)
	in, out := t.TempDir(), t.TempDir()
	copyFile(t, bundled, filepath.Join(in, "a.avi"))
	copyFile(t, bundled, filepath.Join(in, "b.avi"))
	if _, errOut, code := livecam(t, "-quiet", "-out-dir", out, in); code != 0 || !strings.Contains(errOut, "2 of 2 sources done") {
		t.Fatalf("first run: exit %d:\n%s", code, errOut)
	}
	first := snapshot(t, out)
	copyFile(t, bundled, filepath.Join(in, "c.avi"))
	_, errOut, code := livecam(t, "-out-dir", out, in) // not -quiet: the end table
	if code != 0 || !strings.Contains(errOut, "livecam: 2 already done, 1 new\n") || strings.Count(errOut, "[1/1] ") != 2 ||
		!strings.Contains(errOut, "[1/1] "+filepath.Join(in, "c.avi")+": done") || strings.Count(errOut, "skipped: already done") != 2 {
		t.Errorf("rerun with a new video: exit %d:\n%s", code, errOut)
	}
	for path, data := range first {
		if got, _ := os.ReadFile(path); string(got) != data {
			t.Errorf("%s was written again", path)
		}
	}
	if end, err := jsonl.ReadEnd(filepath.Join(out, "c.jsonl")); err != nil || end.Frames != 45 {
		t.Errorf("c.jsonl's closing line: %+v, %v", end, err)
	}
	// b.jsonl cut before its closing line.
	b := filepath.Join(out, "b.jsonl")
	os.WriteFile(b, []byte(strings.Join(readLines(t, b), "\n")+"\n"), 0o644)
	_, errOut, code = livecam(t, "-quiet", "-out-dir", out, in)
	if code != 1 || !strings.Contains(errOut, b+": exists, and is not a finished livecam output (no closing line: cut short, or not livecam's): pass -overwrite to replace it\n") ||
		strings.Count(errOut, "-overwrite") != 1 || !strings.Contains(errOut, "2 already done, 0 new, 1 in the way") {
		t.Errorf("rerun over an unfinished results file: exit %d:\n%s", code, errOut)
	}
	if got := readLines(t, b); len(got) != 45 || jsonl.IsEnd([]byte(got[len(got)-1])) {
		t.Errorf("the refused b.jsonl was touched")
	}
	_, errOut, code = livecam(t, "-quiet", "-overwrite", "-out-dir", out, in)
	if code != 0 || !strings.Contains(errOut, "3 of 3 sources done") || strings.Contains(errOut, "already done") {
		t.Errorf("-overwrite: exit %d:\n%s", code, errOut)
	}
	if end, err := jsonl.ReadEnd(b); err != nil || end.Frames != 45 {
		t.Errorf("b.jsonl redone: closing line %+v, %v", end, err)
	}
}

// TestBatchCutShortStatus: a batch in which a video is truncated (its
// second half gone) ends with status 3 (batch.CutShortStatus), its row
// saying where it ended; the whole one is done.
func TestBatchCutShortStatus(t *testing.T) {
	useSharedModels(t)
	in, out := t.TempDir(), t.TempDir()
	copyFile(t, bundled, filepath.Join(in, "a.avi"))
	// 6s of 15 frames a second, its index first (as a camera's files
	// have it): the frame count survives the cut.
	whole := filepath.Join(t.TempDir(), "whole.mp4")
	if b, err := exec.Command("ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc=size=96x64:rate=15", "-t", "6", "-g", "5", "-movflags", "+faststart", whole).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v: %s", err, b)
	}
	data, err := os.ReadFile(whole)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(in, "b.mp4"), data[:len(data)/2], 0o644)
	t.Chdir(in) // short names: the table shows them whole
	// Not -quiet: the end table.
	_, errOut, code := livecam(t, "-out-dir", out, ".")
	if code != batch.CutShortStatus || !regexp.MustCompile(`b\.mp4 +\d+ .* damaged file at 0:0\d\.\d of 0:06\.0 `).MatchString(errOut) ||
		!strings.Contains(errOut, "1 of 2 sources done") || !strings.Contains(errOut, "1 cut short") {
		t.Errorf("exit %d, want %d:\n%s", code, batch.CutShortStatus, errOut)
	}
	// Run again (-quiet: no end table), the damaged file is not redone,
	// and still said, with status 3.
	_, errOut, code = livecam(t, "-quiet", "-out-dir", out, ".")
	if code != batch.CutShortStatus || !regexp.MustCompile(`2 already done \(b\.mp4 ended early at 0:0\d\.\d of 0:06\.0: damaged file; -overwrite redoes it\), 0 new\n`).MatchString(errOut) ||
		strings.Contains(errOut, "frames/s") {
		t.Errorf("rerun: exit %d, want %d:\n%s", code, batch.CutShortStatus, errOut)
	}
}
