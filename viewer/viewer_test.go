package viewer

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gocv.io/x/gocv"

	"github.com/livecam/livecam/pipeline"
)

// feed writes n frames to the server as a pipeline would, one every gap,
// and returns the slowest write. It may run on its own goroutine, so it
// reports with Error, not Fatal.
func feed(t *testing.T, s *Server, n int, gap time.Duration) time.Duration {
	return feedUntil(t, s, n, gap, nil, nil)
}

// feedUntil is feed that also stops when stop is closed (n < 0: only
// then) and counts the frames written in written (when not nil).
func feedUntil(t *testing.T, s *Server, n int, gap time.Duration, stop <-chan struct{}, written *atomic.Int64) time.Duration {
	// Noise compresses badly: large frames fill socket buffers quickly.
	img := gocv.NewMatWithSize(480, 640, gocv.MatTypeCV8UC3)
	defer img.Close()
	gocv.RandU(&img, gocv.NewScalar(0, 0, 0, 0), gocv.NewScalar(255, 255, 255, 0))
	var r pipeline.Result
	var slowest time.Duration
	for i := 0; n < 0 || i < n; i++ {
		select {
		case <-stop:
			return slowest
		default:
		}
		img.SetUCharAt(0, 0, uint8(i))
		r.Frame = int64(i)
		start := time.Now()
		if err := s.Write(&pipeline.Output{Image: img, Result: &r, Source: pipeline.SourceInfo{Name: "test"}}); err != nil {
			t.Error(err)
			return slowest
		}
		slowest = max(slowest, time.Since(start))
		if written != nil {
			written.Add(1)
		}
		time.Sleep(gap)
	}
	return slowest
}

