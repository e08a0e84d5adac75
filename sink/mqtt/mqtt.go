// Package mqtt publishes a camera's labels and events to an MQTT broker
// (Home Assistant, robots' controllers, Frigate-style setups) through
// Eclipse Paho:
//
//	PREFIX/CAMERA/availability/INSTANCE  "online" while this process
//	                       publishes the camera, "offline" once it has
//	                       closed, then cleared (retained while online);
//	                       "offline" too while the camera has no signal
//	                       (Signal: its frames stopped), "online" again
//	                       when they come back; INSTANCE is the client
//	                       id made safe
//	PREFIX/instance/INSTANCE/availability  "online" while this process
//	                       is connected; "offline" is its last will,
//	                       which the broker sends if it dies (retained;
//	                       cleared by a clean Close, when every camera
//	                       of the process says "offline" itself)
//	PREFIX/CAMERA/top      a classifier's current best label as JSON,
//	                       retained, published when it changes; while
//	                       the camera has no signal, no label
//	                       (wire.AppendNoSignal). A detector's camera
//	                       has no label: its top says "no signal" only
//	                       while it has none, and its first frame back
//	                       replaces that with nulls (wire.AppendTop of
//	                       no class: Home Assistant's label shows
//	                       unknown again, with no "no_signal_since")
//	PREFIX/CAMERA/events   the events, one JSON message each (package
//	                       wire's), QoS 1: a classifier's "label
//	                       entered / left" (Event), a detector's
//	                       objects entering and leaving the view or a
//	                       zone (ObjectEvent)
//	PREFIX/CAMERA/LABEL    a detector's count of objects of LABEL in
//	                       view now ("2"), retained, published when it
//	                       changes (ObjectEvent)
//	PREFIX/CAMERA/ZONE/LABEL  the same within zone ZONE
//	PREFIX/CAMERA/results  optionally (Result), every frame's result
//	                       (wire.AppendResult), QoS 0: a classifier's
//	                       classes, a detector's objects
//
// CAMERA is the camera's name made safe for a topic level
// (topicname.Safe: "door#1+.mp4" is "door_1__mp4"); LABEL and ZONE are
// made safe the same way (ObjectLevel: "dining table" is
// "dining_table"), so that no label or zone adds a level or a wildcard,
// and one that would be the camera's own "top", "events", "results" or
// "availability" gets a "_" after it. The counts are Frigate's
// frigate/CAMERA/LABEL: an automation triggers on
// livecam/porch/person going above 0. Several processes
// share a broker and a prefix without harm, even with cameras of one
// name (two hosts running -source 0): each has its own client id
// (livecam-PID-RANDOM unless set), its own instance topic and its own
// availability topic per camera, so one process ending or dying never
// marks another's cameras offline. A subscriber finds a camera's
// availability under PREFIX/CAMERA/availability/+, one retained topic per
// process publishing it: the camera is available while, for some
// INSTANCE, both PREFIX/CAMERA/availability/INSTANCE and
// PREFIX/instance/INSTANCE/availability say "online" (a process that died
// leaves its camera's topic "online" and its instance "offline", by its
// last will). Home Assistant is told both availability topics of this
// process's camera (availability mode "all"); two processes announcing
// one camera name under one prefix share one Home Assistant entity,
// which follows the process that announced last; a process closing
// hands it back to the one that announced it before (when that one has
// ended too, the entity shows unavailable). Give them different
// prefixes, or camera names, for two entities.
//
// Messages go through a bounded queue to one publishing goroutine that
// waits for each acknowledgement in order and retries while the broker is
// away: livecam never waits on the broker, order is kept, and nothing is
// lost unless the queue overflows, which is counted and reported. On
// every reconnection each camera's retained state (availability, top,
// counts) is queued again, behind what waits and before what follows:
// the broker ends up with the camera's state as it is, even if it lost
// its retained messages (a crash) or the connection dropped while the
// camera's signal went or came back. The messages are built in buffers
// that are reused once the broker has taken them: the per-frame calls
// (Write, Result) allocate nothing.
package mqtt

