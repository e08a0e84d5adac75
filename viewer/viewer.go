// Package viewer serves a pipeline's annotated frames over HTTP: an MJPEG
// stream, the current labels and statistics as JSON, and a small page that
// shows both. It is a pipeline.Sink.
//
// It is safe by default: it listens on loopback unless told otherwise,
// serves only its own fixed routes (no files), accepts a bearer token,
// caps the number of simultaneous viewers, and times out slow requests. A
// slow or stalled viewer only ever misses frames: the pipeline hands the
// newest frame over and never waits for anyone.
package viewer

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"gocv.io/x/gocv"

	"github.com/livecam/livecam/pipeline"
	"github.com/livecam/livecam/source"
)

// Options configure a Server; zero values mean the defaults named.
type Options struct {
	// Addr is the listen address (default "127.0.0.1:8080").
	Addr string
	// Token, when set, must be presented by every request: as
	// "Authorization: Bearer TOKEN", as ?token=TOKEN (the page then sets
	// a cookie so that its stream and status requests carry it).
	Token string
	// MaxViewers caps simultaneous streams (default 4).
	MaxViewers int
	// Quality is the JPEG quality, 1-100 (default 80).
	Quality int
	// WriteTimeout drops a viewer whose connection does not take a frame
	// within it (default 5 s).
	WriteTimeout time.Duration
	// Model names the model on the page.
	Model string
	// AllowedHosts are the host names (besides IP addresses and
	// "localhost") that requests may carry in their Host header when there
	// is no Token. Any other name is refused: a web page on another site
	// cannot reach the viewer through DNS rebinding.
	AllowedHosts []string
	// Metrics, when set, is served at /metrics (e.g. prom.Handler).
	Metrics http.Handler
	// StaleAfter is how long without a frame /healthz answers 503
	// (default 5 s).
	StaleAfter time.Duration
}

// Server is the viewer. Create it with Listen, add it to the pipeline's
// sinks, and Close it (the pipeline does) to stop serving.
type Server struct {
	opts    Options
	ln      net.Listener
	srv     *http.Server
	viewers atomic.Int32

	mu         sync.Mutex
	sourceName string // as the pipeline names it; status.Source is what viewers see
	frame      []byte // newest JPEG
	seq        int64  // bumped per frame
	status     status
	wake       chan struct{} // closed and replaced when a frame arrives
	closed     bool
	lastFrame  time.Time // when the newest frame arrived

	served sync.WaitGroup
}

type label struct {
	Class int     `json:"class"`
	Label string  `json:"label"`
	Score float32 `json:"score"`
}

type status struct {
	Model     string  `json:"model"`
	Source    string  `json:"source"`
	Frame     int64   `json:"frame"`
	Top       []label `json:"top"`
	LatencyMS float64 `json:"latency_ms"`
	Dropped   int64   `json:"dropped"`
	Frames    int64   `json:"frames"`
	Viewers   int32   `json:"viewers"`
	// Goroutines counts the process's goroutines, for soak tests and
	// operators watching for leaks.
	Goroutines int `json:"goroutines"`
}

// IsLoopback reports whether addr's host is a loopback address (or
// "localhost"); an empty host means every interface, which is not.
func IsLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Listen opens the listening socket and starts serving.
func Listen(opts Options) (*Server, error) {
	if opts.Addr == "" {
		opts.Addr = "127.0.0.1:8080"
	}
	if opts.MaxViewers <= 0 {
		opts.MaxViewers = 4
	}
	if opts.Quality <= 0 || opts.Quality > 100 {
		opts.Quality = 80
	}
	if opts.WriteTimeout <= 0 {
		opts.WriteTimeout = 5 * time.Second
	}
	if opts.StaleAfter <= 0 {
		opts.StaleAfter = 5 * time.Second
	}
	ln, err := net.Listen("tcp", opts.Addr)
	if err != nil {
		return nil, fmt.Errorf("viewer: %w", err)
	}
	s := &Server{opts: opts, ln: ln, wake: make(chan struct{})}
	s.status.Model = opts.Model
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", s.page)
	mux.HandleFunc("GET /stream.mjpg", s.stream)
	mux.HandleFunc("GET /status.json", s.statusJSON)
	mux.HandleFunc("GET /healthz", s.healthz)
	if opts.Metrics != nil {
		mux.Handle("GET /metrics", opts.Metrics)
	}
	s.srv = &http.Server{
		Handler:           s.harden(s.checkHost(s.auth(mux))),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		IdleTimeout:       60 * time.Second,
		MaxHeaderBytes:    16 << 10,
	}
	s.served.Add(1)
	go func() {
		defer s.served.Done()
		s.srv.Serve(ln)
	}()
	return s, nil
}

