// Package mosquittotest starts Debian's mosquitto MQTT broker for a test,
// on a free 127.0.0.1 port with a temporary config, and subscribes to it.
package mosquittotest

import (
	"crypto/rand"
	"fmt"
	"maps"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/livecam/livecam/internal/testrig/shareddata"
	"github.com/livecam/livecam/internal/testrig/testcert"
)

// Broker is a mosquitto started for one test on a free 127.0.0.1 port.
type Broker struct {
	t       *testing.T
	port    int
	tlsPort int // 0: no TLS listener
	conf    string
	log     string // the broker's log file
	cmd     *exec.Cmd
}

// Start starts mosquitto with a temporary config; users maps user
// names to passwords (none: anonymous access).
func Start(t *testing.T, users map[string]string) *Broker {
	t.Helper()
	return start(t, users, "")
}

// StartTLS starts mosquitto with a second, TLS, listener (TLSURL) whose
// certificate, for 127.0.0.1, is signed by a CA made for the test; it
// returns the broker and the CA's PEM file.
func StartTLS(t *testing.T) (*Broker, string) {
	t.Helper()
	dir := t.TempDir()
	ca, cert, key := testcert.Write(t, dir)
	return start(t, nil, fmt.Sprintf("cafile %s\ncertfile %s\nkeyfile %s\n", ca, cert, key)), ca
}

// freePort returns a TCP port free on 127.0.0.1 a moment ago.
func freePort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func start(t *testing.T, users map[string]string, tlsConf string) *Broker {
	t.Helper()
	if _, err := exec.LookPath("mosquitto"); err != nil {
		shareddata.Need(t, "no mosquitto: apt-get install -y mosquitto")
	}
	dir := t.TempDir()
	port := freePort(t)
	logFile := filepath.Join(dir, "mosquitto.log")
	conf := fmt.Sprintf("listener %d 127.0.0.1\npersistence true\npersistence_location %s/\nlog_dest file %s\nconnection_messages true\n", port, dir, logFile)
	tlsPort := 0
	if tlsConf != "" {
		tlsPort = freePort(t)
		conf += fmt.Sprintf("listener %d 127.0.0.1\n%s", tlsPort, tlsConf)
	}
	if os.Getuid() == 0 {
		// Started by root, mosquitto would become user mosquitto, who
		// cannot read the test's private folder.
		conf += "user root\n"
	}
	if users == nil {
		conf += "allow_anonymous true\n"
	} else {
		pw := filepath.Join(dir, "passwd")
		os.WriteFile(pw, nil, 0o600)
		for u, p := range users {
			if out, err := exec.Command("mosquitto_passwd", "-b", pw, u, p).CombinedOutput(); err != nil {
				t.Fatalf("mosquitto_passwd: %v: %s", err, out)
			}
		}
		conf += "allow_anonymous false\npassword_file " + pw + "\n"
	}
	b := &Broker{t: t, port: port, tlsPort: tlsPort, conf: filepath.Join(dir, "mosquitto.conf"), log: logFile}
	os.WriteFile(b.conf, []byte(conf), 0o644)
	b.Restart()
	t.Cleanup(b.Stop)
	return b
}

// TLSURL returns the broker's mqtts:// address (StartTLS).
func (b *Broker) TLSURL() string { return fmt.Sprintf("mqtts://127.0.0.1:%d", b.tlsPort) }

// Log returns what the broker has logged so far: its connections
// ("New client connected from ... as ID"), disconnections and the
// clients it drops ("Client ID already connected, closing old
// connection."), each written before the broker answers the packet
// that caused it.
func (b *Broker) Log() string {
	b.t.Helper()
	data, err := os.ReadFile(b.log)
	if err != nil {
		b.t.Fatalf("broker log: %v", err)
	}
	return string(data)
}

// URL returns the broker's mqtt:// address.
func (b *Broker) URL() string { return fmt.Sprintf("mqtt://127.0.0.1:%d", b.port) }

