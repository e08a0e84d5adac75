package mqtt

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/livecam/livecam/internal/testrig/mosquittotest"
	"github.com/livecam/livecam/pipeline"
)

// logs collects what a Publisher logs.
type logs struct {
	mu    sync.Mutex
	lines []string
}

func (l *logs) logf(format string, a ...any) {
	l.mu.Lock()
	l.lines = append(l.lines, fmt.Sprintf(format, a...))
	l.mu.Unlock()
}

func (l *logs) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n")
}

// TestUnsafeCameraName: a camera named like a file with MQTT's wildcards
// and a dot in it ("door#1+.mp4") publishes under a safe topic level and
// a safe Home Assistant object id: every message is delivered, the
// connection is never lost, Close reports nothing undelivered.
func TestUnsafeCameraName(t *testing.T) {
	b := mosquittotest.Start(t, nil)
	sub := mosquittotest.Subscribe(t, b.URL())
	var l logs
	p, err := Connect(Options{Broker: b.URL(), Camera: "door#1+.mp4", Discovery: "homeassistant", Logf: l.logf})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 50 {
		p.Event(event(i))
		res := pipeline.Result{Frame: int64(i)}
		p.Write(&pipeline.Output{Result: &res})
	}
	if err := p.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	checkEvents(t, sub.Payloads("livecam/door_1__mp4/events", 50), 50)
	if got := sub.Payloads("homeassistant/sensor/livecam/door_1__mp4_label/config", 1); len(got) != 1 || !strings.Contains(got[0], `"livecam/door_1__mp4/top"`) {
		t.Errorf("discovery: %q", got)
	}
	if s := l.String(); strings.Contains(s, "connection lost") {
		t.Errorf("the connection was lost:\n%s", s)
	}
	if _, err := Connect(Options{Broker: b.URL(), Camera: "door", Prefix: "home/+/cams"}); err == nil || !strings.Contains(err.Error(), "wildcards") {
		t.Errorf("a prefix with a wildcard: %v", err)
	}
}

// connections counts the broker's log lines that say the client id
// connected ("New client connected from ... as ID (...").
func connections(log, id string) int {
	return strings.Count(log, " as "+id+" (")
}

// checkNoTakeover fails the test when the broker dropped a client for
// another with its id, or when a client connected other than once.
func checkNoTakeover(t *testing.T, b *mosquittotest.Broker, ps ...*Publisher) {
	t.Helper()
	log := b.Log()
	if strings.Contains(log, "already connected, closing old connection") {
		t.Errorf("the broker dropped a client for another with its id:\n%s", log)
	}
	for _, p := range ps {
		if n := connections(log, p.opts.ClientID); n != 1 {
			t.Errorf("client %s connected %d times, want once:\n%s", p.opts.ClientID, n, log)
		}
	}
}

// TestSameCameraTwoProcesses: two publishers of cameras with one name
// (two hosts running -source 0) connected at once both stay connected
// and deliver everything: their client ids differ. The broker's log says
// which clients connected (written before it answers the CONNECT, so it
// is complete once Connect returns) and which it dropped for another with
// the same id: each connected once, none was dropped, neither logged a
// lost connection.
func TestSameCameraTwoProcesses(t *testing.T) {
	b := mosquittotest.Start(t, nil)
	sub := mosquittotest.Subscribe(t, b.URL())
	var la, lb logs
	a, err := Connect(Options{Broker: b.URL(), Camera: "camera0", Logf: la.logf})
	if err != nil {
		t.Fatal(err)
	}
	bb, err := Connect(Options{Broker: b.URL(), Camera: "camera0", Prefix: "livecam/other", Logf: lb.logf})
	if err != nil {
		t.Fatal(err)
	}
	if a.opts.ClientID == bb.opts.ClientID {
		t.Errorf("both publishers are %q", a.opts.ClientID)
	}
	// Both connected: had bb's connection taken a's id, the broker
	// would have dropped a's before answering bb.
	checkNoTakeover(t, b, a, bb)
	// Each delivers everything, one event after the other: a's are
	// sent while bb is connected, over a's first connection.
	for i := range 30 {
		a.Event(event(i))
		bb.Event(event(i))
	}
	checkEvents(t, sub.Payloads("livecam/camera0/events", 30), 30)
	checkEvents(t, sub.Payloads("livecam/other/camera0/events", 30), 30)
	checkNoTakeover(t, b, a, bb)
	for _, p := range []*Publisher{a, bb} {
		if err := p.Close(); err != nil {
			t.Error(err)
		}
	}
	if s := la.String() + lb.String(); strings.Contains(s, "connection lost") {
		t.Errorf("a publisher lost its connection:\n%s", s)
	}
}