// Addr returns the address the server listens on.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// URL returns the page's address.
func (s *Server) URL() string { return "http://" + s.Addr() + "/" }

const cookieName = "livecam_token"

// harden sets the headers that keep other sites from framing, embedding
// or sniffing what the viewer serves.
func (s *Server) harden(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cross-Origin-Resource-Policy", "same-origin")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Cache-Control", "no-store")
		next.ServeHTTP(w, r)
	})
}

// checkHost refuses, when there is no token, requests whose Host header
// names a host other than an IP address, localhost or an allowed name: a
// page of another site that rebinds its name to this machine's address
// sends its own name.
func (s *Server) checkHost(next http.Handler) http.Handler {
	if s.opts.Token != "" {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !s.hostAllowed(r.Host) {
			http.Error(w, "host not allowed: this viewer answers to its IP address, localhost and the names given with -serve-host", http.StatusForbidden)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (s *Server) hostAllowed(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.Trim(host, "[]"), ".")
	if net.ParseIP(host) != nil || strings.EqualFold(host, "localhost") {
		return true
	}
	for _, a := range s.opts.AllowedHosts {
		if strings.EqualFold(host, a) {
			return true
		}
	}
	return false
}

// auth checks the token, when there is one, in constant time.
func (s *Server) auth(next http.Handler) http.Handler {
	if s.opts.Token == "" {
		return next
	}
	want := []byte(s.opts.Token)
	ok := func(got string) bool { return subtle.ConstantTimeCompare([]byte(got), want) == 1 }
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if h := r.Header.Get("Authorization"); len(h) > 7 && h[:7] == "Bearer " && ok(h[7:]) {
			next.ServeHTTP(w, r)
			return
		}
		if c, err := r.Cookie(cookieName); err == nil && ok(c.Value) {
			next.ServeHTTP(w, r)
			return
		}
		if q := r.URL.Query().Get("token"); q != "" && ok(q) {
			http.SetCookie(w, &http.Cookie{Name: cookieName, Value: q, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode})
			next.ServeHTTP(w, r)
			return
		}
		w.Header().Set("WWW-Authenticate", `Bearer realm="livecam"`)
		http.Error(w, "unauthorized", http.StatusUnauthorized)
	})
}

// Write takes the pipeline's newest frame: it is encoded only while
// someone watches, and replaces the previous one.
func (s *Server) Write(o *pipeline.Output) error {
	r := o.Result
	s.mu.Lock()
	st := &s.status
	if st.Source == "" || s.sourceName != o.Source.Name {
		s.sourceName, st.Source = o.Source.Name, displayName(o.Source.Name)
	}
	st.Frame, st.Dropped = r.Frame, r.Dropped
	s.lastFrame = time.Now()
	st.LatencyMS = float64(r.Latency.Microseconds()) / 1000
	st.Frames++
	st.Top = st.Top[:0]
	for _, t := range r.Top() {
		st.Top = append(st.Top, label{Class: t.Class, Label: t.Label, Score: t.Score})
	}
	s.mu.Unlock()
	if s.viewers.Load() == 0 {
		return nil
	}
	buf, err := gocv.IMEncodeWithParams(gocv.JPEGFileExt, o.Image, []int{gocv.IMWriteJpegQuality, s.opts.Quality})
	if err != nil {
		return nil // a frame the encoder refuses is skipped, not fatal
	}
	jpeg := append([]byte(nil), buf.GetBytes()...)
	buf.Close()
	s.mu.Lock()
	s.frame = jpeg
	s.seq++
	close(s.wake)
	s.wake = make(chan struct{})
	s.mu.Unlock()
	return nil
}

// next waits for a frame newer than seen; ok is false when the server
// closes or ctx ends.
func (s *Server) next(ctx context.Context, seen int64) (frame []byte, seq int64, ok bool) {
	for {
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			return nil, 0, false
		}
		if s.seq != seen && s.frame != nil {
			frame, seq = s.frame, s.seq
			s.mu.Unlock()
			return frame, seq, true
		}
		wake := s.wake
		s.mu.Unlock()
		select {
		case <-wake:
		case <-ctx.Done():
			return nil, 0, false
		}
	}
}

const boundary = "livecamframe"

