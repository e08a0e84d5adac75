package main

import (
	"fmt"
	"io"

	"github.com/livecam/livecam/net/mobilenet"
)

// runSummary runs `livecam summary`: the paper's Table 1 for a shape.
func runSummary(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("summary", "", stdout, stderr)
	alpha := fs.Float64("alpha", 1.0, "width multiplier")
	size := fs.Int("size", 224, "input size (a multiple of 32)")
	classes := fs.Int("classes", 1000, "classifier outputs")
	if err := fs.parse(args); err != nil {
		return err
	}
	cfg := mobilenet.Config{Alpha: *alpha, Size: *size, Classes: *classes}
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	cfg.WriteTable(stdout) // write errors ignored, as before: a reader gone away (| head) is no failure
	return nil
}
