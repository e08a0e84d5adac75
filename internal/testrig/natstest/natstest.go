// Package natstest starts Debian's nats-server, with JetStream and a file
// store in a temporary folder, on a free 127.0.0.1 port, for one test:
// open to all (Start), or with the users and permissions of the
// recommended deployment (StartSecure, Authorization); StartCluster
// starts a JetStream cluster of several such servers.
package natstest

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/livecam/livecam/internal/testrig/shareddata"
	"github.com/livecam/livecam/internal/testrig/testcert"
)

// Server is a nats-server started for one test.
type Server struct {
	t    *testing.T
	port int
	dir  string
	cmd  *exec.Cmd
	// conf is the configuration file, "" for none; env the server's
	// environment (the users' passwords).
	conf      string
	env       []string
	passwords map[string]string
	exited    chan struct{} // closed when the server process has exited
	ca        string        // StartTLS: the CA certificate's file
	name      string        // a cluster node's server_name
}

// Start starts nats-server -js with its store in a temporary folder; the
// test's cleanup stops it.
func Start(t *testing.T) *Server {
	t.Helper()
	if _, err := exec.LookPath("nats-server"); err != nil {
		shareddata.Need(t, "no nats-server: apt-get install -y nats-server")
	}
	s := &Server{t: t, port: freePort(t), dir: t.TempDir()}
	s.Restart()
	t.Cleanup(s.Stop)
	return s
}

// StartSecure starts nats-server -js with the configuration of the
// recommended deployment (Authorization): the users submitter, worker
// and camera, each with a random password (Password) and its
// permissions, and no anonymous access.
func StartSecure(t *testing.T) *Server {
	t.Helper()
	return StartSecureWith(t, Authorization)
}

// StartSecureWith is StartSecure with another configuration text (an
// older or a changed Authorization) that takes the same users and
// password variables.
func StartSecureWith(t *testing.T, authorization string) *Server {
	t.Helper()
	if _, err := exec.LookPath("nats-server"); err != nil {
		shareddata.Need(t, "no nats-server: apt-get install -y nats-server")
	}
	dir := t.TempDir()
	conf := filepath.Join(dir, "nats.conf")
	if err := os.WriteFile(conf, []byte(authorization), 0o600); err != nil {
		t.Fatal(err)
	}
	s := &Server{t: t, port: freePort(t), dir: filepath.Join(dir, "store"), conf: conf, passwords: map[string]string{}}
	for _, u := range []string{"submitter", "worker", "camera"} {
		b := make([]byte, 12)
		rand.Read(b)
		// The server parses an environment variable as a configuration
		// value: a password that starts with a letter reads as a string.
		s.passwords[u] = "pw" + hex.EncodeToString(b)
		s.env = append(s.env, "LIVECAM_"+strings.ToUpper(u)+"_PASSWORD="+s.passwords[u])
	}
	s.Restart()
	t.Cleanup(s.Stop)
	return s
}

// StartConfig starts nats-server -js with the configuration text conf
// (authorization, TLS...); the store and port are the test's.
func StartConfig(t *testing.T, conf string) *Server {
	t.Helper()
	if _, err := exec.LookPath("nats-server"); err != nil {
		shareddata.Need(t, "no nats-server: apt-get install -y nats-server")
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "nats.conf")
	if err := os.WriteFile(file, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	s := &Server{t: t, port: freePort(t), dir: filepath.Join(dir, "store"), conf: file}
	s.Restart()
	t.Cleanup(s.Stop)
	return s
}

// Password returns a user's password on a StartSecure server.
func (s *Server) Password(user string) string { return s.passwords[user] }

func freePort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// URL returns the server's nats:// address.
func (s *Server) URL() string { return fmt.Sprintf("nats://127.0.0.1:%d", s.port) }

// Restart starts the server (again, on the same port and store) and
// waits until it listens.
func (s *Server) Restart() {
	s.t.Helper()
	args := []string{"-js", "-sd", s.dir, "-a", "127.0.0.1", "-p", fmt.Sprint(s.port)}
	if s.conf != "" {
		args = append(args, "-c", s.conf)
	}
	s.cmd = exec.Command("nats-server", args...)
	s.cmd.Env = append(os.Environ(), s.env...)
	var log syncBuffer
	s.cmd.Stdout, s.cmd.Stderr = &log, &log
	if os.Getenv("LIVECAM_NATS_LOG") != "" {
		s.cmd.Stdout, s.cmd.Stderr = os.Stderr, os.Stderr
	}
	if err := s.cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	exited := make(chan struct{})
	cmd := s.cmd
	go func() {
		cmd.Wait()
		close(exited)
	}()
	s.exited = exited
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(25 * time.Millisecond) {
		select {
		case <-exited:
			s.cmd = nil
			s.t.Fatalf("nats-server exited at start:\n%s", log.String())
		default:
		}
		if c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", s.port)); err == nil {
			c.Close()
			return
		}
	}
	s.t.Fatalf("nats-server did not start listening in 20 s:\n%s", log.String())
}

// syncBuffer is the server's log, written by exec's copying goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.b.Len() > 1<<20 {
		return len(p), nil
	}
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// Stop stops the server (SIGINT: it shuts JetStream down cleanly).
func (s *Server) Stop() {
	if s.cmd != nil && s.cmd.Process != nil {
		s.cmd.Process.Signal(os.Interrupt)
		<-s.exited
		s.cmd = nil
	}
}

// StartTLS starts nats-server -js that speaks only TLS, with a server
// certificate for 127.0.0.1 signed by a new CA (whose certificate is in
// the file CA returns), and that asks for a token (Password("token")).
func StartTLS(t *testing.T) *Server {
	t.Helper()
	if _, err := exec.LookPath("nats-server"); err != nil {
		shareddata.Need(t, "no nats-server: apt-get install -y nats-server")
	}
	dir := t.TempDir()
	ca, cert, key := testcert.Write(t, dir)
	conf := filepath.Join(dir, "nats.conf")
	text := fmt.Sprintf("tls {\n  cert_file: %q\n  key_file: %q\n}\nauthorization {\n  token: $LIVECAM_TOKEN\n}\n", cert, key)
	if err := os.WriteFile(conf, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 12)
	rand.Read(b)
	token := "tk" + hex.EncodeToString(b)
	s := &Server{t: t, port: freePort(t), dir: filepath.Join(dir, "store"), conf: conf, ca: ca,
		passwords: map[string]string{"token": token}, env: []string{"LIVECAM_TOKEN=" + token}}
	s.Restart()
	t.Cleanup(s.Stop)
	return s
}

// CA returns the file of the CA certificate that signed a StartTLS
// server's.
func (s *Server) CA() string { return s.ca }