func listen(t *testing.T, opts Options) *Server {
	t.Helper()
	if opts.Addr == "" {
		opts.Addr = "127.0.0.1:0"
	}
	s, err := Listen(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// readFrames reads n MJPEG parts from a stream and returns their sizes.
func readFrames(t *testing.T, body io.Reader, n int) []int {
	t.Helper()
	br := bufio.NewReader(body)
	var sizes []int
	for len(sizes) < n {
		line, err := br.ReadString('\n')
		if err != nil {
			t.Fatalf("after %d frames: %v", len(sizes), err)
		}
		if !strings.HasPrefix(line, "Content-Length: ") {
			continue
		}
		var size int
		if _, err := fmt.Sscan(strings.TrimSpace(strings.TrimPrefix(line, "Content-Length: ")), &size); err != nil {
			t.Fatal(err)
		}
		br.ReadString('\n') // blank line
		jpeg := make([]byte, size)
		if _, err := io.ReadFull(br, jpeg); err != nil {
			t.Fatal(err)
		}
		if jpeg[0] != 0xFF || jpeg[1] != 0xD8 {
			t.Fatal("part is not a JPEG")
		}
		sizes = append(sizes, size)
	}
	return sizes
}

func TestStreamStatusAndPage(t *testing.T) {
	s := listen(t, Options{Model: "m"})
	if !IsLoopback(s.Addr()) {
		t.Fatalf("listening on %s", s.Addr())
	}
	resp, err := http.Get(s.URL() + "stream.mjpg")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "multipart/x-mixed-replace") {
		t.Fatalf("Content-Type %q", ct)
	}
	go feed(t, s, 30, 10*time.Millisecond)
	if got := readFrames(t, resp.Body, 3); len(got) != 3 {
		t.Fatal("no frames")
	}
	var st struct {
		Model   string `json:"model"`
		Frames  int    `json:"frames"`
		Viewers int    `json:"viewers"`
	}
	r2, err := http.Get(s.URL() + "status.json")
	if err != nil {
		t.Fatal(err)
	}
	json.NewDecoder(r2.Body).Decode(&st)
	r2.Body.Close()
	if st.Model != "m" || st.Frames == 0 || st.Viewers != 1 {
		t.Errorf("status %+v", st)
	}
	page, err := http.Get(s.URL())
	if err != nil {
		t.Fatal(err)
	}
	html, _ := io.ReadAll(page.Body)
	page.Body.Close()
	if !strings.Contains(string(html), `'/stream.mjpg'`) || !strings.Contains(string(html), `fetch('cameras.json'`) {
		t.Error("page does not show the cameras' streams")
	}
}

// TestOnlyFixedRoutes: no file serving, no traversal, no other methods.
func TestOnlyFixedRoutes(t *testing.T) {
	s := listen(t, Options{})
	for _, path := range []string{"/etc/passwd", "/../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/stream.mjpg/../viewer.go", "/debug/pprof/", "/index.html"} {
		conn, err := net.Dial("tcp", s.Addr())
		if err != nil {
			t.Fatal(err)
		}
		// A raw request, so the path reaches the server unnormalised.
		conn.Write([]byte("GET " + path + " HTTP/1.1\r\nHost: " + s.Addr() + "\r\nConnection: close\r\n\r\n"))
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		conn.Close()
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != 404 && resp.StatusCode != 301 && resp.StatusCode != 307 {
			t.Errorf("%s: status %d", path, resp.StatusCode)
		}
	}
	resp, err := http.Post(s.URL()+"status.json", "text/plain", strings.NewReader("x"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST: status %d", resp.StatusCode)
	}
}

func TestToken(t *testing.T) {
	s := listen(t, Options{Token: "s3cret"})
	get := func(path string, hdr string) int {
		req, _ := http.NewRequest("GET", s.URL()+path, nil)
		if hdr != "" {
			req.Header.Set("Authorization", hdr)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for _, tc := range []struct {
		path, hdr string
		want      int
	}{
		{"status.json", "", 401},
		{"status.json", "Bearer wrong", 401},
		{"status.json", "Bearer s3cret", 200},
		{"?token=wrong", "", 401},
		{"?token=s3cret", "", 200},
	} {
		if got := get(tc.path, tc.hdr); got != tc.want {
			t.Errorf("GET %s with %q: %d, want %d", tc.path, tc.hdr, got, tc.want)
		}
	}
}

func TestViewerCap(t *testing.T) {
	s := listen(t, Options{MaxViewers: 2})
	var open []*http.Response
	defer func() {
		for _, r := range open {
			r.Body.Close()
		}
	}()
	for i := range 2 {
		r, err := http.Get(s.URL() + "stream.mjpg")
		if err != nil {
			t.Fatal(err)
		}
		open = append(open, r)
		if r.StatusCode != http.StatusOK {
			t.Fatalf("viewer %d of 2: status %d, want 200", i+1, r.StatusCode)
		}
	}
	r, err := http.Get(s.URL() + "stream.mjpg")
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	if r.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("third viewer: status %d, want 503", r.StatusCode)
	}
	// A viewer that leaves frees its place.
	open[0].Body.Close()
	open = open[1:]
	for deadline := time.Now().Add(5 * time.Second); s.first().viewers.Load() != 1; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d viewers 5 s after one of 2 left", s.first().viewers.Load())
		}
	}
	r, err = http.Get(s.URL() + "stream.mjpg")
	if err != nil {
		t.Fatal(err)
	}
	open = append(open, r)
	if r.StatusCode != http.StatusOK {
		t.Errorf("a viewer after one left: status %d, want 200", r.StatusCode)
	}
}

// countParts reads an MJPEG stream and counts its complete parts in n
// until the stream ends, and returns the error that ended it.
func countParts(body io.Reader, n *atomic.Int64) error {
	br := bufio.NewReaderSize(body, 1<<16)
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return err
		}
		size, ok := strings.CutPrefix(strings.TrimSpace(line), "Content-Length: ")
		if !ok {
			continue
		}
		var size64 int64
		if _, err := fmt.Sscan(size, &size64); err != nil {
			return err
		}
		if _, err := br.ReadString('\n'); err != nil { // blank line
			return err
		}
		if _, err := io.CopyN(io.Discard, br, size64); err != nil {
			return err
		}
		n.Add(1)
	}
}

