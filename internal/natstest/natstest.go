// Package natstest starts Debian's nats-server, with JetStream and a file
// store in a temporary folder, on a free 127.0.0.1 port, for one test.
package natstest

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/livecam/livecam/internal/shareddata"
)

// Server is a nats-server started for one test.
type Server struct {
	t    *testing.T
	port int
	dir  string
	cmd  *exec.Cmd
}

// Start starts nats-server -js with its store in a temporary folder; the
// test's cleanup stops it.
func Start(t *testing.T) *Server {
	t.Helper()
	if _, err := exec.LookPath("nats-server"); err != nil {
		shareddata.Need(t, "no nats-server: apt-get install -y nats-server")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	s := &Server{t: t, port: port, dir: t.TempDir()}
	s.Restart()
	t.Cleanup(s.Stop)
	return s
}

// URL returns the server's nats:// address.
func (s *Server) URL() string { return fmt.Sprintf("nats://127.0.0.1:%d", s.port) }

// Restart starts the server (again, on the same port and store) and
// waits until it listens.
func (s *Server) Restart() {
	s.t.Helper()
	s.cmd = exec.Command("nats-server", "-js", "-sd", s.dir, "-a", "127.0.0.1", "-p", fmt.Sprint(s.port))
	if os.Getenv("LIVECAM_NATS_LOG") != "" {
		s.cmd.Stderr = os.Stderr
	}
	if err := s.cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	for range 200 {
		if c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", s.port)); err == nil {
			c.Close()
			return
		}
		time.Sleep(25 * time.Millisecond)
	}
	s.t.Fatal("nats-server did not start listening")
}

// Stop stops the server (SIGINT: it shuts JetStream down cleanly).
func (s *Server) Stop() {
	if s.cmd != nil && s.cmd.Process != nil {
		s.cmd.Process.Signal(os.Interrupt)
		s.cmd.Wait()
		s.cmd = nil
	}
}
