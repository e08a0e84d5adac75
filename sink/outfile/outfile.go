// Package outfile writes a program's output files without ever destroying
// the user's data.
//
// An output is checked before a run starts (Check): its folder must exist
// and be writable, it must not be one of the inputs or another output
// (through whatever spelling, symbolic or hard link), and an existing file
// is replaced only when the user said so. Nothing is created at that
// point. While the run goes on the data goes to a partial file beside the
// target, named NAME.partial-RANDOM.EXT so that players still recognise
// it and a user finds it after a crash; Commit renames it into place at
// the end, atomically, and never over a file that appeared meanwhile
// unless overwriting was asked for. A character device or FIFO
// (/dev/null, a named pipe) named directly is written directly: there is
// nothing to replace. A symbolic link is followed only to a regular file:
// a link to a device, a FIFO, a folder or nothing is refused, and so is a
// block device however it is named (nobody means to write a video over a
// disk). An input of the run is never an output, -overwrite or not
// (ErrIsInput).
//
// A run whose outcome is known only at its end (cut short by a signal, a
// full disk) creates its files in a Group: their Commit only finishes
// them, and the Group then moves them all into place, or leaves them
// under their partial names (Keep).
//
// SafeName makes a file name out of an input's name.
//
// renameio (github.com/google/renameio) does the atomic part for
// configuration files, but hides its temporary files and always replaces
// the target; livecam needs the partial file visible (it is what survives
// kill -9) and a commit that refuses to replace.
package outfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"golang.org/x/sys/unix"

	"github.com/livecam/livecam/internal/filekind"
)

// Target is one output a run will write.
type Target struct {
	// Path is the file as the user spelt it; "-" is standard output.
	Path string
	// Flag, when set, names where the path came from in messages ("-out").
	Flag string
}

// String names the target in messages: "-out x.mp4", or the path alone.
func (t Target) String() string {
	if t.Flag == "" {
		return t.Path
	}
	return t.Flag + " " + t.Path
}

// ErrExists reports an output file that exists and may not be replaced.
var ErrExists = errors.New("exists, and replacing it was not asked for")

// ErrIsInput reports an output that is one of the run's inputs: it is
// refused whatever the flags say.
var ErrIsInput = errors.New("refusing to write over an input of the run")

// Check verifies, without creating anything, that every target can be
// written and that none of them is an input or another target. inputs are
// paths that will be read (a source video, a model, a labels file); names
// that are not files are ignored.
func Check(inputs []string, targets []Target, overwrite bool) error {
	type seen struct {
		t    Target
		st   os.FileInfo // nil when the file does not exist yet
		path string      // resolved absolute path
	}
	var done []seen
	for _, t := range targets {
		if t.Path == "-" || t.Path == "" {
			continue
		}
		res, st, err := resolve(t.Path)
		if err != nil {
			return fmt.Errorf("%s: %w", t, err)
		}
		for _, in := range inputs {
			if in == "" {
				continue
			}
			ist, err := os.Stat(in)
			if err != nil || !ist.Mode().IsRegular() {
				continue
			}
			if st != nil && os.SameFile(st, ist) {
				return fmt.Errorf("%s: is the input %s: %w", t, in, ErrIsInput)
			}
		}
		if st != nil {
			switch {
			case st.IsDir():
				return fmt.Errorf("%s: is a directory", t)
			case st.Mode()&fs.ModeDevice != 0 && st.Mode()&fs.ModeCharDevice == 0:
				return fmt.Errorf("%s: is a block device: refusing to write to it", t)
			case st.Mode()&fs.ModeSocket != 0:
				return fmt.Errorf("%s: is a socket: refusing to write to it", t)
			case st.Mode().IsRegular() && !overwrite:
				return fmt.Errorf("%s: %w", t, ErrExists)
			}
		}
		if st == nil || st.Mode().IsRegular() {
			if err := unix.Access(filepath.Dir(res), unix.W_OK); err != nil {
				return fmt.Errorf("%s: cannot write in %s: %w", t, filepath.Dir(res), err)
			}
			if st != nil {
				if err := unix.Access(res, unix.W_OK); err != nil {
					return fmt.Errorf("%s: %w", t, err)
				}
			}
		}
		for _, d := range done {
			same := d.path == res
			if st != nil && d.st != nil {
				same = os.SameFile(st, d.st) && st.Mode().IsRegular()
			}
			if same {
				return fmt.Errorf("%s and %s are the same file", d.t, t)
			}
		}
		done = append(done, seen{t, st, res})
	}
	return nil
}

