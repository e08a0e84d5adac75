package main

import (
	"errors"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/livecam/livecam/internal/escape"
	"github.com/livecam/livecam/internal/redact"
	"github.com/livecam/livecam/internal/runctl"
	"github.com/livecam/livecam/sink/outfile"
)

// videoExtensions are the files a folder source contributes.
var videoExtensions = []string{".mp4", ".m4v", ".mov", ".mkv", ".webm", ".avi", ".mpg", ".mpeg", ".ts", ".3gp", ".flv", ".wmv"}

// planJobs expands the sources (folders to their videos, globs to their
// matches) and names each one's outputs: -out, -results, -events and
// -report for a single source, files in -out-dir otherwise.
func planJobs(f *runFlags) ([]job, error) {
	var sources []string
	expanded := false
	for _, s := range f.sources {
		switch {
		case isDir(s):
			entries, err := os.ReadDir(s)
			if err != nil {
				return nil, err
			}
			n := len(sources)
			for _, e := range entries {
				if !e.IsDir() && slices.Contains(videoExtensions, strings.ToLower(filepath.Ext(e.Name()))) && !strings.Contains(e.Name(), ".partial-") {
					sources = append(sources, filepath.Join(s, e.Name()))
				}
			}
			if len(sources) == n {
				return nil, fmt.Errorf("%w: %s: a folder with no videos in it (%s)", errUsage, s, strings.Join(videoExtensions, " "))
			}
			expanded = true
		case strings.ContainsAny(s, "*?[") && !strings.Contains(s, "://") && !strings.Contains(s, "!"):
			matches, err := filepath.Glob(s)
			if err != nil {
				return nil, fmt.Errorf("%w: %s: %v", errUsage, s, err)
			}
			if len(matches) == 0 {
				return nil, fmt.Errorf("%w: %s matches no file", errUsage, s)
			}
			sources = append(sources, matches...)
			expanded = true
		default:
			sources = append(sources, s)
		}
	}
	if len(sources) == 1 && !expanded && f.outDir == "" {
		return []job{{source: sources[0], out: f.out, results: f.results, eventsOut: f.eventsOut, report: f.report}}, nil
	}
	// Several sources: each gets its outputs in -out-dir.
	if f.outDir == "" {
		return nil, fmt.Errorf("%w: %d sources: give -out-dir DIR for their outputs", errUsage, len(sources))
	}
	for _, name := range []struct {
		set  bool
		flag string
	}{{f.out != "", "-out"}, {f.results != "", "-results"}, {f.eventsOut != "", "-events"}, {f.report != "", "-report"}, {f.display, "-display"}, {f.serve != "", "-serve"}, {f.loop, "-loop"}} {
		if name.set {
			return nil, fmt.Errorf("%w: %s cannot be used with -out-dir (each source's outputs are named after it)", errUsage, name.flag)
		}
	}
	if !isDir(f.outDir) {
		return nil, fmt.Errorf("%w: -out-dir %s: not a folder (create it first)", errUsage, f.outDir)
	}
	ext := ".mp4"
	if f.codec == "vp9" {
		ext = ".webm"
	}
	var jobs []job
	byBase := map[string]string{}
	for _, s := range sources {
		base := outputBase(s)
		// Names are compared as the folder will: case-insensitively
		// too, for the filesystems that fold case.
		key := strings.ToLower(base)
		if other, ok := byBase[key]; ok {
			return nil, fmt.Errorf("%w: %s and %s would both write %s.*; run them separately", errUsage,
				printable(other), printable(s), escape.Control(filepath.Join(f.outDir, base)))
		}
		byBase[key] = s
		p := filepath.Join(f.outDir, base)
		jobs = append(jobs, job{source: s, out: p + ext, results: p + ".jsonl", report: p + ".html"})
	}
	return jobs, nil
}

