package jsonl

import "github.com/livecam/livecam/sink/jsonl/endline"

// End is the closing line of a whole run's results file (package
// endline, which needs no cgo, holds its format and documentation).
type End = endline.End

// Ending is how a run's source ended, whole or early (endline.Ending).
type Ending = endline.Ending

// ErrNoEnd is ReadEnd's error for a file without a valid closing line.
var ErrNoEnd = endline.ErrNoEnd

// AppendEnd appends e's closing line, newline included, to b.
func AppendEnd(b []byte, e End) []byte { return endline.AppendEnd(b, e) }

// ParseEnd reads a closing line (without its newline); ok is false for
// any other line.
func ParseEnd(line []byte) (End, bool) { return endline.ParseEnd(line) }

// IsEnd reports whether line is a closing line.
func IsEnd(line []byte) bool { return endline.IsEnd(line) }

// ReadEnd returns the closing line of the results file at path, or an
// error wrapping ErrNoEnd when its last line is not one.
func ReadEnd(path string) (End, error) { return endline.ReadEnd(path) }

// WriteEnd appends e's closing line to the results file at path.
func WriteEnd(path string, e End) error { return endline.WriteEnd(path, e) }
