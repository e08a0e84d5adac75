// Package chromium runs headless Chromium for the tests that check what
// a browser makes of livecam's pages and videos.
package chromium

import (
	"bytes"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/livecam/livecam/internal/testrig/shareddata"
)

// Path returns the Chromium binary; without one the test is skipped, or
// under CI=true fails.
func Path(t testing.TB) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	shareddata.Need(t, "no Chromium: apt-get install -y chromium")
	return ""
}

// Result is what one headless load gave.
type Result struct {
	DOM []byte // the document after the load (with DumpDOM)
	// Console holds the page's console messages and uncaught errors, as
	// Chromium logs them.
	Console []string
}

// consoleLine matches Chromium's log lines for console messages.
var consoleLine = regexp.MustCompile(`(?m)^.*(?:CONSOLE\(\d+\)|Uncaught|console\.error).*$`)

// Run loads url in headless Chromium for at most budget of virtual time
// (timers and animations run ahead of the clock; the real time allowed
// is a few times more), with extra flags such as --dump-dom or
// --screenshot=FILE.
func Run(t testing.TB, url string, budget time.Duration, flags ...string) Result {
	t.Helper()
	profile := t.TempDir()
	args := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars",
		"--autoplay-policy=no-user-gesture-required", "--enable-logging=stderr", "--v=0",
		"--user-data-dir=" + profile, "--virtual-time-budget=" + strconv.Itoa(int(budget.Milliseconds())),
		"--timeout=" + strconv.Itoa(int(4*budget.Milliseconds()+10000))}
	args = append(append(args, flags...), url)
	cmd := exec.Command(Path(t), args...)
	cmd.Env = append(os.Environ(), "HOME="+profile)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium: %v\n%s", err, stderr.Bytes())
	}
	var r Result
	r.DOM = stdout.Bytes()
	for _, m := range consoleLine.FindAll(stderr.Bytes(), -1) {
		r.Console = append(r.Console, string(m))
	}
	return r
}