// TestSameCameraSamePrefix: two processes publish a camera of one name
// under one prefix (two hosts running -source 0 against one broker).
// Each has its own availability topic for the camera; the short run
// closing says "offline" on its own and clears it, and leaves the long
// run's "online"; each announcement to Home Assistant names the topics of
// the process that sent it, and the short run ending hands Home
// Assistant's entity back to the long one.
func TestSameCameraSamePrefix(t *testing.T) {
	b := mosquittotest.Start(t, nil)
	sub := mosquittotest.Subscribe(t, b.URL())
	long, err := Connect(Options{Broker: b.URL(), Camera: "camera0", Discovery: "homeassistant"})
	if err != nil {
		t.Fatal(err)
	}
	defer long.Close()
	short, err := Connect(Options{Broker: b.URL(), Camera: "camera0", Discovery: "homeassistant"})
	if err != nil {
		t.Fatal(err)
	}
	if long.Availability() == short.Availability() || long.InstanceAvailability() == short.InstanceAvailability() {
		t.Errorf("one availability topic for both: %s, %s", long.Availability(), short.Availability())
	}
	for _, p := range []*Publisher{long, short} {
		if !mosquittotest.Match("livecam/camera0/availability/+", p.Availability()) {
			t.Errorf("availability topic %s: want livecam/camera0/availability/INSTANCE", p.Availability())
		}
	}
	short.Event(event(0))
	if err := short.Close(); err != nil {
		t.Fatal(err)
	}
	// The short run's "offline" is in: its topic's messages so far.
	if got := sub.Matching(short.Availability(), 2); strings.Join(got, " ") != "online offline" {
		t.Errorf("short run's availability: %q, want online then offline", got)
	}
	got := mosquittotest.Retained(t, b.URL(), "livecam/#")
	// The long run's camera stays online, as a new subscriber (Home
	// Assistant restarted) finds it.
	if got[long.Availability()] != "online" || got[long.InstanceAvailability()] != "online" {
		t.Errorf("the long run's camera: %s = %q, %s = %q; want online (all: %q)",
			long.Availability(), got[long.Availability()], long.InstanceAvailability(), got[long.InstanceAvailability()], got)
	}
	// The short run's topics are cleared; no topic is shared by both.
	for _, topic := range []string{short.Availability(), short.InstanceAvailability(), "livecam/camera0/availability"} {
		if v, ok := got[topic]; ok && topic != long.Availability() {
			t.Errorf("retained %s = %q, want none", topic, v)
		}
	}
	for _, m := range sub.All() {
		if string(m.Payload()) == "offline" && m.Topic() != short.Availability() {
			t.Errorf("%s said offline", m.Topic())
		}
	}
	// Home Assistant: each announcement names its sender's topics.
	configs := sub.Payloads("homeassistant/sensor/livecam/camera0_label/config", 2)
	if len(configs) < 2 {
		t.Fatalf("discovery: %q", configs)
	}
	for i, p := range []*Publisher{long, short} {
		var cfg struct {
			Availability []struct{ Topic string } `json:"availability"`
		}
		json.Unmarshal([]byte(configs[i]), &cfg)
		if len(cfg.Availability) != 2 || cfg.Availability[0].Topic != p.Availability() || cfg.Availability[1].Topic != p.InstanceAvailability() {
			t.Errorf("announcement %d: availability %+v, want %s and %s", i, cfg.Availability, p.Availability(), p.InstanceAvailability())
		}
	}
	// The short run, ending, handed the entity back to the long one:
	// the announcement Home Assistant finds names the long run's
	// topics, which say online.
	retained := mosquittotest.Retained(t, b.URL(), "homeassistant/#")["homeassistant/sensor/livecam/camera0_label/config"]
	if retained != string(long.discoveryConfig()) {
		t.Errorf("retained announcement after the short run: %s\nwant the long run's: %s", retained, long.discoveryConfig())
	}
}

