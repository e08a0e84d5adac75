package endline

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestEndingRoundTrip: a closing line says how its source ended; an
// early ending (where, the source's duration when known, why) parses
// back to what was written, and stays complete: livecam finished the
// file.
func TestEndingRoundTrip(t *testing.T) {
	for _, e := range []End{
		{Frames: 600, Duration: 24 * time.Second, Source: "beach.mp4", Seen: "seashore"},
		{Frames: 147, Duration: 4900 * time.Millisecond, Source: "corrupt.mp4", Seen: "tiger",
			Ended: Ending{Early: true, At: 4866700 * time.Microsecond, Of: 24 * time.Second, Reason: "damaged file"}},
		{Frames: 3, Duration: 120 * time.Millisecond, Source: "rtsp://cam/live",
			Ended: Ending{Early: true, At: 80 * time.Millisecond, Reason: "stream ended"}},
	} {
		line := AppendEnd(nil, e)
		got, ok := ParseEnd(line[:len(line)-1])
		if !ok || got != e {
			t.Errorf("ParseEnd(%s) = %+v, %v; want %+v", line, got, ok, e)
		}
		whole := `"complete":true,"whole":true,`
		if e.Ended.Early {
			whole = `"complete":true,"whole":false,"ended_at_ms":`
		}
		if !strings.Contains(string(line), whole) {
			t.Errorf("AppendEnd = %s; want %s in it", line, whole)
		}
		if strings.Contains(string(line), "source_duration_ms") != (e.Ended.Of > 0) {
			t.Errorf("AppendEnd = %s: the source's duration given when unknown, or left out when known", line)
		}
		p := filepath.Join(t.TempDir(), "r.jsonl")
		writeFile(t, p, frameLine)
		if err := WriteEnd(p, e); err != nil {
			t.Fatal(err)
		}
		if got, err := ReadEnd(p); err != nil || got != e {
			t.Errorf("ReadEnd = %+v, %v; want %+v", got, err, e)
		}
	}
}

// TestEndingOlderLines: a closing line without "whole" (written before
// it existed) is a whole source's; one that says it was not whole must
// say where it ended.
func TestEndingOlderLines(t *testing.T) {
	e, ok := ParseEnd([]byte(`{"end":{"frames":3,"duration_ms":120.0,"complete":true,"source":"a.mp4"}}`))
	if !ok || e.Ended != (Ending{}) {
		t.Errorf("an older closing line: %+v, %v; want a whole source's", e, ok)
	}
	for _, l := range []string{
		`{"end":{"frames":3,"duration_ms":120.0,"complete":true,"whole":false}}`,                                         // where?
		`{"end":{"frames":3,"duration_ms":120.0,"complete":true,"whole":false,"ended_at_ms":-1}}`,                        // negative
		`{"end":{"frames":3,"duration_ms":120.0,"complete":true,"whole":false,"ended_at_ms":1,"source_duration_ms":-2}}`, // negative
		`{"end":{"frames":3,"duration_ms":120.0,"complete":true,"whole":"no","ended_at_ms":1}}`,                          // not a bool
	} {
		if e, ok := ParseEnd([]byte(l)); ok {
			t.Errorf("ParseEnd(%s) = %+v, true", l, e)
		}
	}
}

// TestEndingString: how the end table, the rerun's skip line and the
// report say it.
func TestEndingString(t *testing.T) {
	for _, tc := range []struct {
		e    Ending
		want string
	}{
		{Ending{}, ""},
		{Ending{At: time.Second, Reason: "x"}, ""}, // not early: whole
		{Ending{Early: true, At: 4900 * time.Millisecond, Of: 24 * time.Second, Reason: "damaged file"}, "ended at 0:04.9 of 0:24.0: damaged file"},
		{Ending{Early: true, At: 61 * time.Second, Reason: "stream ended"}, "ended at 1:01.0: stream ended"},
		{Ending{Early: true, At: time.Second}, "ended at 0:01.0: ended early"},
	} {
		if got := tc.e.String(); got != tc.want {
			t.Errorf("%+v.String() = %q, want %q", tc.e, got, tc.want)
		}
	}
}

// A damaged file's closing line: livecam finished the file (complete),
// and the source was not whole.
func ExampleEnding() {
	e := End{Frames: 147, Duration: 4900 * time.Millisecond, Source: "corrupt.mp4", Seen: "tiger",
		Ended: Ending{Early: true, At: 4866700 * time.Microsecond, Of: 24 * time.Second, Reason: "damaged file"}}
	line := AppendEnd(nil, e)
	fmt.Print(string(line))
	back, _ := ParseEnd(line)
	fmt.Println(back.Ended)
	// Output:
	// {"end":{"frames":147,"duration_ms":4900,"complete":true,"whole":false,"ended_at_ms":4866.7,"source_duration_ms":24000,"reason":"damaged file","source":"corrupt.mp4","seen":"tiger"}}
	// ended at 0:04.9 of 0:24.0: damaged file
}

// writeFile writes body to path, failing the test when it cannot.
func writeFile(t *testing.T, path, body string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}
