package examples

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/livecam/livecam/internal/testrig/shareddata"
)

// run is one run of an example and what it must print.
type run struct {
	args []string
	// want are the lines stdout must hold, one regular expression
	// each, line for line.
	want []string
	// fail is the text stderr must hold when the run must fail (exit
	// 1), instead.
	fail string
	// noModels runs it with an empty search path and cache.
	noModels bool
}

// pct is a class line of classify-image: a score, then a label.
const pct = `^ *\d+\.\d%  `

// cases are the runs of every example in this folder, by name.
var cases = map[string][]run{
	"classify-image": {
		{args: []string{"testdata/images/demo/cat.jpg"}, want: []string{pct + "Egyptian cat$", pct + `\S`, pct + `\S`}},
		{args: []string{"-model", "mobilenet_v1_0.75_192_quant", "testdata/images/demo/hot_dog.jpg"},
			want: []string{pct + "hotdog, hot dog, red hot$", pct + `\S`, pct + `\S`}},
		{args: []string{"testdata/images/demo/missing.jpg"}, fail: "testdata/images/demo/missing.jpg: no such file or directory"},
		{args: []string{"testdata/images/demo/cat.jpg"}, noModels: true, fail: "run with -fetch to download it"},
	},
	"robot": {
		{args: []string{"-image", "testdata/images/demo/parrot.jpg", "-want", "macaw", "-seconds", "60"},
			want: []string{`^robot: a macaw entered the view at \S+ \(peak \d+%\): stopping the search$`,
				`^robot: \d+ frames from the camera, [1-9]\d* classified, \d+ dropped as stale$`}},
	},
	"watchlist": {
		{args: []string{"-watch", "hotdog", "-watch", "macaw"},
			want: []string{`^08:00:06\.\d  hotdog entered \(score`, `^08:00:08\.\d  hotdog left after`,
				`^08:00:10\.\d  macaw entered \(score`, `^08:00:12\.\d  macaw left after`}},
	},
}

// TestExamples builds every example and runs it end to end from the
// module's root, as `go run ./examples/NAME` would, with the shared
// models in $LIVECAM_MODELS, and checks what it prints.
func TestExamples(t *testing.T) {
	models := shareddata.Path(t, "models")
	entries, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		if e.IsDir() {
			names = append(names, e.Name())
		}
	}
	for name := range cases {
		if !slices.Contains(names, name) {
			t.Errorf("a case for %s, which is not an example", name)
		}
	}
	bin := t.TempDir()
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			runs, ok := cases[name]
			if !ok {
				t.Fatalf("examples/%s has no test: add its runs to cases", name)
			}
			exe := filepath.Join(bin, name)
			build := exec.Command("go", "build", "-o", exe, "./examples/"+name)
			build.Dir = ".."
			if out, err := build.CombinedOutput(); err != nil {
				t.Fatalf("go build ./examples/%s: %v\n%s", name, err, out)
			}
			for _, r := range runs {
				ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
				cmd := exec.CommandContext(ctx, exe, r.args...)
				cmd.Dir = ".."
				cmd.Env = append(os.Environ(), "LIVECAM_MODELS="+models)
				if r.noModels {
					cmd.Env = append(os.Environ(), "LIVECAM_MODELS="+t.TempDir(), "XDG_CACHE_HOME="+t.TempDir(), "HOME="+t.TempDir())
				}
				var stdout, stderr bytes.Buffer
				cmd.Stdout, cmd.Stderr = &stdout, &stderr
				err := cmd.Run()
				cancel()
				t.Logf("%s %s:\n%s%s", name, strings.Join(r.args, " "), stdout.String(), stderr.String())
				if r.fail != "" {
					if cmd.ProcessState == nil || cmd.ProcessState.ExitCode() != 1 || !strings.Contains(stderr.String(), r.fail) {
						t.Errorf("%s %v: %v, want exit 1 and %q on stderr", name, r.args, err, r.fail)
					}
					continue
				}
				if err != nil {
					t.Errorf("%s %v: %v", name, r.args, err)
					continue
				}
				checkLines(t, stdout.String(), r)
			}
		})
	}
}

// checkLines checks that out holds r.want's lines.
func checkLines(t *testing.T, out string, r run) {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != len(r.want) {
		t.Errorf("%v: %d lines, want %d", r.args, len(lines), len(r.want))
	}
	for i, l := range lines[:min(len(lines), len(r.want))] {
		if !regexp.MustCompile(r.want[i]).MatchString(l) {
			t.Errorf("%v: line %d is %q, want %s", r.args, i+1, l, r.want[i])
		}
	}
}

// pureGo are the examples that must build without cgo (no OpenCV, no C
// compiler: what a robot's cross-build needs), for this machine and for
// arm64.
var pureGo = []string{"classify-image"}

// TestPureGoExamples builds each of pureGo with CGO_ENABLED=0, natively
// and as arm64, and runs the native build on the cat.
func TestPureGoExamples(t *testing.T) {
	models := shareddata.Path(t, "models")
	bin := t.TempDir()
	for _, name := range pureGo {
		for _, arch := range []string{"", "arm64"} {
			exe := filepath.Join(bin, name+arch)
			build := exec.Command("go", "build", "-o", exe, "./examples/"+name)
			build.Dir = ".."
			build.Env = append(os.Environ(), "CGO_ENABLED=0")
			if arch != "" {
				build.Env = append(build.Env, "GOARCH="+arch)
			}
			if out, err := build.CombinedOutput(); err != nil {
				t.Fatalf("CGO_ENABLED=0 GOARCH=%s go build ./examples/%s: %v\n%s", arch, name, err, out)
			}
		}
		cmd := exec.Command(filepath.Join(bin, name), "testdata/images/demo/cat.jpg")
		cmd.Dir = ".."
		cmd.Env = append(os.Environ(), "LIVECAM_MODELS="+models)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s built without cgo: %v\n%s", name, err, out)
		}
		checkLines(t, string(out), cases[name][0])
	}
}
