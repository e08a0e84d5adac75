package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/livecam/livecam/internal/batch"
	"github.com/livecam/livecam/internal/testrig/mjpegtest"
	"github.com/livecam/livecam/internal/testrig/mosquittotest"
	"github.com/livecam/livecam/internal/topicname"
)

// TestCameraSecretsNeverShown runs livecam on a network camera whose URL
// carries credentials the common IP-camera ways (user:password@ and
// ?usr=admin&pwd=...), with the viewer, Prometheus metrics, MQTT (with
// Home Assistant discovery and every result) and a report: the secret is
// in none of the log, the viewer's pages, the metrics, the report, the
// topics a subscriber sees or the messages the broker retains, and the
// camera's messages are published under its display name (host and
// path).
func TestCameraSecretsNeverShown(t *testing.T) {
	const secret = "Hunter2Secret"
	srv, err := mjpegtest.Start(320, 240, 25)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop()
	cam := strings.Replace(srv.URL(), "/stream.mjpg", "/cam.mjpg?usr=admin&pwd="+secret, 1)
	cam = strings.Replace(cam, "http://", "http://admin:"+secret+"@", 1)
	b := mosquittotest.Start(t, nil)
	sub := mosquittotest.Subscribe(t, b.URL())
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	dir := t.TempDir()
	report := filepath.Join(dir, "cam.html")
	cmd, stderr, done := startLivecam(t, "-source", cam, "-serve", addr, "-mqtt", b.URL(), "-mqtt-discovery", "homeassistant",
		"-mqtt-results", "-results", filepath.Join(dir, "cam.jsonl"), "-report", report)
	get := func(path string) string {
		resp, err := http.Get("http://" + addr + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return string(body)
	}
	for deadline := time.Now().Add(20 * time.Second); !strings.Contains(get("/healthz"), "ok"); time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no frame within 20 s: %q\n%s", get("/healthz"), stderr)
		}
	}
	pages := map[string]string{}
	for _, path := range []string{"/", "/status.json", "/cameras.json", "/healthz", "/metrics"} {
		pages[path] = get(path)
	}
	top := "livecam/" + topicname.Safe(batch.OutputBase(cam)) + "/top"
	if got := sub.Payloads(top, 1); len(got) == 0 {
		t.Errorf("nothing on %s", top)
	}
	cmd.Process.Signal(syscall.SIGINT)
	select {
	case err := <-done:
		if code := exitCode(err); code != 0 {
			t.Errorf("exit %d:\n%s", code, stderr)
		}
	case <-time.After(15 * time.Second):
		t.Fatalf("still running 15 s after SIGINT:\n%s", stderr)
	}
	if !strings.Contains(pages["/status.json"], "pwd=xxxxx") || !strings.Contains(pages["/metrics"], "livecam_frames_in_total") {
		t.Errorf("the status does not name the camera, or no metrics:\n%s\n%s", pages["/status.json"], pages["/metrics"])
	}
	for path, body := range pages {
		if strings.Contains(body, secret) {
			t.Errorf("%s shows the secret:\n%s", path, body)
		}
	}
	if strings.Contains(stderr.String(), secret) {
		t.Errorf("the log shows the secret:\n%s", stderr)
	}
	if page, err := os.ReadFile(report); err != nil {
		t.Errorf("no report: %v", err)
	} else if strings.Contains(string(page), secret) {
		t.Errorf("the report shows the secret")
	}
	var n int
	for _, m := range sub.All() {
		n++
		if strings.Contains(m.Topic()+string(m.Payload()), secret) {
			t.Errorf("message on %s shows the secret: %s", m.Topic(), m.Payload())
		}
	}
	if n < 5 {
		t.Errorf("%d messages seen", n)
	}
	for topic, payload := range mosquittotest.Retained(t, b.URL(), "#") {
		if strings.Contains(topic+payload, secret) {
			t.Errorf("retained on %s, the secret: %s", topic, payload)
		}
	}
}

