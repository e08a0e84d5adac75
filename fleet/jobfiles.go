package fleet

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/livecam/livecam/internal/redact"
)

// JobFiles are a job's source and outputs as a worker's Process uses
// them: the source and the output folders opened once under the worker's
// Limits and checked as opened, and a workspace (a new folder of this
// worker's beside the results, locked while the job runs) in which the
// outputs are written before they move into place together. The
// pipeline reaches them only through the paths below (/proc paths of the
// open descriptors), so a name swapped for a link after Limits.Check
// leads nowhere new.
//
// Use: OpenJob, run the job on Source writing Results (and Video), Commit,
// and Close in every case; pass the job's errors through Shown and its log
// through Log.
type JobFiles struct {
	// Source is the path to read: the open source's /proc path, or the
	// job's URL.
	Source string
	// Results and Video are the paths to write, in the workspace; Video
	// is "" when the job wants no video. Their extensions are those of
	// the job's outputs.
	Results, Video string

	job            Job
	src            *os.File   // the open source (nil for a URL)
	resDir, outDir *OutputDir // outDir is resDir when both are in one folder
	ws             *Workspace
	names          *strings.Replacer // /proc paths -> the names the user knows
	keep           bool              // a move failed: the workspace holds the outputs
}

// beforeCommit, when set (by tests), runs in Commit after the outputs are
// checked and before they move.
var beforeCommit func()

// OpenJob opens the files of job j, as Check returned it: its source
// (unless a URL) and output folders, checked as opened, and a new locked
// workspace in the results' folder. Workspaces of the same job that no
// one holds locked (left by a worker that died with it) are removed
// first. Errors wrap ErrRefused when the job breaks the limits. The
// limits must be Resolved.
func (l Limits) OpenJob(j Job) (_ *JobFiles, err error) {
	f := &JobFiles{job: j, Source: j.Source}
	defer func() {
		if err != nil {
			f.Close()
		}
	}()
	var repl []string
	if !IsURL(j.Source) {
		if f.src, f.Source, err = l.OpenSource(j.Source); err != nil {
			return nil, err
		}
		repl = append(repl, f.Source, redact.URL(j.Source))
	}
	if f.resDir, err = l.OpenOutputDir(filepath.Dir(j.Results)); err != nil {
		return nil, err
	}
	f.outDir = f.resDir
	if j.Out != "" && filepath.Dir(j.Out) != filepath.Dir(j.Results) {
		if f.outDir, err = l.OpenOutputDir(filepath.Dir(j.Out)); err != nil {
			return nil, err
		}
	}
	prefix := ".livecam-job-" + j.ID + "-"
	f.resDir.RemoveStale(prefix)
	if f.ws, err = f.resDir.NewWorkspace(prefix); err != nil {
		return nil, err
	}
	f.Results = f.ws.Path(resultsFile(j))
	if j.Out != "" {
		f.Video = f.ws.Path(videoFile(j))
	}
	f.names = replacer(append(repl, f.ws.Path(""), f.ws.Real(""))...)
	return f, nil
}

// resultsFile and videoFile name a job's outputs in its workspace:
// "results" and "video" with the extensions of the final names, so two
// outputs of one base name in two folders are two files there.
func resultsFile(j Job) string { return "results" + filepath.Ext(j.Results) }
func videoFile(j Job) string   { return "video" + filepath.Ext(j.Out) }

// replacer replaces each old string (pairs of old and new) by its new
// one, the longest first: /proc/P/fd/5 never takes a piece of
// /proc/P/fd/50.
func replacer(pairs ...string) *strings.Replacer {
	type pair struct{ old, new string }
	var ps []pair
	for i := 0; i+1 < len(pairs); i += 2 {
		ps = append(ps, pair{pairs[i], pairs[i+1]})
	}
	slices.SortStableFunc(ps, func(a, b pair) int { return len(b.old) - len(a.old) })
	var flat []string
	for _, p := range ps {
		flat = append(flat, p.old, p.new)
	}
	return strings.NewReplacer(flat...)
}