// resolve returns path made absolute with the symbolic links of its folder
// (and of the file itself, when it exists) resolved, and the file's
// information (nil if it does not exist).
func resolve(path string) (string, os.FileInfo, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", nil, err
	}
	st, err := os.Stat(abs)
	switch {
	case err == nil:
		if err := linkAllowed(abs, st); err != nil {
			return "", nil, err
		}
		real, err := filepath.EvalSymlinks(abs)
		if err != nil {
			return "", nil, err
		}
		return real, st, nil
	case errors.Is(err, fs.ErrNotExist):
		if _, lerr := os.Lstat(abs); lerr == nil {
			return "", nil, errors.New("is a symbolic link to a file that does not exist")
		}
		dir, err := filepath.EvalSymlinks(filepath.Dir(abs))
		if err != nil {
			var pe *fs.PathError
			if errors.As(err, &pe) {
				return "", nil, fmt.Errorf("folder %s: %w", filepath.Dir(path), pe.Err)
			}
			return "", nil, err
		}
		return filepath.Join(dir, filepath.Base(abs)), nil, nil
	default:
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return "", nil, err
	}
}

// linkAllowed refuses path when it is a symbolic link to anything but a
// regular file (st is what the link leads to).
func linkAllowed(path string, st os.FileInfo) error {
	lst, err := os.Lstat(path)
	if err != nil || lst.Mode()&fs.ModeSymlink == 0 || st.Mode().IsRegular() {
		return nil
	}
	to, _ := os.Readlink(path)
	return fmt.Errorf("is a symbolic link to %s, %s: refusing to write through it (a link is followed only to a regular file)", to, filekind.Of(st.Mode()))
}

// File is an output being written: a partial file beside the target, or
// the target itself when that is a device or a FIFO.
type File struct {
	*os.File
	target    string
	direct    bool // writing the target itself
	overwrite bool
	done      bool
	group     *Group // when set, Commit leaves the rename to the group
}

// Create starts writing target: it creates a new partial file beside it
// (or opens a character device or FIFO for writing). A FIFO is opened
// without blocking: when nobody reads it, Create fails with ENXIO. A link
// to anything but a regular file, and a block device, are refused.
func Create(target string, overwrite bool) (*File, error) {
	return CreateWith(target, Options{Overwrite: overwrite})
}

// CreateWith is Create with options: with opts.Group, Commit only
// finishes the file and the group decides whether it moves into place.
func CreateWith(target string, opts Options) (*File, error) {
	if st, err := os.Stat(target); err == nil && !st.Mode().IsRegular() && !st.IsDir() {
		if err := linkAllowed(target, st); err != nil {
			return nil, fmt.Errorf("%s: %w", target, err)
		}
		if st.Mode()&fs.ModeDevice != 0 && st.Mode()&fs.ModeCharDevice == 0 || st.Mode()&fs.ModeSocket != 0 {
			return nil, fmt.Errorf("%s: is %s: refusing to write to it", target, filekind.Of(st.Mode()))
		}
		// O_NOFOLLOW: a link put in its place since is not followed.
		f, err := os.OpenFile(target, os.O_WRONLY|unix.O_NONBLOCK|unix.O_NOFOLLOW, 0)
		if err != nil {
			return nil, err
		}
		return &File{File: f, target: target, direct: true}, nil
	} else if err == nil {
		if err := linkAllowed(target, st); err != nil {
			return nil, fmt.Errorf("%s: %w", target, err)
		}
	}
	dir, base := filepath.Dir(target), filepath.Base(target) // not "": CreateTemp would use $TMPDIR
	ext := filepath.Ext(base)
	f, err := os.CreateTemp(dir, strings.TrimSuffix(base, ext)+".partial-*"+ext)
	if err != nil {
		return nil, err
	}
	if err := f.Chmod(0o644); err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, err
	}
	return &File{File: f, target: target, overwrite: opts.Overwrite, group: opts.Group}, nil
}

