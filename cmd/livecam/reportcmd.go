package main

import (
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/livecam/livecam/internal/cliflag"
	"github.com/livecam/livecam/internal/escape"
	"github.com/livecam/livecam/report"
)

func runReport(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("report", "RESULTS.jsonl", stdout, stderr)
	videoPath := fs.String("video", "", "the annotated video `FILE` of the run, for a thumbnail of each segment")
	out := fs.String("o", "", "write the page to `FILE` (default: RESULTS with .html)")
	merge := fs.Duration("merge", time.Second, "merge label changes shorter than `DURATION` into their neighbours")
	threshold := fs.Float64("threshold", 0.2, "below this best score `P` (0-1) a frame counts as unsure")
	overwrite := fs.Bool("overwrite", false, "replace the page if it exists (default: refuse)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return fmt.Errorf("%w: want one results file (livecam -results FILE writes one), got %d arguments", errUsage, fs.NArg())
	}
	if err := cliflag.FirstError(cliflag.DurationIn("merge", *merge, 0, 24*time.Hour), cliflag.FloatIn("threshold", *threshold, 0, 1)); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	results := fs.Arg(0)
	if *out == "" {
		*out = trimExt(results) + ".html"
	}
	opts := &report.FileOptions{Flag: "-o", Overwrite: *overwrite, Merge: *merge, Threshold: float32(*threshold)}
	if err := withHint(report.WriteFile(results, *videoPath, *out, opts)); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "livecam report: wrote %s\n", escape.Control(*out))
	return nil
}

func trimExt(p string) string { return p[:len(p)-len(filepath.Ext(p))] }