// Restart starts the broker again after Stop, on the same port.
func (b *Broker) Restart() {
	b.t.Helper()
	b.cmd = exec.Command("mosquitto", "-c", b.conf)
	if err := b.cmd.Start(); err != nil {
		b.t.Fatal(err)
	}
	ports := []int{b.port}
	if b.tlsPort != 0 {
		ports = append(ports, b.tlsPort)
	}
	for range 100 { // until it listens on every port
		for len(ports) > 0 {
			c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", ports[0]))
			if err != nil {
				break
			}
			c.Close()
			ports = ports[1:]
		}
		if len(ports) == 0 {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	b.t.Fatal("mosquitto did not start listening")
}

// Kill kills the broker as a crash would: what it had not saved (its
// retained messages and sessions since it started) is lost. Restart
// starts it again.
func (b *Broker) Kill() {
	if b.cmd != nil && b.cmd.Process != nil {
		b.cmd.Process.Kill()
		b.cmd.Wait()
		b.cmd = nil
	}
}

// Stop stops the broker (it saves its sessions first).
func (b *Broker) Stop() {
	if b.cmd != nil && b.cmd.Process != nil {
		b.cmd.Process.Signal(os.Interrupt)
		b.cmd.Wait()
		b.cmd = nil
	}
}

// Subscriber records every message under livecam/ with a durable
// session, so that messages published while the broker restarts still
// reach it.
type Subscriber struct {
	mu   sync.Mutex
	msgs []paho.Message
}

// Subscribe connects a Subscriber to the broker at url, subscribed to
// livecam/# and homeassistant/#.
func Subscribe(t *testing.T, url string) *Subscriber {
	t.Helper()
	s := &Subscriber{}
	opts := paho.NewClientOptions().AddBroker(strings.Replace(url, "mqtt://", "tcp://", 1)).SetClientID("test-sub").
		SetCleanSession(false).SetAutoReconnect(true).SetMaxReconnectInterval(time.Second).SetOrderMatters(true).
		SetDefaultPublishHandler(func(_ paho.Client, m paho.Message) {
			s.mu.Lock()
			s.msgs = append(s.msgs, m)
			s.mu.Unlock()
		})
	c := paho.NewClient(opts)
	if tok := c.Connect(); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		t.Fatalf("subscriber: %v", tok.Error())
	}
	if tok := c.SubscribeMultiple(map[string]byte{"livecam/#": 1, "homeassistant/#": 1}, nil); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		t.Fatalf("subscribe: %v", tok.Error())
	}
	t.Cleanup(func() { c.Disconnect(100) })
	return s
}

// Payloads returns the payloads received on topic, waiting until there are
// n (or 10 s have passed).
func (s *Subscriber) Payloads(topic string, n int) []string {
	deadline := time.Now().Add(10 * time.Second)
	for {
		var got []string
		s.mu.Lock()
		for _, m := range s.msgs {
			if m.Topic() == topic {
				got = append(got, string(m.Payload()))
			}
		}
		s.mu.Unlock()
		if len(got) >= n || time.Now().After(deadline) {
			return got
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Matching returns the non-empty payloads received on the topics that
// filter (with MQTT's + and # wildcards) matches, in order of arrival,
// waiting until there are n (or 10 s have passed). Empty payloads (a
// retained message cleared) are left out.
func (s *Subscriber) Matching(filter string, n int) []string {
	deadline := time.Now().Add(10 * time.Second)
	for {
		var got []string
		s.mu.Lock()
		for _, m := range s.msgs {
			if len(m.Payload()) > 0 && Match(filter, m.Topic()) {
				got = append(got, string(m.Payload()))
			}
		}
		s.mu.Unlock()
		if len(got) >= n || time.Now().After(deadline) {
			return got
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Match reports whether the MQTT topic filter (+ one level, # the rest)
// matches topic.
func Match(filter, topic string) bool {
	f, t := strings.Split(filter, "/"), strings.Split(topic, "/")
	for i, level := range f {
		switch {
		case level == "#":
			return true
		case i >= len(t):
			return false
		case level != "+" && level != t[i]:
			return false
		}
	}
	return len(f) == len(t)
}

// Retained returns the retained messages of the topics (filters, such as
// "livecam/+/availability") as a new client finds them, by topic. It
// subscribes to them and to a marker topic of its own, then publishes the
// marker: the broker sends a subscription's retained messages before
// anything published after it, so once the marker is back every retained
// message is in.
func Retained(t *testing.T, url string, topics ...string) map[string]string {
	t.Helper()
	var b [6]byte
	rand.Read(b[:])
	id := fmt.Sprintf("test-retained-%x", b)
	marker := "livecam-test/" + id
	got := map[string]string{}
	var mu sync.Mutex
	done := make(chan struct{})
	opts := paho.NewClientOptions().AddBroker(strings.Replace(url, "mqtt://", "tcp://", 1)).SetClientID(id).
		SetCleanSession(true).SetOrderMatters(true).
		SetDefaultPublishHandler(func(_ paho.Client, m paho.Message) {
			mu.Lock()
			defer mu.Unlock()
			switch {
			case m.Topic() == marker:
				close(done)
			case m.Retained():
				got[m.Topic()] = string(m.Payload())
			}
		})
	c := paho.NewClient(opts)
	if tok := c.Connect(); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		t.Fatalf("retained: connect: %v", tok.Error())
	}
	defer c.Disconnect(100)
	filters := map[string]byte{marker: 1}
	for _, topic := range topics {
		filters[topic] = 1
	}
	if tok := c.SubscribeMultiple(filters, nil); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		t.Fatalf("retained: subscribe: %v", tok.Error())
	}
	if tok := c.Publish(marker, 1, false, "end"); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		t.Fatalf("retained: marker: %v", tok.Error())
	}
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatalf("retained: the marker did not come back within 10 s")
	}
	mu.Lock()
	defer mu.Unlock()
	return maps.Clone(got)
}

// All returns every message received so far.
func (s *Subscriber) All() []paho.Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]paho.Message(nil), s.msgs...)
}
