// Package topicname makes a camera's name safe for the places that give a
// name a meaning of its own: an MQTT topic level (where "/", "+" and "#"
// are structure and wildcards), a Home Assistant object id (which ignores
// ids with "." or spaces), and a NATS subject token (where "." "*" and ">"
// are). One rule serves them all, so a camera has the same name
// everywhere.
package topicname

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// MaxLen bounds a safe name, in bytes.
const MaxLen = 64

// Safe returns name with every character outside [a-zA-Z0-9_-] replaced
// by '_' ("door#1+.mp4" is "door_1__mp4"). A name with nothing left but
// '_' (empty, or all replaced) becomes "x" and 8 hex digits of its hash,
// so that two such names stay apart; a name longer than MaxLen is cut and
// ends with such a hash.
func Safe(name string) string {
	safe := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '_', r == '-':
			return r
		}
		return '_'
	}, name)
	switch {
	case strings.Trim(safe, "_") == "":
		return "x" + hash(name)
	case len(safe) > MaxLen:
		return safe[:MaxLen-9] + "_" + hash(name)
	}
	return safe
}

// hash is 8 hex digits of SHA-256 of s.
func hash(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:4])
}
