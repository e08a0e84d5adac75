package main

import (
	"bytes"
	"flag"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/livecam/livecam/internal/testrig/shareddata"
)

// checkWidths fails for a line of text over 100 columns, or with a tab
// (whose width depends on the terminal).
func checkWidths(t *testing.T, what, text string) {
	t.Helper()
	for i, l := range strings.Split(text, "\n") {
		if n := utf8.RuneCountInString(l); n > 100 || strings.Contains(l, "\t") {
			t.Errorf("%s: line %d: %d columns (at most 100, no tabs): %q", what, i+1, n, l)
		}
	}
}

// TestHelpFitsOneScreen: livecam -h is one screen (at most 40 lines of
// at most 100 columns): the usage once, examples of the commonest runs,
// every command, and where the full flag list is.
func TestHelpFitsOneScreen(t *testing.T) {
	stdout, _, code := livecam(t, "-h")
	if code != 0 {
		t.Fatalf("livecam -h: exit %d", code)
	}
	if n := strings.Count(stdout, "\n"); n > 40 {
		t.Errorf("livecam -h: %d lines, at most 40:\n%s", n, stdout)
	}
	checkWidths(t, "livecam -h", stdout)
	if n := strings.Count(stdout, "usage:"); n != 1 {
		t.Errorf("livecam -h: the usage %d times, want once", n)
	}
	for _, want := range []string{"examples:", "livecam -out ", "livecam -out-dir ", "livecam -serve ", "livecam -config ", "livecam classify ",
		`"livecam help flags"`, `"livecam COMMAND -h"`} {
		if !strings.Contains(stdout, want) {
			t.Errorf("livecam -h lacks %q:\n%s", want, stdout)
		}
	}
	for _, c := range commands {
		if !strings.Contains(stdout, "\n  "+c.name+" ") {
			t.Errorf("livecam -h lacks the command %s", c.name)
		}
	}
	if help, _, _ := livecam(t, "help"); help != stdout {
		t.Errorf("livecam help differs from livecam -h:\n%s", help)
	}
}

// TestHelpFlagsWidth: livecam help flags lists every flag of the main
// job, and no line of it (nor of any command's -h) is over 100 columns.
func TestHelpFlagsWidth(t *testing.T) {
	helps := [][]string{{"help", "flags"}, {"models", "fetch", "-h"}}
	for _, c := range commands {
		helps = append(helps, []string{c.name, "-h"})
	}
	for _, args := range helps {
		stdout, stderr, code := livecam(t, args...)
		if code != 0 {
			t.Errorf("livecam %s: exit %d: %s", strings.Join(args, " "), code, stderr)
		}
		checkWidths(t, "livecam "+strings.Join(args, " "), stdout)
	}
	stdout, _, _ := livecam(t, "help", "flags")
	fs, _ := defineRunFlags(&bytes.Buffer{}, &bytes.Buffer{})
	fs.VisitAll(func(f *flag.Flag) {
		if !regexp.MustCompile(`\n  -` + f.Name + `[ \n]`).MatchString(stdout) {
			t.Errorf("-%s missing from livecam help flags", f.Name)
		}
	})
}

// defaultPlaceholder is a flag's line in a usage that shows the flag
// package's default placeholder instead of what the flag takes.
var defaultPlaceholder = regexp.MustCompile(`(?m)^  -(\S+) (value|int|int64|uint|uint64|float|string|duration)$`)

// TestFlagPlaceholders: every flag of every command shows what it takes
// (-topk N, -o FILE), never the flag package's value, int, float, string
// or duration.
func TestFlagPlaceholders(t *testing.T) {
	helps := [][]string{{"help", "flags"}, {"models", "fetch", "-h"}}
	for _, c := range commands {
		helps = append(helps, []string{c.name, "-h"})
	}
	flags := 0
	for _, args := range helps {
		stdout, _, _ := livecam(t, args...)
		flags += strings.Count(stdout, "\n  -")
		for _, m := range defaultPlaceholder.FindAllStringSubmatch(stdout, -1) {
			t.Errorf("livecam %s: -%s shows %q: name what it takes in its help (`N`, `FILE`...)", strings.Join(args, " "), m[1], m[2])
		}
	}
	if flags < 100 {
		t.Errorf("%d flags in all the usages: the usages were not read", flags)
	}
}

// TestFirstArgumentSource: a first argument that is an existing file, a
// stream URL or a named source runs the main job (here refusing -topk
// 99, which only it parses); one that is neither a command, a file nor a
// URL is refused in one line, exit 2.
func TestFirstArgumentSource(t *testing.T) {
	for _, src := range []string{"../../testdata/videos/shapes_320x240.avi", "http://127.0.0.1:1/cam.mjpg", "porch=rtsp://127.0.0.1:1/live", "0"} {
		_, stderr, code := livecam(t, src, "-topk", "99")
		if code != 2 || !strings.Contains(stderr, "-topk 99: want") {
			t.Errorf("livecam %s -topk 99: exit %d, %q; want the main job's refusal of -topk", src, code, stderr)
		}
	}
	stdout, stderr, code := livecam(t, "nosuch.mp4")
	if want := "livecam: nosuch.mp4: no such file or command (see livecam -h)\n"; code != 2 || stderr != want || stdout != "" {
		t.Errorf("livecam nosuch.mp4: exit %d, %q %q; want exit 2 and %q", code, stdout, stderr, want)
	}
}