func (s *Server) stream(w http.ResponseWriter, r *http.Request) {
	if n := s.viewers.Add(1); int(n) > s.opts.MaxViewers {
		s.viewers.Add(-1)
		w.Header().Set("Retry-After", "5")
		http.Error(w, "too many viewers", http.StatusServiceUnavailable)
		return
	}
	defer s.viewers.Add(-1)
	rc := http.NewResponseController(w)
	w.Header().Set("Content-Type", "multipart/x-mixed-replace; boundary="+boundary)
	// Headers go out at once: a client waits for them before the first
	// frame, which may take a while.
	w.WriteHeader(http.StatusOK)
	if err := rc.Flush(); err != nil {
		return
	}
	var seen int64
	for {
		frame, seq, ok := s.next(r.Context(), seen)
		if !ok {
			return
		}
		seen = seq
		// A viewer that cannot take a frame in time is dropped; the
		// others and the pipeline never wait for it.
		rc.SetWriteDeadline(time.Now().Add(s.opts.WriteTimeout))
		if _, err := fmt.Fprintf(w, "--%s\r\nContent-Type: image/jpeg\r\nContent-Length: %d\r\n\r\n", boundary, len(frame)); err != nil {
			return
		}
		if _, err := w.Write(frame); err != nil {
			return
		}
		if _, err := w.Write([]byte("\r\n")); err != nil {
			return
		}
		if err := rc.Flush(); err != nil {
			return
		}
	}
}

func (s *Server) statusJSON(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	st := s.status
	st.Top = append([]label(nil), s.status.Top...)
	s.mu.Unlock()
	st.Viewers = s.viewers.Load()
	st.Goroutines = runtime.NumGoroutine()
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(st)
}

func (s *Server) page(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", "default-src 'self'; script-src 'unsafe-inline' 'self'; style-src 'unsafe-inline'; frame-ancestors 'none'")
	w.Write([]byte(pageHTML))
}

// Close stops serving: open streams end, and the listener closes.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	close(s.wake)
	s.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	err := s.srv.Shutdown(ctx)
	if errors.Is(err, context.DeadlineExceeded) {
		err = s.srv.Close()
	}
	s.served.Wait()
	return err
}

var _ pipeline.Sink = (*Server)(nil)

// displayName is how the page names a source: a URL without its password,
// a file by its base name (viewers need not learn the machine's folders).
func displayName(name string) string {
	if strings.Contains(name, "://") {
		return source.RedactURL(name)
	}
	if strings.ContainsRune(name, filepath.Separator) {
		return filepath.Base(name)
	}
	return name
}

const pageHTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>livecam</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{margin:0;background:#111;color:#eee;font:15px system-ui,sans-serif}
main{display:flex;flex-wrap:wrap;gap:16px;padding:16px}
img{max-width:100%;height:auto;background:#000;border:1px solid #333}
table{border-collapse:collapse}td{padding:2px 10px 2px 0}
#labels td:first-child{text-align:right;font-variant-numeric:tabular-nums}
small{color:#999}
</style></head><body><main>
<img id="stream" src="stream.mjpg" alt="livecam stream">
<section><h1>livecam</h1>
<table id="labels"><tbody><tr><td colspan="2"><small>waiting for frames…</small></td></tr></tbody></table>
<p><small id="stats"></small></p></section>
</main><script>
const img = document.getElementById('stream');
img.addEventListener('load', () => { img.dataset.loaded = img.naturalWidth + 'x' + img.naturalHeight; });
async function poll() {
  try {
    const r = await fetch('status.json', {cache: 'no-store'});
    const s = await r.json();
    const rows = (s.top || []).map(t => {
      const tr = document.createElement('tr');
      const p = document.createElement('td'); p.textContent = (100 * t.score).toFixed(1) + '%';
      const l = document.createElement('td'); l.textContent = t.label;
      tr.append(p, l); return tr;
    });
    if (rows.length) document.querySelector('#labels tbody').replaceChildren(...rows);
    document.getElementById('stats').textContent =
      s.model + ' · ' + s.source + ' · frame ' + s.frame + ' · ' + s.frames + ' frames · ' +
      s.latency_ms.toFixed(1) + ' ms · dropped ' + s.dropped + ' · viewers ' + s.viewers;
    document.body.dataset.frames = s.frames;
  } catch (e) {}
  setTimeout(poll, 500);
}
poll();
</script></body></html>
`

// healthz answers 200 while frames arrive, 503 saying since when none has
// (for a supervisor or a load balancer).
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	last, name := s.lastFrame, s.status.Source
	s.mu.Unlock()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	switch {
	case last.IsZero():
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprintln(w, "no frame yet")
	case time.Since(last) > s.opts.StaleAfter:
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprintf(w, "%s: no frame for %.1fs\n", name, time.Since(last).Seconds())
	default:
		fmt.Fprintf(w, "ok: %s\n", name)
	}
}