import (
	"bytes"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/livecam/livecam/events"
	"github.com/livecam/livecam/internal/bufpool"
	"github.com/livecam/livecam/internal/redact"
	"github.com/livecam/livecam/internal/relay"
	"github.com/livecam/livecam/internal/topicname"
	"github.com/livecam/livecam/pipeline"
	"github.com/livecam/livecam/wire"
)

// Options configure a Publisher.
type Options struct {
	// Broker is mqtt://HOST:PORT (or tcp://), or mqtts:// for TLS.
	Broker string
	// Prefix starts every topic (default "livecam").
	Prefix string
	// Camera names the camera's topics (made safe by topicname.Safe).
	// Empty, the Publisher is only the connection, for the cameras its
	// Camera method adds: it publishes nothing of its own and Home
	// Assistant is not told of it.
	Camera string
	// ClientID must be unique among the broker's clients (the broker
	// drops the older of two connections with one id). The default,
	// "livecam-PID-" and 8 random hex digits, is.
	ClientID string
	// Username and Password log in; they never appear in messages. A
	// user name and password in Broker's URL are used too (with a
	// warning through Logf about a password there, which the command
	// line shows to other users); a URL and Username (or Password) that
	// disagree are refused.
	Username, Password string
	// QueueSize bounds the messages waiting for the broker (default
	// 1000); beyond it the newest are dropped and counted.
	QueueSize int
	// ConnectTimeout bounds the first connection (default 5 s).
	ConnectTimeout time.Duration
	// Logf reports reconnections and drops (default: nothing).
	Logf func(format string, args ...any)
	// TLS, when set, configures an mqtts:// connection (see TLSConfig);
	// nil uses the system's roots.
	TLS *tls.Config
	// Discovery, when set, announces the camera's label to Home
	// Assistant as a sensor (MQTT discovery, retained, on every
	// connection) under this discovery prefix, usually "homeassistant";
	// with a detector, each label's count of objects in view too, once
	// the label first enters (see ObjectEvent).
	Discovery string
}

// Publisher is one camera's pipeline.Sink that publishes its current
// label (Write); Event publishes its events and Result every result. The
// Publisher Connect returns holds the connection to the broker; Camera
// adds others that share it.
type Publisher struct {
	*conn
	camera string // as given, for Home Assistant's device name
	level  string // camera made safe for a topic level and an object id
	root   bool   // made by Connect: its Close closes the connection

	top wire.TopChanges // the best label, published when it changes
	// noSignal is set while the camera's frames have stopped (Signal):
	// a reconnection to the broker announces it offline, not online.
	noSignal atomic.Bool
	// noSignalTop is set while the retained top is the "no signal"
	// message: a classifier's next label replaces it, a detector's
	// first frame back clears it (Write).
	noSignalTop atomic.Bool
	// stateMu guards lastTop and orders the camera's retained messages in
	// the queue: Write, Signal and republish queue them holding it, so
	// that a reconnection's republished state never overtakes a change.
	stateMu sync.Mutex
	// lastTop is the camera's retained top message last queued (a
	// label, none, or no signal), published again on a reconnection.
	lastTop []byte
	objects objectCounts // a detector's objects in view, per label and zone

	// The camera's topics, made once: a frame's message costs no
	// allocation.
	topTopic, eventsTopic, resultsTopic string
}

// newPublisher returns camera's Publisher on c.
func newPublisher(c *conn, camera string, root bool) *Publisher {
	p := &Publisher{conn: c, camera: camera, level: topicname.Safe(camera), root: root}
	p.topTopic, p.eventsTopic, p.resultsTopic = p.Topic("top"), p.Topic("events"), p.Topic("results")
	return p
}