// Target returns the path the file will have once committed.
func (f *File) Target() string { return f.target }

// Commit flushes the file to the disk, closes it and renames it to its
// target; for a file of a Group it only flushes and closes it, and the
// group renames it (Group.Commit) or leaves it (Group.Keep). When the target appeared in the meantime and overwriting was not
// asked for, the data stays under the partial name and the error says so.
// Commit after Commit does nothing.
func (f *File) Commit() error {
	if f.done {
		return nil
	}
	f.done = true
	if f.direct {
		return f.File.Close()
	}
	err := f.File.Sync()
	if cerr := f.File.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("%s: %w (the data written so far is in %s)", f.target, err, f.File.Name())
	}
	if f.group != nil {
		f.group.hold(f)
		return nil
	}
	return Rename(f.File.Name(), f.target, f.overwrite)
}

// Rename moves a finished partial file to target, atomically; unless
// overwrite is set it fails when target exists, leaving both in place.
func Rename(partial, target string, overwrite bool) error {
	var err error
	if overwrite {
		err = os.Rename(partial, target)
	} else {
		err = unix.Renameat2(unix.AT_FDCWD, partial, unix.AT_FDCWD, target, unix.RENAME_NOREPLACE)
		if errors.Is(err, unix.EINVAL) || errors.Is(err, unix.ENOSYS) {
			// The filesystem cannot rename without replacing: a hard
			// link fails as well when the target exists.
			if err = os.Link(partial, target); err == nil {
				err = os.Remove(partial)
			}
		}
	}
	if err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("%s appeared while livecam ran and was left alone: the output is in %s", target, partial)
		}
		return fmt.Errorf("%s: cannot move the finished output into place: %w (it is in %s)", target, err, partial)
	}
	return nil
}

// Discard closes the file and removes a partial file (a direct target is
// only closed). For a run that produced nothing.
func (f *File) Discard() error {
	if f.done {
		return nil
	}
	f.done = true
	err := f.File.Close()
	if !f.direct {
		err = errors.Join(err, os.Remove(f.File.Name()))
	}
	return err
}

// Options adjust how a sink creates its file.
type Options struct {
	// Overwrite lets the sink replace an existing file when it finishes.
	// Without it an existing file is an error at creation, and one that
	// appears during the run is left alone (the output stays under its
	// partial name).
	Overwrite bool
	// Group, when set, holds the finished file until the run's outcome
	// is known (see Group).
	Group *Group
}

// Group holds the finished files of one run until the run's outcome is
// known: Commit moves them all into place (a whole run), Keep leaves them
// under their partial names (a run cut short, or failed). A file that
// was created but never finished (its sink never closed) stays under its
// partial name either way. A Group is safe for concurrent use.
type Group struct {
	mu    sync.Mutex
	files []*File
}

func (g *Group) hold(f *File) {
	g.mu.Lock()
	g.files = append(g.files, f)
	g.mu.Unlock()
}

// take returns the held files and forgets them.
func (g *Group) take() []*File {
	g.mu.Lock()
	defer g.mu.Unlock()
	files := g.files
	g.files = nil
	return files
}

// Commit renames every finished file into place (see File.Commit); the
// errors say where the data of a file that could not move is.
func (g *Group) Commit() error {
	var errs []error
	for _, f := range g.take() {
		errs = append(errs, Rename(f.File.Name(), f.target, f.overwrite))
	}
	return errors.Join(errs...)
}

// Keep leaves every finished file under its partial name, so that
// nothing cut short passes for whole, and returns those names; a file
// that holds nothing is removed instead.
func (g *Group) Keep() []string {
	var kept []string
	for _, f := range g.take() {
		if st, err := os.Stat(f.File.Name()); err == nil && st.Size() == 0 {
			os.Remove(f.File.Name())
			continue
		}
		kept = append(kept, f.File.Name())
	}
	return kept
}

// Partial returns the partial name of the finished file that will become
// target, or "" when the group holds none.
func (g *Group) Partial(target string) string {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, f := range g.files {
		if f.target == target {
			return f.File.Name()
		}
	}
	return ""
}