// TestOutDirCreated: a missing -out-dir is created when its parent
// exists, and refused naming it and its parent when not (nothing made).
func TestOutDirCreated(t *testing.T) {
	dir := t.TempDir()
	video := "../../testdata/videos/shapes_320x240.avi"
	out := filepath.Join(dir, "labeled")
	_, stderr, _ := livecam(t, "-out-dir", out, "-model", filepath.Join(dir, "nomodel"), video) // stops at the model
	if st, err := os.Stat(out); err != nil || !st.IsDir() || !strings.Contains(stderr, "nomodel") {
		t.Errorf("-out-dir %s: not created (%v), or the run did not go on: %q", out, err, stderr)
	}
	missing := filepath.Join(dir, "no", "labeled")
	_, stderr, code := livecam(t, "-out-dir", missing, video)
	if want := "-out-dir " + missing + ": its parent " + filepath.Dir(missing) + " is not a folder that exists"; code != 2 || !strings.Contains(stderr, want) {
		t.Errorf("exit %d, %q; want 2 and %q", code, stderr, want)
	}
	if _, err := os.Stat(filepath.Dir(missing)); err == nil {
		t.Errorf("%s created", filepath.Dir(missing))
	}
}

// TestCameraSettingNamesFileAndLine: a class a camera of a cameras file
// allows that the model lacks, or a password file of its MQTT broker that
// does not exist, is refused naming the file, the line and the key as
// the file spells it, not the -allow, -mqtt-password-file or -config
// flags.
func TestCameraSettingNamesFileAndLine(t *testing.T) {
	useSharedModels(t)
	config := filepath.Join(t.TempDir(), "cameras.yaml")
	os.WriteFile(config, []byte("cameras:\n  - name: door\n    source: \"0\"\n  - name: yard\n    source: \"1\"\n    deny: [goldfish]\n    allow: [pelican, pelicann]\n"), 0o644)
	_, stderr, code := livecam(t, "-config", config)
	want := config + `: line 7: camera yard: allow[1]: no class is named "pelicann"`
	if code != 2 || !strings.Contains(stderr, want) || strings.Contains(stderr, "-allow") || strings.Contains(stderr, "-config") {
		t.Errorf("exit %d, %q; want 2 and %q", code, stderr, want)
	}
	os.WriteFile(config, []byte("mqtt:\n  broker: mqtt://127.0.0.1:1\n  password_file: /nonexistent/pw\ncameras:\n  - name: door\n    source: \"0\"\n"), 0o644)
	_, stderr, _ = livecam(t, "-config", config)
	if want := config + ": line 3: mqtt.password_file: open /nonexistent/pw"; !strings.Contains(stderr, want) || strings.Contains(stderr, "-mqtt") {
		t.Errorf("%q; want %q", stderr, want)
	}
}

// TestFFmpegLinesQuiet runs livecam as a process on a stream URL whose
// port refuses connections: FFmpeg's own "[tcp @ 0x...] Connection to
// tcp://... failed" line, which OpenCV's FFmpeg backend lets through to
// the process's standard error, appears with -v and only then.
func TestFFmpegLinesQuiet(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + ln.Addr().String() + "/cam.mjpg"
	ln.Close() // the port now refuses connections
	for _, verbose := range []bool{false, true} {
		args := []string{"-source", url, "-reconnect", "0", "-quiet"}
		if verbose {
			args = append(args, "-v")
		}
		cmd := exec.Command(os.Args[0], args...)
		cmd.Env = append(os.Environ(), "LIVECAM_AS_MAIN=1", "LIVECAM_MODELS="+shareddata.Path(t, "models"))
		cmd.Env = slicesWithout(cmd.Env, "OPENCV_FFMPEG_LOGLEVEL=", "OPENCV_FFMPEG_DEBUG=")
		out, _ := cmd.CombinedOutput()
		if ffmpeg := strings.Contains(string(out), "[tcp @"); ffmpeg != verbose || !strings.Contains(string(out), "cannot open the stream") {
			t.Errorf("-v %v: FFmpeg's line shown: %v, want %v:\n%s", verbose, ffmpeg, verbose, out)
		}
	}
}

// slicesWithout returns env without the variables that begin with any
// of prefixes.
func slicesWithout(env []string, prefixes ...string) []string {
	var out []string
	for _, kv := range env {
		keep := true
		for _, p := range prefixes {
			keep = keep && !strings.HasPrefix(kv, p)
		}
		if keep {
			out = append(out, kv)
		}
	}
	return out
}
