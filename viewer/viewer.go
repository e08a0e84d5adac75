// Package viewer serves pipelines' annotated frames over HTTP: for each
// camera an MJPEG stream, a snapshot, the current labels (a classifier's)
// or objects (a detector's: label, track id, score, box) and statistics
// as JSON, and one page that shows every camera in a grid.
//
// Routes: / (the page), /cameras.json (every camera's status),
// /cameras/NAME/stream.mjpg, /cameras/NAME/snapshot.jpg and
// /cameras/NAME/status.json, the first camera's at /stream.mjpg,
// /snapshot.jpg and /status.json, /healthz, and /metrics when
// Options.Metrics is set. Each camera (Server.Camera) is a pipeline.Sink;
// with one camera the Server itself can be the sink.
//
// Listen serves on an address of its own; New returns the same viewer as
// an http.Handler to mount in an application's server (under a prefix
// with http.StripPrefix: the page's links are relative).
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
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"gocv.io/x/gocv"

	"github.com/livecam/livecam/internal/escape"
	"github.com/livecam/livecam/internal/redact"
	"github.com/livecam/livecam/pipeline"
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
	// StaleAfter is how long without a frame /healthz answers 503 and
	// a camera's status says "no signal" (default 5 s), unless its
	// pipeline said so first (Camera.Signal).
	StaleAfter time.Duration

	// now is the clock that times frames' arrival for /healthz and the
	// status' age (default time.Now); tests set it to step time by hand.
	// Write deadlines on connections always use the real clock.
	now func() time.Time
}

// Server is the viewer. Create it with Listen (or New), give each
// pipeline a Camera as a sink (or, with one camera, the Server itself),
// and Close it to stop serving.
type Server struct {
	opts    Options
	handler http.Handler
	ln      net.Listener // nil for New
	srv     *http.Server
	served  sync.WaitGroup

	mu      sync.Mutex
	cameras []*Camera // in the order they were added
	primary *Camera   // the Server's own Write's, made by the first Write
	closed  bool
}

// Camera is one camera's part of the viewer: a pipeline.Sink. Its frames
// are encoded only while someone watches its stream or asks for a
// snapshot; Close marks it ended (its streams end, /healthz names it).
type Camera struct {
	s       *Server
	name    string
	viewers atomic.Int32 // streams open
	wanted  atomic.Int32 // snapshots waiting for a frame

	// guarded by s.mu
	sourceName string // as the pipeline names it; status.Source is what viewers see
	frame      []byte // newest JPEG
	seq        int64  // bumped per JPEG
	status     status
	wake       chan struct{} // closed and replaced when a JPEG arrives
	lastFrame  time.Time     // when the newest frame arrived
	captured   time.Time     // the newest frame's capture time (Result.Time)
	lost       bool          // the pipeline said the signal is lost (Signal)
	lostSince  time.Time     // the last frame's capture time, as it said
	ended      bool
}

type label struct {
	Class int     `json:"class"`
	Label string  `json:"label"`
	Score float32 `json:"score"`
}

// object is one of a detector's objects as the status shows it.
type object struct {
	ID    int     `json:"id,omitempty"` // the track id; none when not tracked
	Class int     `json:"class"`
	Label string  `json:"label"`
	Score float32 `json:"score"`
	Box   [4]int  `json:"box"` // x, y, width, height in the frame's pixels
}

