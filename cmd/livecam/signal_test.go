package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/livecam/livecam/internal/testrig/mjpegtest"
	"github.com/livecam/livecam/internal/testrig/shareddata"
	"github.com/livecam/livecam/sink/jsonl"
)

// TestMain lets a test run this test binary as the livecam command itself
// (LIVECAM_AS_MAIN=1), so that signals reach a real process.
func TestMain(m *testing.M) {
	if os.Getenv("LIVECAM_AS_MAIN") == "1" {
		os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// procLog is a child process's standard error as read so far: one
// goroutine writes it while the test reads it.
type procLog struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *procLog) add(line string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.b.WriteString(line + "\n")
}

// String returns what the process has written so far.
func (l *procLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// startLivecam runs livecam in a child process and waits until it reports
// that it is running. The channel it returns gets the process's exit once
// its whole standard error has been read (the summary is its last lines).
func startLivecam(t *testing.T, args ...string) (*exec.Cmd, *procLog, <-chan error) {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	// Under -race the race runtime sleeps 1 s at exit (atexit_sleep_ms)
	// unless told not to: the exit timing is the behaviour under test.
	cmd.Env = append(os.Environ(), "LIVECAM_AS_MAIN=1", "LIVECAM_MODELS="+shareddata.Path(t, "models"),
		"GORACE="+strings.TrimSpace(os.Getenv("GORACE")+" atexit_sleep_ms=0"))
	var stderr procLog
	pipe, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// However the test ends, no livecam is left running.
	t.Cleanup(func() { cmd.Process.Kill() })
	started := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(pipe)
		once := false
		for sc.Scan() {
			stderr.add(sc.Text())
			if !once && strings.Contains(sc.Text(), "live mode") {
				once = true
				close(started)
			}
		}
		// Wait closes the pipe: only once everything was read from it.
		done <- cmd.Wait()
	}()
	select {
	case <-started:
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("livecam did not start:\n%s", stderr.String())
	}
	return cmd, &stderr, done
}

func exitCode(err error) int {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	if err != nil {
		return -1
	}
	return 0
}

// TestInterruptFinishesOutputs sends SIGINT (then, in a second run,
// SIGTERM) to the run of a camera (a stream, which has no end): livecam
// must exit with status 0 within 2 s, leaving under their final names a
// video that ffprobe reads with as many frames as were written, and JSON
// lines that are all valid, one per frame processed.
func TestInterruptFinishesOutputs(t *testing.T) {
	srv, err := mjpegtest.Start(320, 240, 25)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop()
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			dir := t.TempDir()
			video, results := filepath.Join(dir, "out.mp4"), filepath.Join(dir, "r.jsonl")
			cmd, stderr, done := startLivecam(t, "-source", srv.URL(), "-out", video, "-results", results)
			waitFor(t, 20*time.Second, stderr, func() bool { return partialLines(results) >= 1 }, "a line of results")
			began := time.Now().Add(-1500 * time.Millisecond) // the first frame was captured before its line was written (and flushed)
			waitFor(t, 20*time.Second, stderr, func() bool { return partialLines(results) >= 15 }, "15 lines of results")
			sent := time.Now()
			cmd.Process.Signal(sig)
			var err error
			select {
			case err = <-done:
			case <-time.After(5 * time.Second):
				cmd.Process.Kill()
				t.Fatalf("still running 5 s after %v:\n%s", sig, stderr)
			}
			took := time.Since(sent)
			if code := exitCode(err); code != 0 || took > 2*time.Second {
				t.Fatalf("exit status %d after %v (want 0 within 2 s):\n%s", code, took, stderr)
			}
			m := regexp.MustCompile(`wrote (\d+) frames`).FindStringSubmatch(stderr.String())
			if m == nil || !strings.Contains(stderr.String(), "stopped by signal") {
				t.Fatalf("no summary:\n%s", stderr)
			}
			written, _ := strconv.Atoi(m[1])
			// A live video follows the frames' capture times: a frame that
			// arrives late is repeated to fill its gap (a loaded machine makes
			// such gaps), so the bound is the run's time at 25 fps, not the
			// frames sent.
			if most := int(25*time.Since(began).Seconds()) + 2; written < 15 || written > most {
				t.Errorf("%d frames written, after 15 results, in a run of %v at 25 fps (at most %d; the stream sent %d)",
					written, time.Since(began).Round(time.Millisecond), most, srv.Frames())
			}
			out, err := exec.Command("ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0",
				"-show_entries", "stream=nb_read_frames", "-of", "csv=p=0", video).Output()
			if err != nil {
				t.Fatalf("ffprobe cannot read the interrupted video: %v", err)
			}
			if n, _ := strconv.Atoi(strings.TrimSpace(string(out))); n != written {
				t.Errorf("the video holds %d frames, livecam wrote %d", n, written)
			}
			// A live source stopped on purpose is whole: its results end
			// with their closing line.
			lines := readLines(t, results)
			if end, err := jsonl.ReadEnd(results); err != nil || int(end.Frames) != len(lines) {
				t.Errorf("the closing line: %+v, %v; want %d frames", end, err, len(lines))
			}
			for i, l := range lines {
				if !json.Valid([]byte(l)) {
					t.Fatalf("line %d is not valid JSON: %q", i+1, l)
				}
			}
			// One line per frame processed; the video repeats frames
			// over the gaps of dropped ones, so it has at least as many.
			mo := regexp.MustCompile(`(\d+) out,`).FindStringSubmatch(stderr.String())
			if mo == nil {
				t.Fatalf("no frame counts:\n%s", stderr)
			}
			if processed, _ := strconv.Atoi(mo[1]); len(lines) != processed || processed > written {
				t.Errorf("%d JSON lines for %d frames processed, %d frames in the video", len(lines), processed, written)
			}
		})
	}
}

