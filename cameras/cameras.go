// Package cameras reads the list of cameras one livecam process watches:
// a YAML file (livecam -config cameras.yaml) or NAME=SOURCE arguments.
//
// The file is decoded strictly: a key livecam does not know (a misspelt
// one) or given twice is an error naming its line, and so is a value out
// of range, a camera without a source, or two cameras with one name. The
// whole file is checked before anything runs.
//
//	workers: 2                   # inference workers shared by every camera
//	serve: 127.0.0.1:8080        # the viewer: a grid of every camera
//	mqtt:
//	  broker: mqtt://127.0.0.1:1883
//	cameras:
//	  - name: door
//	    source: rtsp://door.lan/stream
//	    fps: 2                   # at most 2 forward passes a second
//	    events: door-events.jsonl
//	  - name: yard
//	    source: 0
//	    topk: 1
//	    allow: [dog, cat]
//
// Settings given on the command line apply to every camera; a camera's
// own settings in the file take precedence over them.
package cameras

import (
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/parser"
)

// Config is a cameras file.
type Config struct {
	// Model is the model's name or folder (as -model).
	Model string `yaml:"model"`
	// Workers is the number of inference workers all cameras share (as
	// -workers).
	Workers *int `yaml:"workers"`
	// Serve is the viewer's address (as -serve).
	Serve string `yaml:"serve"`
	// OutDir receives each camera's NAME.mp4, NAME.jsonl and
	// NAME.events.jsonl unless the camera names its own (as -out-dir).
	OutDir string `yaml:"out_dir"`
	// MQTT publishes every camera's labels and events (as -mqtt...).
	MQTT *MQTT `yaml:"mqtt"`
	// NATS stores them in NATS JetStream (as -nats, -nats-results).
	NATS *NATS `yaml:"nats"`
	// Cameras are the cameras, in the order the viewer shows them.
	Cameras []Camera `yaml:"cameras"`
}

// MQTT is the broker connection of a cameras file.
type MQTT struct {
	Broker       string `yaml:"broker"`        // mqtt://HOST:PORT or mqtts://
	Prefix       string `yaml:"prefix"`        // topics' first part (livecam)
	User         string `yaml:"user"`          // user name
	PasswordFile string `yaml:"password_file"` // the password, never in the file itself
	Discovery    string `yaml:"discovery"`     // Home Assistant discovery prefix
	Results      bool   `yaml:"results"`       // also every frame's result
	CA           string `yaml:"ca"`            // CA file (PEM) for mqtts://
	Cert         string `yaml:"cert"`          // client certificate (PEM)
	Key          string `yaml:"key"`           // its key (PEM)
}

// NATS is the JetStream connection of a cameras file.
type NATS struct {
	URL     string `yaml:"url"`     // nats://HOST:4222
	Results bool   `yaml:"results"` // also every frame's result
}

// Camera is one camera: its name, its source, and the settings it has
// of its own (nil: the command line's).
type Camera struct {
	// Name names the camera in the viewer's routes, topics, metrics and
	// file names: letters, digits, '.', '_' and '-'.
	Name string `yaml:"name"`
	// Source is what -source takes: a camera index, a file, a stream URL
	// or a GStreamer pipeline.
	Source string `yaml:"source"`

	Realtime *bool    `yaml:"realtime"`  // play a file at its own rate, live
	Loop     *bool    `yaml:"loop"`      // play a file again at its end
	FPS      *float64 `yaml:"fps"`       // at most this many forward passes a second (0: no cap)
	Every    *int     `yaml:"every"`     // classify every K-th frame
	Out      string   `yaml:"out"`       // annotated video file
	Results  string   `yaml:"results"`   // JSON lines, one per frame
	Events   string   `yaml:"events"`    // JSON lines, one per event
	TopK     *int     `yaml:"topk"`      // classes per frame
	MinScore *float64 `yaml:"min_score"` // leave out classes below this score
	Allow    []string `yaml:"allow"`     // report only these classes
	Deny     []string `yaml:"deny"`      // never report these classes
	Smooth   *float64 `yaml:"smooth"`    // moving average weight of the newest frame
}

