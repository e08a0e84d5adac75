package cameras

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// laughs is the "billion laughs": nine levels of nine aliases,
// 9^9 strings once expanded, in a few hundred bytes, the anchors under
// keys of their own.
func laughs() string {
	var b strings.Builder
	b.WriteString(`a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]` + "\n")
	for l := 'b'; l <= 'i'; l++ {
		b.WriteString(string(l) + ": &" + string(l) + " [" + strings.Repeat("*"+string(l-1)+",", 8) + "*" + string(l-1) + "]\n")
	}
	b.WriteString("cameras:\n  - name: door\n    source: \"0\"\n    allow: *i\n")
	return b.String()
}

// mergeLaughs is the same bomb where a cameras file may have it: each
// camera merges nine copies of the one before (<<: [*a, *a, ...]), so
// the keys are all known and only the bound on aliases stops it.
func mergeLaughs() string {
	var b strings.Builder
	b.WriteString("cameras:\n  - &a {name: door, source: \"0\", allow: [lol, lol, lol, lol, lol, lol, lol, lol, lol]}\n")
	for l := 'b'; l <= 'i'; l++ {
		b.WriteString("  - &" + string(l) + " {<<: [" + strings.Repeat("*"+string(l-1)+", ", 8) + "*" + string(l-1) + "]}\n")
	}
	return b.String()
}

// TestParseRefusesBombs: a file built to take the decoder's time or
// memory is refused within a second (2 s here: a guard, not a
// benchmark; unbounded, the laughs take tens of seconds and gigabytes),
// naming the file and the line where the bound was crossed.
func TestParseRefusesBombs(t *testing.T) {
	var keys strings.Builder
	for i := range 100_000 {
		keys.WriteString("k" + strconv.Itoa(i) + ": 1\n")
	}
	const door = "cameras:\n  - name: door\n    source: \"0\"\n"
	var block strings.Builder
	block.WriteString("cameras:\n")
	for i := 1; i < 1000; i++ {
		block.WriteString(strings.Repeat(" ", i) + "- \n")
	}
	for _, tc := range []struct {
		name, text string
		line       int
		want       string
	}{
		{"billion laughs", laughs(), 6, "more than 500000 values (with aliases expanded)"},
		{"billion laughs in merge keys", mergeLaughs(), 7, "more than 500000 values (with aliases expanded)"},
		{"flow nesting", "cameras: " + strings.Repeat("[", 100_000) + strings.Repeat("]", 100_000) + "\n", 1, "nested more than 32 deep"},
		{"flow nesting left open", "cameras: " + strings.Repeat("{a: ", 100_000), 1, "nested more than 32 deep"},
		{"block nesting", block.String(), 33, "nested more than 32 deep"},
		{"nesting through an alias", door + "    allow:\n      - &x " + strings.Repeat("[", 20) + strings.Repeat("]", 20) + "\n      - " + strings.Repeat("[", 20) + "*x" + strings.Repeat("]", 20) + "\n", 6, "nested more than 32 deep (with aliases expanded)"},
		{"many keys", keys.String(), 257, "more than 256 keys in one mapping"},
		{"many documents", strings.Repeat("---\ncameras: []\n", 50_000), 3, "a second YAML document"},
		{"many documents ended by ...", strings.Repeat("cameras: []\n...\n", 50_000), 3, "a second YAML document (after ...)"},
		{"alias inside its anchor", "cameras: &a [*a]\n", 1, "alias *a is inside its own anchor"},
		{"alias before its anchor", door + "    allow: [*a, &a x]\n", 4, "alias *a has no anchor &a before it"},
		{"anchor given twice", door + "    allow: [&a x, &a y]\n", 4, "anchor &a given twice"},
		{"NUL byte", "cameras:\n  - name: door\x00\n", 2, "a NUL byte"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			_, err := Parse("bomb.yaml", []byte(tc.text))
			took := time.Since(start)
			if err == nil {
				t.Fatal("accepted")
			}
			if took > 2*time.Second {
				t.Errorf("refused after %v, want well within 1 s", took)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "bomb.yaml: line "+strconv.Itoa(tc.line)+": ") || !strings.Contains(msg, tc.want) {
				t.Errorf("error %q: want bomb.yaml: line %d: ... %s", msg, tc.line, tc.want)
			}
		})
	}
}

// TestParseTooLarge: a file over MaxSize is refused before any of it is
// parsed, naming its size.
func TestParseTooLarge(t *testing.T) {
	text := good + "# " + strings.Repeat("x", MaxSize) + "\n"
	_, err := Parse("big.yaml", []byte(text))
	if err == nil || !strings.Contains(err.Error(), "big.yaml: "+strconv.Itoa(len(text))+" bytes") || !strings.Contains(err.Error(), "at most 1048576 bytes") {
		t.Errorf("a %d-byte file: %v", len(text), err)
	}
}