// TestStuckSourceInterrupts: with a network camera that hangs (its stream
// stalls), one interrupt ends livecam at once with status 0: sooner than
// the stream's own read timeout (capture.StreamTimeout, 1.2 s), so only
// the interrupted read can explain it. The interrupt is sent once livecam
// has read everything the camera sent and waits in FFmpeg for more.
func TestStuckSourceInterrupts(t *testing.T) {
	srv, err := mjpegtest.Start(320, 240, 25)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop()
	proxy := startStallProxy(t, srv.URL())
	cmd, stderr, done := startLivecam(t, "-source", proxy.URL())
	waitFor(t, 10*time.Second, stderr, func() bool { return proxy.Forwarded() >= 5*1024 }, "5 KiB of the stream read")
	proxy.Stall()
	waitFor(t, 10*time.Second, stderr, func() bool { return waitingForNetwork(t, cmd.Process.Pid) },
		"FFmpeg waiting for the stalled stream's data (a thread of livecam asleep in poll(2) on one descriptor)")
	sent := time.Now()
	cmd.Process.Signal(syscall.SIGINT)
	select {
	case err := <-done:
		if code := exitCode(err); code != 0 || time.Since(sent) > 700*time.Millisecond {
			t.Errorf("exit status %d after %v, want 0 within 700ms:\n%s", code, time.Since(sent), stderr)
		}
	case <-time.After(5 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("still running 5 s after the interrupt:\n%s", stderr)
	}
}

// stallProxy forwards TCP connections to a server and can stall them:
// once Stall returns, not one more byte reaches a client (mjpegtest's own
// Stall may still finish a frame it had begun).
type stallProxy struct {
	ln        net.Listener
	upstream  string // host:port
	path      string
	forwarded atomic.Int64

	mu      sync.Mutex // held while a client is written to
	stalled bool
	conns   []net.Conn
	wg      sync.WaitGroup
}

// startStallProxy forwards to the server of url, until the test ends.
func startStallProxy(t *testing.T, url string) *stallProxy {
	t.Helper()
	hostPath, ok := strings.CutPrefix(url, "http://")
	host, path, _ := strings.Cut(hostPath, "/")
	if !ok {
		t.Fatalf("not an http:// URL: %s", url)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &stallProxy{ln: ln, upstream: host, path: "/" + path}
	p.wg.Add(1)
	go p.accept()
	t.Cleanup(p.close)
	return p
}

// URL returns the stream's address through the proxy.
func (p *stallProxy) URL() string { return "http://" + p.ln.Addr().String() + p.path }

// Forwarded returns how many bytes reached the clients.
func (p *stallProxy) Forwarded() int64 { return p.forwarded.Load() }

// Stall stops forwarding the server's bytes; those it sends later are
// dropped.
func (p *stallProxy) Stall() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.stalled = true
}

func (p *stallProxy) accept() {
	defer p.wg.Done()
	for {
		client, err := p.ln.Accept()
		if err != nil {
			return
		}
		server, err := net.Dial("tcp", p.upstream)
		if err != nil {
			client.Close()
			continue
		}
		p.mu.Lock()
		p.conns = append(p.conns, client, server)
		p.mu.Unlock()
		p.wg.Add(2)
		go func() {
			defer p.wg.Done()
			io.Copy(server, client) // the request
		}()
		go func() {
			defer p.wg.Done()
			buf := make([]byte, 32<<10)
			for {
				n, err := server.Read(buf)
				p.mu.Lock()
				if n > 0 && !p.stalled {
					if _, werr := client.Write(buf[:n]); werr == nil {
						p.forwarded.Add(int64(n))
					}
				}
				p.mu.Unlock()
				if err != nil {
					return
				}
			}
		}()
	}
}

func (p *stallProxy) close() {
	p.ln.Close()
	p.mu.Lock()
	for _, c := range p.conns {
		c.Close()
	}
	p.mu.Unlock()
	p.wg.Wait()
}

// waitingForNetwork reports whether a thread of process pid sleeps in
// FFmpeg's wait for network data: libavformat waits with poll(2) on the
// one socket, 100 ms at a time, until data comes or rw_timeout passes. A
// thread woken by data is running, not asleep in poll: this holds only
// while no byte is waiting to be read.
func waitingForNetwork(t *testing.T, pid int) bool {
	if runtime.GOARCH != "amd64" {
		t.Skipf("the system call number of poll(2) is amd64's; this is %s", runtime.GOARCH)
	}
	const sysPoll = 7 // amd64
	tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/syscall", pid))
	for _, task := range tasks {
		data, _ := os.ReadFile(task) // "NR ARG1 ARG2 ARG3 ...", or "running"
		f := strings.Fields(string(data))
		if len(f) >= 4 && f[0] == strconv.Itoa(sysPoll) && f[2] == "0x1" && f[3] == "0x64" {
			return true
		}
	}
	return false
}

// TestSecondInterruptQuits: when finishing the outputs hangs (here the
// video encoder, stopped with SIGSTOP, no longer reads its frames), the
// first interrupt waits for it and a second one quits at once with
// status 130.
func TestSecondInterruptQuits(t *testing.T) {
	video := filepath.Join(t.TempDir(), "out.mp4")
	cmd, stderr, done := startLivecam(t, "-source", shareddata.Path(t, "videos", "slideshow_720p.mp4"),
		"-realtime", "-out", video)
	var encoder int
	for deadline := time.Now().Add(5 * time.Second); encoder == 0; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no encoder process under livecam:\n%s", stderr)
		}
		encoder = childRunning(cmd.Process.Pid, "pipe:0") // the encoder reads its frames from stdin
	}
	syscall.Kill(encoder, syscall.SIGSTOP)
	t.Cleanup(func() { syscall.Kill(encoder, syscall.SIGKILL) })
	// Until the encoder's pipe is full: livecam's next frame to it waits.
	waitFor(t, 10*time.Second, stderr, func() bool { return pipeFull(t, encoder) }, "a full pipe to the stopped encoder")
	cmd.Process.Signal(syscall.SIGINT)
	// What is tested is that livecam does not end: it is given 700 ms
	// to (wrongly) do so.
	select {
	case err := <-done:
		t.Fatalf("the first interrupt ended livecam (status %d) with its encoder stopped:\n%s", exitCode(err), stderr)
	case <-time.After(700 * time.Millisecond):
	}
	sent := time.Now()
	cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-done:
		if code := exitCode(err); code != 130 || time.Since(sent) > 700*time.Millisecond {
			t.Errorf("exit status %d after %v, want 130 within 700ms:\n%s", code, time.Since(sent), stderr)
		}
	case <-time.After(5 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("still running 5 s after the second interrupt:\n%s", stderr)
	}
}