// conn is the connection the publishers of one process share.
type conn struct {
	opts   Options
	client paho.Client
	queue  *relay.Queue // top labels, events, announcements: QoS 1, in order

	mu      sync.Mutex
	closed  bool
	cameras []*Publisher // announced to Home Assistant on every connection

	results *relay.Lossy // every result (Result): QoS 0, left out when the broker lags

	// buffers and resultBuffers hold the payloads of the queue's
	// messages and of the results, given back once the broker has
	// taken them (see send and sendResult).
	buffers, resultBuffers *bufpool.Pool
	// failed says a try of the queue's message send is sending failed:
	// Paho may keep that try in its store and write it again after a
	// reconnection, so the payload must never go back to buffers (only
	// send uses it).
	failed bool

	// disc follows the Home Assistant announcements of this process's
	// cameras as the broker passes them on, by discovery topic (see
	// onDiscovery and handBack).
	disc map[string]*announcements

	// announced is closed once the first connection's announcements
	// are sent: Connect returns after it, so that a camera Camera adds
	// later is announced once, by Camera.
	announced chan struct{}
	announce  sync.Once
}

// ErrLogin reports a broker that refused the user name or password.
var ErrLogin = errors.New("the broker refused the login")

// Connect connects to the broker (waiting at most ConnectTimeout),
// announces the camera online and starts publishing.
func Connect(opts Options) (*Publisher, error) {
	if opts.Prefix == "" {
		opts.Prefix = "livecam"
	}
	if err := checkTopicPrefix("prefix", opts.Prefix); err != nil {
		return nil, err
	}
	if err := checkTopicPrefix("discovery prefix", opts.Discovery); err != nil {
		return nil, err
	}
	if opts.ClientID == "" {
		opts.ClientID = newClientID()
	}
	if opts.QueueSize <= 0 {
		opts.QueueSize = 1000
	}
	if opts.ConnectTimeout <= 0 {
		opts.ConnectTimeout = 5 * time.Second
	}
	if opts.Logf == nil {
		opts.Logf = func(string, ...any) {}
	}
	broker, err := brokerURL(opts.Broker)
	if err != nil {
		return nil, err
	}
	if err := loginFromURL(&opts); err != nil {
		return nil, err
	}
	c := &conn{opts: opts, announced: make(chan struct{})}
	p := newPublisher(c, opts.Camera, true)
	if opts.Camera != "" {
		c.cameras = []*Publisher{p}
	}
	co := paho.NewClientOptions().AddBroker(broker).SetClientID(opts.ClientID).
		SetUsername(opts.Username).SetPassword(opts.Password).
		SetWill(c.instanceAvailability(), "offline", 1, true).
		SetAutoReconnect(true).SetMaxReconnectInterval(5 * time.Second).
		SetConnectTimeout(opts.ConnectTimeout).SetOrderMatters(true).SetTLSConfig(opts.TLS).
		SetConnectionLostHandler(func(_ paho.Client, err error) {
			opts.Logf("mqtt %s: connection lost (%s); reconnecting, events are queued", redact.URL(opts.Broker), redact.Text(err.Error()))
		}).
		SetOnConnectHandler(func(pc paho.Client) {
			// The instance first: Home Assistant sees a camera
			// available once both its topics say so.
			pc.Publish(c.instanceAvailability(), 1, true, "online")
			c.mu.Lock()
			cams := append([]*Publisher(nil), c.cameras...)
			c.mu.Unlock()
			if opts.Discovery != "" && len(cams) > 0 {
				// Another process's announcement of a camera of
				// the same name comes (retained) before ours.
				filters := map[string]byte{}
				for _, cam := range cams {
					filters[cam.DiscoveryTopic()] = 1
				}
				pc.SubscribeMultiple(filters, c.onDiscovery).WaitTimeout(opts.ConnectTimeout)
			}
			for _, cam := range cams {
				if opts.Discovery != "" {
					pc.Publish(cam.DiscoveryTopic(), 1, true, cam.discoveryConfig())
					for _, l := range cam.objects.announced() {
						pc.Publish(cam.countDiscoveryTopic(l[0]), 1, true, cam.countDiscoveryConfig(l[0], l[1]))
					}
				}
			}
			c.mu.Lock()
			queued := c.queue != nil
			c.mu.Unlock()
			for _, cam := range cams {
				if !queued { // the first connection: nothing queued yet
					pc.Publish(cam.availability(), 1, true, cam.state())
					continue
				}
				// Through the queue, behind what is waiting there
				// (a Signal queued while the broker was away): the
				// broker ends up with the camera's state as it is now,
				// even if it lost its retained messages.
				cam.republish()
			}
			c.announce.Do(func() { close(c.announced) })
		})
	p.client = paho.NewClient(co)
	tok := p.client.Connect()
	if !tok.WaitTimeout(opts.ConnectTimeout) {
		p.client.Disconnect(0)
		return nil, fmt.Errorf("mqtt %s: no answer within %v", redact.URL(opts.Broker), opts.ConnectTimeout)
	}
	if err := tok.Error(); err != nil {
		if strings.Contains(err.Error(), "not Authorized") || strings.Contains(err.Error(), "bad user name or password") {
			return nil, fmt.Errorf("mqtt %s: %w (check the user name and password)", redact.URL(opts.Broker), ErrLogin)
		}
		return nil, fmt.Errorf("mqtt %s: %s", redact.URL(opts.Broker), redact.Text(err.Error()))
	}
	select { // Paho calls the handler on a goroutine of its own
	case <-c.announced:
	case <-time.After(opts.ConnectTimeout):
	}
	c.start()
	return p, nil
}

