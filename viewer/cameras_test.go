package viewer

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"gocv.io/x/gocv"

	"github.com/livecam/livecam/internal/testrig/chromium"
	"github.com/livecam/livecam/pipeline"
)

// feedCamera writes solid frames of one colour (blue, green, red) to c
// every gap until ctx ends.
func feedCamera(ctx context.Context, c *Camera, bgr [3]float64, gap time.Duration) {
	img := gocv.NewMatWithSize(120, 160, gocv.MatTypeCV8UC3)
	defer img.Close()
	img.SetTo(gocv.NewScalar(bgr[0], bgr[1], bgr[2], 0))
	var r pipeline.Result
	for i := int64(0); ctx.Err() == nil; i++ {
		r.Frame = i
		c.Write(&pipeline.Output{Image: img, Result: &r, Source: pipeline.SourceInfo{Name: "/videos/" + c.Name() + ".mp4"}})
		time.Sleep(gap)
	}
}

func get(t *testing.T, url string) (int, []byte) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, body
}

// TestCamerasMounted: the viewer as an http.Handler under a prefix of an
// application's server, with two cameras: each camera's snapshot is its
// own picture, /cameras.json lists both in order, an unknown camera is
// 404, and names that do not fit a URL, or twice the same, are refused.
func TestCamerasMounted(t *testing.T) {
	v := New(Options{Model: "m"})
	defer v.Close()
	mux := http.NewServeMux()
	mux.Handle("/live/", http.StripPrefix("/live", v))
	app := httptest.NewServer(mux)
	defer app.Close()
	front, err := v.Camera("front")
	if err != nil {
		t.Fatal(err)
	}
	back, err := v.Camera("back")
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"front", "", "a/b", "../x", "a b", strings.Repeat("x", 65)} {
		if _, err := v.Camera(bad); err == nil {
			t.Errorf("camera name %q accepted", bad)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go feedCamera(ctx, front, [3]float64{255, 0, 0}, 10*time.Millisecond)
	go feedCamera(ctx, back, [3]float64{0, 0, 255}, 10*time.Millisecond)

	for _, tc := range []struct {
		camera string
		want   [3]uint8 // B, G, R
	}{{"front", [3]uint8{255, 0, 0}}, {"back", [3]uint8{0, 0, 255}}} {
		code, body := get(t, app.URL+"/live/cameras/"+tc.camera+"/snapshot.jpg")
		if code != 200 {
			t.Fatalf("%s snapshot: %d %s", tc.camera, code, body)
		}
		img, err := gocv.IMDecode(body, gocv.IMReadColor)
		if err != nil || img.Empty() {
			t.Fatalf("%s snapshot is not an image: %v", tc.camera, err)
		}
		px := img.GetVecbAt(60, 80)
		img.Close()
		for i := range 3 {
			if d := int(px[i]) - int(tc.want[i]); d < -8 || d > 8 {
				t.Errorf("%s snapshot pixel %v, want %v", tc.camera, px, tc.want)
				break
			}
		}
	}
	code, body := get(t, app.URL+"/live/cameras.json")
	var all []struct {
		Camera, Source string
		Frames         int
	}
	if err := json.Unmarshal(body, &all); code != 200 || err != nil {
		t.Fatalf("cameras.json: %d %v %s", code, err, body)
	}
	if len(all) != 2 || all[0].Camera != "front" || all[1].Camera != "back" || all[0].Source != "front.mp4" || all[1].Frames == 0 {
		t.Errorf("cameras.json: %+v", all)
	}
	if code, _ := get(t, app.URL+"/live/cameras/side/stream.mjpg"); code != 404 {
		t.Errorf("an unknown camera's stream: %d, want 404", code)
	}
	if code, body := get(t, app.URL+"/live/"); code != 200 || !strings.Contains(string(body), "cameras.json") {
		t.Errorf("the page under the prefix: %d", code)
	}
}

// TestHealthzPerCamera: 200 while every camera delivers; once one has
// sent nothing for more than StaleAfter (on the viewer's clock, stepped
// here by hand), 503 naming it and only it; a camera that ended is named
// as ended until it is written to again.
func TestHealthzPerCamera(t *testing.T) {
	clk := newClock()
	v := New(Options{StaleAfter: time.Second, now: clk.Now})
	srv := httptest.NewServer(v)
	defer srv.Close()
	defer v.Close()
	front, _ := v.Camera("front")
	back, _ := v.Camera("back")
	health := func(what string, wantCode int, want string) {
		t.Helper()
		if code, body := get(t, srv.URL+"/healthz"); code != wantCode || string(body) != want {
			t.Errorf("%s: %d %q, want %d %q", what, code, body, wantCode, want)
		}
	}
	writeFrame(front)
	writeFrame(back)
	health("both delivering", 200, "ok: front (front.mp4), back (back.mp4)\n")
	// front goes on; back's newest frame grows old.
	clk.Advance(600 * time.Millisecond)
	writeFrame(front)
	health("back quiet for 0.6 s", 200, "ok: front (front.mp4), back (back.mp4)\n")
	clk.Advance(600 * time.Millisecond)
	writeFrame(front)
	health("back quiet for 1.2 s", 503, "back (back.mp4): no frame for 1.2s\n")
	front.Close()
	health("front ended", 503, "front (front.mp4): ended\nback (back.mp4): no frame for 1.2s\n")
	writeFrame(back)
	health("back back", 503, "front (front.mp4): ended\n")
	writeFrame(front)
	health("front written to again", 200, "ok: front (front.mp4), back (back.mp4)\n")
}

// TestGridInChromium: the page shows every camera's stream, each with
// its own picture size, in the order added.
func TestGridInChromium(t *testing.T) {
	chromium.Path(t)
	s := listen(t, Options{Model: "m"})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	for _, name := range []string{"front", "back", "side"} {
		c, err := s.Camera(name)
		if err != nil {
			t.Fatal(err)
		}
		go feedCamera(ctx, c, [3]float64{40, 80, 120}, 30*time.Millisecond)
	}
	var html string
	for attempt := 1; attempt <= 3; attempt++ {
		html = string(chromium.Run(t, s.URL(), 3*time.Second, "--dump-dom").DOM)
		if strings.Count(html, `data-loaded="160x120"`) == 3 {
			break
		}
		t.Logf("attempt %d: not every stream had loaded", attempt)
	}
	order := regexp.MustCompile(`<figure[^>]*data-camera="([a-z]+)"`).FindAllStringSubmatch(html, -1)
	if len(order) != 3 || order[0][1] != "front" || order[1][1] != "back" || order[2][1] != "side" {
		t.Errorf("tiles %v, want front, back, side", order)
	}
	if n := strings.Count(html, `data-loaded="160x120"`); n != 3 {
		t.Errorf("%d of 3 streams showed a frame:\n%s", n, html)
	}
	if !strings.Contains(html, `data-cameras="3"`) {
		t.Errorf("the page does not count 3 cameras")
	}
}
