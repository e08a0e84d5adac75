package endline

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const frameLine = `{"frame":0,"pts_ms":0.0,"top":[{"class":1,"label":"a","score":0.5000}],"inferred":true,"latency_ms":1.0,"dropped":0}` + "\n"

// TestEndRoundTrip: a closing line parses back to what was written, and
// is one line with the single key "end".
func TestEndRoundTrip(t *testing.T) {
	e := End{Frames: 600, Duration: 24 * time.Second, Source: "videos/b\"e\nach <1>.mp4", Seen: "seashore, coast"}
	line := AppendEnd([]byte("x"), e)[1:]
	if strings.Count(string(line), "\n") != 1 || !strings.HasSuffix(string(line), "\n") {
		t.Fatalf("AppendEnd = %q: not one line", line)
	}
	if !strings.HasPrefix(string(line), `{"end":{"frames":600,"duration_ms":24000,"complete":true,`) {
		t.Errorf("AppendEnd = %s", line)
	}
	got, ok := ParseEnd(line[:len(line)-1])
	if !ok || got != e {
		t.Errorf("ParseEnd(%s) = %+v, %v; want %+v", line, got, ok, e)
	}
}

// TestParseEndRefuses: per-frame lines, an events line, and lines that
// only look like a closing line are not one.
func TestParseEndRefuses(t *testing.T) {
	for _, l := range []string{
		frameLine,
		`{"event":"enter","label":"cat"}`,
		`{"end":{"frames":3,"duration_ms":120.0}}`, // not complete
		`{"end":{"frames":3,"duration_ms":120.0,"complete":false}}`,          // not complete
		`{"end":{"duration_ms":120.0,"complete":true}}`,                      // no frames
		`{"end":{"frames":3,"complete":true}}`,                               // no duration
		`{"end":{"frames":3,"duration_ms":120.0,"complete":true},"frame":3}`, // a second key
		`{"end":{"frames":-1,"duration_ms":120.0,"complete":true}}`,          // negative
		`{"end":{"frames":3,"duration_ms":1e300,"complete":true}}`,           // no time.Duration
		`{"end":{"frames":3,"duration_ms":1.0,"complete":true,"whole":false,"ended_at_ms":1e300}}`,
		`{"end":{"frames":3,"duration_ms":1.0,"complete":true,"whole":false,"ended_at_ms":1,"source_duration_ms":1e19}}`,
		`{"end":{"frames":3,"duration_ms":120.0,"complete":true}`,                 // cut short
		`{"end":{"frames":"3","duration_ms":120.0,"complete":true,"source":"x"}}`, // not a number
		``,
	} {
		if e, ok := ParseEnd([]byte(l)); ok {
			t.Errorf("ParseEnd(%s) = %+v, true", l, e)
		}
	}
	if IsEnd([]byte(frameLine)) || !IsEnd([]byte(`{"end":{}}`)) {
		t.Error("IsEnd takes a frame's line for a closing line, or the other way round")
	}
}

// TestReadEnd: a file that ends with a closing line has one; a file
// without (results of a run cut short), with a line after it, cut in the
// middle of it, or empty, has none.
func TestReadEnd(t *testing.T) {
	dir := t.TempDir()
	end := string(AppendEnd(nil, End{Frames: 2, Duration: 80 * time.Millisecond, Source: "a.mp4", Seen: "a"}))
	for _, tc := range []struct {
		name, body string
		ok         bool
	}{
		{"whole", frameLine + frameLine + end, true},
		{"only-end", end, true},
		{"long", strings.Repeat(frameLine, 2000) + end, true},
		{"no-end", frameLine + frameLine, false},
		{"after-end", end + frameLine, false},
		{"cut-end", frameLine + end[:len(end)-1], false},
		{"no-newline", frameLine + end[:len(end)-1] + " ", false}, // a line is whole with its newline only
		{"empty", "", false},
		{"one-long-line", strings.Repeat("x", 2*maxEndLine) + end[1:], false},
	} {
		p := filepath.Join(dir, tc.name+".jsonl")
		if err := os.WriteFile(p, []byte(tc.body), 0o644); err != nil {
			t.Fatal(err)
		}
		e, err := ReadEnd(p)
		if tc.ok && (err != nil || e.Frames != 2 || e.Source != "a.mp4") {
			t.Errorf("%s: ReadEnd = %+v, %v", tc.name, e, err)
		}
		if !tc.ok && (!errors.Is(err, ErrNoEnd) || !strings.Contains(err.Error(), p)) {
			t.Errorf("%s: ReadEnd = %+v, %v; want ErrNoEnd naming the file", tc.name, e, err)
		}
	}
	if _, err := ReadEnd(filepath.Join(dir, "missing.jsonl")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("ReadEnd of a missing file = %v", err)
	}
}

// TestWriteEnd: the closing line goes after the last line, and ReadEnd
// finds it; a file whose last line is cut short gets none.
func TestWriteEnd(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "r.partial-1.jsonl")
	os.WriteFile(p, []byte(frameLine+frameLine), 0o644)
	want := End{Frames: 2, Duration: 80 * time.Millisecond, Source: "a.mp4"}
	if err := WriteEnd(p, want); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(p)
	if !strings.HasPrefix(string(b), frameLine+frameLine) || strings.Count(string(b), "\n") != 3 {
		t.Errorf("after WriteEnd:\n%s", b)
	}
	if got, err := ReadEnd(p); err != nil || got != want {
		t.Errorf("ReadEnd = %+v, %v; want %+v", got, err, want)
	}
	cut := filepath.Join(dir, "cut.jsonl")
	os.WriteFile(cut, []byte(frameLine+frameLine[:20]), 0o644)
	if err := WriteEnd(cut, want); err == nil {
		t.Error("WriteEnd closed a file whose last line is cut short")
	}
	if _, err := ReadEnd(cut); !errors.Is(err, ErrNoEnd) {
		t.Errorf("ReadEnd of a cut file = %v", err)
	}
}
