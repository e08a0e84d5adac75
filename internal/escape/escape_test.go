package escape

import (
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestControl(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"ANSI colour", "\x1b[31mred\x1b[0m", `\x1b[31mred\x1b[0m`},
		{"ANSI clear screen", "door\x1b[2J\x1b[H", `door\x1b[2J\x1b[H`},
		{"newline: a forged log line", "door\nlivecam: all good", `door\nlivecam: all good`},
		{"carriage return", "ok\rFAILED", `ok\rFAILED`},
		{"tab", "a\tb", `a\tb`},
		{"NUL, BEL, backspace", "a\x00\x07\x08", `a\x00\x07\x08`},
		{"DEL", "a\x7fb", `a\x7fb`},
		{"C1 CSI", "a\u009b31mb", `a\u009b31mb`},
		{"C1 NEL", "a\u0085b", `a\u0085b`},
		{"bidi override (Trojan Source)", "door\u202etxt.exe", `door\u202etxt.exe`},
		{"bidi isolates", "\u2066a\u2069\u2067b\u2068", `\u2066a\u2069\u2067b\u2068`},
		{"bidi marks", "\u200e\u200f\u061c", `\u200e\u200f\u061c`},
		{"line and paragraph separators", "a\u2028b\u2029c", `a\u2028b\u2029c`},
		{"zero width, byte order mark", "a\u200bb\u200d\ufeff", `a\u200bb\u200d\ufeff`},
		{"private use", "a\ue000b\U000F0000", `a\ue000b\U000f0000`},
		{"invalid UTF-8", "a\xff\xfeb", `a\xff\xfeb`},
		{"cut UTF-8", "caf\xc3", `caf\xc3`},
		{"printable text kept", `caméra 门口 🐈 "q" \ path/ü ½ ⚠`, `caméra 门口 🐈 "q" \ path/ü ½ ⚠`},
		{"printable with a control", "门口\n\"\\", `门口\n"\`},
		{"a real U+FFFD kept", "a\ufffdb", "a\ufffdb"},
		{"no-break space kept", "a\u00a0b", "a\u00a0b"},
		{"empty", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Control(tc.in); got != tc.want {
				t.Errorf("Control(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

// FuzzControl: whatever the input, the output is valid UTF-8 made of
// printable characters only, escaping it again changes nothing, and an
// input that was printable text already comes back unchanged.
func FuzzControl(f *testing.F) {
	for _, s := range []string{"", "door", "\x1b[2J", "a\nb", "\u202e", "\xff", "门口\u2028", "\\x1b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := Control(s)
		if !utf8.ValidString(got) {
			t.Fatalf("Control(%q) = %q: not UTF-8", s, got)
		}
		for _, r := range got {
			if !unicode.IsGraphic(r) {
				t.Fatalf("Control(%q) = %q: keeps %U", s, got, r)
			}
		}
		if again := Control(got); again != got {
			t.Fatalf("Control(Control(%q)) = %q, not %q", s, again, got)
		}
		clean := utf8.ValidString(s)
		for _, r := range s {
			clean = clean && unicode.IsGraphic(r)
		}
		if clean && got != s {
			t.Fatalf("Control(%q) = %q: printable text changed", s, got)
		}
	})
}
