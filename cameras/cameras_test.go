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

// TestLine: a setting's line, for errors found after Load; 0 for one
// the file does not have.
func TestLine(t *testing.T) {
	c, err := Parse("cameras.yaml", []byte(good))
	if err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]int{"$.serve": 2, "$.mqtt.broker": 4, "$.cameras[1].topk": 13, "$.out_dir": 0, "$.cameras[5].name": 0} {
		if got := c.Line(path); got != want {
			t.Errorf("Line(%s) = %d, want %d", path, got, want)
		}
	}
	if got := (&Config{}).Line("$.serve"); got != 0 {
		t.Errorf("a Config not from a file: line %d", got)
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
		{"name with an ANSI escape", "  - name: yard\n", "  - name: \"ya\\e[2Jrd\"\n", 11},
		{"name with a newline", "  - name: yard\n", "  - name: \"yard\\nlivecam: ok\"\n", 11},
		{"name with a bidi override", "  - name: yard\n", "  - name: \"ya\\u202erd\"\n", 11},
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
			if strings.ContainsAny(msg, "\x1b\n\u202e") {
				t.Errorf("error %q holds a control character", msg)
			}
		})
	}
}

// TestParseNamesThatShareTopics: door.1 and door_1 would publish to the
// same MQTT topics and NATS subjects; the second is refused, naming both.
func TestParseNamesThatShareTopics(t *testing.T) {
	text := "cameras:\n  - name: door.1\n    source: a.mp4\n  - name: door_1\n    source: b.mp4\n"
	_, err := Parse("cameras.yaml", []byte(text))
	if err == nil || !strings.Contains(err.Error(), "line 4") || !strings.Contains(err.Error(), "door.1 (camera 1)") {
		t.Fatalf("err = %v, want door_1 at line 4 refused, naming door.1", err)
	}
}

// TestParseNamesTheKeyOfAWrongValue: a value of the wrong kind is named
// by its key and shown, at its line and column (not as the Go field that
// would hold it).
func TestParseNamesTheKeyOfAWrongValue(t *testing.T) {
	for _, tc := range []struct{ edit, with, want string }{
		{"    fps: 2\n", "    fps: fast\n", `[9:10] fps: want a number, not "fast"`},
		{"    topk: 1\n", "    topk: one\n", `[13:11] topk: want a whole number, not "one"`},
		{"    topk: 1\n", "    topk: 1.5\n", `[13:11] topk: want a whole number, not "1.5"`},
		{"    topk: 1\n", "    realtime: yes\n", `[13:15] realtime: want true or false, not "yes"`},
		{"    allow: [dog, cat]\n", "    allow: dog\n", `[14:12] allow: want a list, not "dog"`},
		{"    allow: [dog, cat]\n", "    allow: [dog, [cat]]\n", `[14:18] allow item: want a string, not a list`},
		{"    source: \"0\"\n", "    source: {index: 0}\n", `[12:13] source: want a string, not a mapping`},
		{"  broker: mqtt://127.0.0.1:1883\n  results: true\n", "  - broker\n", `[4:3] mqtt: want a mapping of settings, not a list`},
		{"    allow: [dog, cat]\n", "    allow: &x [dog, cat]\n  - name: cow\n    source: *x\n", `[16:13] source: want a string, not a list`},
	} {
		text := strings.Replace(good, tc.edit, tc.with, 1)
		if text == good {
			t.Fatalf("%q: the edit changed nothing", tc.with)
		}
		_, err := Parse("cameras.yaml", []byte(text))
		if err == nil || err.Error() != "cameras.yaml: "+tc.want {
			t.Errorf("%q: %v, want cameras.yaml: %s", tc.with, err, tc.want)
		}
	}
	if _, err := Parse("cameras.yaml", []byte("- door\n")); err == nil || err.Error() != `cameras.yaml: [1:1] the file: want a mapping of settings, not a list` {
		t.Errorf("a list: %v", err)
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
		{[]string{"door.1=0", "door_1=1"}, false, true, ""},
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

// TestZones: a camera's zones are read in order and checked as -zone
// checks them, errors naming the file's line.
func TestZones(t *testing.T) {
	c, err := Parse("cams.yaml", []byte("cameras:\n  - name: porch\n    source: 0\n    zones:\n      - driveway=0,0.5,1,0.5,1,1,0,1\n      - door = 10,10,100,10,100,200\n"))
	if err != nil {
		t.Fatal(err)
	}
	if z := c.Cameras[0].Zones; len(z) != 2 || z[0] != "driveway=0,0.5,1,0.5,1,1,0,1" {
		t.Errorf("zones %q", z)
	}
	for _, c := range []struct{ yaml, want string }{
		{"cameras:\n  - name: porch\n    source: 0\n    zones:\n      - driveway=0,0.5,1\n", "cams.yaml: line 5: camera porch: zone"},
		{"cameras:\n  - name: porch\n    source: 0\n    zones:\n      - a=0,0,1,0,1,1\n      - a=0,0,1,0,0,1\n", "line 6: camera porch: two zones named a"},
		{"cameras:\n  - name: porch\n    source: 0\n    zones: driveway\n", "want a list"},
	} {
		if _, err := Parse("cams.yaml", []byte(c.yaml)); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: %v, want %q", c.yaml, err, c.want)
		}
	}
}
