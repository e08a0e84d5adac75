// Package batch runs livecam on many video files, one after another: it
// expands the sources (a folder to its videos, a pattern to its matches),
// names each one's outputs in one folder, and runs them in turn with the
// batch's stop policy (Run, RunEach). Run again, a batch skips the
// sources livecam finished before (Inspect: their results end with their
// closing line, every other output is in place), naming those that ended
// early (a damaged file: its status stays ErrCutShort), and refuses to
// replace outputs that are not finished; it ends with a table of what
// each source did (WriteTable).
package batch

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/livecam/livecam/internal/escape"
	"github.com/livecam/livecam/internal/redact"
	"github.com/livecam/livecam/sink/outfile"
)

// VideoExtensions are the files a folder source contributes (compared
// case-insensitively).
var VideoExtensions = []string{".mp4", ".m4v", ".mov", ".mkv", ".webm", ".avi", ".mpg", ".mpeg", ".ts", ".3gp", ".flv", ".wmv"}

// ErrUsage marks what the caller asked for and cannot be done: a folder
// with no video, a pattern that matches nothing, two sources whose
// outputs would have the same names. Its messages start with it
// ("usage: ..."); a filesystem's failure does not wrap it.
var ErrUsage = errors.New("usage")

// Job is one source of a batch and its outputs; "" leaves an output out.
type Job struct {
	Source  string // a file, a camera index, a URL or a GStreamer pipeline
	Out     string // the annotated video
	Results string // the results, a JSON line per frame
	Events  string // the events, a JSON line each
	Report  string // the HTML report
}

// Expand returns the sources that specs name: a folder's videos (its
// files with one of VideoExtensions, in name order, partial files left
// out), the files a pattern (*, ? or [) matches, any other spec as it
// is (a file, a camera index, a URL). A URL or a GStreamer pipeline is
// never taken for a pattern. many reports whether a folder or a pattern
// was among specs: their sources are a batch even when there is one.
func Expand(specs []string) (sources []string, many bool, err error) {
	for _, s := range specs {
		var more []string
		switch {
		case isDir(s):
			more, err = folderVideos(s)
		case strings.ContainsAny(s, "*?[") && !strings.Contains(s, "://") && !strings.Contains(s, "!"):
			more, err = matches(s)
		default:
			sources = append(sources, s)
			continue
		}
		if err != nil {
			return nil, false, err
		}
		sources, many = append(sources, more...), true
	}
	return sources, many, nil
}

// folderVideos lists the videos in dir, refusing a folder with none.
func folderVideos(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var videos []string
	for _, e := range entries {
		if !e.IsDir() && slices.Contains(VideoExtensions, strings.ToLower(filepath.Ext(e.Name()))) && !strings.Contains(e.Name(), ".partial-") {
			videos = append(videos, filepath.Join(dir, e.Name()))
		}
	}
	if len(videos) == 0 {
		return nil, fmt.Errorf("%w: %s: a folder with no videos in it (%s)", ErrUsage, dir, strings.Join(VideoExtensions, " "))
	}
	return videos, nil
}

// matches lists the files pattern matches, refusing a pattern that
// matches none.
func matches(pattern string) ([]string, error) {
	m, err := filepath.Glob(pattern)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrUsage, pattern, err)
	}
	if len(m) == 0 {
		return nil, fmt.Errorf("%w: %s matches no file", ErrUsage, pattern)
	}
	return m, nil
}

// Name gives each source its outputs in dir, named after it (OutputBase):
// NAME+videoExt (".mp4" when ""), NAME.jsonl and NAME.html; no events.
// Two sources whose names would be the same, compared case-insensitively
// as some filesystems do, are refused before anything is written.
func Name(sources []string, dir, videoExt string) ([]Job, error) {
	if videoExt == "" {
		videoExt = ".mp4"
	}
	jobs := make([]Job, 0, len(sources))
	byBase := map[string]string{}
	for _, s := range sources {
		base := OutputBase(s)
		key := strings.ToLower(base)
		if other, ok := byBase[key]; ok {
			return nil, fmt.Errorf("%w: %s and %s would both write %s.*; run them separately", ErrUsage,
				Printable(other), Printable(s), escape.Control(filepath.Join(dir, base)))
		}
		byBase[key] = s
		p := filepath.Join(dir, base)
		jobs = append(jobs, Job{Source: s, Out: p + videoExt, Results: p + ".jsonl", Report: p + ".html"})
	}
	return jobs, nil
}

// OutputBase names a source's outputs, made safe for a file name by
// outfile.SafeName (no separator, no leading dot, no control character,
// bounded): an existing file's name without its extension, "camera0" for
// camera index 0, the host and path of a URL (never its credentials).
func OutputBase(src string) string {
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

// Printable is a source as messages show it: the credentials of a URL
// redacted, control characters escaped.
func Printable(src string) string {
	return escape.Control(redact.URL(src))
}

func isDir(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.IsDir()
}
