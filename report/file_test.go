package report_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/livecam/livecam/report"
	"github.com/livecam/livecam/sink/outfile"
)

// results writes a results file of n frames into dir, its last line cut
// short when cut is set.
func results(t testing.TB, dir string, n int, cut bool) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, `{"frame":%d,"pts_ms":%d.0,"top":[{"class":281,"label":"tabby, tabby cat","score":0.9}],"inferred":true,"latency_ms":10.0,"dropped":0}`+"\n", i, i*40)
	}
	if cut {
		b.WriteString(`{"frame":99,"pts`)
	}
	p := filepath.Join(dir, "clip.jsonl")
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func ExampleWriteFile() {
	dir, _ := os.MkdirTemp("", "report")
	defer os.RemoveAll(dir)
	res := results(nil, dir, 50, false)
	page := filepath.Join(dir, "clip.html")
	err := report.WriteFile(res, "", page, &report.FileOptions{Flag: "-report", Merge: time.Second, Threshold: 0.2})
	fmt.Println(err)
	err = report.WriteFile(res, "", page, &report.FileOptions{Flag: "-report"})
	fmt.Println(errors.Is(err, outfile.ErrExists))
	// Output:
	// <nil>
	// true
}

// TestWriteFile: the page is written with its title, settings and a
// note about a cut-short last line; an existing page is refused naming
// its flag, replaced with Overwrite; the results file itself is never
// an output; a missing results file is an error naming it.
func TestWriteFile(t *testing.T) {
	dir := t.TempDir()
	res := results(t, dir, 50, true)
	page := filepath.Join(dir, "out.html")
	settings := append(make([]report.Setting, 0, 4), report.Setting{Name: "model", Value: "m"}) // room to append
	if err := report.WriteFile(res, "", page, &report.FileOptions{Settings: settings, Merge: time.Second}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(page)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"<h1>clip</h1>", "<th>model</th><td>m</td>", "the last line was cut short and is left out"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	if spare := settings[1:2][0]; spare != (report.Setting{}) {
		t.Errorf("the note was written into the caller's settings: %v", spare)
	}
	err = report.WriteFile(res, "", page, &report.FileOptions{Flag: "-o"})
	if !errors.Is(err, outfile.ErrExists) || !strings.Contains(err.Error(), "-o "+page) {
		t.Errorf("existing page: %v; want ErrExists naming -o %s", err, page)
	}
	if err := report.WriteFile(res, "", page, &report.FileOptions{Overwrite: true}); err != nil {
		t.Errorf("with Overwrite: %v", err)
	}
	if err := report.WriteFile(res, "", res, &report.FileOptions{Overwrite: true}); !errors.Is(err, outfile.ErrIsInput) {
		t.Errorf("out is the results: %v; want ErrIsInput", err)
	}
	if b, _ := os.ReadFile(res); !strings.HasPrefix(string(b), `{"frame":0`) {
		t.Error("the results file was replaced")
	}
	missing := filepath.Join(dir, "none.jsonl")
	if err := report.WriteFile(missing, "", filepath.Join(dir, "none.html"), nil); err == nil || !strings.Contains(err.Error(), missing) {
		t.Errorf("missing results: %v", err)
	}
}
