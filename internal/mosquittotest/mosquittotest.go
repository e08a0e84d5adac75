// Package mosquittotest starts Debian's mosquitto MQTT broker for a test,
// on a free 127.0.0.1 port with a temporary config, and subscribes to it.
package mosquittotest

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/livecam/livecam/internal/shareddata"
)

// Broker is a mosquitto started for one test on a free 127.0.0.1 port.
type Broker struct {
	t    *testing.T
	port int
	conf string
	cmd  *exec.Cmd
}

// Start starts mosquitto with a temporary config; users maps user
// names to passwords (none: anonymous access).
func Start(t *testing.T, users map[string]string) *Broker {
	t.Helper()
	if _, err := exec.LookPath("mosquitto"); err != nil {
		shareddata.Need(t, "no mosquitto: apt-get install -y mosquitto")
	}
	dir := t.TempDir()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	conf := fmt.Sprintf("listener %d 127.0.0.1\npersistence true\npersistence_location %s/\n", port, dir)
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
	b := &Broker{t: t, port: port, conf: filepath.Join(dir, "mosquitto.conf")}
	os.WriteFile(b.conf, []byte(conf), 0o644)
	b.Restart()
	t.Cleanup(b.Stop)
	return b
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
	for range 100 { // until it listens
		if c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", b.port)); err == nil {
			c.Close()
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	b.t.Fatal("mosquitto did not start listening")
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