// start starts the queues that send c's messages.
func (c *conn) start() {
	c.buffers, c.resultBuffers = bufpool.New(64, 512), bufpool.New(resultsQueue+2, 1024)
	q := relay.New(c.opts.QueueSize, c.send, func(dropped int64) {
		c.opts.Logf("mqtt %s: the queue of %d messages is full; %d dropped so far", redact.URL(c.opts.Broker), c.opts.QueueSize, dropped)
	})
	c.results = relay.NewLossy(resultsQueue, c.sendResult)
	c.mu.Lock()
	c.queue = q // the connection handler looks at it (under mu)
	c.mu.Unlock()
}

// TLSConfig builds the TLS settings of an mqtts:// connection: caFile
// (PEM) replaces the system's roots when set, and certFile with keyFile
// (PEM) is the client's certificate for brokers that ask for one.
func TLSConfig(caFile, certFile, keyFile string) (*tls.Config, error) {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			return nil, fmt.Errorf("mqtt: CA file: %w", err)
		}
		cfg.RootCAs = x509.NewCertPool()
		if !cfg.RootCAs.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("mqtt: CA file %s: no PEM certificate in it", caFile)
		}
	}
	if (certFile == "") != (keyFile == "") {
		return nil, errors.New("mqtt: a client certificate needs both its certificate and its key file")
	}
	if certFile != "" {
		cert, err := tls.LoadX509KeyPair(certFile, keyFile)
		if err != nil {
			return nil, fmt.Errorf("mqtt: client certificate: %w", err)
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	return cfg, nil
}

// newClientID returns a client id unique to this connection:
// "livecam-PID-" and 8 random hex digits (22 characters, within the 23
// every MQTT 3.1.1 broker must accept).
func newClientID() string {
	var b [4]byte
	rand.Read(b[:])
	return "livecam-" + strconv.Itoa(os.Getpid()%100000) + "-" + hex.EncodeToString(b[:])
}

// checkTopicPrefix refuses a topic prefix that MQTT would read as
// wildcards, or that no broker takes.
func checkTopicPrefix(what, p string) error {
	switch {
	case strings.ContainsAny(p, "+#\x00"):
		return fmt.Errorf("mqtt %s %q: a topic prefix may not hold + or # (MQTT's wildcards) or NUL", what, p)
	case strings.HasPrefix(p, "$"):
		return fmt.Errorf("mqtt %s %q: topics starting with $ are the broker's own", what, p)
	case len(p) > 1000:
		return fmt.Errorf("mqtt %s: %d bytes long; keep it under 1000", what, len(p))
	}
	return nil
}

// loginFromURL takes the user name and password of the broker's URL
// into opts, unless opts names others (an error); a password in the URL
// is used, with a warning.
func loginFromURL(opts *Options) error {
	u, err := url.Parse(opts.Broker)
	if err != nil || u.User == nil {
		return nil
	}
	b := redact.URL(opts.Broker)
	user := u.User.Username()
	pw, hasPw := u.User.Password()
	switch {
	case user != "" && opts.Username != "" && user != opts.Username:
		return fmt.Errorf("mqtt %s: the URL names user %q and the options user %q: give the user once", b, user, opts.Username)
	case hasPw && opts.Password != "" && pw != opts.Password:
		return fmt.Errorf("mqtt %s: the URL holds a password and another is given (file or environment): give it once, not in the URL", b)
	}
	if opts.Username == "" {
		opts.Username = user
	}
	if hasPw {
		opts.Password = pw
		opts.Logf("warning: mqtt %s: the broker's password is in its URL, which other users of this machine may read (on the command line, through ps; in a shared file); give it with -mqtt-password-file (password_file in a cameras file) or $LIVECAM_MQTT_PASSWORD instead", b)
	}
	return nil
}

// brokerURL turns mqtt://, mqtts://, tcp:// or ssl:// into Paho's form,
// without the user information (loginFromURL takes it).
func brokerURL(s string) (string, error) {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return "", fmt.Errorf("mqtt %q: want mqtt://HOST:PORT or mqtts://HOST:PORT", redact.URL(s))
	}
	switch u.Scheme {
	case "mqtt", "tcp":
		u.Scheme = "tcp"
	case "mqtts", "ssl", "tls":
		u.Scheme = "ssl"
	default:
		return "", fmt.Errorf("mqtt %q: unknown scheme %q (want mqtt or mqtts)", redact.URL(s), u.Scheme)
	}
	u.User = nil
	return u.String(), nil
}

