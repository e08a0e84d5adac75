package viewer

import (
	"context"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"testing"
	"time"

	"gocv.io/x/gocv"

	"github.com/livecam/livecam/internal/randweights"
	"github.com/livecam/livecam/internal/testrig/chromium"
	"github.com/livecam/livecam/models"
	"github.com/livecam/livecam/pipeline"
	"github.com/livecam/livecam/pipeline/stage"
	"github.com/livecam/livecam/source/push"
)

// TestPageInChromium runs the pipeline on the bundled video, live, with the
// viewer as a sink, and loads the page in headless Chromium: the stream
// must show frames and the label table must fill with the pipeline's
// labels.
func TestPageInChromium(t *testing.T) {
	browser := chromium.Path(t)
	m, err := randweights.Model(randweights.Small, 1)
	if err != nil {
		t.Fatal(err)
	}
	s, err := Listen(Options{Addr: "127.0.0.1:0", Model: m.Name()})
	if err != nil {
		t.Fatal(err)
	}
	// A camera stand-in that runs until the browser is done.
	cam, err := push.New("test camera", 320, 240, 30)
	if err != nil {
		t.Fatal(err)
	}
	p, err := pipeline.New(pipeline.Config{Source: cam, Model: models.FromClassifier(m), Stages: []pipeline.Stage{stage.Overlay(nil)}, Sinks: []pipeline.Sink{s}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		frame := gocv.NewMatWithSize(240, 320, gocv.MatTypeCV8UC3)
		defer frame.Close()
		defer cam.Close()
		for i := 0; ctx.Err() == nil; i++ {
			frame.SetTo(gocv.NewScalar(float64(i%200), 100, 50, 0))
			if cam.PushMat(frame, time.Duration(i)*33*time.Millisecond) != nil {
				return
			}
			time.Sleep(33 * time.Millisecond)
		}
	}()
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()

	// The page fills its labels from an asynchronous poll, and Chromium
	// may dump the page as soon as the stream's first frame has loaded:
	// load it again (up to three times) until the poll has landed.
	var dom []byte
	for attempt := 1; attempt <= 3; attempt++ {
		profile := t.TempDir()
		cmd := exec.Command(browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
			"--disable-background-networking", "--disable-component-update", "--disable-sync",
			"--user-data-dir="+profile, "--virtual-time-budget=2000", "--timeout=8000", "--dump-dom", s.URL())
		cmd.Env = append(os.Environ(), "HOME="+profile)
		var err error
		if dom, err = cmd.Output(); err != nil {
			t.Fatalf("chromium: %v\n%s", err, dom)
		}
		if regexp.MustCompile(`data-frames="[1-9]`).Match(dom) {
			break
		}
		t.Logf("attempt %d: the page had not polled its status yet", attempt)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	html := string(dom)
	if m := regexp.MustCompile(`data-loaded="(\d+)x(\d+)"`).FindStringSubmatch(html); m == nil || m[1] != "320" || m[2] != "240" {
		t.Errorf("the stream image did not load a 320x240 frame: %q", m)
	}
	fm := regexp.MustCompile(`data-frames="(\d+)"`).FindStringSubmatch(html)
	if fm == nil {
		t.Fatalf("the page shows no frame count:\n%s", html)
	}
	if n, _ := strconv.Atoi(fm[1]); n < 5 {
		t.Errorf("the page saw %d frames", n)
	}
	if !regexp.MustCompile(`<td class="p">\d+\.\d%</td><td>class \d</td>`).MatchString(html) {
		t.Errorf("no labels on the page:\n%s", html)
	}
	t.Logf("page: %s frames, stream %s", fm[1], regexp.MustCompile(`data-loaded="[^"]*"`).FindString(html))
}
