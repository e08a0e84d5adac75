package mainjob

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"

	"github.com/livecam/livecam/internal/filekind"
)

// MakeOutDir makes sure dir, the folder a run writes its outputs into, is
// a folder: it is created when it is missing and its parent folder
// exists (never the parents: a mistyped path is refused, not built).
// what names the setting in errors, as the user gave it ("-out-dir", or
// "cams.yaml: line 3: out_dir"); the errors name dir too, and the missing
// parent. created reports that dir was made.
func MakeOutDir(dir, what string) (created bool, err error) {
	st, err := os.Stat(dir)
	switch {
	case err == nil && st.IsDir():
		return false, nil
	case err == nil:
		return false, fmt.Errorf("%s %s: %s, not a folder", what, dir, filekind.Of(st.Mode()))
	case !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, syscall.ENOTDIR): // a file in the path: its parent
		return false, fmt.Errorf("%s %s: %v", what, dir, errors.Unwrap(err))
	}
	parent := filepath.Dir(filepath.Clean(dir))
	if st, err := os.Stat(parent); err != nil || !st.IsDir() {
		return false, fmt.Errorf("%s %s: its parent %s is not a folder that exists (create it first, or choose another folder)", what, dir, parent)
	}
	if err := os.Mkdir(dir, 0o777); err != nil && !errors.Is(err, fs.ErrExist) {
		return false, fmt.Errorf("%s %s: cannot create it: %v", what, dir, errors.Unwrap(err))
	}
	return true, nil
}