// instanceAvailability is this process's (this connection's) own
// availability topic, the one its last will goes to.
func (c *conn) instanceAvailability() string {
	return c.opts.Prefix + "/instance/" + topicname.Safe(c.opts.ClientID) + "/availability"
}

// availability is the camera's availability topic of this process:
// PREFIX/CAMERA/availability/INSTANCE, so that another process
// publishing a camera of the same name never marks this one offline.
func (p *Publisher) availability() string {
	return p.Topic("availability") + "/" + topicname.Safe(p.opts.ClientID)
}

// Availability returns the camera's availability topic of this process,
// PREFIX/CAMERA/availability/INSTANCE (see the package's documentation).
func (p *Publisher) Availability() string { return p.availability() }

// InstanceAvailability returns the availability topic of this process,
// PREFIX/instance/INSTANCE/availability, the one its last will goes to.
func (p *Publisher) InstanceAvailability() string { return p.instanceAvailability() }

// Camera returns the publisher of another camera on the same connection
// (one client, one queue keeping every message in order); the camera is
// announced online at once. Its Close does nothing: the connection
// closes, and its cameras go offline, with the Publisher Connect
// returned.
func (p *Publisher) Camera(name string) *Publisher {
	cam := newPublisher(p.conn, name, false)
	p.mu.Lock()
	p.conn.cameras = append(p.conn.cameras, cam)
	p.mu.Unlock()
	if p.opts.Discovery != "" {
		// Subscribed before the announcement is queued: the broker
		// sends another process's retained one first.
		p.client.Subscribe(cam.DiscoveryTopic(), 1, p.conn.onDiscovery)
		p.queue.Put(relay.Message{Subject: cam.DiscoveryTopic(), Payload: cam.discoveryConfig(), Retained: true})
	}
	p.queue.Put(relay.Message{Subject: cam.availability(), Payload: []byte("online"), Retained: true})
	return cam
}

// Topic returns the camera's topic for kind ("top", "events",
// "results"): PREFIX/CAMERA/KIND, CAMERA made safe for a topic level by
// topicname.Safe. The camera's availability has one topic per process
// under Topic("availability"): see Availability.
func (p *Publisher) Topic(kind string) string {
	return p.opts.Prefix + "/" + p.level + "/" + kind
}

// objectID is the camera's Home Assistant object id: its safe name, after
// the safe prefix when the prefix is not the default, so that two
// livecams on one broker under different prefixes stay apart.
func (p *Publisher) objectID() string {
	if p.opts.Prefix == "livecam" {
		return p.level
	}
	return topicname.Safe(p.opts.Prefix) + "_" + p.level
}