// outputBase names a source's outputs, made safe for a file name by
// outfile.SafeName (no separator, no leading dot, no control character,
// bounded): a file's name without its extension, "camera0" for a camera,
// the host and path of a URL (never its credentials).
func outputBase(src string) string {
	if _, err := os.Stat(src); err == nil {
		base := filepath.Base(src)
		return outfile.SafeName(strings.TrimSuffix(base, filepath.Ext(base)))
	}
	if _, err := fmt.Sscan(src, new(int)); err == nil && !strings.ContainsAny(src, ".:/") {
		return outfile.SafeName("camera" + src)
	}
	name := src
	if strings.Contains(src, "://") {
		name = redact.Name(src)
	}
	if base := strings.Trim(outfile.SafeName(name), "_"); base != "" {
		return base
	}
	return outfile.FallbackName
}

// printable is a source as messages show it: credentials redacted,
// control characters escaped.
func printable(src string) string {
	return escape.Control(redact.URL(src))
}

func isDir(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.IsDir()
}

// batch runs each job in turn, printing a line per source; a source that
// fails is reported and skipped. A stop signal ends the batch: the source
// in hand stops, its outputs keep their partial names (nothing cut short
// passes for whole; a rerun does it again) and no other starts; the
// status is then 130. A full disk ends the batch as well: no source is
// started after it.
func (r *runner) batch(jobs []job) error {
	r.inBatch = true
	// A stop signal between two sources (while a report is written, or
	// the next source opens) ends the batch there, instead of killing
	// the process with a report half written.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, runctl.StopSignals...)
	defer signal.Stop(sigs)
	failed, done, stopped := 0, 0, 0
	diskFull := false
	start := time.Now()
	for i, j := range jobs {
		if stopRequested(sigs) {
			r.interrupted = true
		}
		if r.interrupted || diskFull {
			why := "stopped by signal"
			if diskFull {
				why = "disk full"
			}
			fmt.Fprintf(r.stderr, "livecam: %s; %d not started\n", why, len(jobs)-i)
			break
		}
		t0 := time.Now()
		name := printable(j.source)
		fmt.Fprintf(r.stderr, "livecam: [%d/%d] %s\n", i+1, len(jobs), name)
		err := r.run(j)
		var se *stopError
		switch {
		case errors.As(err, &se):
			stopped++
			fmt.Fprintf(r.stderr, "livecam: [%d/%d] %s: stopped %s by a signal (not done: a rerun does it again)\n", i+1, len(jobs), name, se.at)
		case err != nil:
			failed++
			if isDiskFull(err) {
				diskFull = true
				fmt.Fprintf(r.stderr, "livecam: [%d/%d] %s: FAILED (disk full): %s\n", i+1, len(jobs), name, escape.Control(withHint(err).Error()))
			} else {
				fmt.Fprintf(r.stderr, "livecam: [%d/%d] %s: FAILED: %s\n", i+1, len(jobs), name, escape.Control(withHint(err).Error()))
			}
		default:
			done++
			fmt.Fprintf(r.stderr, "livecam: [%d/%d] %s: done in %.1fs -> %s\n", i+1, len(jobs), name, time.Since(t0).Seconds(), quotedList([]string{j.out, j.results, j.report}))
		}
	}
	fmt.Fprintf(r.stderr, "livecam: %d of %d sources done in %.1fs", done, len(jobs), time.Since(start).Seconds())
	if stopped > 0 {
		fmt.Fprintf(r.stderr, ", %d stopped by signal", stopped)
	}
	if failed > 0 {
		fmt.Fprintf(r.stderr, ", %d failed", failed)
	}
	if rest := len(jobs) - done - failed - stopped; rest > 0 {
		fmt.Fprintf(r.stderr, ", %d not started", rest)
		if diskFull {
			fmt.Fprint(r.stderr, ": disk full")
		}
	}
	fmt.Fprintln(r.stderr)
	switch {
	case stopped > 0 || r.interrupted && done < len(jobs):
		return &stopError{}
	case diskFull:
		return errBatchDiskFull
	case failed > 0:
		return errBatchFailed
	}
	return nil
}

// errBatchDiskFull is the batch's error when the disk filled up.
var errBatchDiskFull = errors.New("the disk of the outputs is full: the batch stopped")

// errBatchFailed is the batch's error when some sources failed: each was
// reported on its own line already.
var errBatchFailed = errors.New("some sources failed")

// stopRequested reports whether a signal arrived on sigs.
func stopRequested(sigs <-chan os.Signal) bool {
	select {
	case <-sigs:
		return true
	default:
		return false
	}
}
