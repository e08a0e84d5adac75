package outfile

import (
	"fmt"
	"hash/fnv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxNameLen bounds the length in bytes of a name SafeName returns: the
// outputs add their extensions and a partial file's suffix to it, and
// filesystems allow 255 bytes.
const MaxNameLen = 100

// FallbackName is the name SafeName gives an input whose name has
// nothing usable in it (".mp4", "...").
const FallbackName = "video"

// safePunct are the characters besides letters and digits that a name
// keeps; every other one (separators, control characters, shell and URL
// specials such as # ? * : | $ and quotes) becomes '_'.
const safePunct = "-_.+,=@()[]~ "

// SafeName makes a file name, without folder or extension, out of an
// input's name (a file's name without its extension, a camera's name, the
// host and path of a URL), so that the outputs named after it stay in
// their folder and visible: path separators, control characters, invalid
// UTF-8 and characters other programs treat specially become '_'; leading
// and trailing dots and spaces are removed (".." and ".hidden" name no
// parent folder and no hidden file); a name longer than MaxNameLen bytes
// is cut and ends with a hash of the whole name, so that two long names
// stay apart; an empty result is FallbackName. Two inputs may still map
// to the same name: callers check for collisions on the result.
func SafeName(name string) string {
	var b strings.Builder
	for _, r := range name { // invalid UTF-8 comes as U+FFFD: replaced
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r) || r < utf8.RuneSelf && strings.ContainsRune(safePunct, r):
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	s := strings.Trim(b.String(), ". ")
	if len(s) > MaxNameLen {
		h := fnv.New32a()
		h.Write([]byte(name))
		suffix := fmt.Sprintf("-%08x", h.Sum32())
		cut := MaxNameLen - len(suffix)
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = strings.TrimRight(s[:cut], ". ") + suffix
	}
	if s == "" {
		return FallbackName
	}
	return s
}
