package main

import (
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/livecam/livecam/internal/escape"
	"github.com/livecam/livecam/report"
)

func runReport(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("report", "RESULTS.jsonl", stdout, stderr)
	videoPath := fs.String("video", "", "the annotated video of the run, for a thumbnail of each segment")
	out := fs.String("o", "", "write the page to FILE (default: RESULTS with .html)")
	merge := fs.Duration("merge", time.Second, "merge label changes shorter than this into their neighbours")
	threshold := fs.Float64("threshold", 0.2, "below this best score (0-1) a frame counts as unsure")
	overwrite := fs.Bool("overwrite", false, "replace the page if it exists (default: refuse)")
	if err := fs.parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return fmt.Errorf("%w: want one results file (livecam -results FILE writes one), got %d arguments", errUsage, fs.NArg())
	}
	if err := firstError(durationIn("merge", *merge, 0, 24*time.Hour), floatIn("threshold", *threshold, 0, 1)); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	results := fs.Arg(0)
	if *out == "" {
		*out = trimExt(results) + ".html"
	}
	if err := writeReportFlag(results, *videoPath, *out, "-o", *overwrite, nil, *merge, float32(*threshold)); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "livecam report: wrote %s\n", escape.Control(*out))
	return nil
}

func trimExt(p string) string { return p[:len(p)-len(filepath.Ext(p))] }

// writeReport makes the report page of a results file (and the video's
// thumbnails, when there is a video) and writes it to out, the main
// job's -report.
func writeReport(results, videoPath, out string, overwrite bool, settings []report.Setting, merge time.Duration, threshold float32) error {
	return writeReportFlag(results, videoPath, out, "-report", overwrite, settings, merge, threshold)
}

// writeReportFlag is writeReport where flag names out in messages: the
// flag the user gave it with (-report, or report's -o).
func writeReportFlag(results, videoPath, out, flag string, overwrite bool, settings []report.Setting, merge time.Duration, threshold float32) error {
	return withHint(report.WriteFile(results, videoPath, out, &report.FileOptions{Flag: flag, Overwrite: overwrite, Settings: settings, Merge: merge, Threshold: threshold}))
}