// TestParseKeepsAnchors: anchors, aliases and merge keys within the
// bounds still work (one allow list for several cameras, shared
// settings).
func TestParseKeepsAnchors(t *testing.T) {
	text := `x-pets: &pets [dog, cat, tabby]
x-common: &common
  fps: 2
  topk: 3
cameras:
  - name: door
    source: rtsp://door.lan/stream
    allow: *pets
    <<: *common
  - name: yard
    source: "0"
    allow: *pets
    fps: 5
`
	_, err := Parse("cameras.yaml", []byte(text))
	if err == nil || !strings.Contains(err.Error(), `[1:1] unknown field "x-pets"`) {
		t.Fatalf("an unknown top-level key for the anchors: %v", err)
	}
	text = strings.Replace(strings.Replace(text, "x-pets: &pets [dog, cat, tabby]\nx-common: &common\n  fps: 2\n  topk: 3\n", "", 1),
		"    allow: *pets\n    <<: *common\n", "    allow: &pets [dog, cat, tabby]\n    <<: &common {fps: 2, topk: 3}\n", 1)
	c, err := Parse("cameras.yaml", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	door, yard := c.Cameras[0], c.Cameras[1]
	if strings.Join(door.Allow, ",") != "dog,cat,tabby" || strings.Join(yard.Allow, ",") != "dog,cat,tabby" ||
		door.FPS == nil || *door.FPS != 2 || door.TopK == nil || *door.TopK != 3 || *yard.FPS != 5 || yard.TopK != nil {
		t.Errorf("decoded %+v and %+v", door, yard)
	}
}

// TestParseManyCameras: the bounds leave room for far more cameras than
// one process can watch, in block or flow style.
func TestParseManyCameras(t *testing.T) {
	for _, style := range []struct{ head, item, tail string }{
		{"cameras:\n", "  - name: c%d\n    source: rtsp://h/%d\n    allow: [dog, cat]\n", ""},
		{"cameras: [\n", "  {name: c%d, source: rtsp://h/%d, allow: [dog, cat]},\n", "]\n"},
		{"cameras:\n", "- name: c%d\n  source: rtsp://h/%d\n  allow:\n  - dog\n  - cat\n", ""},
	} {
		text := style.head
		for i := range 1000 {
			text += fmt.Sprintf(style.item, i, i)
		}
		text += style.tail
		c, err := Parse("cameras.yaml", []byte(text))
		if err != nil {
			t.Fatalf("%s...: %v", style.head+style.item, err)
		}
		if len(c.Cameras) != 1000 || c.Cameras[999].Source != "rtsp://h/999" {
			t.Errorf("%d cameras, the last %+v", len(c.Cameras), c.Cameras[len(c.Cameras)-1])
		}
	}
}

// TestParseDocumentMarkers: one document between "---" and "...", with
// comments after it, is a cameras file like any other.
func TestParseDocumentMarkers(t *testing.T) {
	c, err := Parse("cameras.yaml", []byte("# cameras\n---\n"+good+"...\n# the end\n"))
	if err != nil || len(c.Cameras) != 2 {
		t.Errorf("%v, %v", c, err)
	}
}

// TestParseNamesTheFirstUnknownKey: with several misspelt keys the
// first in the file is named, every time (the decoder alone names any
// of them).
func TestParseNamesTheFirstUnknownKey(t *testing.T) {
	text := "cameras:\n  - name: door\n    source: \"0\"\n"
	for i := range 30 {
		text += "    k" + strconv.Itoa(i) + ": 1\n"
	}
	for range 5 {
		_, err := Parse("cameras.yaml", []byte(text))
		if err == nil || err.Error() != `cameras.yaml: [4:5] unknown field "k0"` {
			t.Fatalf("got %v, want the first unknown key, k0 on line 4", err)
		}
	}
}

// TestParseShortensLongNames: a megabyte key or camera name is not
// printed whole in the error.
func TestParseShortensLongNames(t *testing.T) {
	long := strings.Repeat("k", 900_000)
	for _, text := range []string{
		"cameras:\n  - name: door\n    source: \"0\"\n    " + long + ": 1\n",
		"cameras:\n  - name: " + long + "\n    source: \"0\"\n",
	} {
		_, err := Parse("cameras.yaml", []byte(text))
		if err == nil || len(err.Error()) > 200 || !strings.Contains(err.Error(), "kkk... (900000 bytes)") {
			t.Errorf("a 900 kB name: %.300v", err)
		}
	}
}

// TestLoadRefusesSpecialFiles: a FIFO, a device, a folder or a file
// over MaxSize is refused at once, without being read (a FIFO would
// block, /dev/zero never end).
func TestLoadRefusesSpecialFiles(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "cameras.fifo")
	if err := unix.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	big := filepath.Join(dir, "big.yaml")
	if err := os.WriteFile(big, []byte(good), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(big, 5<<20); err != nil { // sparse: 5 MiB, no disk
		t.Fatal(err)
	}
	for _, tc := range []struct{ path, want string }{
		{fifo, "a FIFO, not a regular file"},
		{"/dev/zero", "a character device, not a regular file"},
		{dir, "a folder, not a regular file"},
		{big, "5242880 bytes or more: a cameras file may be at most 1048576 bytes"},
	} {
		done := make(chan error, 1)
		go func() {
			_, err := Load(tc.path)
			done <- err
		}()
		select {
		case err := <-done:
			if err == nil || !strings.HasPrefix(err.Error(), tc.path+": ") || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Load(%s): %v, want %q", tc.path, err, tc.want)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("Load(%s) still reading after 10 s", tc.path)
		}
	}
	if _, err := Load(filepath.Join(dir, "none.yaml")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a missing file: %v", err)
	}
}
