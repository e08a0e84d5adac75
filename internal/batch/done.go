package batch

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"

	"github.com/livecam/livecam/internal/escape"
	"github.com/livecam/livecam/internal/redact"
	"github.com/livecam/livecam/sink/jsonl"
)

// Found is what a job's outputs say before it runs (Inspect).
type Found struct {
	// Done: livecam finished the job. Its results file is at its
	// final name and ends with its closing line (jsonl.End), and every
	// other output the job names is at its final name. A source that
	// ended early (a damaged file) is done too: run again, it would end
	// at the same place; End.Ended says where and why.
	Done bool
	// End is the results file's closing line, when Done.
	End jsonl.End
	// Unfinished names an output that exists although the job is not
	// done (a file cut short, one from before closing lines, another
	// program's, or one whose fellow outputs are missing); "" when the
	// job is done, or none of its outputs exists. Why says what is
	// wrong with it. A results file whose closing line names another
	// source (another folder's video of the same name) is not done.
	Unfinished, Why string
}

// Inspect says whether j is done (see Found), or which of its outputs
// stands in the way of running it. Only final names count: the partial
// files of a run cut short (NAME.partial-RANDOM.EXT) neither make a job
// done nor stand in its way. The error is a filesystem's (a results
// file that cannot be read), never a verdict.
func Inspect(j Job) (Found, error) {
	var present, missing []string
	for _, p := range []string{j.Out, j.Results, j.Events, j.Report} {
		if p == "" || p == "-" {
			continue
		}
		switch _, err := os.Stat(p); {
		case err == nil:
			present = append(present, p)
		case errors.Is(err, fs.ErrNotExist):
			missing = append(missing, p)
		default:
			return Found{}, err
		}
	}
	if len(present) == 0 {
		return Found{}, nil
	}
	if !slices.Contains(present, j.Results) {
		why := "no results file with it"
		if j.Results != "" && j.Results != "-" {
			why = "its results file " + escape.Control(j.Results) + " is missing"
		}
		return Found{Unfinished: present[0], Why: why}, nil
	}
	end, err := jsonl.ReadEnd(j.Results)
	switch {
	case errors.Is(err, jsonl.ErrNoEnd):
		return Found{Unfinished: j.Results, Why: "no closing line: cut short, or not livecam's"}, nil
	case err != nil:
		return Found{}, err
	case len(missing) > 0:
		return Found{Unfinished: j.Results, Why: escape.Control(missing[0]) + " is missing"}, nil
	case !sameSource(end.Source, j.Source):
		return Found{Unfinished: j.Results, Why: "the results of another source, " + escape.Control(end.Source)}, nil
	}
	return Found{Done: true, End: end}, nil
}

// sameSource reports whether recorded, the source a closing line names
// (as given then, a URL's credentials redacted), is src: the same file
// (a rerun from another folder, or with the path written otherwise),
// the same text (a stream), or, when recorded is a relative path that
// names no file from here (given in another folder), a file of src's
// name. A closing line that names no source says nothing against it. Two folders of a camera's files (each with its clip001.mp4)
// labelled into one out-dir: the second's clip001.mp4 is not done.
func sameSource(recorded, src string) bool {
	st, err := os.Stat(src)
	rst, rerr := os.Stat(recorded)
	switch {
	case recorded == "":
		return true
	case err == nil && rerr == nil:
		return os.SameFile(st, rst)
	case recorded == redact.URL(src):
		return true
	}
	return err == nil && !filepath.IsAbs(recorded) && filepath.Base(recorded) == filepath.Base(src)
}

// Done reports whether j's outputs are those of a run livecam finished
// (Inspect), its source read whole or to where it ended early: a
// partial file, a results file without its closing line, or a missing
// output is not done.
func Done(j Job) (bool, error) {
	f, err := Inspect(j)
	return f.Done, err
}

// ErrUnfinished is the error of a job whose outputs exist but are not
// done: replacing them needs the user's say (Options.Resume).
var ErrUnfinished = errors.New("exists, and is not a finished livecam output")

// unfinishedError names the output in the way, and why.
type unfinishedError struct {
	path, why, hint string
}

func (e *unfinishedError) Error() string {
	return fmt.Sprintf("%s: %v (%s): %s", escape.Control(e.path), ErrUnfinished, e.why, e.hint)
}

func (e *unfinishedError) Unwrap() error { return ErrUnfinished }
