package mainjob

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/livecam/livecam/internal/cliflag"
)

// TestPlan: one source keeps the outputs it was given; several need an
// output folder (a misuse, exit status 2), pass the caller's check first,
// and get their outputs named after them there.
func TestPlan(t *testing.T) {
	in, out := t.TempDir(), t.TempDir()
	for _, name := range []string{"a.mp4", "b.avi"} {
		if err := os.WriteFile(filepath.Join(in, name), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	one := filepath.Join(in, "a.mp4")
	jobs, err := Plan(&Settings{Sources: []string{one}, Out: "x.mp4", Results: "-"}, nil)
	if err != nil || len(jobs) != 1 || jobs[0] != (Job{Source: one, Out: "x.mp4", Results: "-"}) {
		t.Errorf("one source: %+v, %v", jobs, err)
	}
	if _, err := Plan(&Settings{Sources: []string{in}}, nil); !errors.Is(err, cliflag.ErrUsage) || !strings.Contains(err.Error(), "2 sources: give -out-dir DIR") {
		t.Errorf("a folder without -out-dir: %v", err)
	}
	refused := errors.New("refused")
	if _, err := Plan(&Settings{Sources: []string{in}, OutDir: out}, func() error { return refused }); err != refused {
		t.Errorf("the caller's check: %v", err)
	}
	jobs, err = Plan(&Settings{Sources: []string{in}, OutDir: out, Codec: "vp9"}, func() error { return nil })
	if err != nil || len(jobs) != 2 || jobs[0].Out != filepath.Join(out, "a.webm") || jobs[1].Results != filepath.Join(out, "b.jsonl") {
		t.Errorf("a folder into -out-dir: %+v, %v", jobs, err)
	}
}
