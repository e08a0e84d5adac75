// Package mqtt publishes a camera's labels and events to an MQTT broker
// (Home Assistant, robots' controllers, Frigate-style setups) through
// Eclipse Paho:
//
//	PREFIX/availability    "online" / "offline" (retained; "offline" is
//	                       also the last will, sent by the broker when
//	                       livecam dies)
//	PREFIX/CAMERA/top      the current best label as JSON, retained,
//	                       published when it changes
//	PREFIX/CAMERA/events   the "entered / left" events, one JSON line
//	                       each (sink/jsonl's format), QoS 1
//	PREFIX/CAMERA/results  optionally (Result), every frame's result in
//	                       sink/jsonl's format, QoS 0
//
// Messages go through a bounded queue to one publishing goroutine that
// waits for each acknowledgement in order and retries while the broker is
// away: livecam never waits on the broker, order is kept, and nothing is
// lost unless the queue overflows, which is counted and reported.
package mqtt

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/livecam/livecam/events"
	"github.com/livecam/livecam/internal/relay"
	"github.com/livecam/livecam/pipeline"
	"github.com/livecam/livecam/sink/jsonl"
)

// Options configure a Publisher.
type Options struct {
	// Broker is mqtt://HOST:PORT (or tcp://), or mqtts:// for TLS.
	Broker string
	// Prefix starts every topic (default "livecam").
	Prefix string
	// Camera names the camera's topics. Empty, the Publisher is only
	// the connection, for the cameras its Camera method adds: it
	// publishes nothing of its own and Home Assistant is not told of it.
	Camera string
	// ClientID (default "livecam-" and the camera's name).
	ClientID string
	// Username and Password log in; they never appear in messages.
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
	// connection) under this discovery prefix, usually "homeassistant".
	Discovery string
}

// Publisher is one camera's pipeline.Sink that publishes its current
// label (Write); Event publishes its events and Result every result. The
// Publisher Connect returns holds the connection to the broker; Camera
// adds others that share it.
type Publisher struct {
	*conn
	camera string
	root   bool // made by Connect: its Close closes the connection

	top jsonl.TopChanges // the best label, published when it changes
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
}

// ErrLogin reports a broker that refused the user name or password.
var ErrLogin = errors.New("the broker refused the login")

