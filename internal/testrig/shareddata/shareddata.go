// Package shareddata finds the project's read-only shared test data: the
// folder "shared" beside the repository (../shared from the module root),
// or the folder named by $LIVECAM_SHARED. Tests read every shared file
// through Path, so that under CI=true a missing file fails the test
// instead of silently skipping it.
package shareddata

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/livecam/livecam/net/mobilenet"
	"github.com/livecam/livecam/net/tfjs"
)

// Dir returns the shared folder, or an error when it cannot be found.
func Dir() (string, error) {
	if d := os.Getenv("LIVECAM_SHARED"); d != "" {
		return d, nil
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for d := wd; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			shared := filepath.Join(filepath.Dir(d), "shared")
			if st, err := os.Stat(shared); err == nil && st.IsDir() {
				return shared, nil
			}
			return "", errors.New("no shared folder beside the module root " + d)
		}
		if filepath.Dir(d) == d {
			return "", errors.New("no go.mod above " + wd)
		}
	}
}

// CI reports whether the tests run under continuous integration, where
// every shared file must be present.
func CI() bool { return os.Getenv("CI") == "true" }

// Path returns the path of a file or folder inside the shared folder. When
// it is missing the test is skipped, or fails under CI=true.
func Path(tb testing.TB, elem ...string) string {
	tb.Helper()
	dir, err := Dir()
	if err == nil {
		p := filepath.Join(append([]string{dir}, elem...)...)
		if _, err = os.Stat(p); err == nil {
			return p
		}
	}
	if CI() {
		tb.Fatalf("shared test data: %v", err)
	}
	tb.Skipf("shared test data: %v", err)
	return ""
}

// ReadFile returns the contents of a shared file (see Path).
func ReadFile(tb testing.TB, elem ...string) []byte {
	tb.Helper()
	data, err := os.ReadFile(Path(tb, elem...))
	if err != nil {
		tb.Fatal(err)
	}
	return data
}

// Need skips a test that cannot run on this machine (no Chromium, no
// root, no GStreamer): locally a skip, under CI=true a failure, since CI
// installs and allows everything the suite needs.
func Need(tb testing.TB, format string, args ...any) {
	tb.Helper()
	if CI() {
		tb.Fatalf("under CI this must run: "+format, args...)
	}
	tb.Skipf(format, args...)
}

// Chdir changes the working directory for the rest of the test and
// restores it afterwards (testing.T.Chdir, for the Go versions before it).
// Tests that call it must not run in parallel.
func Chdir(tb testing.TB, dir string) {
	tb.Helper()
	old, err := os.Getwd()
	if err != nil {
		tb.Fatal(err)
	}
	if err := os.Chdir(dir); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { os.Chdir(old) })
}

// Model loads the default model with its real weights from the shared
// models folder (see Path), or fails the test.
func Model(tb testing.TB) *mobilenet.Model {
	tb.Helper()
	m, err := tfjs.Load(Path(tb, "models", "mobilenet_v1_0.75_224"))
	if err != nil {
		tb.Fatal(err)
	}
	return m
}
