// Package endline reads and writes the closing line of a livecam results
// file (see End): the mark of a run that finished whole. It needs no cgo,
// so readers of results files (package report) can use it anywhere;
// package sink/jsonl writes it.
package endline

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"time"

	"github.com/livecam/livecam/timeline"
)

// End is the closing line of a results file livecam finished writing:
// livecam writes it last, just before the file moves into place, when
// the run read its source to its end (a file read whole, or one that
// ended early because it is damaged), or a live source was stopped on
// purpose. A results file whose last line is not a closing line was cut
// short (a signal, a failure, a full disk, a crash) or is not livecam's.
// The line is one JSON object with a single key, "end", which no
// per-frame line has (those start with "frame"):
//
//	{"end":{"frames":600,"duration_ms":24000,"complete":true,"whole":true,"source":"videos/beach.mp4","seen":"seashore"}}
//	{"end":{"frames":427,"duration_ms":14233.3,"complete":true,"whole":false,"ended_at_ms":14200,"source_duration_ms":24000,"reason":"damaged file","source":"corrupt.mp4","seen":"tiger"}}
//
// frames is the number of result lines before it, duration_ms the time
// of the source they cover, source the source as given (a URL's
// credentials redacted), seen the label in view the longest ("" when
// none). complete says livecam finished writing the file; whole says
// whether the source was read to its end (false: see Ending, whose
// ended_at_ms, source_duration_ms when known, and reason follow it). A
// closing line without "whole" (written before it existed) is taken
// for whole. Readers of results files skip it, or use it to tell a
// finished file from a partial one (ReadEnd).
type End struct {
	// Frames is the number of result lines before the closing line.
	Frames int64
	// Duration is the time of the source the results cover.
	Duration time.Duration
	// Source is the source as given, its credentials redacted.
	Source string
	// Seen is the label in view the longest, "" when none.
	Seen string
	// Ended is how the source ended: whole (the zero value) or early.
	Ended Ending
}

// Ending is how a run's source ended: whole (the zero value), or early
// (a damaged file, a stream that ended), where and why. A source that
// ended early is not read again by a rerun: the same file ends at the
// same place.
type Ending struct {
	// Early says the source ended before its end, without being
	// asked to.
	Early bool
	// At is the position in the source where it ended; Of is the
	// source's duration, 0 when unknown.
	At, Of time.Duration
	// Reason says why: "damaged file", "stream ended".
	Reason string
}

// String says where and why a source ended early, as livecam's end
// table and report do ("ended at 0:04.9 of 0:24.0: damaged file"); ""
// for a whole source.
func (e Ending) String() string {
	if !e.Early {
		return ""
	}
	s := "ended at " + timeline.Clock(e.At)
	if e.Of > 0 {
		s += " of " + timeline.Clock(e.Of)
	}
	return s + ": " + cmp.Or(e.Reason, "ended early")
}

// endLine is End as its JSON line has it.
type endLine struct {
	Frames     *int64   `json:"frames"`
	DurationMS *float64 `json:"duration_ms"`
	Complete   bool     `json:"complete"`
	Whole      *bool    `json:"whole"`
	EndedAtMS  *float64 `json:"ended_at_ms,omitempty"`
	OfMS       *float64 `json:"source_duration_ms,omitempty"`
	Reason     string   `json:"reason,omitempty"`
	Source     string   `json:"source"`
	Seen       string   `json:"seen,omitempty"`
}

// ms is d in milliseconds to a tenth, as the line has it.
func ms(d time.Duration) *float64 {
	v := math.Round(float64(d)/float64(time.Millisecond)*10) / 10
	return &v
}

// maxMS is the longest time a closing line may give, in milliseconds: a
// time.Duration's range (292 years).
const maxMS = float64(math.MaxInt64 / int64(time.Millisecond))

// validMS reports whether ms, a time of a closing line, is one: not
// negative, and within a time.Duration (a damaged or forged line's 1e300
// is no time: converted, it would come out negative).
func validMS(ms float64) bool { return ms >= 0 && ms <= maxMS }

// duration is the time of ms milliseconds.
func duration(ms float64) time.Duration { return time.Duration(ms * float64(time.Millisecond)) }

// ErrNoEnd is ReadEnd's error for a file whose last line is not a
// closing line: a run that was not whole, or a file that is not livecam's.
var ErrNoEnd = errors.New("no closing line: not a finished livecam results file (cut short, or not livecam's)")