// DiscoveryTopic returns the topic of the Home Assistant discovery
// message: DISCOVERY/sensor/livecam/OBJECT_label/config, OBJECT the
// camera's safe name (after the safe prefix, when not "livecam").
func (p *Publisher) DiscoveryTopic() string {
	return p.opts.Discovery + "/sensor/livecam/" + p.objectID() + "_label/config"
}

// discoveryConfig describes the camera's label as a Home Assistant
// sensor: its state is the label, its attributes the rest of the top
// message; it is available while both the camera's availability and the
// process's (whose last will marks it offline if it dies) say "online".
func (p *Publisher) discoveryConfig() []byte {
	id := "livecam_" + p.objectID()
	b, _ := json.Marshal(map[string]any{
		"name":                  "label",
		"unique_id":             id + "_label",
		"state_topic":           p.Topic("top"),
		"value_template":        "{{ value_json.label }}",
		"json_attributes_topic": p.Topic("top"),
		"availability":          []map[string]string{{"topic": p.availability()}, {"topic": p.instanceAvailability()}},
		"availability_mode":     "all",
		"icon":                  "mdi:cctv",
		"device":                map[string]any{"identifiers": []string{id}, "name": "livecam " + p.camera, "manufacturer": "livecam"},
	})
	return b
}

// announcements is what this process has seen on one camera's
// discovery topic.
type announcements struct {
	before     []byte // another process's, the last before ours
	ours       bool   // ours has come back from the broker
	superseded bool   // another's came after ours (and ours not again)
}

// onDiscovery records an announcement of one of this process's cameras
// to Home Assistant as the broker passes it on: this process's own, or
// another's, of a camera of the same name under the same prefix. The
// broker passes them on in the order it took them, and ours is published
// after the subscription: another's that comes before ours is older
// (the retained one, or one published meanwhile).
func (c *conn) onDiscovery(_ paho.Client, m paho.Message) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var own []byte
	for _, cam := range c.cameras {
		if cam.DiscoveryTopic() == m.Topic() {
			own = cam.discoveryConfig()
		}
	}
	if own == nil || len(m.Payload()) == 0 {
		return
	}
	if c.disc == nil {
		c.disc = map[string]*announcements{}
	}
	a := c.disc[m.Topic()]
	if a == nil {
		a = &announcements{}
		c.disc[m.Topic()] = a
	}
	switch {
	case bytes.Equal(m.Payload(), own):
		a.ours, a.superseded = true, false
	case a.ours:
		a.superseded = true
	default:
		a.before = append([]byte(nil), m.Payload()...)
	}
}

// handBack returns, for each camera whose Home Assistant announcement
// is still this process's (no other came after it), the announcement
// another process made of a camera of the same name before it, for
// Close to publish again: Home Assistant then follows that process's
// availability (online while it runs) rather than this one's, which is
// ending. The announcement of a process that has ended since points at
// its topics, which say it is not available, as this process's would.
func (c *conn) handBack() map[string][]byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	back := map[string][]byte{}
	for topic, a := range c.disc {
		if a.before != nil && !a.superseded {
			back[topic] = a.before
		}
	}
	return back
}

// Dropped returns the number of messages dropped because the queue (of
// the connection, shared by its cameras) was full.
func (p *Publisher) Dropped() int64 { return p.queue.Dropped() }

// send publishes one message at QoS 1. While Paho reconnects it keeps
// the message and sends it once connected: wait for the acknowledgement
// as long as it takes; an error means this try failed, and the queue
// tries again. Once the broker has acknowledged it, Paho holds the
// payload no longer, and it goes back to c.buffers (a payload the queue
// takes is the queue's: nothing else may hold it) — unless a try of it
// failed: Paho (v1.5) stores a QoS 1 packet before writing it and keeps
// it when the write fails (a timeout), to write it again after a
// reconnection, so that payload is left to the garbage collector.
func (c *conn) send(m relay.Message, stop <-chan struct{}) error {
	tok := c.client.Publish(m.Subject, 1, m.Retained, m.Payload)
	select {
	case <-tok.Done():
		if err := tok.Error(); err != nil {
			c.failed = true
			return err
		}
		if !c.failed {
			c.buffers.Put(m.Payload)
		}
		c.failed = false
		return nil
	case <-stop:
		return errStopped
	}
}

