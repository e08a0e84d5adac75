package outfile_test

import (
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/livecam/livecam/sink/outfile"
)

// TestSafeName: names made from inputs stay one visible file name in
// their folder, whatever the input's name.
func TestSafeName(t *testing.T) {
	long := strings.Repeat("abcdefghij", 30)
	for _, tc := range []struct{ in, want string }{
		{"beach", "beach"},
		{"beach day", "beach day"},
		{"", "video"},
		{".", "video"},
		{"..", "video"},
		{"...", "video"},
		{".hidden", "hidden"},
		{"a/b", "a_b"},
		{"../../etc/passwd", "_.._etc_passwd"},
		{`a\b`, "a_b"},
		{"\x1b[2J", "_[2J"},
		{"line\nbreak\r", "line_break_"},
		{"door#1+", "door_1+"},
		{"cam:8554_stream?x=1&y=*", "cam_8554_stream_x=1_y=_"},
		{"Überwachung 東京", "Überwachung 東京"},
		{"bad\xffutf8", "bad_utf8"},
		{"trailing. ", "trailing"},
	} {
		if got := outfile.SafeName(tc.in); got != tc.want {
			t.Errorf("SafeName(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	// Very long names are cut, stay valid UTF-8, and two that differ only
	// past the cut stay apart.
	for _, in := range []string{long, strings.Repeat("東", 200), long + "x"} {
		got := outfile.SafeName(in)
		if len(got) > outfile.MaxNameLen || !utf8.ValidString(got) {
			t.Errorf("SafeName of %d bytes: %q (%d bytes)", len(in), got, len(got))
		}
	}
	if outfile.SafeName(long+"1") == outfile.SafeName(long+"2") {
		t.Error("two long names that differ at their end map to the same name")
	}
	// No result names a parent folder, a hidden file or a subfolder.
	for _, in := range []string{".mp4", "..mp4", "...mp4", "a/../..", "/", "\x00"} {
		got := outfile.SafeName(strings.TrimSuffix(in, ".mp4"))
		if got == "" || strings.HasPrefix(got, ".") || strings.ContainsAny(got, `/\`+"\x00") || filepath.Join("out", got) == "out" || filepath.Dir(filepath.Join("out", got+".mp4")) != "out" {
			t.Errorf("SafeName(%q) = %q escapes or hides in its folder", in, got)
		}
	}
}