type status struct {
	Camera string  `json:"camera"`
	Model  string  `json:"model"`
	Source string  `json:"source"`
	Frame  int64   `json:"frame"`
	Top    []label `json:"top"`
	// Objects are a detector's objects in the newest frame ([] when
	// none); a classifier's status has none (the field is left out).
	Objects   []object `json:"objects,omitzero"`
	LatencyMS float64  `json:"latency_ms"`
	Dropped   int64    `json:"dropped"`
	Frames    int64    `json:"frames"`
	Viewers   int32    `json:"viewers"`
	// AgeMS is how long ago the newest frame arrived (-1: none yet).
	AgeMS float64 `json:"age_ms"`
	Ended bool    `json:"ended,omitempty"`
	// NoSignal says the camera's frames stopped: its pipeline said so
	// (Camera.Signal), or none came for Options.StaleAfter. Top and
	// Objects are then empty (what was seen is no longer known), and
	// NoSignalSince is the last frame's capture time (RFC 3339, UTC,
	// milliseconds).
	NoSignal      bool   `json:"no_signal,omitempty"`
	NoSignalSince string `json:"no_signal_since,omitempty"`
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

// New returns the viewer as an http.Handler, without listening: mount it
// in an application's own server. Options.Addr is not used.
func New(opts Options) *Server {
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
	if opts.now == nil {
		opts.now = time.Now
	}
	s := &Server{opts: opts}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", s.page)
	mux.HandleFunc("GET /cameras.json", s.camerasJSON)
	mux.HandleFunc("GET /healthz", s.healthz)
	for _, route := range []struct {
		file string
		h    func(*Camera, http.ResponseWriter, *http.Request)
	}{{"stream.mjpg", s.stream}, {"snapshot.jpg", s.snapshot}, {"status.json", s.statusJSON}} {
		mux.HandleFunc("GET /"+route.file, func(w http.ResponseWriter, r *http.Request) {
			route.h(s.first(), w, r)
		})
		mux.HandleFunc("GET /cameras/{name}/"+route.file, func(w http.ResponseWriter, r *http.Request) {
			if c := s.lookup(r.PathValue("name")); c != nil {
				route.h(c, w, r)
				return
			}
			http.Error(w, "no such camera", http.StatusNotFound)
		})
	}
	if opts.Metrics != nil {
		mux.Handle("GET /metrics", opts.Metrics)
	}
	s.handler = s.harden(s.checkHost(s.auth(mux)))
	return s
}

// Listen opens the listening socket (Options.Addr, default
// "127.0.0.1:8080") and starts serving.
func Listen(opts Options) (*Server, error) {
	if opts.Addr == "" {
		opts.Addr = "127.0.0.1:8080"
	}
	ln, err := net.Listen("tcp", opts.Addr)
	if err != nil {
		return nil, fmt.Errorf("viewer: %w", err)
	}
	s := New(opts)
	s.ln = ln
	s.srv = &http.Server{
		Handler:           s.handler,
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

// ServeHTTP serves the viewer's routes, with its token, host check and
// headers.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// Addr returns the address the server listens on ("" for New).
func (s *Server) Addr() string {
	if s.ln == nil {
		return ""
	}
	return s.ln.Addr().String()
}

// URL returns the page's address ("" for New).
func (s *Server) URL() string {
	if s.ln == nil {
		return ""
	}
	return "http://" + s.Addr() + "/"
}

// validName is what a camera may be called: it is part of URLs.
var validName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$`)

// Camera adds a camera named name (letters, digits, '.', '_', '-'; it
// names its routes), shown on the page in the order added.
func (s *Server) Camera(name string) (*Camera, error) {
	if !validName.MatchString(name) {
		return nil, fmt.Errorf("viewer: camera name %q: want letters, digits, '.', '_' or '-' (at most 64)", name)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.lookupLocked(name) != nil {
		return nil, fmt.Errorf("viewer: two cameras named %q", name)
	}
	return s.addLocked(name), nil
}

func (s *Server) addLocked(name string) *Camera {
	c := &Camera{s: s, name: name, wake: make(chan struct{})}
	c.status.Camera, c.status.Model = name, s.opts.Model
	s.cameras = append(s.cameras, c)
	return c
}

func (s *Server) lookup(name string) *Camera {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lookupLocked(name)
}

func (s *Server) lookupLocked(name string) *Camera {
	for _, c := range s.cameras {
		if c.name == name {
			return c
		}
	}
	return nil
}

// first returns the first camera; before any, the Server's own (a
// viewer of one pipeline may be watched before its first frame).
func (s *Server) first() *Camera {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.cameras) == 0 {
		return s.primaryLocked()
	}
	return s.cameras[0]
}

func (s *Server) primaryLocked() *Camera {
	if s.primary == nil {
		name := "main"
		for i := 2; s.lookupLocked(name) != nil; i++ {
			name = fmt.Sprintf("main-%d", i)
		}
		s.primary = s.addLocked(name)
	}
	return s.primary
}

// Write sends a frame to the Server's own camera, named "main", for a
// viewer of one pipeline. It is also the camera of /stream.mjpg and the
// like when they are asked for before any camera was added.
func (s *Server) Write(o *pipeline.Output) error {
	s.mu.Lock()
	c := s.primaryLocked()
	s.mu.Unlock()
	return c.Write(o)
}

// Signal takes the pipeline's word that the camera's frames stopped, or
// came back (pipeline.SignalSink): while they are out, its status says
// "no signal since" the last frame's time, with no labels or objects,
// and /healthz names it. The next frame (Write) ends it.
func (c *Camera) Signal(sig pipeline.Signal) {
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	c.lost, c.lostSince = sig.Lost, sig.Since
}

// Signal is the first camera's Signal, for a Server used as the one
// camera's sink.
func (s *Server) Signal(sig pipeline.Signal) {
	s.mu.Lock()
	c := s.primaryLocked()
	s.mu.Unlock()
	c.Signal(sig)
}

var (
	_ pipeline.SignalSink = (*Camera)(nil)
	_ pipeline.SignalSink = (*Server)(nil)
)

// noSignal reports whether c has no signal at now, and since when (the
// last frame's capture time); s.mu is held.
func (s *Server) noSignal(c *Camera, now time.Time) (bool, time.Time) {
	switch {
	case c.ended:
		return false, time.Time{}
	case c.lost:
		return true, c.lostSince
	case !c.lastFrame.IsZero() && now.Sub(c.lastFrame) > s.opts.StaleAfter:
		return true, c.captured
	}
	return false, time.Time{}
}

// Name returns the camera's name.
func (c *Camera) Name() string { return c.name }

// URL returns the camera's stream address, under the Server's URL.
func (c *Camera) URL() string { return c.s.URL() + "cameras/" + c.name + "/stream.mjpg" }

// Close marks the camera ended, until it is written to again: its streams
// end and /healthz names it. The Server goes on serving the other cameras.
func (c *Camera) Close() error {
	c.s.mu.Lock()
	if !c.ended {
		c.ended = true
		close(c.wake)
		c.wake = make(chan struct{})
	}
	c.s.mu.Unlock()
	return nil
}

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
func (c *Camera) Write(o *pipeline.Output) error {
	s, r := c.s, o.Result
	s.mu.Lock()
	c.ended = false // a camera opened again after Close
	st := &c.status
	if st.Source == "" || c.sourceName != o.Source.Name {
		c.sourceName, st.Source = o.Source.Name, displayName(o.Source.Name)
	}
	st.Frame, st.Dropped = r.Frame, r.Dropped
	c.lastFrame, c.captured, c.lost = s.opts.now(), r.Time, false
	if c.captured.IsZero() {
		c.captured = c.lastFrame
	}
	st.LatencyMS = float64(r.Latency.Microseconds()) / 1000
	st.Frames++
	st.Top = st.Top[:0]
	for _, t := range r.Top() {
		st.Top = append(st.Top, label{Class: t.Class, Label: t.Label, Score: t.Score})
	}
	if r.Detection() {
		if st.Objects == nil {
			st.Objects = make([]object, 0, 16)
		}
		st.Objects = st.Objects[:0]
		for _, o := range r.Objects() {
			st.Objects = append(st.Objects, object{ID: o.ID, Class: o.Class, Label: o.Label, Score: o.Score, Box: [4]int{o.Box.Min.X, o.Box.Min.Y, o.Box.Dx(), o.Box.Dy()}})
		}
	} else {
		st.Objects = nil
	}
	s.mu.Unlock()
	if c.viewers.Load() == 0 && c.wanted.Load() == 0 {
		return nil
	}
	buf, err := gocv.IMEncodeWithParams(gocv.JPEGFileExt, o.Image, []int{gocv.IMWriteJpegQuality, s.opts.Quality})
	if err != nil {
		return nil // a frame the encoder refuses is skipped, not fatal
	}
	jpeg := append([]byte(nil), buf.GetBytes()...)
	buf.Close()
	s.mu.Lock()
	c.frame = jpeg
	c.seq++
	close(c.wake)
	c.wake = make(chan struct{})
	s.mu.Unlock()
	return nil
}

// next waits for a JPEG newer than seen; ok is false when the server
// closes, the camera ends or ctx ends.
func (c *Camera) next(ctx context.Context, seen int64) (frame []byte, seq int64, ok bool) {
	s := c.s
	for {
		s.mu.Lock()
		if s.closed || c.ended {
			s.mu.Unlock()
			return nil, 0, false
		}
		if c.seq != seen && c.frame != nil {
			frame, seq = c.frame, c.seq
			s.mu.Unlock()
			return frame, seq, true
		}
		wake := c.wake
		s.mu.Unlock()
		select {
		case <-wake:
		case <-ctx.Done():
			return nil, 0, false
		}
	}
}

const boundary = "livecamframe"

func (s *Server) stream(c *Camera, w http.ResponseWriter, r *http.Request) {
	if n := c.viewers.Add(1); int(n) > s.opts.MaxViewers {
		c.viewers.Add(-1)
		w.Header().Set("Retry-After", "5")
		http.Error(w, "too many viewers", http.StatusServiceUnavailable)
		return
	}
	defer c.viewers.Add(-1)
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
		frame, seq, ok := c.next(r.Context(), seen)
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

// snapshotWait is how long a snapshot waits for the camera's next frame
// before it settles for the last one it has.
const snapshotWait = 2 * time.Second

// snapshot answers one JPEG: the camera's next frame, or, when none comes
// within snapshotWait, the newest one encoded before.
func (s *Server) snapshot(c *Camera, w http.ResponseWriter, r *http.Request) {
	c.wanted.Add(1)
	defer c.wanted.Add(-1)
	s.mu.Lock()
	seen := c.seq
	s.mu.Unlock()
	ctx, cancel := context.WithTimeout(r.Context(), snapshotWait)
	defer cancel()
	frame, _, ok := c.next(ctx, seen)
	if !ok {
		s.mu.Lock()
		frame = c.frame
		s.mu.Unlock()
	}
	if frame == nil {
		w.Header().Set("Retry-After", "1")
		http.Error(w, c.name+": no frame", http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "image/jpeg")
	w.Header().Set("Content-Length", strconv.Itoa(len(frame)))
	w.Write(frame)
}

// statusOf copies c's status; s.mu is held.
func (s *Server) statusOf(c *Camera, now time.Time) status {
	st := c.status
	st.Top = append([]label{}, c.status.Top...)
	if c.status.Objects != nil {
		st.Objects = append([]object{}, c.status.Objects...)
	}
	st.Viewers = c.viewers.Load()
	st.AgeMS = -1
	if !c.lastFrame.IsZero() {
		st.AgeMS = float64(now.Sub(c.lastFrame).Microseconds()) / 1000
	}
	st.Ended = c.ended
	if lost, since := s.noSignal(c, now); lost {
		st.NoSignal, st.NoSignalSince = true, since.UTC().Format("2006-01-02T15:04:05.000Z07:00")
		st.Top = st.Top[:0]
		if st.Objects != nil {
			st.Objects = st.Objects[:0]
		}
	}
	st.Goroutines = runtime.NumGoroutine()
	return st
}

func (s *Server) statusJSON(c *Camera, w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	st := s.statusOf(c, s.opts.now())
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(st)
}

// camerasJSON lists every camera's status, in the order they were added.
func (s *Server) camerasJSON(w http.ResponseWriter, r *http.Request) {
	now := s.opts.now()
	s.mu.Lock()
	all := make([]status, 0, len(s.cameras))
	for _, c := range s.cameras {
		all = append(all, s.statusOf(c, now))
	}
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(all)
}

func (s *Server) page(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", "default-src 'self'; script-src 'unsafe-inline' 'self'; style-src 'unsafe-inline'; frame-ancestors 'none'")
	w.Write([]byte(pageHTML))
}

// Close stops serving: open streams end, and the listener (if any)
// closes.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	for _, c := range s.cameras {
		close(c.wake)
		c.wake = make(chan struct{})
	}
	s.mu.Unlock()
	if s.srv == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	err := s.srv.Shutdown(ctx)
	if errors.Is(err, context.DeadlineExceeded) {
		err = s.srv.Close()
	}
	s.served.Wait()
	return err
}

var (
	_ pipeline.Sink = (*Server)(nil)
	_ pipeline.Sink = (*Camera)(nil)
	_ http.Handler  = (*Server)(nil)
)

// displayName is how the page names a source: a URL without its
// credentials (user information, and parameters such as pwd or token), a
// file by its base name (viewers need not learn the machine's folders);
// control characters escaped, so that a name cannot add lines to
// /healthz's answer.
func displayName(name string) string {
	switch {
	case strings.Contains(name, "://"):
		name = redact.URL(name)
	case strings.ContainsRune(name, filepath.Separator):
		name = filepath.Base(name)
	}
	return escape.Control(name)
}

const pageHTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>livecam</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{margin:0;background:#111;color:#eee;font:15px system-ui,sans-serif}
header{padding:8px 16px;color:#999}
main{display:grid;grid-template-columns:repeat(auto-fill,minmax(360px,1fr));gap:16px;padding:0 16px 16px}
figure{margin:0;background:#1b1b1b;border:1px solid #333;padding:8px}
figure.stale{border-color:#a33}
img{width:100%;height:auto;background:#000;display:block}
h2{font-size:16px;margin:6px 0}
table{border-collapse:collapse}td{padding:1px 10px 1px 0}
td.p{text-align:right;font-variant-numeric:tabular-nums}
td.nosignal{color:#e66;font-weight:bold}
small{color:#999}
</style></head><body>
<header><b>livecam</b> <small id="summary">waiting for cameras…</small></header>
<main id="cameras"></main>
<script>
const tiles = new Map();
function tile(name) {
  let t = tiles.get(name);
  if (t) return t;
  const fig = document.createElement('figure');
  fig.dataset.camera = name;
  const img = document.createElement('img');
  img.alt = name;
  img.src = 'cameras/' + encodeURIComponent(name) + '/stream.mjpg';
  img.addEventListener('load', () => { img.dataset.loaded = img.naturalWidth + 'x' + img.naturalHeight; });
  const h = document.createElement('h2');
  h.textContent = name;
  const table = document.createElement('table');
  table.className = 'labels';
  const tbody = document.createElement('tbody');
  table.append(tbody);
  const stats = document.createElement('small');
  fig.append(img, h, table, stats);
  document.getElementById('cameras').append(fig);
  t = {fig, tbody, stats};
  tiles.set(name, t);
  return t;
}
async function poll() {
  try {
    const r = await fetch('cameras.json', {cache: 'no-store'});
    const cams = await r.json();
    let frames = 0;
    for (const s of cams) {
      const t = tile(s.camera);
      // A detector's objects (label and track id), or a classifier's
      // labels; a detector's empty list clears the table.
      const rows = (s.objects || s.top || []).map(x => {
        const tr = document.createElement('tr');
        const p = document.createElement('td'); p.className = 'p'; p.textContent = (100 * x.score).toFixed(1) + '%';
        const l = document.createElement('td'); l.textContent = x.label + (x.id ? ' #' + x.id : '');
        tr.append(p, l); return tr;
      });
      if (s.no_signal) {
        // What was seen is no longer known: say since when, in place of it.
        const tr = document.createElement('tr');
        const td = document.createElement('td'); td.className = 'nosignal';
        const at = new Date(s.no_signal_since), two = n => String(n).padStart(2, '0');
        td.textContent = 'no signal since ' + two(at.getHours()) + ':' + two(at.getMinutes()) + ':' + two(at.getSeconds());
        tr.append(td);
        t.tbody.replaceChildren(tr);
      } else if (rows.length || s.objects) t.tbody.replaceChildren(...rows);
      t.stats.textContent = s.source + ' · frame ' + s.frame + ' · ' + s.latency_ms.toFixed(1) + ' ms · dropped ' + s.dropped +
        ' · viewers ' + s.viewers + (s.ended ? ' · ended' : s.age_ms < 0 ? ' · no frame yet' : s.no_signal ? ' · no frame for ' + (s.age_ms / 1000).toFixed(0) + ' s' : '');
      t.fig.classList.toggle('stale', s.ended || s.age_ms < 0 || !!s.no_signal);
      t.fig.dataset.frames = s.frames;
      frames += s.frames;
    }
    document.getElementById('summary').textContent = (cams[0] ? cams[0].model + ' · ' : '') + cams.length + ' camera' + (cams.length == 1 ? '' : 's');
    document.body.dataset.frames = frames;
    document.body.dataset.cameras = cams.length;
  } catch (e) {}
  setTimeout(poll, 500);
}
poll();
</script></body></html>
`

// healthz answers 200 while every camera delivers frames, 503 naming
// each one that has not for StaleAfter, never has, or ended (for a
// supervisor or a load balancer).
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	now := s.opts.now()
	var bad, good []string
	s.mu.Lock()
	for _, c := range s.cameras {
		name := c.name
		if c.status.Source != "" && c.status.Source != name {
			name += " (" + c.status.Source + ")"
		}
		switch {
		case c.ended:
			bad = append(bad, name+": ended")
		case c.lastFrame.IsZero():
			bad = append(bad, name+": no frame yet")
		case c.lost:
			bad = append(bad, fmt.Sprintf("%s: no signal since %s", name, c.lostSince.UTC().Format("15:04:05")))
		case now.Sub(c.lastFrame) > s.opts.StaleAfter:
			bad = append(bad, fmt.Sprintf("%s: no frame for %.1fs", name, now.Sub(c.lastFrame).Seconds()))
		default:
			good = append(good, name)
		}
	}
	s.mu.Unlock()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	switch {
	case len(bad) == 0 && len(good) == 0:
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprintln(w, "no frame yet: no camera")
	case len(bad) > 0:
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprintln(w, strings.Join(bad, "\n"))
	default:
		fmt.Fprintf(w, "ok: %s\n", strings.Join(good, ", "))
	}
}
