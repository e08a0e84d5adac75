package fleet

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// A job's paths are checked by name (Check), but a name can be swapped
// for a link between the check and the use. So a worker opens what a job
// reads and the folders it writes once, checks what it opened (its real
// path, read back from the open descriptor), and from then on reaches
// them only through the descriptors: the programs it runs (ffprobe,
// ffmpeg) get /proc/PID/fd/N paths, which lead to the open file or
// folder whatever happens to the names.

// procPath is the path that leads to this process's open descriptor fd,
// for this process and its children.
func procPath(fd int) string {
	return "/proc/" + strconv.Itoa(os.Getpid()) + "/fd/" + strconv.Itoa(fd)
}

// fdRealPath is the real path of what descriptor fd has open.
func fdRealPath(fd int) (string, error) {
	p, err := os.Readlink("/proc/self/fd/" + strconv.Itoa(fd))
	if err != nil {
		return "", err
	}
	if !filepath.IsAbs(p) || strings.HasSuffix(p, " (deleted)") {
		return "", fmt.Errorf("no longer in any folder (%s)", p)
	}
	return p, nil
}

// OpenSource opens a job's local source (CheckSource must have passed
// it) once: it must be, as opened, a regular file under an input root.
// It returns the open file, to keep open for the whole job, and the
// /proc path to give the programs that read it: they reach the file that
// was checked even when its name is swapped for a link later. The limits
// must be Resolved.
func (l Limits) OpenSource(path string) (*os.File, string, error) {
	// O_PATH first: a device or a FIFO put in the file's place is not
	// opened for reading (which could block or act on it).
	pfd, err := unix.Open(path, unix.O_PATH|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, "", fmt.Errorf("%w: source %s: %v", ErrRefused, path, err)
	}
	defer unix.Close(pfd)
	var st unix.Stat_t
	if err := unix.Fstat(pfd, &st); err != nil {
		return nil, "", fmt.Errorf("source %s: %w", path, err)
	}
	if st.Mode&unix.S_IFMT != unix.S_IFREG {
		return nil, "", fmt.Errorf("%w: source %s: not a regular file (as opened)", ErrRefused, path)
	}
	real, err := fdRealPath(pfd)
	if err != nil {
		return nil, "", fmt.Errorf("%w: source %s: %v", ErrRefused, path, err)
	}
	if !withinAny(real, l.InputRoots) {
		return nil, "", fmt.Errorf("%w: source %s: is (as opened) %s, outside this worker's input roots (%s)", ErrRefused, path, real, strings.Join(l.InputRoots, ", "))
	}
	f, err := os.OpenFile("/proc/self/fd/"+strconv.Itoa(pfd), os.O_RDONLY, 0)
	if err != nil {
		return nil, "", fmt.Errorf("source %s: %w", path, err)
	}
	if fst, err := f.Stat(); err != nil || !fst.Mode().IsRegular() || !sameInode(fst, &st) {
		f.Close()
		return nil, "", fmt.Errorf("%w: source %s: changed while it was opened", ErrRefused, path)
	}
	return f, procPath(int(f.Fd())), nil
}

func sameInode(fi fs.FileInfo, st *unix.Stat_t) bool {
	s, ok := fi.Sys().(*syscall.Stat_t)
	return ok && uint64(s.Dev) == st.Dev && uint64(s.Ino) == st.Ino
}

// OutputDir is an output folder opened once (O_PATH, no link followed in
// its last component) and checked, as opened, to be under an output
// root. Temporary folders are created in it and outputs moved into it
// through its descriptor.
type OutputDir struct {
	fd int
	// Real is the folder's real path when it was opened, for messages.
	Real string
}

// OpenOutputDir opens an output folder (its path with links resolved, as
// checkOutput returns it) and checks that, as opened, it is a folder
// under an output root. The limits must be Resolved.
func (l Limits) OpenOutputDir(dir string) (*OutputDir, error) {
	fd, err := unix.Open(dir, unix.O_PATH|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("%w: output folder %s: %v", ErrRefused, dir, err)
	}
	real, err := fdRealPath(fd)
	if err == nil && !withinAny(real, l.OutputRoots) {
		err = fmt.Errorf("is (as opened) %s, outside this worker's output roots (%s)", real, strings.Join(l.OutputRoots, ", "))
	}
	if err == nil {
		if herr := hiddenComponent(real, l.OutputRoots); herr != nil {
			err = fmt.Errorf("is (as opened) %s: %v", real, herr)
		}
	}
	if err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("%w: output folder %s: %v", ErrRefused, dir, err)
	}
	return &OutputDir{fd: fd, Real: real}, nil
}

// Path is the /proc path that leads to the open folder.
func (d *OutputDir) Path() string { return procPath(d.fd) }

// Close closes the folder's descriptor.
func (d *OutputDir) Close() error {
	if d == nil || d.fd < 0 {
		return nil
	}
	err := unix.Close(d.fd)
	d.fd = -1
	return err
}

// Workspace is a job's temporary folder inside an OutputDir, open and
// locked (flock) for as long as the job runs: a worker that finds it
// locked knows that another worker still uses it.
type Workspace struct {
	dir *OutputDir
	// Name is the folder's name in its OutputDir.
	Name string
	f    *os.File
}

