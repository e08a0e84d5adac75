package natstest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/livecam/livecam/internal/testrig/shareddata"
)

// Cluster is a JetStream cluster of nats-servers started for one test:
// each node with its server_name (n1, n2...), its own client and route
// ports on 127.0.0.1 and its own store, all routed to each other under
// one cluster name.
type Cluster struct {
	// Nodes are the servers; Nodes[i].Name() is "n1", "n2"...
	Nodes []*Server
}

// StartCluster starts an n-node JetStream cluster (n >= 3 for a quorum
// that outlives a node) and waits until JetStream answers on every node
// (a meta leader is elected), for at most 30 s; the test's cleanup stops
// it.
func StartCluster(t *testing.T, n int) *Cluster {
	t.Helper()
	if _, err := exec.LookPath("nats-server"); err != nil {
		shareddata.Need(t, "no nats-server: apt-get install -y nats-server")
	}
	dir := t.TempDir()
	routePorts := make([]int, n)
	for i := range routePorts {
		routePorts[i] = freePort(t)
	}
	var routes []string
	for _, p := range routePorts {
		routes = append(routes, fmt.Sprintf("nats-route://127.0.0.1:%d", p))
	}
	c := &Cluster{}
	for i := range n {
		name := fmt.Sprintf("n%d", i+1)
		conf := filepath.Join(dir, name+".conf")
		store := filepath.Join(dir, name)
		// The store is Restart's -sd.
		text := fmt.Sprintf("server_name: %s\ncluster {\n  name: livecam-test\n  listen: \"127.0.0.1:%d\"\n  routes: [\n    %s\n  ]\n}\n",
			name, routePorts[i], strings.Join(routes, "\n    "))
		if err := os.WriteFile(conf, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		s := &Server{t: t, port: freePort(t), dir: store, conf: conf, name: name}
		c.Nodes = append(c.Nodes, s)
	}
	for _, s := range c.Nodes {
		s.Restart()
		t.Cleanup(s.Stop)
	}
	c.WaitReady(30 * time.Second)
	return c
}

// URL returns the nodes' addresses, comma-separated, as nats.Connect
// takes them: a client whose node goes away moves to another.
func (c *Cluster) URL() string {
	var urls []string
	for _, s := range c.Nodes {
		urls = append(urls, s.URL())
	}
	return strings.Join(urls, ",")
}

// Node returns the node named name ("n2"), nil for none.
func (c *Cluster) Node(name string) *Server {
	for _, s := range c.Nodes {
		if s.name == name {
			return s
		}
	}
	return nil
}

// WaitReady waits until every running node answers a JetStream account
// request (the cluster has a meta leader), failing the test after within.
func (c *Cluster) WaitReady(within time.Duration) {
	t := c.Nodes[0].t
	t.Helper()
	deadline := time.Now().Add(within)
	for _, s := range c.Nodes {
		if s.cmd == nil {
			continue
		}
		for !jetStreamAnswers(s.URL()) {
			if time.Now().After(deadline) {
				t.Fatalf("JetStream cluster not ready after %v: node %s does not answer", within, s.name)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
}

func jetStreamAnswers(url string) bool {
	nc, err := nats.Connect(url, nats.Timeout(time.Second), nats.NoReconnect())
	if err != nil {
		return false
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return false
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_, err = js.AccountInfo(ctx)
	return err == nil
}

// Name returns a cluster node's server_name ("" for a lone server).
func (s *Server) Name() string { return s.name }

// Kill kills the server at once (SIGKILL: no clean shutdown, as a
// machine that dies); Restart brings it back with its store.
func (s *Server) Kill() {
	if s.cmd != nil && s.cmd.Process != nil {
		s.cmd.Process.Kill()
		<-s.exited
		s.cmd = nil
	}
}