// TestMQTTFileWithWildcards: a video named "door#1+.avi" (MQTT's two
// wildcards and a dot in its name) publishes to a valid topic: the
// connection is never dropped, every event is delivered, the exit status
// is 0.
func TestMQTTFileWithWildcards(t *testing.T) {
	useSharedModels(t)
	video := filepath.Join(t.TempDir(), "door#1+.avi")
	data, err := os.ReadFile("../../testdata/videos/shapes_320x240.avi")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(video, data, 0o644); err != nil {
		t.Fatal(err)
	}
	b := mosquittotest.Start(t, nil)
	sub := mosquittotest.Subscribe(t, b.URL())
	evFile := filepath.Join(t.TempDir(), "ev.jsonl")
	_, errOut, code := livecam(t, "-quiet", "-source", video, "-events", evFile, "-mqtt", b.URL(), "-mqtt-discovery", "homeassistant")
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, errOut)
	}
	if strings.Contains(errOut, "connection lost") || strings.Contains(errOut, "not delivered") {
		t.Errorf("the broker dropped the connection:\n%s", errOut)
	}
	want := readLines(t, evFile)
	level := topicname.Safe(batch.OutputBase(video))
	if got := sub.Payloads("livecam/"+level+"/events", len(want)); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("events on livecam/%s: %d of %d:\n%q", level, len(got), len(want), got)
	}
	if avail := sub.Matching("livecam/"+level+"/availability/+", 2); strings.Join(avail, " ") != "online offline" {
		t.Errorf("availability %q", avail)
	}
	if got := sub.Payloads(fmt.Sprintf("homeassistant/sensor/livecam/%s_label/config", level), 1); len(got) != 1 {
		t.Errorf("discovery: %q", got)
	}
}

// silentBroker listens like an MQTT broker that accepts every
// connection and never acknowledges a message (a broker hung, or a
// firewall eating its answers): it answers CONNECT with CONNACK and
// reads the rest into the void. It returns its mqtt:// address.
func silentBroker(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			t.Cleanup(func() { c.Close() })
			go func() {
				// CONNECT: fixed header, remaining length, then the
				// rest; answered with CONNACK, accepted.
				var hdr [2]byte
				if _, err := io.ReadFull(c, hdr[:]); err != nil || hdr[0]>>4 != 1 {
					return
				}
				n, shift := int(hdr[1]&0x7f), 7
				for b := hdr[1]; b&0x80 != 0; shift += 7 {
					var one [1]byte
					if _, err := io.ReadFull(c, one[:]); err != nil {
						return
					}
					b = one[0]
					n |= int(b&0x7f) << shift
				}
				if _, err := io.CopyN(io.Discard, c, int64(n)); err != nil {
					return
				}
				c.Write([]byte{0x20, 0x02, 0x00, 0x00})
				io.Copy(io.Discard, c)
			}()
		}
	}()
	return "mqtt://" + l.Addr().String()
}

// TestMQTTUndeliveredFails: a broker that takes the connection but never
// acknowledges a message: the run's messages are not delivered, and the
// exit status says so (non-zero, with a line saying how many), instead of
// 0 as if all were published.
func TestMQTTUndeliveredFails(t *testing.T) {
	useSharedModels(t)
	_, errOut, code := livecam(t, "-quiet", "-source", "../../testdata/videos/shapes_320x240.avi", "-mqtt", silentBroker(t))
	if code == 0 || !strings.Contains(errOut, "not delivered") {
		t.Errorf("exit %d, want non-zero, with the messages not delivered:\n%s", code, errOut)
	}
}

