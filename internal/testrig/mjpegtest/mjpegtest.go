// Package mjpegtest serves an MJPEG-over-HTTP stream on 127.0.0.1 for tests
// of live sources: frames of a solid colour at a given rate, with switches
// to stall the stream (keep the connection, send nothing), drop it, or
// stop and restart the server on the same port.
package mjpegtest

import (
	"bytes"
	"fmt"
	"image"
	"image/jpeg"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// Server is a test MJPEG stream at URL().
type Server struct {
	addr    string
	fps     float64
	jpeg    atomic.Pointer[[]byte] // the frame served
	stalled atomic.Bool
	served  atomic.Int64 // frames sent

	mu  sync.Mutex
	srv *http.Server
	ln  net.Listener
	wg  sync.WaitGroup
}

// Start serves w×h frames at fps on a free loopback port.
func Start(w, h int, fps float64) (*Server, error) {
	s := &Server{fps: fps}
	if err := s.SetSize(w, h); err != nil {
		return nil, err
	}
	if err := s.listen("127.0.0.1:0"); err != nil {
		return nil, err
	}
	return s, nil
}

// SetSize makes the server send w×h frames from now on, as a camera whose
// resolution was changed.
func (s *Server) SetSize(w, h int) error {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := 0; i < len(img.Pix); i += 4 {
		img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = 200, 120, 40, 255
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 80}); err != nil {
		return err
	}
	b := buf.Bytes()
	s.jpeg.Store(&b)
	return nil
}

func (s *Server) listen(addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ln, s.addr = ln, ln.Addr().String()
	s.srv = &http.Server{Handler: http.HandlerFunc(s.stream)}
	srv := s.srv
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		srv.Serve(ln)
	}()
	return nil
}

// URL returns the stream's address.
func (s *Server) URL() string { return "http://" + s.addr + "/stream.mjpg" }

// Frames returns the number of frames sent so far.
func (s *Server) Frames() int64 { return s.served.Load() }

// Stall makes the stream stop sending (true) or resume (false) without
// closing connections, as a camera that hangs.
func (s *Server) Stall(on bool) { s.stalled.Store(on) }

// Stop closes the server and every connection, as a camera unplugged.
func (s *Server) Stop() {
	s.mu.Lock()
	srv := s.srv
	s.mu.Unlock()
	srv.Close()
	s.wg.Wait()
}

// Restart serves again on the same port after Stop.
func (s *Server) Restart() error {
	var err error
	for range 50 { // the port may take a moment to be free again
		if err = s.listen(s.addr); err == nil {
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	return err
}

func (s *Server) stream(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "multipart/x-mixed-replace; boundary=frame")
	rc := http.NewResponseController(w)
	tick := time.NewTicker(time.Duration(float64(time.Second) / s.fps))
	defer tick.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-tick.C:
		}
		if s.stalled.Load() {
			continue
		}
		frame := *s.jpeg.Load()
		if _, err := fmt.Fprintf(w, "--frame\r\nContent-Type: image/jpeg\r\nContent-Length: %d\r\n\r\n", len(frame)); err != nil {
			return
		}
		if _, err := w.Write(frame); err != nil {
			return
		}
		w.Write([]byte("\r\n"))
		if rc.Flush() != nil {
			return
		}
		s.served.Add(1)
	}
}