// move is one output's way out of the workspace.
type move struct {
	file  string     // its name in the workspace
	dir   *OutputDir // the folder of its final name
	final string     // its final name, as the job gives it
}

// Commit moves the outputs into place, the results first (a video under
// its final name says the job is done), and returns their final names.
// They move together or not at all: without Job.Overwrite an output that
// exists refuses the job (ErrRefused) before anything moves, and when one
// cannot move, those moved already are moved back and the workspace is
// kept with the outputs whole (the error says where).
func (f *JobFiles) Commit() ([]string, error) {
	moves := []move{{resultsFile(f.job), f.resDir, f.job.Results}}
	if f.job.Out != "" {
		moves = append(moves, move{videoFile(f.job), f.outDir, f.job.Out})
	}
	if !f.job.Overwrite {
		for _, mv := range moves {
			if _, err := os.Lstat(mv.final); err == nil {
				return nil, fmt.Errorf("%w: %s exists (submit with -overwrite to replace it)", ErrRefused, mv.final)
			}
		}
	}
	if beforeCommit != nil {
		beforeCommit()
	}
	var done []string
	for i, mv := range moves {
		if err := f.ws.MoveOut(mv.file, mv.dir, filepath.Base(mv.final), f.job.Overwrite); err != nil {
			f.keep = true
			return nil, f.moveBack(moves[:i], err)
		}
		done = append(done, mv.final)
	}
	return done, nil
}

// moveBack undoes the moves made before one failed with err, and says
// what could not move back.
func (f *JobFiles) moveBack(made []move, err error) error {
	for _, mv := range made {
		if berr := f.ws.MoveBack(mv.dir, filepath.Base(mv.final), mv.file); berr != nil {
			err = fmt.Errorf("%w; and %s could not move back (%v): it is there, whole", err, mv.final, berr)
		}
	}
	if !f.job.Overwrite && errors.Is(err, fs.ErrExist) {
		err = fmt.Errorf("%w: %w", ErrRefused, err)
	}
	return err
}

// Close removes the workspace and what is left in it (it keeps it when
// Commit failed to move an output: the outputs are there, whole) and
// closes the source and the folders. It may be called more than once.
func (f *JobFiles) Close() error {
	var errs []error
	if f.keep {
		errs = append(errs, f.ws.Close())
	} else {
		errs = append(errs, f.ws.Remove())
	}
	if f.outDir != f.resDir {
		errs = append(errs, f.outDir.Close())
	}
	errs = append(errs, f.resDir.Close())
	if f.src != nil {
		errs = append(errs, f.src.Close())
		f.src = nil
	}
	return errors.Join(errs...)
}

// Shown returns err with the /proc paths in its message replaced by the
// names the user knows (the job's source, the workspace's real path);
// errors.Is and As see err as it was. Shown(nil) is nil.
func (f *JobFiles) Shown(err error) error {
	if err == nil || f.names == nil {
		return err
	}
	return &shownError{msg: f.names.Replace(err.Error()), err: err}
}

// shownError is an error whose message names what the user knows.
type shownError struct {
	msg string
	err error
}

func (e *shownError) Error() string { return e.msg }
func (e *shownError) Unwrap() error { return e.err }

// Log returns a writer that replaces, in what is written to w, the /proc
// paths by the names the user knows, as Shown does. Give each Write whole
// lines: a path cut in two is not replaced.
func (f *JobFiles) Log(w io.Writer) io.Writer { return replacingWriter{w: w, r: f.names} }

// replacingWriter rewrites the /proc paths in what a job's pipeline
// prints.
type replacingWriter struct {
	w io.Writer
	r *strings.Replacer
}

func (w replacingWriter) Write(p []byte) (int, error) {
	if _, err := io.WriteString(w.w, w.r.Replace(string(p))); err != nil {
		return 0, err
	}
	return len(p), nil
}