// TestShortRunLeavesOthersOnline: two processes on one broker and
// prefix; the short one closing marks its own camera offline and leaves
// the long one's online, and clears its own instance topic while the
// long one's says online.
func TestShortRunLeavesOthersOnline(t *testing.T) {
	b := mosquittotest.Start(t, nil)
	sub := mosquittotest.Subscribe(t, b.URL())
	long, err := Connect(Options{Broker: b.URL(), Camera: "yard", Discovery: "homeassistant"})
	if err != nil {
		t.Fatal(err)
	}
	defer long.Close()
	short, err := Connect(Options{Broker: b.URL(), Camera: "door", Discovery: "homeassistant"})
	if err != nil {
		t.Fatal(err)
	}
	short.Event(event(0))
	if err := short.Close(); err != nil {
		t.Fatal(err)
	}
	if got := sub.Matching("livecam/door/availability/+", 2); strings.Join(got, " ") != "online offline" {
		t.Errorf("door's availability: %q, want online then offline", got)
	}
	got := mosquittotest.Retained(t, b.URL(), "livecam/#")
	want := map[string]string{
		long.Availability():          "online",
		short.Availability():         "", // offline, then cleared
		long.instanceAvailability():  "online",
		short.instanceAvailability(): "", // cleared
		"livecam/availability":       "", // no topic shared by every process
	}
	for topic, w := range want {
		if got[topic] != w {
			t.Errorf("retained %s = %q, want %q (all: %q)", topic, got[topic], w, got)
		}
	}
	var cfg struct {
		Availability []struct{ Topic string } `json:"availability"`
	}
	json.Unmarshal([]byte(mosquittotest.Retained(t, b.URL(), "homeassistant/#")["homeassistant/sensor/livecam/yard_label/config"]), &cfg)
	if len(cfg.Availability) != 2 || cfg.Availability[0].Topic != long.Availability() || cfg.Availability[1].Topic != long.instanceAvailability() {
		t.Errorf("yard's discovery availability: %+v", cfg.Availability)
	}
}

// TestLoginInURL: the user and password of an mqtt://user:pass@ URL log
// in (with a warning that does not show the password); a URL and options
// that name different users are refused.
func TestLoginInURL(t *testing.T) {
	b := mosquittotest.Start(t, map[string]string{"cam": "s3cr3t"})
	withLogin := strings.Replace(b.URL(), "mqtt://", "mqtt://cam:s3cr3t@", 1)
	var l logs
	p, err := Connect(Options{Broker: withLogin, Camera: "door", Logf: l.logf})
	if err != nil {
		t.Fatalf("login in the URL: %v", err)
	}
	p.Event(event(0))
	if err := p.Close(); err != nil {
		t.Error(err)
	}
	if s := l.String(); !strings.Contains(s, "password is in its URL") || strings.Contains(s, "s3cr3t") {
		t.Errorf("the warning: %q", s)
	}
	// The user in the URL, the password from the options (a file or the
	// environment): no warning.
	var l2 logs
	p, err = Connect(Options{Broker: strings.Replace(b.URL(), "mqtt://", "mqtt://cam@", 1), Password: "s3cr3t", Camera: "door", Logf: l2.logf})
	if err != nil {
		t.Fatalf("user in the URL, password in the options: %v", err)
	}
	p.Close()
	if s := l2.String(); s != "" {
		t.Errorf("logged: %q", s)
	}
	_, err = Connect(Options{Broker: withLogin, Username: "other", Password: "x"})
	if err == nil || !strings.Contains(err.Error(), "give the user once") || strings.Contains(err.Error(), "s3cr3t") {
		t.Errorf("two users: %v", err)
	}
	_, err = Connect(Options{Broker: withLogin, Password: "x"})
	if err == nil || strings.Contains(err.Error(), "s3cr3t") {
		t.Errorf("two passwords: %v", err)
	}
}
