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

// door begins a cameras file of one camera, whose settings may follow.
const door = "cameras:\n  - name: door\n    source: \"0\"\n"

// cpuTime returns the CPU time the test process has used so far. The
// bounds below are on the work a file costs, which the wall clock
// measures badly on a loaded machine (2 cores shared by several test
// runs stretched a 0.3 s parse past 2 s).
func cpuTime(t *testing.T) time.Duration {
	t.Helper()
	var ru unix.Rusage
	if err := unix.Getrusage(unix.RUSAGE_SELF, &ru); err != nil {
		t.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// slowdown scales the time bounds of the tests: 5 under the race
// detector (race_test.go), which makes parsing several times slower.
var slowdown time.Duration = 1

// TestParseRefusesBombs: a file built to take the decoder's time or
// memory is refused within a second (2 s here, 10 s under the race
// detector: a guard, not a benchmark; unbounded, the laughs take tens of
// seconds and gigabytes, and so does a line of "- "), naming the file
// and the line where the bound was crossed; the nesting and the keys are
// refused before the parser runs.
func TestParseRefusesBombs(t *testing.T) {
	var keys strings.Builder
	for i := range 100_000 {
		keys.WriteString("k" + strconv.Itoa(i) + ": 1\n")
	}
	var block strings.Builder
	block.WriteString("cameras:\n")
	for i := 1; i < 1000; i++ {
		block.WriteString(strings.Repeat(" ", i) + "- \n")
	}
	// A line of "- " as long as a file may be, and the same with a key,
	// tags or flow collections at its end: the parser's time and memory
	// grow with the square of the depth (64 kB of "- " took it 1.7 GB,
	// 128 kB 6 GB), so these must be refused before it runs (early).
	dashes := func(head, unit, tail string) string {
		return head + strings.Repeat(unit, (MaxSize-len(head)-len(tail))/len(unit)) + tail
	}
	var mappings, anchored strings.Builder
	mappings.WriteString("cameras:\n")
	for i := 1; i < 1000; i++ {
		mappings.WriteString(strings.Repeat(" ", i) + "a:\n")
	}
	anchored.WriteString(door)
	for i := range 30_000 {
		anchored.WriteString("    &a" + strconv.Itoa(i) + " !!str k" + strconv.Itoa(i) + ": 1\n")
	}
	// Ten lists and a mapping nested on each line, then a block of text
	// of two lines (one token, of column 0) and a key in the mapping,
	// whose value nests ten lists and a mapping more.
	var texts strings.Builder
	texts.WriteString("cameras:\n")
	for indent := 0; indent < 2000; indent += 20 {
		in := strings.Repeat(" ", indent)
		texts.WriteString(in + strings.Repeat("- ", 10) + "a: |\n" + in + strings.Repeat(" ", 22) + "x\n" + in + strings.Repeat(" ", 23) + "y\n" + in + strings.Repeat(" ", 20) + "b:\n")
	}
	for _, tc := range []struct {
		name, text string
		line       int
		want       string
		early      bool // refused by tokenize, before the parser runs
	}{
		{"block nesting between blocks of text", texts.String(), 10, "nested more than 32 deep", true},
		{"block nesting on one line", dashes("cameras:\n", "- ", "\n"), 2, "nested more than 32 deep", true},
		{"block nesting on one line with a key", dashes("cameras:\n", "- ", "a: 1\n"), 2, "nested more than 32 deep", true},
		{"block nesting on one line with tags", dashes("cameras:\n", "- !t ", "\n"), 2, "nested more than 32 deep", true},
		{"block nesting then flow nesting", "cameras:\n" + strings.Repeat("- ", 20) + strings.Repeat("[", 20) + "\n", 2, "nested more than 32 deep", true},
		{"block nesting line after line", block.String(), 33, "nested more than 32 deep", true},
		{"mappings nested line after line", mappings.String(), 33, "nested more than 32 deep", true},
		{"many keys with anchors and tags", anchored.String(), 258, "more than 256 keys in one mapping", true},
		{"many explicit keys", door + strings.Repeat("    ? k\n    : 1\n", 50_000), 512, "more than 256 keys in one mapping", true},
		{"billion laughs", laughs(), 6, "more than 500000 values (with aliases expanded)", false},
		{"billion laughs in merge keys", mergeLaughs(), 7, "more than 500000 values (with aliases expanded)", false},
		{"flow nesting", "cameras: " + strings.Repeat("[", 100_000) + strings.Repeat("]", 100_000) + "\n", 1, "nested more than 32 deep", false},
		{"flow nesting left open", "cameras: " + strings.Repeat("{a: ", 100_000), 1, "nested more than 32 deep", false},
		{"nesting through an alias", door + "    allow:\n      - &x " + strings.Repeat("[", 20) + strings.Repeat("]", 20) + "\n      - " + strings.Repeat("[", 20) + "*x" + strings.Repeat("]", 20) + "\n", 6, "nested more than 32 deep (with aliases expanded)", false},
		{"many keys", keys.String(), 257, "more than 256 keys in one mapping", false},
		{"many documents", strings.Repeat("---\ncameras: []\n", 50_000), 3, "a second YAML document", false},
		{"many documents ended by ...", strings.Repeat("cameras: []\n...\n", 50_000), 3, "a second YAML document (after ...)", false},
		{"alias inside its anchor", "cameras: &a [*a]\n", 1, "alias *a is inside its own anchor", false},
		{"alias before its anchor", door + "    allow: [*a, &a x]\n", 4, "alias *a has no anchor &a before it", false},
		{"anchor given twice", door + "    allow: [&a x, &a y]\n", 4, "anchor &a given twice", false},
		{"NUL byte", "cameras:\n  - name: door\x00\n", 2, "a NUL byte", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := tokenize([]byte(tc.text)); tc.early && err == nil {
				t.Fatal("left to the parser: want it refused before")
			}
			start := cpuTime(t)
			_, err := Parse("bomb.yaml", []byte(tc.text))
			took := cpuTime(t) - start
			if err == nil {
				t.Fatal("accepted")
			}
			if took > 2*time.Second*slowdown {
				t.Errorf("refused after %v of CPU time, want well within %v", took, time.Second*slowdown)
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

// TestTokenizeDepthBound: MaxDepth collections open at once are allowed
// and one more is refused, however they nest: block sequences on one
// line, mappings indented line after line, flow collections, or a mix.
func TestTokenizeDepthBound(t *testing.T) {
	indented := func(n int) string {
		var b strings.Builder
		b.WriteString("cameras:\n")
		for i := 1; i < n; i++ {
			b.WriteString(strings.Repeat(" ", i) + "a:\n")
		}
		return b.String() + strings.Repeat(" ", n) + "x\n"
	}
	for _, tc := range []struct {
		name  string
		text  func(n int) string // n collections open at once
		line  func(n int) int    // the line of the last one
		first bool               // the collections begin on line 1
	}{
		{"sequences on one line", func(n int) string { return "cameras:\n" + strings.Repeat("- ", n-1) + "x\n" }, func(int) int { return 2 }, false},
		{"sequences and a mapping on one line", func(n int) string { return "cameras:\n" + strings.Repeat("- ", n-2) + "a: x\n" }, func(int) int { return 2 }, false},
		{"mappings line after line", indented, func(n int) int { return n }, false},
		{"flow collections", func(n int) string { return "cameras: " + strings.Repeat("[", n-1) + strings.Repeat("]", n-1) + "\n" }, func(int) int { return 1 }, true},
		{"sequences then flow", func(n int) string {
			return "cameras:\n" + strings.Repeat("- ", 10) + strings.Repeat("{a: ", n-11) + "x" + strings.Repeat("}", n-11) + "\n"
		}, func(int) int { return 2 }, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := tokenize([]byte(tc.text(MaxDepth))); err != nil {
				t.Errorf("%d deep: %v", MaxDepth, err)
			}
			_, err := tokenize([]byte(tc.text(MaxDepth + 1)))
			want := fmt.Sprintf("line %d: nested more than %d deep", tc.line(MaxDepth+1), MaxDepth)
			if err == nil || err.Error() != want {
				t.Errorf("%d deep: %v, want %s", MaxDepth+1, err, want)
			}
		})
	}
}

// TestParseKeepsBlockShapes: the block collections tokenize follows are
// those of the file: a list at its key's column ends at the next key, a
// comment at any column ends nothing, and a block of text is one value,
// whatever its lines.
func TestParseKeepsBlockShapes(t *testing.T) {
	for _, text := range []string{
		"cameras:\n- name: door\n  source: \"0\"\n  allow:\n  - dog\n  - cat\nworkers: 2\n",
		"cameras:\n  - name: door\n# a comment at column 1\n    source: \"0\"\n            # and a deep one\n    allow: [dog,\n  cat]\n    fps: 2\nworkers: 2\n",
		"cameras:\n  - name: door\n    source: |-\n      0\n    allow:\n      - dog\n      - >-\n        cat\nworkers: 2\n",
		"cameras:\n  -   name: door\n      source: \"0\"\n      allow:\n        - dog\n        -   cat\n  -\n    name: yard\n    source: x\n    allow: [dog, cat]\nworkers: 2\n",
	} {
		c, err := Parse("cameras.yaml", []byte(text))
		if err != nil {
			t.Errorf("%q: %v", text, err)
			continue
		}
		if door := c.Cameras[0]; door.Name != "door" || door.Source != "0" || strings.Join(door.Allow, ",") != "dog,cat" || c.Workers == nil || *c.Workers != 2 {
			t.Errorf("%q: decoded %+v, workers %v", text, door, c.Workers)
		}
	}
	var keys strings.Builder
	keys.WriteString(door)
	for i := range MaxKeys - 2 {
		keys.WriteString("    ? k" + strconv.Itoa(i) + "\n    : 1\n")
	}
	if _, err := tokenize([]byte(keys.String())); err != nil {
		t.Errorf("%d keys, some explicit: %v", MaxKeys, err)
	}
}

// TestParseLargeFiles: a cameras file of MaxSize bytes of any shape the
// bounds allow (many cameras, a long list, a long block of text, many
// comments, aliases or tags) is read in bounded time: none of them costs
// the square of its size. The bound is generous (20 s; each takes about
// a second), a guard, not a benchmark; under the race detector the files
// are a quarter of the size.
func TestParseLargeFiles(t *testing.T) {
	size := MaxSize
	if slowdown > 1 {
		size /= 4
	}
	fill := func(head, unit, tail string) string {
		return head + strings.Repeat(unit, (size-len(head)-len(tail))/len(unit)) + tail
	}
	var cams strings.Builder
	cams.WriteString("cameras:\n")
	for i := 0; cams.Len() < size-100; i++ {
		fmt.Fprintf(&cams, "  - name: c%d\n    source: rtsp://h/%d\n    allow: [dog, cat]\n", i, i)
	}
	for _, tc := range []struct{ name, text string }{
		{"cameras", cams.String()},
		{"a flow list", fill(door+"    allow: [", "dog, ", "cat]\n")},
		{"a block list", fill(door+"    allow:\n", "      - dog\n", "")},
		{"a flow list on many lines", fill(door+"    allow: [\n", "      dog,\n", "      cat]\n")},
		{"tags", fill(door+"    allow: [", "!!str dog, ", "cat]\n")},
		{"aliases", fill(door+"    allow: [&a dog, ", "*a, ", "cat]\n")},
		{"a literal block", fill(door+"    out: |\n", "      line of text\n", "")},
		{"a folded block", fill(door+"    out: >\n", "      line of text\n", "")},
		{"a plain string on many lines", fill(door+"    out: x\n", "      word word word\n", "")},
		{"a quoted string on many lines", fill(door+"    out: \"x\n", "      word word word\n", "      \"\n")},
		{"comments", fill(door+"    allow:\n", "    # a comment\n", "      - dog\n")},
		{"one long value", fill(door+"    out: ", "x", "\n")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			start := cpuTime(t)
			if _, err := Parse("large.yaml", []byte(tc.text)); err != nil {
				t.Fatalf("%d bytes: %.200v", len(tc.text), err)
			}
			if took := cpuTime(t) - start; took > 20*time.Second {
				t.Errorf("%d bytes read in %v of CPU time, want well within 20 s", len(tc.text), took)
			}
		})
	}
}

// FuzzParse: no file makes Parse panic (the checks before the parser
// read tokens by their neighbours; an empty second document has no
// position). Its seeds run with the tests; go test -fuzz FuzzParse
// found nothing more in 520,000 files.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		good, door, laughs(), mergeLaughs(), good + "---\n",
		"cameras:\n- - - a: |\n      x\n       y\n    b: 1\n",
		"? cameras\n: - name: door\n    source: \"0\"\n",
		"&a !!str k: [1, {b: *a}]\n---\n...\n",
		"cameras:\n  - name: door\n    source: >\n      0\n# c\n  - {name: yard, source: \"1\"}\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 4096 {
			return
		}
		_, _ = Parse("fuzz.yaml", data)
	})
}

// TestParseSecondEmptyDocument: a "---" after the cameras (an empty
// second document) is refused naming its line, not a crash (its
// document has no value, so no position of its own).
func TestParseSecondEmptyDocument(t *testing.T) {
	line := strconv.Itoa(1 + strings.Count(good, "\n"))
	for _, text := range []string{good + "---\n", good + "---\n...\n", good + "--- # nothing\n"} {
		_, err := Parse("cameras.yaml", []byte(text))
		if err == nil || err.Error() != "cameras.yaml: line "+line+": a second YAML document: a cameras file has one" {
			t.Errorf("%q: %v, want line %s: a second YAML document", text[len(good):], err, line)
		}
	}
}
