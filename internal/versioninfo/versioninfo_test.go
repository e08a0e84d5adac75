package versioninfo_test

import (
	"fmt"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/livecam/livecam/internal/versioninfo"
)

// TestOf: a release's version and commit; a tree with local changes says
// so; no build information at all is "(devel)", "unknown".
func TestOf(t *testing.T) {
	vcs := func(rev, modified string) []debug.BuildSetting {
		return []debug.BuildSetting{{Key: "vcs.revision", Value: rev}, {Key: "vcs.modified", Value: modified}}
	}
	for _, tc := range []struct {
		bi            *debug.BuildInfo
		version, want string
	}{
		{&debug.BuildInfo{Main: debug.Module{Version: "v1.2.0"}, Settings: vcs("abc123", "false")}, "v1.2.0", "abc123"},
		{&debug.BuildInfo{Settings: vcs("abc123", "true")}, "(devel)", "abc123 (with local changes)"},
		{&debug.BuildInfo{Settings: vcs("", "true")}, "(devel)", "unknown"},
		{nil, "(devel)", "unknown"},
	} {
		if v, c := versioninfo.Of(tc.bi); v != tc.version || c != tc.want {
			t.Errorf("Of(%v): %q, %q; want %q, %q", tc.bi, v, c, tc.version, tc.want)
		}
	}
}

// TestWriteLines: the report has its five lines, in order.
func TestWriteLines(t *testing.T) {
	var b strings.Builder
	if err := versioninfo.Write(&b); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	for i, prefix := range []string{"livecam ", "commit   ", "go       ", "opencv   ", "kernels  "} {
		if i >= len(lines) || !strings.HasPrefix(lines[i], prefix) {
			t.Errorf("line %d: want %q first:\n%s", i+1, prefix, b.String())
		}
	}
}

func ExampleOf() {
	bi := &debug.BuildInfo{Main: debug.Module{Version: "v1.2.0"},
		Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "abc123"}, {Key: "vcs.modified", Value: "true"}}}
	fmt.Println(versioninfo.Of(bi))
	// Output: v1.2.0 abc123 (with local changes)
}
