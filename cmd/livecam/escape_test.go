package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestErrorsEscapeControlCharacters: a file name with an ANSI escape, a
// newline and a bidirectional override is printed escaped in the error,
// on one line: it cannot clear the screen, colour the text, forge a line
// of livecam's own or reorder what follows.
func TestErrorsEscapeControlCharacters(t *testing.T) {
	dir := t.TempDir()
	name := filepath.Join(dir, "a\x1b[2J\x1b[31mred\nlivecam report: wrote ok.html\u202eldoc.jsonl")
	_, errOut, code := livecam(t, "report", name)
	if code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	if strings.ContainsAny(errOut, "\x1b\r\u202e") || strings.Count(errOut, "\n") != 1 || !strings.HasSuffix(errOut, "\n") {
		t.Errorf("the error is printed raw: %q", errOut)
	}
	if want := `a\x1b[2J\x1b[31mred\nlivecam report: wrote ok.html\u202eldoc.jsonl`; !strings.Contains(errOut, want) {
		t.Errorf("stderr %q lacks the escaped name %q", errOut, want)
	}
}

// TestReportOutNamesItsFlag: report's errors about its page name -o, the
// flag the user gave, not the main job's -report.
func TestReportOutNamesItsFlag(t *testing.T) {
	dir := t.TempDir()
	results := filepath.Join(dir, "run.jsonl")
	os.WriteFile(results, []byte(`{"frame":0,"pts_ms":0.0,"top":[{"class":1,"label":"a","score":0.5}],"inferred":true,"latency_ms":1.0,"dropped":0}`+"\n"), 0o644)
	page := filepath.Join(dir, "page.html")
	os.WriteFile(page, []byte("mine"), 0o644)
	_, errOut, code := livecam(t, "report", "-o", page, results)
	if code == 0 || !strings.Contains(errOut, "-o "+page+": exists") || strings.Contains(errOut, "-report") {
		t.Errorf("report -o over a file: exit %d, %q; want -o %s: exists, and no -report", code, errOut, page)
	}
	if b, _ := os.ReadFile(page); string(b) != "mine" {
		t.Errorf("the page was replaced: %q", b)
	}
}

// TestReportLongLine: a results file with a 20 MB line is refused with
// its name, the line and the limit, exit 1, and no page.
func TestReportLongLine(t *testing.T) {
	dir := t.TempDir()
	results := filepath.Join(dir, "long.jsonl")
	ok := `{"frame":0,"pts_ms":0.0,"top":[{"class":1,"label":"a","score":0.5}],"inferred":true,"latency_ms":1.0,"dropped":0}` + "\n"
	os.WriteFile(results, []byte(ok+ok+`{"frame":2,"label":"`+strings.Repeat("x", 20<<20)+`"}`+"\n"+ok), 0o644)
	_, errOut, code := livecam(t, "report", results)
	if code != 1 || !strings.Contains(errOut, results+":3: a line longer than 16 MiB") || strings.Contains(errOut, "token too long") {
		t.Errorf("exit %d, %q; want 1 and %s:3: a line longer than 16 MiB", code, errOut, results)
	}
	if _, err := os.Stat(filepath.Join(dir, "long.html")); err == nil {
		t.Error("a page was written")
	}
}

// TestCamerasFileBounds: a cameras file that is a "billion laughs", a
// FIFO or a device is refused at once (exit 2), naming the file and, for
// the bomb, the line; nothing waits on the FIFO or reads /dev/zero.
func TestCamerasFileBounds(t *testing.T) {
	useSharedModels(t)
	dir := t.TempDir()
	bomb := filepath.Join(dir, "bomb.yaml")
	var b strings.Builder
	b.WriteString("cameras:\n  - &a {name: door, source: \"0\", allow: [lol, lol, lol, lol, lol, lol, lol, lol, lol]}\n")
	for l := 'b'; l <= 'i'; l++ {
		b.WriteString("  - &" + string(l) + " {<<: [" + strings.Repeat("*"+string(l-1)+", ", 8) + "*" + string(l-1) + "]}\n")
	}
	os.WriteFile(bomb, []byte(b.String()), 0o644)
	fifo := filepath.Join(dir, "cameras.fifo")
	if err := unix.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ path, want string }{
		{bomb, bomb + ": line 7: more than 500000 values"},
		{fifo, fifo + ": a FIFO, not a regular file"},
		{"/dev/zero", "/dev/zero: a character device, not a regular file"},
	} {
		done := make(chan string, 1)
		start := time.Now()
		go func() {
			_, errOut, code := livecam(t, "-config", tc.path)
			if code != 2 {
				errOut += " (exit status not 2)"
			}
			done <- errOut
		}()
		select {
		case errOut := <-done:
			if !strings.Contains(errOut, tc.want) || strings.Contains(errOut, "exit status not 2") {
				t.Errorf("-config %s: %q, want exit 2 and %q", tc.path, errOut, tc.want)
			}
			if took := time.Since(start); took > 2*time.Second {
				t.Errorf("-config %s: refused after %v, want well within 1 s", tc.path, took)
			}
		case <-time.After(20 * time.Second):
			t.Fatalf("-config %s: still running after 20 s", tc.path)
		}
	}
}