// pipeFull reports whether the pipe that is process pid's standard input
// holds as much as it can.
func pipeFull(t *testing.T, pid int) bool {
	t.Helper()
	// A descriptor of the pipe's own, opened through /proc (never read).
	f, err := os.OpenFile(fmt.Sprintf("/proc/%d/fd/0", pid), os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		t.Fatalf("the encoder's standard input: %v", err)
	}
	defer f.Close()
	size, err := unix.FcntlInt(f.Fd(), unix.F_GETPIPE_SZ, 0)
	if err != nil {
		t.Fatalf("the encoder's standard input is not a pipe: %v", err)
	}
	held, err := unix.IoctlGetInt(int(f.Fd()), unix.TIOCINQ) // FIONREAD
	return err == nil && held >= size
}

// waitExited waits until process pid has exited (it is gone, or a zombie
// its new parent has not reaped), failing the test after timeout.
func waitExited(t *testing.T, pid int, timeout time.Duration) {
	t.Helper()
	for deadline := time.Now().Add(timeout); ; time.Sleep(20 * time.Millisecond) {
		stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		// "PID (COMMAND) STATE ...": the command may hold spaces.
		if i := bytes.LastIndexByte(stat, ')'); err != nil || i < 0 || i+2 < len(stat) && (stat[i+2] == 'Z' || stat[i+2] == 'X') {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("process %d still running %v on", pid, timeout)
		}
	}
}

