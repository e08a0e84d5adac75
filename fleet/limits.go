package fleet

import (
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/livecam/livecam/internal/redact"
)

// Limits are what a worker was allowed to touch: a job names a video under
// one of the input roots and outputs under one of the output roots, and
// nothing else. A job message is hostile until Check has passed it.
type Limits struct {
	// InputRoots are the folders whose regular files a job may read.
	InputRoots []string
	// OutputRoots are the folders a job may write into.
	OutputRoots []string
	// AllowURLs lets a job's source be an http, https or rtsp URL.
	AllowURLs bool
}

// ErrRefused marks a job that breaks a worker's Limits: it is the job's
// fault, and retrying cannot help.
var ErrRefused = errors.New("refused")

// URLSchemes are the schemes a source URL may have when Limits.AllowURLs
// is set.
var URLSchemes = []string{"http", "https", "rtsp"}

// Resolved returns the limits with every root made absolute and its links
// resolved, or an error naming a root that is missing, not a folder, or
// not given at all.
func (l Limits) Resolved() (Limits, error) {
	if len(l.InputRoots) == 0 || len(l.OutputRoots) == 0 {
		return l, errors.New("a worker needs at least one input root and one output root (the folders jobs may read and write)")
	}
	out := Limits{AllowURLs: l.AllowURLs}
	for _, set := range []struct {
		what  string
		roots []string
		dst   *[]string
	}{{"input root", l.InputRoots, &out.InputRoots}, {"output root", l.OutputRoots, &out.OutputRoots}} {
		for _, r := range set.roots {
			real, err := realPath(r)
			if err != nil {
				return l, fmt.Errorf("%s %s: %w", set.what, r, err)
			}
			st, err := os.Stat(real)
			if err != nil {
				return l, fmt.Errorf("%s %s: %w", set.what, r, err)
			}
			if !st.IsDir() {
				return l, fmt.Errorf("%s %s: not a folder", set.what, r)
			}
			*set.dst = append(*set.dst, real)
		}
	}
	return out, nil
}

// realPath makes p absolute and resolves its links.
func realPath(p string) (string, error) {
	abs, err := filepath.Abs(p)
	if err != nil {
		return "", err
	}
	real, err := filepath.EvalSymlinks(abs)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			return "", pe.Err
		}
		return "", err
	}
	return real, nil
}

// within reports whether path (absolute, clean, links resolved) is root
// or lies under it, component by component.
func within(path, root string) bool {
	rel, err := filepath.Rel(root, path)
	if err != nil {
		return false
	}
	return rel == "." || (rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel))
}

func withinAny(path string, roots []string) bool {
	for _, r := range roots {
		if within(path, r) {
			return true
		}
	}
	return false
}

// hiddenComponent refuses a path (absolute, links resolved) with a
// component under its output root that starts with '.': the hidden
// folders and files of the fleet (another job's temporary folder, a
// probe) and of the users are never a job's output.
func hiddenComponent(path string, roots []string) error {
	for _, r := range roots {
		rel, err := filepath.Rel(r, path)
		if err != nil || !within(path, r) {
			continue
		}
		for _, c := range strings.Split(rel, string(filepath.Separator)) {
			if strings.HasPrefix(c, ".") && c != "." {
				return fmt.Errorf("%q starts with '.': hidden files and folders (another job's temporary folder) are not outputs", c)
			}
		}
	}
	return nil
}

// IsURL reports whether a source is spelt as a URL.
func IsURL(source string) bool { return strings.Contains(source, "://") }

// CheckSource checks a job's source alone: a regular file under an input
// root (after its links are resolved), or, where allowed, an http, https
// or rtsp URL; never a GStreamer pipeline, a device, a FIFO or a folder.
// It returns the path to read (links resolved). The limits must be
// Resolved.
func (l Limits) CheckSource(source string) (string, error) {
	shown := redact.URL(source)
	switch {
	case source == "":
		return "", fmt.Errorf("%w: no source", ErrRefused)
	case strings.ContainsAny(source, "!\x00"):
		return "", fmt.Errorf("%w: source %s: a GStreamer pipeline (or a name with '!'), not a video file", ErrRefused, shown)
	case IsURL(source):
		if !l.AllowURLs {
			return "", fmt.Errorf("%w: source %s: a URL, and this worker takes only files (start it with -allow-urls to take URLs)", ErrRefused, shown)
		}
		u, err := url.Parse(source)
		if err != nil || u.Host == "" {
			return "", fmt.Errorf("%w: source %s: not a URL livecam can read", ErrRefused, shown)
		}
		for _, s := range URLSchemes {
			if strings.EqualFold(u.Scheme, s) {
				return source, nil
			}
		}
		return "", fmt.Errorf("%w: source %s: scheme %q is not one of %s", ErrRefused, shown, u.Scheme, strings.Join(URLSchemes, ", "))
	case !filepath.IsAbs(source):
		return "", fmt.Errorf("%w: source %s: not an absolute path (a job names a file on storage every worker shares)", ErrRefused, source)
	}
	real, err := realPath(source)
	if err != nil {
		return "", fmt.Errorf("%w: source %s: %v", ErrRefused, source, err)
	}
	if !withinAny(real, l.InputRoots) {
		return "", fmt.Errorf("%w: source %s: outside this worker's input roots (%s)", ErrRefused, source, strings.Join(l.InputRoots, ", "))
	}
	st, err := os.Stat(real)
	if err != nil {
		return "", fmt.Errorf("%w: source %s: %v", ErrRefused, source, err)
	}
	if !st.Mode().IsRegular() {
		what := "not a regular file"
		switch {
		case st.IsDir():
			what = "a folder, not a video file"
		case st.Mode()&fs.ModeNamedPipe != 0:
			what = "a FIFO, not a video file"
		case st.Mode()&fs.ModeDevice != 0:
			what = "a device, not a video file"
		}
		return "", fmt.Errorf("%w: source %s: %s", ErrRefused, source, what)
	}
	return real, nil
}

