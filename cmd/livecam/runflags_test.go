package main

import (
	"flag"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/livecam/livecam/internal/mainjob"
)

// TestRunFlagsAllGrouped: every flag of the main job is listed in
// exactly one of -h's groups (none falls into "other"), and the groups
// come in the order -h has always shown them.
func TestRunFlagsAllGrouped(t *testing.T) {
	var out strings.Builder
	fs, _ := defineRunFlags(&out, io.Discard)
	fs.WriteUsage(&out)
	var titles []string
	listed := map[string]int{}
	for _, line := range strings.Split(out.String(), "\n") {
		switch {
		case strings.HasPrefix(line, "  -"):
			listed[strings.Fields(line)[0][1:]]++
		case strings.HasSuffix(line, ":") && !strings.HasPrefix(line, " "):
			titles = append(titles, strings.SplitN(strings.TrimSuffix(line, ":"), " (", 2)[0])
		}
	}
	fs.VisitAll(func(f *flag.Flag) {
		if listed[f.Name] != 1 {
			t.Errorf("-%s is listed %d times in -h", f.Name, listed[f.Name])
		}
	})
	want := "input model output results detection viewer MQTT and NATS NATS credentials tuning progress and diagnostics"
	if got := strings.Join(titles, " "); got != want {
		t.Errorf("groups %q, want %q", got, want)
	}
}

// TestConfigFileFillsUnsetFlags: a -config file's run-wide settings fill
// the flags the command line left unset, every one of them, and a flag
// given on the command line wins over the file.
func TestConfigFileFillsUnsetFlags(t *testing.T) {
	dir := t.TempDir()
	conf := filepath.Join(dir, "cameras.yaml")
	os.WriteFile(conf, []byte(`model: filemodel
workers: 3
serve: 127.0.0.1:9999
out_dir: `+dir+`
mqtt:
  broker: mqtt://file:1883
  prefix: fileprefix
  user: fileuser
  password_file: /file/pw
  discovery: homeassistant
  results: true
  ca: /file/ca.pem
  cert: /file/cert.pem
  key: /file/key.pem
nats:
  url: nats://file:4222
  results: true
cameras:
  - name: a
    source: "0"
  - name: b
    source: "1"
`), 0o644)
	fs, f := defineRunFlags(io.Discard, io.Discard)
	if err := fs.Parse([]string{"-config", conf, "-mqtt-prefix", "cli", "-workers", "5"}); err != nil {
		t.Fatal(err)
	}
	cams, _, err := camerasOf(fs, f)
	if err != nil || len(cams) != 2 {
		t.Fatalf("%d cameras, %v", len(cams), err)
	}
	for _, c := range []struct{ flag, got, want string }{
		{"model", f.Model, "filemodel"}, {"serve", f.Serve, "127.0.0.1:9999"}, {"out-dir", f.OutDir, dir},
		{"mqtt", f.MQTT, "mqtt://file:1883"}, {"mqtt-prefix", f.MQTTPrefix, "cli"}, {"mqtt-user", f.MQTTUser, "fileuser"},
		{"mqtt-password-file", f.MQTTPasswordFile, "/file/pw"}, {"mqtt-discovery", f.MQTTDiscovery, "homeassistant"},
		{"mqtt-ca", f.MQTTCA, "/file/ca.pem"}, {"mqtt-cert", f.MQTTCert, "/file/cert.pem"}, {"mqtt-key", f.MQTTKey, "/file/key.pem"},
		{"nats", f.NATS, "nats://file:4222"},
	} {
		if c.got != c.want {
			t.Errorf("-%s %q, want %q", c.flag, c.got, c.want)
		}
	}
	if f.Workers != 5 || !f.MQTTResults || !f.NATSResults {
		t.Errorf("-workers %d (want 5, the command line's), -mqtt-results %v, -nats-results %v (want true)", f.Workers, f.MQTTResults, f.NATSResults)
	}
}

// TestRunFlagsDefaultToSettings: the main job's flags default to
// mainjob.Defaults, what a fleet job and a package test run with (all
// but -serve-token, which comes from the environment).
func TestRunFlagsDefaultToSettings(t *testing.T) {
	t.Setenv("LIVECAM_SERVE_TOKEN", "")
	_, f := defineRunFlags(io.Discard, io.Discard)
	if want := mainjob.Defaults(); !reflect.DeepEqual(*f, want) {
		t.Errorf("the flags' defaults:\n%+v\nwant mainjob.Defaults:\n%+v", *f, want)
	}
}