// validName is what a camera may be called (the viewer's rule).
var validName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$`)

// Load reads and checks a cameras file.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(path, data)
}

// Parse decodes and checks a cameras file's contents; name names it in
// errors.
func Parse(name string, data []byte) (*Config, error) {
	var c Config
	if err := yaml.UnmarshalWithOptions(data, &c, yaml.Strict()); err != nil {
		return nil, fmt.Errorf("%s: %s", name, yaml.FormatError(err, false, true))
	}
	file, err := parser.ParseBytes(data, 0)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	// where returns "LINE: " for a YAML path, or "" when it is absent.
	where := func(path string) string {
		p, err := yaml.PathString(path)
		if err != nil {
			return ""
		}
		node, err := p.FilterFile(file)
		if err != nil || node == nil || node.GetToken() == nil {
			return ""
		}
		return fmt.Sprintf("line %d: ", node.GetToken().Position.Line)
	}
	fail := func(path, format string, args ...any) error {
		return fmt.Errorf("%s: %s%s", name, where(path), fmt.Sprintf(format, args...))
	}
	if len(c.Cameras) == 0 {
		return nil, fmt.Errorf("%s: no cameras (want a list under cameras:, each with a name and a source)", name)
	}
	if c.Workers != nil && (*c.Workers < 0 || *c.Workers > 64) {
		return nil, fail("$.workers", "workers %d: want 0 to 64", *c.Workers)
	}
	seen := map[string]int{}
	for i, cam := range c.Cameras {
		at := func(key string) string { return fmt.Sprintf("$.cameras[%d].%s", i, key) }
		switch {
		case cam.Name == "":
			return nil, fail(fmt.Sprintf("$.cameras[%d]", i), "camera %d has no name", i+1)
		case !validName.MatchString(cam.Name):
			return nil, fail(at("name"), "camera name %q: want letters, digits, '.', '_' or '-' (at most 64)", cam.Name)
		case cam.Source == "":
			return nil, fail(at("name"), "camera %s has no source", cam.Name)
		}
		if j, dup := seen[cam.Name]; dup {
			return nil, fail(at("name"), "two cameras named %s (the other is camera %d)", cam.Name, j+1)
		}
		seen[cam.Name] = i
		checks := []struct {
			key    string
			bad    bool
			detail string
		}{
			{"fps", cam.FPS != nil && (*cam.FPS < 0 || *cam.FPS > 1000), "want 0 (no cap) to 1000"},
			{"every", cam.Every != nil && (*cam.Every < 1 || *cam.Every > 1_000_000), "want 1 or more"},
			{"topk", cam.TopK != nil && (*cam.TopK < 1 || *cam.TopK > 10), "want 1 to 10"},
			{"min_score", cam.MinScore != nil && (*cam.MinScore < 0 || *cam.MinScore > 1), "want 0 to 1"},
			{"smooth", cam.Smooth != nil && (*cam.Smooth < 0 || *cam.Smooth > 1), "want 0 (off) to 1"},
		}
		for _, ch := range checks {
			if ch.bad {
				return nil, fail(at(ch.key), "camera %s: %s out of range: %s", cam.Name, ch.key, ch.detail)
			}
		}
	}
	if m := c.MQTT; m != nil && m.Broker == "" {
		return nil, fail("$.mqtt", "mqtt: no broker")
	}
	if n := c.NATS; n != nil && n.URL == "" {
		return nil, fail("$.nats", "nats: no url")
	}
	return &c, nil
}

// sourceSpec matches NAME=SOURCE.
var sourceSpec = regexp.MustCompile(`^([A-Za-z0-9][A-Za-z0-9_.-]{0,63})=(.+)$`)

// FromSources reads NAME=SOURCE arguments (-source door=rtsp://...). It
// returns ok false when none of them has a name (one ordinary source, or
// a batch of files), and an error when some have one and others not, or
// a name is given twice. A file whose own name contains '=' is a source
// without a name when it exists.
func FromSources(specs []string) (cams []Camera, ok bool, err error) {
	named := 0
	for _, s := range specs {
		m := sourceSpec.FindStringSubmatch(s)
		if m == nil || strings.Contains(m[1], "://") || exists(s) {
			continue
		}
		named++
		cams = append(cams, Camera{Name: m[1], Source: m[2]})
	}
	switch {
	case named == 0:
		return nil, false, nil
	case named < len(specs):
		return nil, false, errors.New("give every source a name (NAME=SOURCE) or none")
	}
	seen := map[string]bool{}
	for _, c := range cams {
		if seen[c.Name] {
			return nil, false, fmt.Errorf("two cameras named %s", c.Name)
		}
		seen[c.Name] = true
	}
	return cams, true, nil
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