// childRunning returns the process id of a child of pid that has arg
// among its arguments, or 0.
func childRunning(pid int, arg string) int {
	tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/children", pid))
	for _, task := range tasks {
		data, _ := os.ReadFile(task)
		for _, f := range strings.Fields(string(data)) {
			args, _ := os.ReadFile("/proc/" + f + "/cmdline")
			if slices.Contains(strings.Split(string(args), "\x00"), arg) {
				n, _ := strconv.Atoi(f)
				return n
			}
		}
	}
	return 0
}

// TestInterruptCutsFileShort: a stop signal in the middle of a video file
// (paced with -realtime, so that it is still running) cuts it short: no
// output is left under its final name, the video and the results keep
// their partial names with what was written (the video plays, the lines
// are whole), the log says where it stopped, and the status is 130.
func TestInterruptCutsFileShort(t *testing.T) {
	dir := t.TempDir()
	video, results := filepath.Join(dir, "out.mp4"), filepath.Join(dir, "r.jsonl")
	cmd, stderr, done := startLivecam(t, "-source", shareddata.Path(t, "videos", "slideshow_720p.mp4"),
		"-realtime", "-out", video, "-results", results)
	// Until the partial results hold 15 lines (they are written every
	// half second).
	waitFor(t, 10*time.Second, stderr, func() bool { return partialLines(results) >= 15 }, "15 lines of results")
	cmd.Process.Signal(syscall.SIGINT)
	var err error
	select {
	case err = <-done:
	case <-time.After(5 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("still running 5 s after SIGINT:\n%s", stderr)
	}
	if code := exitCode(err); code != 130 {
		t.Errorf("exit %d, want 130:\n%s", code, stderr)
	}
	if !regexp.MustCompile(`stopped at \d:\d\d\.\d of 0:24\.0 by a signal; the outputs keep their partial names`).MatchString(stderr.String()) {
		t.Errorf("no word of where the video stopped:\n%s", stderr)
	}
	for _, p := range []string{video, results} {
		if _, err := os.Stat(p); err == nil {
			t.Errorf("%s: a video cut short is under its final name", p)
		}
	}
	m := regexp.MustCompile(`wrote (\d+) frames to (\S+)`).FindStringSubmatch(stderr.String())
	if m == nil || m[2] != partialFile(t, video) {
		t.Fatalf("no word of the frames written to the partial video:\n%s", stderr)
	}
	if n := probeFrames(t, m[2]); strconv.Itoa(n) != m[1] || n < 10 {
		t.Errorf("the partial video holds %d frames, livecam wrote %s", n, m[1])
	}
	data, _ := os.ReadFile(partialFile(t, results))
	if len(jsonLines(t, data)) < 10 {
		t.Errorf("the partial results hold %d lines", len(jsonLines(t, data)))
	}
	namedFilesExist(t, stderr.String())
}

// TestBatchSignalKeepsPartial: SIGTERM while the first of three videos
// runs stops the batch: that video's outputs (and a report of the part
// labelled, saying where it stopped) keep their partial names, no other
// video starts, nothing is under a final name, and the status is 130. A
// rerun then does all three (the partial files are left alone).
func TestBatchSignalKeepsPartial(t *testing.T) {
	in, out := t.TempDir(), t.TempDir()
	for _, f := range []string{"a.avi", "b.avi", "c.avi"} {
		copyFile(t, "../../testdata/videos/shapes_320x240.avi", filepath.Join(in, f))
	}
	cmd, stderr, done := startLivecam(t, "-out-dir", out, "-realtime", in)
	waitFor(t, 10*time.Second, stderr, func() bool { return partials(out) >= 1 }, "a partial file")
	cmd.Process.Signal(syscall.SIGTERM)
	var err error
	select {
	case err = <-done:
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("still running 20 s after SIGTERM:\n%s", stderr)
	}
	e := stderr.String()
	if code := exitCode(err); code != 130 {
		t.Errorf("exit %d, want 130:\n%s", code, e)
	}
	if !regexp.MustCompile(`\[1/3\] \S+a\.avi: stopped at \d:\d\d\.\d of 0:03\.0 by a signal`).MatchString(e) ||
		!strings.Contains(e, "0 of 3 sources done") || !strings.Contains(e, "1 stopped by signal, 2 not started") || strings.Contains(e, "[2/3]") {
		t.Errorf("want a stopped at a.avi, and 2 not started:\n%s", e)
	}
	entries, _ := os.ReadDir(out)
	var names []string
	for _, en := range entries {
		names = append(names, en.Name())
		if !strings.Contains(en.Name(), ".partial-") {
			t.Errorf("%s is under a final name after the batch was stopped", en.Name())
		}
		if strings.HasSuffix(en.Name(), ".html") {
			page, _ := os.ReadFile(filepath.Join(out, en.Name()))
			if !regexp.MustCompile(`stopped.*at \d:\d\d\.\d of 0:03\.0 by a signal`).Match(page) {
				t.Errorf("the report of the part labelled does not say where it stopped")
			}
		}
	}
	if len(names) != 3 {
		t.Errorf("-out-dir holds %v, want a's partial video, results and report", names)
	}
	namedFilesExist(t, e)
	// The rerun does it again.
	useSharedModels(t)
	_, errOut, code := livecam(t, "-out-dir", out, in)
	if code != 0 || !strings.Contains(errOut, "3 of 3 sources done") {
		t.Errorf("rerun: exit %d:\n%s", code, errOut)
	}
	for _, n := range names {
		if _, err := os.Stat(filepath.Join(out, n)); err != nil {
			t.Errorf("the rerun removed %s", n)
		}
	}
}

// partials counts the partial files in dir.
func partials(dir string) int {
	m, _ := filepath.Glob(filepath.Join(dir, "*.partial-*"))
	return len(m)
}

// waitFor polls cond until it holds, failing the test (with livecam's
// log) after timeout.
func waitFor(t *testing.T, timeout time.Duration, log *procLog, cond func() bool, what string) {
	t.Helper()
	for deadline := time.Now().Add(timeout); !cond(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no %s after %v:\n%s", what, timeout, log)
		}
	}
}

// partialLines returns how many lines the partial file livecam writes
// for the output target holds (0 while there is none).
func partialLines(target string) int {
	ext := filepath.Ext(target)
	m, _ := filepath.Glob(strings.TrimSuffix(target, ext) + ".partial-*" + ext)
	if len(m) != 1 {
		return 0
	}
	data, _ := os.ReadFile(m[0])
	return strings.Count(string(data), "\n")
}