var errStopped = errors.New("stopped")

// TakesI420 is true: the publisher sends results, never pixels, so the
// frame may come in any format (pipeline.I420Sink).
func (p *Publisher) TakesI420() bool { return true }

// Write publishes a classifier's best label to PREFIX/CAMERA/top
// (retained) when it differs from the last frame's. A detector's frame
// (Result.Detection) publishes nothing there (its objects are counted
// from its events, ObjectEvent, and sent with every result, Result),
// except the first after an outage: it replaces the retained "no
// signal" message with no label (nulls), which no later frame would.
func (p *Publisher) Write(o *pipeline.Output) error {
	if o.Result.Detection() {
		if p.noSignalTop.Load() && !p.noSignal.Load() {
			p.stateMu.Lock()
			if p.noSignalTop.Load() && !p.noSignal.Load() {
				p.putTop(wire.AppendTop(p.buffers.Get(), o.Result))
			}
			p.stateMu.Unlock()
		}
		return nil
	}
	if p.top.Changed(o.Result) {
		p.stateMu.Lock()
		p.putTop(wire.AppendTop(p.buffers.Get(), o.Result))
		p.stateMu.Unlock()
	}
	return nil
}

// putTop queues msg, the camera's new top message (a label, or none),
// and keeps a copy of it for republish. p.stateMu is held.
func (p *Publisher) putTop(msg []byte) {
	p.lastTop = append(p.lastTop[:0], msg...)
	p.noSignalTop.Store(false)
	p.queue.Put(relay.Message{Subject: p.topTopic, Payload: msg, Retained: true})
}

// republish queues the camera's current state again, on a reconnection
// to the broker: its top message (when it has published one), a
// detector's counts of objects in view, and its availability; behind the
// messages already queued and before any change that comes after, so
// that the broker's retained messages end up saying what the camera's
// state is, whatever the broker kept and however the reconnection
// crossed a Signal.
func (p *Publisher) republish() {
	p.stateMu.Lock()
	defer p.stateMu.Unlock()
	if len(p.lastTop) > 0 {
		p.queue.Put(relay.Message{Subject: p.topTopic, Payload: append(p.buffers.Get(), p.lastTop...), Retained: true})
	}
	p.objects.each(p.putCount)
	p.queue.Put(relay.Message{Subject: p.availability(), Payload: append(p.buffers.Get(), p.state()...), Retained: true})
}

// resultsQueue bounds the results waiting for the broker (Result).
const resultsQueue = 64

// Result publishes the frame's result to PREFIX/CAMERA/results
// (wire.AppendResult: a classifier's "top", a detector's "objects"), at
// QoS 0: a stream for those
// who want every frame, never queued beyond a few frames (when the
// broker is slow or away, results are left out and counted, see
// ResultsLeftOut). It is a pipeline.Sink's Write.
func (p *Publisher) Result(o *pipeline.Output) error {
	p.results.Offer(relay.Message{Subject: p.resultsTopic, Payload: wire.AppendResult(p.resultBuffers.Get(), o.Result)})
	return nil
}

// ResultsLeftOut returns how many results Result left out because the
// broker did not take them in time.
func (p *Publisher) ResultsLeftOut() int64 { return p.results.LeftOut() }

// sendResult publishes one result at QoS 0, waiting a little for it (a
// second). Once Paho has written it, or when it never had it, its
// payload goes back to c.resultBuffers; one that Paho may still write
// later (it took too long, or failed) is left to the garbage collector.
func (c *conn) sendResult(m relay.Message) error {
	if !c.client.IsConnectionOpen() {
		c.resultBuffers.Put(m.Payload)
		return errNotConnected
	}
	tok := c.client.Publish(m.Subject, 0, false, m.Payload)
	if !tok.WaitTimeout(time.Second) {
		return errNotConnected
	}
	err := tok.Error()
	if err == nil {
		c.resultBuffers.Put(m.Payload)
	}
	return err
}