// TestMQTTKilledProcessGoesOffline: livecam killed (SIGKILL: no clean
// close) is marked offline by the broker through its last will, on its
// own instance topic, which Home Assistant's discovery names beside the
// camera's own availability.
func TestMQTTKilledProcessGoesOffline(t *testing.T) {
	srv, err := mjpegtest.Start(320, 240, 25)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop()
	b := mosquittotest.Start(t, nil)
	sub := mosquittotest.Subscribe(t, b.URL())
	cmd, stderr, done := startLivecam(t, "-source", "gate="+srv.URL(), "-mqtt", b.URL(), "-mqtt-discovery", "homeassistant")
	if got := sub.Matching("livecam/gate/availability/+", 1); len(got) == 0 || got[0] != "online" {
		t.Fatalf("camera availability %q:\n%s", got, stderr)
	}
	instances := mosquittotest.Retained(t, b.URL(), "livecam/instance/+/availability")
	if len(instances) != 1 {
		t.Fatalf("instance topics %q", instances)
	}
	var instance string
	for topic, payload := range instances {
		instance = topic
		if payload != "online" {
			t.Errorf("%s = %q while running", topic, payload)
		}
	}
	// The camera's availability is this process's own, under the same
	// instance id.
	id := strings.TrimSuffix(strings.TrimPrefix(instance, "livecam/instance/"), "/availability")
	camTopic := "livecam/gate/availability/" + id
	if got := mosquittotest.Retained(t, b.URL(), "livecam/gate/availability/+"); len(got) != 1 || got[camTopic] != "online" {
		t.Errorf("camera availability topics %q, want %s online", got, camTopic)
	}
	if cfg := sub.Payloads("homeassistant/sensor/livecam/gate_label/config", 1); len(cfg) == 0 || !strings.Contains(cfg[len(cfg)-1], `"`+instance+`"`) || !strings.Contains(cfg[len(cfg)-1], `"`+camTopic+`"`) {
		t.Errorf("discovery does not name %s and %s: %q", instance, camTopic, cfg)
	}
	cmd.Process.Kill()
	<-done
	for deadline := time.Now().Add(10 * time.Second); ; {
		got := mosquittotest.Retained(t, b.URL(), instance)[instance]
		if got == "offline" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s = %q 10 s after the kill, want offline", instance, got)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestMQTTPasswordsWithSlashNeverShown: passwords holding the characters
// that end a URL's authority ("/", "#", "?") or a URL in text (white
// space, quotes) are shown by none of livecam's messages: a NATS server
// (jobs -nats), an MQTT broker (-mqtt), and a stream in a batch (-out-dir).
func TestMQTTPasswordsWithSlashNeverShown(t *testing.T) {
	useSharedModels(t)
	video := "../../testdata/videos/shapes_320x240.avi"
	outDir := t.TempDir()
	for _, pw := range []string{"SE/CRET", "SE#C?RET", `SE"C'RET`, "SE CRET"} {
		for _, args := range [][]string{
			{"jobs", "-nats", "nats://admin:" + pw + "@127.0.0.1:1"},
			{"-quiet", "-source", video, "-mqtt", "mqtt://user:" + pw + "@127.0.0.1:1"},
			{"-quiet", "-out-dir", outDir, "rtsp://admin:" + pw + "@127.0.0.1:1/live"},
		} {
			stdout, stderr, code := livecam(t, args...)
			if code == 0 {
				t.Errorf("%q: exit 0", args)
			}
			if out := stdout + stderr; strings.Contains(out, "RET") || !strings.Contains(out, "127.0.0.1") {
				t.Errorf("%q: exit %d, shows the password (or not the host):\n%s", args, code, out)
			}
			for _, e := range dirEntries(t, outDir) {
				if strings.Contains(e, "RET") {
					t.Errorf("%q: output named %q", args, e)
				}
			}
		}
	}
}

// dirEntries returns the names of the files under dir.
func dirEntries(t *testing.T, dir string) []string {
	t.Helper()
	var names []string
	filepath.WalkDir(dir, func(path string, _ os.DirEntry, err error) error {
		if err == nil && path != dir {
			names = append(names, path[len(dir):])
		}
		return nil
	})
	return names
}
