package viewer

import (
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"gocv.io/x/gocv"

	"github.com/livecam/livecam/classify"
	"github.com/livecam/livecam/internal/testrig/chromium"
	"github.com/livecam/livecam/pipeline"
)

// TestNoSignal is the porch camera of issue 23 in the viewer: a pelican
// in view, then the pipeline says the signal is lost (before StaleAfter):
// the status says "no signal" since the last frame, with no label, and
// /healthz names it; the next frame brings the label back. Without the
// pipeline's word, StaleAfter on the viewer's clock says the same.
func TestNoSignal(t *testing.T) {
	clk := newClock()
	v := New(Options{StaleAfter: 5 * time.Second, now: clk.Now})
	srv := httptest.NewServer(v)
	defer srv.Close()
	defer v.Close()
	porch, _ := v.Camera("porch")
	captured := time.Date(2026, 12, 2, 15, 42, 7, 123e6, time.UTC)
	frame := func() {
		img := gocv.NewMatWithSize(8, 8, gocv.MatTypeCV8UC3)
		defer img.Close()
		r := pipeline.Result{Time: captured}
		r.SetTop([]classify.Prediction{{Class: 144, Label: "pelican", Score: 1}})
		porch.Write(&pipeline.Output{Image: img, Result: &r, Source: pipeline.SourceInfo{Name: "rtsp://porch"}})
	}
	state := func(what, want string) {
		t.Helper()
		_, body := get(t, srv.URL+"/cameras/porch/status.json")
		var st status
		if err := json.Unmarshal(body, &st); err != nil {
			t.Fatal(err)
		}
		got := "frames"
		if st.NoSignal {
			got = "no signal since " + st.NoSignalSince
		}
		for _, l := range st.Top {
			got += " " + l.Label
		}
		if got != want {
			t.Errorf("%s: %s, want %s (%s)", what, got, want, body)
		}
	}
	frame()
	state("a frame", "frames pelican")
	clk.Advance(2 * time.Second)
	porch.Signal(pipeline.Signal{Lost: true, Since: captured, Camera: "porch"})
	state("the pipeline said lost", "no signal since 2026-12-02T15:42:07.123Z")
	if code, body := get(t, srv.URL+"/healthz"); code != 503 || !strings.Contains(string(body), "porch (rtsp://porch): no signal since 15:42:07") {
		t.Errorf("healthz %d %q", code, body)
	}
	captured = captured.Add(150 * time.Second)
	frame() // the frame itself ends it, whether or not a Signal said so
	state("back", "frames pelican")
	if code, _ := get(t, srv.URL+"/healthz"); code != 200 {
		t.Errorf("healthz %d once back", code)
	}
	clk.Advance(5 * time.Second)
	state("StaleAfter, to the nanosecond", "frames pelican")
	clk.Advance(time.Nanosecond)
	state("stale, no word from the pipeline", "no signal since 2026-12-02T15:44:37.123Z")
}

// TestNoSignalInChromium: the page shows "no signal since 15:42:07" (in
// the browser's time zone, UTC here) in place of the last label.
// Images are off: the stream of a camera without signal never loads, and
// the page would never finish loading.
func TestNoSignalInChromium(t *testing.T) {
	chromium.Path(t)
	t.Setenv("TZ", "UTC")
	s, err := Listen(Options{Addr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	porch, _ := s.Camera("porch")
	img := gocv.NewMatWithSize(8, 8, gocv.MatTypeCV8UC3)
	defer img.Close()
	r := pipeline.Result{Time: time.Date(2026, 12, 2, 15, 42, 7, 0, time.UTC)}
	r.SetTop([]classify.Prediction{{Class: 144, Label: "pelican", Score: 1}})
	porch.Write(&pipeline.Output{Image: img, Result: &r})
	porch.Signal(pipeline.Signal{Lost: true, Since: r.Time, Camera: "porch"})
	var html string
	for attempt := 1; attempt <= 3; attempt++ { // until the page's poll has landed
		html = string(chromium.Run(t, s.URL(), 2*time.Second, "--dump-dom", "--blink-settings=imagesEnabled=false").DOM)
		if strings.Contains(html, "data-frames=") {
			break
		}
	}
	if !strings.Contains(html, `<td class="nosignal">no signal since 15:42:07</td>`) || strings.Contains(html, "pelican") {
		t.Errorf("the page does not say no signal:\n%s", html)
	}
}