// AppendEnd appends e's closing line, with its newline, to b.
func AppendEnd(b []byte, e End) []byte {
	frames, whole := e.Frames, !e.Ended.Early
	l := endLine{Frames: &frames, DurationMS: ms(e.Duration), Complete: true, Whole: &whole, Source: e.Source, Seen: e.Seen}
	if !whole {
		l.EndedAtMS, l.Reason = ms(max(e.Ended.At, 0)), e.Ended.Reason
		if e.Ended.Of > 0 {
			l.OfMS = ms(e.Ended.Of)
		}
	}
	line, _ := json.Marshal(struct {
		End endLine `json:"end"`
	}{l}) // cannot fail: no map, no NaN
	return append(append(b, line...), '\n')
}

// ParseEnd reports whether line (without its newline) is a valid closing
// line, and returns it: an object whose only key is "end", with frames,
// duration_ms and "complete":true; one with "whole":false has
// ended_at_ms too.
func ParseEnd(line []byte) (End, bool) {
	line = bytes.TrimSpace(line)
	if !bytes.HasPrefix(line, []byte(`{"end"`)) {
		return End{}, false // the cheap test for every per-frame line
	}
	var top map[string]json.RawMessage
	if json.Unmarshal(line, &top) != nil || len(top) != 1 || top["end"] == nil {
		return End{}, false
	}
	var l endLine
	if json.Unmarshal(top["end"], &l) != nil || l.Frames == nil || l.DurationMS == nil || !l.Complete || *l.Frames < 0 || !validMS(*l.DurationMS) {
		return End{}, false
	}
	e := End{Frames: *l.Frames, Duration: duration(*l.DurationMS), Source: l.Source, Seen: l.Seen}
	if l.Whole != nil && !*l.Whole {
		if l.EndedAtMS == nil || !validMS(*l.EndedAtMS) || l.OfMS != nil && !validMS(*l.OfMS) {
			return End{}, false
		}
		e.Ended = Ending{Early: true, At: duration(*l.EndedAtMS), Reason: l.Reason}
		if l.OfMS != nil {
			e.Ended.Of = duration(*l.OfMS)
		}
	}
	return e, true
}

// IsEnd reports whether line is a closing line's shape: an object whose
// key is "end" (ParseEnd says whether it is a valid one). Readers of
// results lines use it to skip the closing line.
func IsEnd(line []byte) bool {
	return bytes.HasPrefix(bytes.TrimSpace(line), []byte(`{"end"`))
}

// maxEndLine bounds how much of a file's end ReadEnd reads: a closing
// line is a few hundred bytes, its source at most a few KiB.
const maxEndLine = 64 << 10

// ReadEnd returns the closing line of the results file path: its last
// line, which must be whole (end with its newline) and a valid closing
// line, else the error wraps ErrNoEnd and names the file. Only the end
// of the file is read.
func ReadEnd(path string) (End, error) {
	// Looked at before it is opened: opening a named pipe waits for a
	// writer, maybe forever.
	if st, err := os.Stat(path); err != nil {
		return End{}, err
	} else if !st.Mode().IsRegular() {
		return End{}, fmt.Errorf("%s: not a regular file: %w", path, ErrNoEnd)
	}
	f, err := os.Open(path)
	if err != nil {
		return End{}, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return End{}, err
	}
	if !st.Mode().IsRegular() { // replaced meanwhile
		return End{}, fmt.Errorf("%s: not a regular file: %w", path, ErrNoEnd)
	}
	n := min(st.Size(), maxEndLine)
	buf := make([]byte, n)
	if _, err := f.ReadAt(buf, st.Size()-n); err != nil && !errors.Is(err, io.EOF) {
		return End{}, fmt.Errorf("%s: %w", path, err)
	}
	if len(buf) == 0 || buf[len(buf)-1] != '\n' {
		return End{}, fmt.Errorf("%s: %w", path, ErrNoEnd)
	}
	last := buf[:len(buf)-1]
	if i := bytes.LastIndexByte(last, '\n'); i >= 0 {
		last = last[i+1:]
	} else if n < st.Size() {
		return End{}, fmt.Errorf("%s: %w", path, ErrNoEnd) // a last line longer than any closing line
	}
	e, ok := ParseEnd(last)
	if !ok {
		return End{}, fmt.Errorf("%s: %w", path, ErrNoEnd)
	}
	return e, nil
}

// WriteEnd appends e's closing line to the finished results file path (a
// partial file about to be committed), and flushes it to the disk. A
// file whose last line is cut short gets none: it is not whole.
func WriteEnd(path string, e End) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_APPEND, 0)
	if err != nil {
		return err
	}
	st, err := f.Stat()
	if err == nil && st.Size() > 0 {
		last := make([]byte, 1)
		if _, err = f.ReadAt(last, st.Size()-1); err == nil && last[0] != '\n' {
			err = fmt.Errorf("%s: its last line is cut short: no closing line written", path)
		}
	}
	if err == nil {
		_, err = f.Write(AppendEnd(nil, e))
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