// Connect connects to the broker (waiting at most ConnectTimeout),
// announces the camera online and starts publishing.
func Connect(opts Options) (*Publisher, error) {
	if opts.Prefix == "" {
		opts.Prefix = "livecam"
	}
	if opts.ClientID == "" {
		opts.ClientID = "livecam-" + opts.Camera
		if opts.Camera == "" {
			opts.ClientID = "livecam-" + strconv.Itoa(os.Getpid())
		}
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
	c := &conn{opts: opts}
	p := &Publisher{conn: c, camera: opts.Camera, root: true}
	if opts.Camera != "" {
		c.cameras = []*Publisher{p}
	}
	co := paho.NewClientOptions().AddBroker(broker).SetClientID(opts.ClientID).
		SetUsername(opts.Username).SetPassword(opts.Password).
		SetWill(p.availability(), "offline", 1, true).
		SetAutoReconnect(true).SetMaxReconnectInterval(5 * time.Second).
		SetConnectTimeout(opts.ConnectTimeout).SetOrderMatters(true).SetTLSConfig(opts.TLS).
		SetConnectionLostHandler(func(_ paho.Client, err error) {
			opts.Logf("mqtt %s: connection lost (%v); reconnecting, events are queued", redact(opts.Broker), err)
		}).
		SetOnConnectHandler(func(pc paho.Client) {
			if opts.Discovery != "" {
				c.mu.Lock()
				cams := append([]*Publisher(nil), c.cameras...)
				c.mu.Unlock()
				for _, cam := range cams {
					pc.Publish(cam.DiscoveryTopic(), 1, true, cam.discoveryConfig())
				}
			}
			pc.Publish(c.availability(), 1, true, "online")
		})
	p.client = paho.NewClient(co)
	tok := p.client.Connect()
	if !tok.WaitTimeout(opts.ConnectTimeout) {
		p.client.Disconnect(0)
		return nil, fmt.Errorf("mqtt %s: no answer within %v", redact(opts.Broker), opts.ConnectTimeout)
	}
	if err := tok.Error(); err != nil {
		if strings.Contains(err.Error(), "not Authorized") || strings.Contains(err.Error(), "bad user name or password") {
			return nil, fmt.Errorf("mqtt %s: %w (check the user name and password)", redact(opts.Broker), ErrLogin)
		}
		return nil, fmt.Errorf("mqtt %s: %v", redact(opts.Broker), err)
	}
	c.queue = relay.New(opts.QueueSize, c.send, func(dropped int64) {
		opts.Logf("mqtt %s: the queue of %d messages is full; %d dropped so far", redact(opts.Broker), opts.QueueSize, dropped)
	})
	c.results = relay.NewLossy(resultsQueue, c.sendResult)
	return p, nil
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

// brokerURL turns mqtt://, mqtts://, tcp:// or ssl:// into Paho's form.
func brokerURL(s string) (string, error) {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return "", fmt.Errorf("mqtt %q: want mqtt://HOST:PORT or mqtts://HOST:PORT", redact(s))
	}
	switch u.Scheme {
	case "mqtt", "tcp":
		u.Scheme = "tcp"
	case "mqtts", "ssl", "tls":
		u.Scheme = "ssl"
	default:
		return "", fmt.Errorf("mqtt %q: unknown scheme %q (want mqtt or mqtts)", redact(s), u.Scheme)
	}
	u.User = nil
	return u.String(), nil
}

// redact drops a password from a broker address for messages.
func redact(s string) string {
	if u, err := url.Parse(s); err == nil && u.User != nil {
		u.User = url.User(u.User.Username())
		return u.String()
	}
	return s
}

func (c *conn) availability() string { return c.opts.Prefix + "/availability" }

// Camera returns the publisher of another camera on the same connection
// (one client, one availability topic, one queue keeping every message
// in order). Its Close does nothing: the connection closes with the
// Publisher Connect returned.
func (p *Publisher) Camera(name string) *Publisher {
	cam := &Publisher{conn: p.conn, camera: name}
	p.mu.Lock()
	p.conn.cameras = append(p.conn.cameras, cam)
	p.mu.Unlock()
	if p.opts.Discovery != "" {
		p.queue.Put(relay.Message{Subject: cam.DiscoveryTopic(), Payload: cam.discoveryConfig(), Retained: true})
	}
	return cam
}

// Topic returns the camera's topic for kind ("top", "events").
func (p *Publisher) Topic(kind string) string {
	return p.opts.Prefix + "/" + p.camera + "/" + kind
}

// DiscoveryTopic returns the topic of the Home Assistant discovery
// message: DISCOVERY/sensor/livecam/CAMERA_label/config.
func (p *Publisher) DiscoveryTopic() string {
	return p.opts.Discovery + "/sensor/livecam/" + p.camera + "_label/config"
}

// discoveryConfig describes the camera's label as a Home Assistant
// sensor: its state is the label, its attributes the rest of the top
// message, its availability livecam's.
func (p *Publisher) discoveryConfig() []byte {
	id := "livecam_" + p.camera
	b, _ := json.Marshal(map[string]any{
		"name":                  "label",
		"unique_id":             id + "_label",
		"state_topic":           p.Topic("top"),
		"value_template":        "{{ value_json.label }}",
		"json_attributes_topic": p.Topic("top"),
		"availability_topic":    p.availability(),
		"icon":                  "mdi:cctv",
		"device":                map[string]any{"identifiers": []string{id}, "name": "livecam " + p.camera, "manufacturer": "livecam"},
	})
	return b
}

// Dropped returns the number of messages dropped because the queue (of
// the connection, shared by its cameras) was full.
func (p *Publisher) Dropped() int64 { return p.queue.Dropped() }

// send publishes one message at QoS 1. While Paho reconnects it keeps
// the message and sends it once connected: wait for the acknowledgement
// as long as it takes; an error means Paho gave up on it.
func (c *conn) send(m relay.Message, stop <-chan struct{}) error {
	tok := c.client.Publish(m.Subject, 1, m.Retained, m.Payload)
	select {
	case <-tok.Done():
		return tok.Error()
	case <-stop:
		return errStopped
	}
}

var errStopped = errors.New("stopped")

// Write publishes the frame's best label to PREFIX/CAMERA/top (retained)
// when it differs from the last one.
func (p *Publisher) Write(o *pipeline.Output) error {
	if b, changed := p.top.Next(o.Result); changed {
		p.queue.Put(relay.Message{Subject: p.Topic("top"), Payload: b, Retained: true})
	}
	return nil
}

// resultsQueue bounds the results waiting for the broker (Result).
const resultsQueue = 64

// Result publishes the frame's result to PREFIX/CAMERA/results, in
// sink/jsonl's format without its newline, at QoS 0: a stream for those
// who want every frame, never queued beyond a few frames (when the
// broker is slow or away, results are left out and counted, see
// ResultsLeftOut). It is a pipeline.Sink's Write.
func (p *Publisher) Result(o *pipeline.Output) error {
	line := jsonl.AppendResult(nil, o.Result)
	p.results.Offer(relay.Message{Subject: p.Topic("results"), Payload: line[:len(line)-1]})
	return nil
}

// ResultsLeftOut returns how many results Result left out because the
// broker did not take them in time.
func (p *Publisher) ResultsLeftOut() int64 { return p.results.LeftOut() }

// sendResult publishes one result at QoS 0, waiting a little for it.
func (c *conn) sendResult(m relay.Message) error {
	if !c.client.IsConnectionOpen() {
		return errNotConnected
	}
	tok := c.client.Publish(m.Subject, 0, false, m.Payload)
	if !tok.WaitTimeout(time.Second) {
		return errNotConnected
	}
	return tok.Error()
}

var errNotConnected = errors.New("not connected")

// Event publishes e to PREFIX/CAMERA/events, in sink/jsonl's format
// without its newline.
func (p *Publisher) Event(e events.Event) {
	line := jsonl.AppendEvent(nil, e)
	p.queue.Put(relay.Message{Subject: p.Topic("events"), Payload: line[:len(line)-1]})
}

// Close delivers what is queued (waiting at most drain for the broker),
// announces the camera offline and disconnects.
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
		err = fmt.Errorf("mqtt %s: %d messages not delivered: the broker took none for %v", redact(p.opts.Broker), unsent, drain)
	}
	p.client.Publish(p.availability(), 1, true, "offline").WaitTimeout(time.Second)
	p.client.Disconnect(250)
	if d := p.Dropped(); d > 0 && err == nil {
		err = fmt.Errorf("mqtt %s: %d messages dropped while the broker was away (queue of %d)", redact(p.opts.Broker), d, p.opts.QueueSize)
	}
	return err
}

var _ pipeline.Publisher = (*Publisher)(nil)
