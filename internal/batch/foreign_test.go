package batch

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDoneOfAnotherSource: two folders of a camera's files, each with
// its clip001.mp4, labelled into one out-dir: the second folder's
// clip001.mp4 is not taken for done because the first's results are
// there (its closing line names the other source); it is in the way,
// named with why. The same video given otherwise (from another folder,
// or by its absolute path) is done.
func TestDoneOfAnotherSource(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	out := "out"
	var jobs [2]Job
	for i, cam := range []string{"cam1", "cam2"} {
		if err := os.MkdirAll(cam, 0o755); err != nil {
			t.Fatal(err)
		}
		src := filepath.Join(cam, "clip001.mp4")
		if err := os.WriteFile(src, []byte("video of "+cam), 0o644); err != nil {
			t.Fatal(err)
		}
		js, err := Name([]string{src}, out, "")
		if err != nil {
			t.Fatal(err)
		}
		jobs[i] = js[0]
	}
	os.MkdirAll(out, 0o755)
	finish(t, jobs[0], 5) // the first folder's run, its closing line naming cam1/clip001.mp4
	f, err := Inspect(jobs[1])
	if err != nil || f.Done || f.Unfinished != jobs[1].Results || !strings.Contains(f.Why, "another source, cam1/clip001.mp4") {
		t.Fatalf("Inspect of cam2's clip001.mp4 = %+v, %v; want it in the way, naming cam1's", f, err)
	}
	err, log, _, ran := batchRun(t, jobs[1:], true)
	if !errors.Is(err, ErrFailed) || len(ran) != 0 || !strings.Contains(log, "pass -overwrite") {
		t.Errorf("Run = %v after running %v; want ErrFailed, nothing run:\n%s", err, ran, log)
	}
	same := jobs[0]
	abs, _ := filepath.Abs(same.Source)
	for _, src := range []string{abs, "./cam1/../cam1/clip001.mp4"} {
		same.Source = src
		if f, err := Inspect(same); !f.Done || err != nil {
			t.Errorf("Inspect of %s, done as cam1/clip001.mp4 = %+v, %v; want done", src, f, err)
		}
	}
	t.Chdir("cam1") // run again from the camera's folder: cam1/clip001.mp4 names nothing from here
	same.Source = "clip001.mp4"
	for _, p := range []*string{&same.Out, &same.Results, &same.Report} {
		*p = filepath.Join(dir, *p)
	}
	if f, err := Inspect(same); !f.Done || err != nil {
		t.Errorf("Inspect from the camera's folder = %+v, %v; want done", f, err)
	}
}
