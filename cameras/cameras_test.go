package cameras

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

const good = `workers: 2
serve: 127.0.0.1:8080
mqtt:
  broker: mqtt://127.0.0.1:1883
  results: true
cameras:
  - name: door
    source: rtsp://door.lan/stream
    fps: 2
    events: door-events.jsonl
  - name: yard
    source: "0"
    topk: 1
    allow: [dog, cat]
`

func TestParseGood(t *testing.T) {
	c, err := Parse("cameras.yaml", []byte(good))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Cameras) != 2 || c.Cameras[0].Name != "door" || c.Cameras[1].Source != "0" || *c.Cameras[0].FPS != 2 ||
		c.Cameras[1].FPS != nil || *c.Workers != 2 || !c.MQTT.Results || strings.Join(c.Cameras[1].Allow, ",") != "dog,cat" {
		t.Errorf("decoded %+v", c)
	}
}

// TestParseErrorsNameTheLine: every mistake is refused with the file's
// name and the line it is on.
func TestParseErrorsNameTheLine(t *testing.T) {
	for _, tc := range []struct {
		name, edit, with string
		line             int
	}{
		{"misspelt key", "    fps: 2\n", "    fsp: 2\n", 9},
		{"key at the wrong level", "serve: 127.0.0.1:8080\n", "serv: 127.0.0.1:8080\n", 2},
		{"two names", "  - name: yard\n", "  - name: door\n", 11},
		{"no source", `    source: "0"` + "\n", "", 11},
		{"fps out of range", "    fps: 2\n", "    fps: 5000\n", 9},
		{"bad name", "  - name: yard\n", "  - name: the yard\n", 11},
		{"key twice", "    topk: 1\n", "    topk: 1\n    topk: 2\n", 14},
		{"wrong type", "    topk: 1\n", "    topk: one\n", 13},
	} {
		t.Run(tc.name, func(t *testing.T) {
			text := strings.Replace(good, tc.edit, tc.with, 1)
			if text == good {
				t.Fatal("the edit changed nothing")
			}
			_, err := Parse("cameras.yaml", []byte(text))
			if err == nil {
				t.Fatal("accepted")
			}
			msg, n := err.Error(), strconv.Itoa(tc.line)
			if !strings.HasPrefix(msg, "cameras.yaml: ") || !(strings.Contains(msg, "line "+n+":") || strings.Contains(msg, "["+n+":")) {
				t.Errorf("error %q does not name line %d", msg, tc.line)
			}
		})
	}
}

func TestParseNoCameras(t *testing.T) {
	if _, err := Parse("c.yaml", []byte("workers: 1\n")); err == nil || !strings.Contains(err.Error(), "no cameras") {
		t.Errorf("no cameras: %v", err)
	}
}

func TestFromSources(t *testing.T) {
	dir := t.TempDir()
	odd := filepath.Join(dir, "a=b.mp4")
	os.WriteFile(odd, nil, 0o644)
	for _, tc := range []struct {
		specs []string
		ok    bool
		err   bool
		names string
	}{
		{[]string{"video.mp4"}, false, false, ""},
		{[]string{"door=rtsp://door.lan/s", "yard=0"}, true, false, "door,yard"},
		{[]string{"door=rtsp://door.lan/s", "video.mp4"}, false, true, ""},
		{[]string{"door=0", "door=1"}, false, true, ""},
		{[]string{odd}, false, false, ""},
		{[]string{"rtsp://host/path?a=b"}, false, false, ""},
	} {
		cams, ok, err := FromSources(tc.specs)
		var names []string
		for _, c := range cams {
			names = append(names, c.Name)
		}
		if ok != tc.ok || (err != nil) != tc.err || strings.Join(names, ",") != tc.names {
			t.Errorf("FromSources(%q) = %v, %v, %v", tc.specs, names, ok, err)
		}
	}
}
