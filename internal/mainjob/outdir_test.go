package mainjob

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestMakeOutDir: a folder that exists is kept, a missing one whose
// parent exists is created (created true), and a missing parent or a
// file in the way is refused naming the setting, the folder and the
// parent, with nothing created.
func TestMakeOutDir(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "notes.txt")
	os.WriteFile(file, []byte("x"), 0o644)
	for _, tc := range []struct {
		path    string
		created bool
		err     string
	}{
		{dir, false, ""},
		{filepath.Join(dir, "new"), true, ""},
		{filepath.Join(dir, "new") + "/", false, ""}, // made just before
		{filepath.Join(dir, "no", "new"), false, "out_dir " + filepath.Join(dir, "no", "new") + ": its parent " + filepath.Join(dir, "no") + " is not a folder that exists"},
		{filepath.Join(file, "new"), false, "its parent " + file + " is not a folder"},
		{file, false, "out_dir " + file + ": a regular file, not a folder"},
	} {
		created, err := MakeOutDir(tc.path, "out_dir")
		got := ""
		if err != nil {
			got = err.Error()
		}
		if created != tc.created || (tc.err == "") != (got == "") || !strings.Contains(got, tc.err) {
			t.Errorf("%s: created %v, %q; want %v, %q", tc.path, created, got, tc.created, tc.err)
		}
		if st, err := os.Stat(tc.path); tc.err == "" && (err != nil || !st.IsDir()) {
			t.Errorf("%s: no folder after MakeOutDir", tc.path)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "no")); err == nil {
		t.Error("a missing parent was created")
	}
}

// A run's -out-dir is created when its parent exists; a mistyped parent
// is refused, naming the setting, the folder and the parent.
func ExampleMakeOutDir() {
	tmp, _ := os.MkdirTemp("", "outdir")
	defer os.RemoveAll(tmp)
	created, err := MakeOutDir(filepath.Join(tmp, "labelled"), "-out-dir")
	fmt.Println(created, err)
	created, err = MakeOutDir(filepath.Join(tmp, "labelled"), "-out-dir")
	fmt.Println(created, err)
	_, err = MakeOutDir(filepath.Join(tmp, "lablled", "today"), "-out-dir")
	fmt.Println(strings.ReplaceAll(err.Error(), tmp, "/videos"))
	// Output:
	// true <nil>
	// false <nil>
	// -out-dir /videos/lablled/today: its parent /videos/lablled is not a folder that exists (create it first, or choose another folder)
}