// NewWorkspace creates a folder named prefix followed by random
// characters in d (mode 0700), opens and locks it.
func (d *OutputDir) NewWorkspace(prefix string) (*Workspace, error) {
	for range 100 {
		var b [6]byte
		rand.Read(b[:])
		name := prefix + hex.EncodeToString(b[:])
		err := unix.Mkdirat(d.fd, name, 0o700)
		if errors.Is(err, unix.EEXIST) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("a temporary folder in %s: %w", d.Real, err)
		}
		fd, err := unix.Openat(d.fd, name, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
		if err == nil {
			if err = unix.Flock(fd, unix.LOCK_EX|unix.LOCK_NB); err != nil {
				unix.Close(fd)
			}
		}
		if err != nil {
			unix.Unlinkat(d.fd, name, unix.AT_REMOVEDIR)
			return nil, fmt.Errorf("a temporary folder in %s: %w", d.Real, err)
		}
		return &Workspace{dir: d, Name: name, f: os.NewFile(uintptr(fd), name)}, nil
	}
	return nil, fmt.Errorf("a temporary folder in %s: no free name", d.Real)
}

// Path is the /proc path of file in the workspace (the folder itself for
// ""), valid for this process and its children while the workspace is
// open.
func (w *Workspace) Path(file string) string {
	p := procPath(int(w.f.Fd()))
	if file == "" {
		return p
	}
	return p + "/" + file
}

// Real is the real path of file in the workspace now, for messages.
func (w *Workspace) Real(file string) string {
	p, err := fdRealPath(int(w.f.Fd()))
	if err != nil {
		p = filepath.Join(w.dir.Real, w.Name)
	}
	return filepath.Join(p, file)
}

// MoveOut moves file from the workspace to base in the folder to, both
// reached through their descriptors; unless overwrite is set it fails
// when the target exists, leaving both in place.
func (w *Workspace) MoveOut(file string, to *OutputDir, base string, overwrite bool) error {
	wfd := int(w.f.Fd())
	var err error
	if overwrite {
		err = unix.Renameat(wfd, file, to.fd, base)
	} else {
		err = unix.Renameat2(wfd, file, to.fd, base, unix.RENAME_NOREPLACE)
		if errors.Is(err, unix.EINVAL) || errors.Is(err, unix.ENOSYS) {
			// No renaming without replacing here: a hard link fails
			// as well when the target exists.
			if err = unix.Linkat(wfd, file, to.fd, base, 0); err == nil {
				err = unix.Unlinkat(wfd, file, 0)
			}
		}
	}
	target := filepath.Join(to.Real, base)
	if errors.Is(err, unix.EEXIST) {
		return existsError(fmt.Sprintf("%s appeared while the job ran and was left alone: the output is in %s", target, w.Real(file)))
	}
	if err != nil {
		return fmt.Errorf("%s: cannot move the finished output into place: %w (it is in %s)", target, err, w.Real(file))
	}
	return nil
}

// existsError is an output that appeared before the job's moved into
// place; it is fs.ErrExist.
type existsError string

func (e existsError) Error() string        { return string(e) }
func (e existsError) Is(target error) bool { return target == fs.ErrExist }

// MoveBack moves base of the folder from back into the workspace as
// file: it undoes a MoveOut.
func (w *Workspace) MoveBack(from *OutputDir, base, file string) error {
	return unix.Renameat2(from.fd, base, int(w.f.Fd()), file, unix.RENAME_NOREPLACE)
}

// Close unlocks the workspace and leaves it (with what it holds) in
// place.
func (w *Workspace) Close() error {
	if w == nil || w.f == nil {
		return nil
	}
	err := w.f.Close()
	w.f = nil
	return err
}

// Remove removes the workspace and what it holds (through its folder's
// descriptor: a link put in its place is removed, not followed), then
// unlocks it.
func (w *Workspace) Remove() error {
	if w == nil || w.f == nil {
		return nil
	}
	err := os.RemoveAll(w.dir.Path() + "/" + w.Name)
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	return err
}

// RemoveStale removes the folders of d whose names start with prefix and
// that no one holds locked (Workspace): what a worker that died left. A
// folder another worker still works in is kept. It returns the names
// removed and the names kept.
func (d *OutputDir) RemoveStale(prefix string) (removed, kept []string, err error) {
	fd, err := unix.Openat(d.fd, ".", unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, nil, err
	}
	dir := os.NewFile(uintptr(fd), d.Real)
	defer dir.Close()
	var names []string
	for {
		batch, err := dir.Readdirnames(256)
		for _, n := range batch {
			if strings.HasPrefix(n, prefix) {
				names = append(names, n)
			}
		}
		if err == io.EOF || len(batch) == 0 {
			break
		}
		if err != nil {
			return nil, nil, err
		}
	}
	for _, n := range names {
		sfd, err := unix.Openat(d.fd, n, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
		if err != nil {
			continue // not a folder (a link, a file): not ours
		}
		if err := unix.Flock(sfd, unix.LOCK_EX|unix.LOCK_NB); err != nil {
			unix.Close(sfd)
			kept = append(kept, n)
			continue
		}
		if os.RemoveAll(d.Path()+"/"+n) == nil {
			removed = append(removed, n)
		}
		unix.Close(sfd)
	}
	return removed, kept, nil
}
