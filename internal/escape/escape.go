// Package escape makes names safe to print on a terminal or in a log:
// characters that are not printable text (ANSI escapes, newlines,
// carriage returns, Unicode's bidirectional overrides) are written as Go
// escapes, so a name from a file, a job or a camera cannot rewrite what
// is around it: move the cursor, clear the screen, change colours, start
// a line that looks like livecam's own, or reorder the text that follows
// it (Trojan Source, CVE-2021-42574).
package escape

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Control returns s with every character that is not printable text
// escaped as in a Go string literal:
//
//   - newline, carriage return and tab as \n, \r and \t, the other C0
//     controls (ESC: ANSI escapes, BEL, backspace, NUL) and DEL as \xNN;
//   - C1 controls (U+0080 to U+009F, which some terminals take for ESC
//     [), Unicode's format characters (the bidirectional overrides and
//     isolates U+202A to U+202E and U+2066 to U+2069, the marks U+200E,
//     U+200F, U+061C, zero-width characters, the byte order mark), the
//     line and paragraph separators U+2028 and U+2029, private-use and
//     unassigned code points as \uXXXX or \UXXXXXXXX;
//   - each byte that is not part of valid UTF-8 as \xNN.
//
// Printable text is kept as it is: letters and digits of any script,
// marks, punctuation, symbols and emoji, spaces, quotes and backslashes.
// A string with nothing to escape is returned unchanged, so escaping
// twice is escaping once. (A backslash is not doubled: the result is for
// reading, and a name that spells "\n" itself reads the same as one with
// a newline; neither can rewrite anything.)
func Control(s string) string {
	i := firstBad(s)
	if i < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	b.WriteString(s[:i])
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case printable(r):
			b.WriteString(s[i : i+size])
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x80:
			fmt.Fprintf(&b, `\x%02x`, r)
		case r <= 0xFFFF:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			fmt.Fprintf(&b, `\U%08x`, r)
		}
		i += size
	}
	return b.String()
}

// printable reports whether r is printable text: a graphic character
// (Unicode's letters, marks, numbers, punctuation, symbols and spaces).
func printable(r rune) bool {
	if r < utf8.RuneSelf {
		return ' ' <= r && r < 0x7f
	}
	return unicode.IsGraphic(r)
}

// firstBad returns the byte offset of the first character of s that
// Control escapes, or -1.
func firstBad(s string) int {
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c < ' ' || c == 0x7f {
				return i
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && size == 1) || !unicode.IsGraphic(r) {
			return i
		}
		i += size
	}
	return -1
}
