// Package wire is livecam's wire format: the JSON messages of its
// results and events, as the JSON lines files (sink/jsonl), MQTT
// (sink/mqtt), NATS JetStream (sink/natsjs) and the fleet's results
// stream all carry them. There is one encoder per message kind:
//
//	AppendResult       a frame's result: a classifier's "top" classes or a
//	                   detector's "objects"
//	AppendEvent        a classifier's label event (package events)
//	AppendObjectEvent  a tracked object's event (package track)
//	AppendTop          a camera's best label, published when it changes
//	                   (TopChanges tells when)
//
// Each appends one JSON object, without a newline, to a byte slice and
// returns it, as strconv's Append functions do: with a buffer reused
// frame after frame, nothing is allocated. A JSON lines file adds the
// newline.
//
// Labels are written as given in results and object events, and as
// their display name (mobilenet.ShortLabel: "tabby, tabby cat" is
// "tabby") in a classifier's events and top labels. Scores that are not
// finite, and box coordinates that are not, are written as null, so that
// every message stays JSON.
package wire

import (
	"math"
	"strconv"
	"time"
	"unicode/utf8"
)

// TimeLayout is how a result's "time" is written: RFC 3339 in UTC, with
// milliseconds.
const TimeLayout = "2006-01-02T15:04:05.000Z07:00"

// appendString appends s as a JSON string literal: quotes, backslashes
// and control characters escaped, invalid UTF-8 replaced by U+FFFD.
func appendString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c < 0x20:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&15])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			b = append(b, `\ufffd`...)
		} else {
			b = append(b, s[i:i+n]...)
		}
		i += n
	}
	return append(b, '"')
}

// appendMS writes a duration in milliseconds with one decimal.
func appendMS(b []byte, d time.Duration) []byte {
	return strconv.AppendFloat(b, float64(d.Microseconds())/1000, 'f', 1, 64)
}

// appendFloat32 writes f as the shortest decimal that reads back as the
// same float32 (as detect.Float32 does), null when not finite.
func appendFloat32(b []byte, f float32) []byte {
	if v := float64(f); math.IsNaN(v) || math.IsInf(v, 0) {
		return append(b, "null"...)
	}
	return strconv.AppendFloat(b, float64(f), 'g', -1, 32)
}

// appendScore writes a score with four decimals, null when not finite.
func appendScore(b []byte, s float32) []byte {
	if f := float64(s); math.IsNaN(f) || math.IsInf(f, 0) {
		return append(b, "null"...)
	}
	return strconv.AppendFloat(b, float64(s), 'f', 4, 32)
}

// appendCoord writes a box coordinate: the shortest decimal (a whole
// number of pixels prints as one), null when not finite.
func appendCoord(b []byte, v float64) []byte {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return append(b, "null"...)
	}
	return strconv.AppendFloat(b, v, 'f', -1, 64)
}