// TestStalledViewer: a viewer that stops reading is dropped once a write
// to it has waited WriteTimeout; meanwhile neither the pipeline's writes
// nor another viewer wait for it.
func TestStalledViewer(t *testing.T) {
	const timeout = 2 * time.Second
	s := listen(t, Options{WriteTimeout: timeout, Quality: 100})
	cam := s.first()

	// The stalled viewer: a raw connection with a small receive buffer
	// that sends a valid request (with a Host the host check admits),
	// reads the response's headers and never reads again. No frame has
	// been written yet, so nothing after the headers is read with them.
	conn, err := net.Dial("tcp", s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	stalled := conn.(*net.TCPConn)
	defer stalled.Close()
	if err := stalled.SetReadBuffer(4096); err != nil {
		t.Fatal(err)
	}
	if _, err := fmt.Fprintf(stalled, "GET /stream.mjpg HTTP/1.1\r\nHost: %s\r\n\r\n", s.Addr()); err != nil {
		t.Fatal(err)
	}
	stalled.SetReadDeadline(time.Now().Add(5 * time.Second))
	stalledResp, err := http.ReadResponse(bufio.NewReader(stalled), nil)
	if err != nil {
		t.Fatal(err)
	}
	if ct := stalledResp.Header.Get("Content-Type"); stalledResp.StatusCode != http.StatusOK || !strings.HasPrefix(ct, "multipart/x-mixed-replace") {
		t.Fatalf("the stalled viewer was not admitted: %s, Content-Type %q", stalledResp.Status, ct)
	}

	// The good viewer reads all along and counts the frames it gets.
	good, err := http.Get(s.URL() + "stream.mjpg")
	if err != nil {
		t.Fatal(err)
	}
	if good.StatusCode != http.StatusOK {
		good.Body.Close()
		t.Fatalf("the good viewer: %s", good.Status)
	}
	var goodParts atomic.Int64
	goodDone := make(chan struct{})
	go func() {
		defer close(goodDone)
		countParts(good.Body, &goodParts)
	}()
	defer func() {
		good.Body.Close()
		<-goodDone
	}()
	if n := cam.viewers.Load(); n != 2 {
		t.Fatalf("%d viewers, want 2 (the stalled and the good one)", n)
	}

	// The pipeline writes frames until told to stop: enough of them
	// (hundreds of KB each) to fill the stalled connection's buffers,
	// after which every write to it blocks.
	var written atomic.Int64
	stop := make(chan struct{})
	fed := make(chan time.Duration, 1)
	go func() { fed <- feedUntil(t, s, -1, 5*time.Millisecond, stop, &written) }()
	stopFeeding := sync.OnceValue(func() time.Duration {
		close(stop)
		return <-fed
	})
	defer stopFeeding()
	start := time.Now()
	// waitFor polls cond until it holds or limit has passed since the
	// frames started, noting when the good viewer got how many frames.
	// The limit is generous: the stalled viewer is due to be dropped a
	// little over the write timeout after the frames start.
	const limit = 8 * time.Second
	type sample struct {
		at    time.Duration
		parts int64
	}
	var samples []sample
	waitFor := func(cond func() bool, what string) {
		t.Helper()
		for !cond() {
			samples = append(samples, sample{time.Since(start), goodParts.Load()})
			if time.Since(start) > limit {
				t.Fatalf("%v after the frames started (write timeout %v), %s; the pipeline wrote %d frames, the good viewer got %d",
					limit, timeout, what, written.Load(), goodParts.Load())
			}
			time.Sleep(5 * time.Millisecond)
		}
	}

	waitFor(func() bool { return cam.viewers.Load() == 1 }, "the stalled viewer is still being served: writes to it do not time out")
	droppedAfter, goodAtDrop := time.Since(start), goodParts.Load()
	// The good viewer goes on getting frames once the stalled one is gone.
	waitFor(func() bool { return goodParts.Load() >= goodAtDrop+5 }, "the good viewer got no frames after the stalled one was dropped")
	slowest := stopFeeding()
	t.Logf("the stalled viewer was dropped %v after the frames started; the good viewer had got %d frames, the pipeline written %d; slowest write %v",
		droppedAfter.Round(time.Millisecond), goodAtDrop, written.Load(), slowest)

	// A write to the stalled viewer fails at its deadline, WriteTimeout
	// after it began, after the frames started: any sooner and the viewer
	// was dropped for something else.
	if droppedAfter < timeout {
		t.Fatalf("the stalled viewer was dropped %v after the frames started, before its write timeout (%v)", droppedAfter, timeout)
	}
	// In the last timeout/2 before it was dropped, the stalled viewer's
	// write had been stuck for at least timeout/2 (it was dropped when the
	// write's deadline, set as it began, passed). The pipeline and the
	// good viewer must not have waited for it meanwhile: the good viewer
	// goes on getting frames. Were either to wait, it would get none
	// until the stalled viewer was dropped. This counts frames, not
	// milliseconds: 3 frames in 1 s holds on a loaded machine (a write
	// has been seen to take 332 ms on a busy 2-core one).
	var before int64
	for _, smp := range samples {
		if smp.at <= droppedAfter-timeout/2 {
			before = smp.parts
		}
	}
	if got := goodAtDrop - before; got < 3 {
		t.Errorf("the good viewer got %d frames in the %v before the stalled one was dropped, while its write was stuck: it waited for the stalled one", got, timeout/2)
	}
	// The pipeline's Write only encodes the frame and hands it over:
	// milliseconds. 1 s leaves room for a loaded machine and is still half
	// the write timeout, which a write that waited for the stalled viewer
	// would take.
	if slowest > time.Second {
		t.Errorf("a pipeline write took %v with a stalled viewer", slowest)
	}
	if n := cam.viewers.Load(); n != 1 {
		t.Errorf("%d viewers once the stalled one was dropped, want 1 (the good one)", n)
	}
}

func TestIsLoopback(t *testing.T) {
	for addr, want := range map[string]bool{"127.0.0.1:8080": true, "localhost:1": true, "[::1]:80": true, ":8080": false, "0.0.0.0:80": false, "192.168.1.5:80": false} {
		if IsLoopback(addr) != want {
			t.Errorf("IsLoopback(%q) != %v", addr, want)
		}
	}
}

// TestHostCheck: without a token only IP addresses, localhost and the
// allowed names are answered (DNS rebinding sends the attacker's name);
// with a token the token protects and any Host is answered.
func TestHostCheck(t *testing.T) {
	get := func(s *Server, host, auth string) int {
		req, _ := http.NewRequest("GET", s.URL()+"status.json", nil)
		req.Host = host
		if auth != "" {
			req.Header.Set("Authorization", "Bearer "+auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	open := listen(t, Options{AllowedHosts: []string{"camera-box.lan"}})
	_, port, _ := net.SplitHostPort(open.Addr())
	for host, want := range map[string]int{
		"evil.example":                403,
		"evil.example:" + port:        403,
		"127.0.0.1.nip.io:" + port:    403,
		"127.0.0.1:" + port:           200,
		"localhost:" + port:           200,
		"LOCALHOST.:" + port:          200,
		"[::1]:" + port:               200,
		"192.168.1.20:" + port:        200,
		"camera-box.lan:" + port:      200,
		"camera-box.lan.evil.example": 403,
	} {
		if got := get(open, host, ""); got != want {
			t.Errorf("no token, Host %q: %d, want %d", host, got, want)
		}
	}
	locked := listen(t, Options{Token: "s3cret"})
	if got := get(locked, "evil.example", "s3cret"); got != 200 {
		t.Errorf("token given, Host evil.example: %d, want 200", got)
	}
	if got := get(locked, "evil.example", ""); got != 401 {
		t.Errorf("no token given, Host evil.example: %d, want 401", got)
	}
}

// TestHardeningHeaders: every response forbids framing, sniffing, caching
// and embedding by other sites.
func TestHardeningHeaders(t *testing.T) {
	s := listen(t, Options{})
	for _, path := range []string{"", "status.json", "nothing-here"} {
		resp, err := http.Get(s.URL() + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		for h, want := range map[string]string{
			"X-Content-Type-Options":       "nosniff",
			"X-Frame-Options":              "DENY",
			"Referrer-Policy":              "no-referrer",
			"Cross-Origin-Resource-Policy": "same-origin",
			"Cache-Control":                "no-store",
		} {
			if got := resp.Header.Get(h); got != want {
				t.Errorf("/%s: %s %q, want %q", path, h, got, want)
			}
		}
	}
}

// TestStatusHidesSecrets: the status, /cameras.json and /healthz name a
// stream without its credentials (password, and parameters such as pwd)
// and a file without its folders.
func TestStatusHidesSecrets(t *testing.T) {
	s := listen(t, Options{})
	img := gocv.NewMatWithSize(8, 8, gocv.MatTypeCV8UC3)
	defer img.Close()
	get := func(path string) string {
		resp, err := http.Get(s.URL() + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return string(body)
	}
	for name, want := range map[string]string{
		"rtsp://admin:hunter2@10.0.0.5:554/live":               "rtsp://admin:xxxxx@10.0.0.5:554/live",
		"http://127.0.0.1:8080/cam.mjpg?usr=admin&pwd=hunter2": "http://127.0.0.1:8080/cam.mjpg?usr=admin&pwd=xxxxx",
		"rtsp://10.0.0.5/live?token=hunter2&channel=1":         "rtsp://10.0.0.5/live?token=xxxxx&channel=1",
		"rtsp://admin:hunter2/#?@10.0.0.5/live":                "rtsp://admin:xxxxx@10.0.0.5/live",
		"rtsp://admin:hunter2 \"'x@10.0.0.5/live":              "rtsp://admin:xxxxx@10.0.0.5/live",
		"http://10.0.0.5/cam?user=admin&pw=hunter2&x=1":        "http://10.0.0.5/cam?user=admin&pw=xxxxx&x=1",
		"/home/ada/private/party.mp4":                          "party.mp4",
		"camera 0":                                             "camera 0",
		"/videos/door\nok: forged.mp4":                         `door\nok: forged.mp4`,
	} {
		var r pipeline.Result
		s.Write(&pipeline.Output{Image: img, Result: &r, Source: pipeline.SourceInfo{Name: name}})
		body := get("status.json")
		var st struct{ Source string }
		json.Unmarshal([]byte(body), &st)
		if st.Source != want || strings.Contains(body, "hunter2") || strings.Contains(body, "/home") {
			t.Errorf("source %q shows as %q (want %q): %s", name, st.Source, want, body)
		}
		for _, path := range []string{"cameras.json", "healthz", ""} {
			if body := get(path); strings.Contains(body, "hunter2") || strings.Contains(body, "/home") {
				t.Errorf("source %q: /%s shows it: %s", name, path, body)
			}
		}
		if h := get("healthz"); !strings.Contains(h, want) {
			t.Errorf("source %q: /healthz does not name it as %q: %s", name, want, h)
		}
	}
}

// TestTokenCookie: the page opened with ?token= sets an HttpOnly,
// SameSite=Strict cookie, and the page's own requests (status, stream),
// which carry only that cookie, are let in; a wrong cookie is not.
func TestTokenCookie(t *testing.T) {
	s := listen(t, Options{Token: "s3cret"})
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Jar: jar}
	status := func() int {
		resp, err := client.Get(s.URL() + "status.json")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := status(); got != 401 {
		t.Fatalf("status.json before the token: %d, want 401", got)
	}
	resp, err := client.Get(s.URL() + "?token=s3cret")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var set *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == "livecam_token" {
			set = c
		}
	}
	if set == nil || !set.HttpOnly || set.SameSite != http.SameSiteStrictMode || set.Path != "/" {
		t.Fatalf("cookie set by ?token=: %+v", set)
	}
	if got := status(); got != 200 {
		t.Errorf("status.json with the cookie only: %d, want 200", got)
	}
	u, _ := url.Parse(s.URL())
	jar.SetCookies(u, []*http.Cookie{{Name: "livecam_token", Value: "wrong", Path: "/"}})
	if got := status(); got != 401 {
		t.Errorf("status.json with a wrong cookie: %d, want 401", got)
	}
}

// TestHealthz: 503 before the first frame, 200 while frames arrive, 503
// naming the source once none has come for more than StaleAfter since the
// newest one (on the viewer's clock, stepped here by hand); the status
// gives the newest frame's age on the same clock.
func TestHealthz(t *testing.T) {
	clk := newClock()
	s := listen(t, Options{StaleAfter: 5 * time.Second, now: clk.Now})
	get := func(path string) (int, string) {
		resp, err := http.Get(s.URL() + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	if code, body := get("healthz"); code != 503 || body != "no frame yet: no camera\n" {
		t.Errorf("before any camera: %d %q", code, body)
	}
	feed(t, s, 1, 0)
	if code, body := get("healthz"); code != 200 || body != "ok: main (test)\n" {
		t.Errorf("after a frame: %d %q", code, body)
	}
	// A new frame starts the count again: 4 s + 5 s after the first
	// frame, 5 s after the newest, the camera is still delivering.
	clk.Advance(4 * time.Second)
	feed(t, s, 1, 0)
	clk.Advance(5 * time.Second)
	if code, body := get("healthz"); code != 200 || body != "ok: main (test)\n" {
		t.Errorf("5 s (StaleAfter) after the newest frame: %d %q", code, body)
	}
	var st struct {
		AgeMS float64 `json:"age_ms"`
	}
	if _, body := get("status.json"); json.Unmarshal([]byte(body), &st) != nil || st.AgeMS != 5000 {
		t.Errorf("status 5 s after the newest frame: %s, want age_ms 5000", body)
	}
	clk.Advance(100 * time.Millisecond)
	if code, body := get("healthz"); code != 503 || body != "main (test): no frame for 5.1s\n" {
		t.Errorf("5.1 s after the newest frame: %d %q", code, body)
	}
}

// TestMetricsRoute: /metrics serves Options.Metrics, behind the token
// like every route, and is absent without it.
func TestMetricsRoute(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "livecam_frames_in_total 1\n") })
	s := listen(t, Options{Token: "s3cret", Metrics: h})
	for _, tc := range []struct {
		hdr  string
		want int
	}{{"", 401}, {"Bearer s3cret", 200}} {
		req, _ := http.NewRequest("GET", s.URL()+"metrics", nil)
		if tc.hdr != "" {
			req.Header.Set("Authorization", tc.hdr)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.want || (tc.want == 200 && !strings.Contains(string(body), "livecam_frames_in_total")) {
			t.Errorf("GET /metrics with %q: %d %q", tc.hdr, resp.StatusCode, body)
		}
	}
	plain := listen(t, Options{})
	resp, err := http.Get(plain.URL() + "metrics")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Errorf("/metrics without Options.Metrics: %d, want 404", resp.StatusCode)
	}
}