var errNotConnected = errors.New("not connected")

// Signal tells the broker that the camera's frames stopped or came back
// (the pipeline calls it: pipeline.SignalSink). Lost: its top label is
// cleared (wire.AppendNoSignal, retained), then its availability topic
// says "offline" (retained), after the leave events the pipeline sent
// before; Home Assistant, told that topic, shows the camera unavailable.
// Back: "online" again, and the next frame's label is published.
func (p *Publisher) Signal(s pipeline.Signal) {
	p.stateMu.Lock()
	defer p.stateMu.Unlock()
	p.noSignal.Store(s.Lost)
	if s.Lost {
		p.top.Reset()
		p.putTop(wire.AppendNoSignal(p.buffers.Get(), s.Since))
		p.noSignalTop.Store(true)
	}
	p.queue.Put(relay.Message{Subject: p.availability(), Payload: append(p.buffers.Get(), p.state()...), Retained: true})
}

// state is what the camera's availability topic says while this process
// publishes it: "online", or "offline" while it has no signal.
func (p *Publisher) state() string {
	if p.noSignal.Load() {
		return "offline"
	}
	return "online"
}

var _ pipeline.SignalSink = (*Publisher)(nil)

// Event publishes a classifier's event e to PREFIX/CAMERA/events
// (wire.AppendEvent).
func (p *Publisher) Event(e events.Event) {
	p.queue.Put(relay.Message{Subject: p.eventsTopic, Payload: wire.AppendEvent(p.buffers.Get(), e)})
}

// Close delivers what is queued (waiting at most drain for the broker),
// announces its cameras offline on this process's availability topics
// and clears them, clears the process's instance topic and disconnects.
// Another process's cameras, of the same names or not, are left as they
// are.
func (p *Publisher) Close() error {
	return p.CloseWithin(5 * time.Second)
}

// CloseWithin is Close with a bound on the wait for the queue.
func (p *Publisher) CloseWithin(drain time.Duration) error {
	if !p.root {
		return nil
	}
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	p.mu.Unlock()
	p.results.Close()
	var err error
	if unsent := p.queue.Close(drain); unsent > 0 {
		err = fmt.Errorf("mqtt %s: %d messages not delivered: the broker took none for %v", redact.URL(p.opts.Broker), unsent, drain)
	}
	p.mu.Lock()
	cams := append([]*Publisher(nil), p.conn.cameras...)
	p.mu.Unlock()
	var toks []paho.Token
	// Home Assistant first: a camera of the same name another process
	// still publishes is handed back to it before this one goes offline.
	for topic, cfg := range p.handBack() {
		toks = append(toks, p.client.Publish(topic, 1, true, cfg))
	}
	for _, cam := range cams {
		// "offline" to those listening, then cleared: the topic is
		// this process's alone, and would otherwise stay on the
		// broker after it (an empty retained message deletes it).
		// Home Assistant, told this topic, shows the camera
		// unavailable; a new subscriber finds no process publishing
		// it.
		toks = append(toks, p.client.Publish(cam.availability(), 1, true, "offline"))
		toks = append(toks, p.client.Publish(cam.availability(), 1, true, []byte{}))
	}
	// Every camera says offline itself: the instance's retained
	// message has nothing left to say.
	toks = append(toks, p.client.Publish(p.instanceAvailability(), 1, true, []byte{}))
	deadline := time.Now().Add(time.Second)
	for _, tok := range toks {
		tok.WaitTimeout(time.Until(deadline))
	}
	p.client.Disconnect(250)
	if d := p.Dropped(); d > 0 && err == nil {
		err = fmt.Errorf("mqtt %s: %d messages dropped while the broker was away (queue of %d)", redact.URL(p.opts.Broker), d, p.opts.QueueSize)
	}
	return err
}

var _ pipeline.Publisher = (*Publisher)(nil)