// checkOutput checks one output of a job: absolute, its folder (links
// resolved) under an output root, and when it exists, a regular file (a
// link is followed only to a regular file under an output root) that the
// job may replace. It returns the path to write.
func (l Limits) checkOutput(what, path, source string, overwrite bool) (string, error) {
	if !filepath.IsAbs(path) {
		return "", fmt.Errorf("%w: %s %s: not an absolute path", ErrRefused, what, path)
	}
	base := filepath.Base(path)
	if base == "." || base == ".." || base == string(filepath.Separator) || strings.HasSuffix(path, string(filepath.Separator)) {
		return "", fmt.Errorf("%w: %s %s: not a file name", ErrRefused, what, path)
	}
	for _, r := range base {
		if r < ' ' || r == 0x7f {
			return "", fmt.Errorf("%w: %s %q: a control character in the name", ErrRefused, what, path)
		}
	}
	dir, err := realPath(filepath.Dir(path))
	if err != nil {
		return "", fmt.Errorf("%w: %s %s: folder: %v", ErrRefused, what, path, err)
	}
	target := filepath.Join(dir, base)
	if !withinAny(dir, l.OutputRoots) {
		return "", fmt.Errorf("%w: %s %s: outside this worker's output roots (%s)", ErrRefused, what, path, strings.Join(l.OutputRoots, ", "))
	}
	if err := hiddenComponent(target, l.OutputRoots); err != nil {
		return "", fmt.Errorf("%w: %s %s: %v", ErrRefused, what, path, err)
	}
	lst, err := os.Lstat(target)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return target, nil
	case err != nil:
		return "", fmt.Errorf("%w: %s %s: %v", ErrRefused, what, path, err)
	}
	if lst.Mode()&fs.ModeSymlink != 0 {
		real, err := realPath(target)
		if err != nil {
			return "", fmt.Errorf("%w: %s %s: a link to %v", ErrRefused, what, path, err)
		}
		st, err := os.Stat(real)
		if err != nil || !st.Mode().IsRegular() {
			return "", fmt.Errorf("%w: %s %s: a link to something other than a regular file", ErrRefused, what, path)
		}
		if !withinAny(real, l.OutputRoots) {
			return "", fmt.Errorf("%w: %s %s: a link to %s, outside this worker's output roots", ErrRefused, what, path, real)
		}
		if err := hiddenComponent(real, l.OutputRoots); err != nil {
			return "", fmt.Errorf("%w: %s %s: a link to %s: %v", ErrRefused, what, path, real, err)
		}
		target, lst = real, st
	}
	if !lst.Mode().IsRegular() {
		return "", fmt.Errorf("%w: %s %s: exists and is not a regular file", ErrRefused, what, path)
	}
	if source != "" && target == source {
		return "", fmt.Errorf("%w: %s %s: is the job's source", ErrRefused, what, path)
	}
	if withinAny(target, l.InputRoots) {
		return "", fmt.Errorf("%w: %s %s: exists under an input root: an output never replaces an input", ErrRefused, what, path)
	}
	if !overwrite {
		return "", fmt.Errorf("%w: %s %s exists (submit with -overwrite to replace it)", ErrRefused, what, path)
	}
	return target, nil
}

// Check decides whether a worker with these limits may run a job: its
// source must be a regular file under an input root (or an allowed URL),
// its outputs under an output root, neither the source nor an existing
// file under an input root, and existing outputs only with
// Job.Overwrite. Paths are resolved, links included, before they are
// compared. It returns the job with the paths to use (resolved); an error
// wraps ErrRefused and says why. The limits must be Resolved.
func (l Limits) Check(j Job) (Job, error) {
	if err := j.check(); err != nil {
		return j, fmt.Errorf("%w: %v", ErrRefused, err)
	}
	if want := NewJob(j.Source, j.Out, j.Results).ID; j.ID != want {
		return j, fmt.Errorf("%w: job id %s is not the one its source and outputs make (%s)", ErrRefused, j.ID, want)
	}
	src, err := l.CheckSource(j.Source)
	if err != nil {
		return j, err
	}
	local := ""
	if !IsURL(src) {
		local = src
	}
	r := j
	r.Source = src
	if r.Results, err = l.checkOutput("results", j.Results, local, j.Overwrite); err != nil {
		return j, err
	}
	if j.Out != "" {
		if r.Out, err = l.checkOutput("video", j.Out, local, j.Overwrite); err != nil {
			return j, err
		}
		if r.Out == r.Results {
			return j, fmt.Errorf("%w: the video and the results are one file (%s)", ErrRefused, j.Out)
		}
	}
	return r, nil
}
