package main

import (
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRunFlagsAllGrouped: every flag of the main job is listed in
// exactly one of -h's groups (none falls into "other"), and the groups
// come in the order -h has always shown them.
func TestRunFlagsAllGrouped(t *testing.T) {
	var out strings.Builder
	fs, _ := defineRunFlags(&out, io.Discard)
	fs.writeUsage(&out)
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
	if err := fs.parse([]string{"-config", conf, "-mqtt-prefix", "cli", "-workers", "5"}); err != nil {
		t.Fatal(err)
	}
	cams, err := camerasOf(fs, f)
	if err != nil || len(cams) != 2 {
		t.Fatalf("%d cameras, %v", len(cams), err)
	}
	for _, c := range []struct{ flag, got, want string }{
		{"model", f.model, "filemodel"}, {"serve", f.serve, "127.0.0.1:9999"}, {"out-dir", f.outDir, dir},
		{"mqtt", f.mqtt, "mqtt://file:1883"}, {"mqtt-prefix", f.mqttPrefix, "cli"}, {"mqtt-user", f.mqttUser, "fileuser"},
		{"mqtt-password-file", f.mqttPasswordFile, "/file/pw"}, {"mqtt-discovery", f.mqttDiscovery, "homeassistant"},
		{"mqtt-ca", f.mqttCA, "/file/ca.pem"}, {"mqtt-cert", f.mqttCert, "/file/cert.pem"}, {"mqtt-key", f.mqttKey, "/file/key.pem"},
		{"nats", f.nats, "nats://file:4222"},
	} {
		if c.got != c.want {
			t.Errorf("-%s %q, want %q", c.flag, c.got, c.want)
		}
	}
	if f.workers != 5 || !f.mqttResults || !f.natsResults {
		t.Errorf("-workers %d (want 5, the command line's), -mqtt-results %v, -nats-results %v (want true)", f.workers, f.mqttResults, f.natsResults)
	}
}
