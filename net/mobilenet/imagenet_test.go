package mobilenet_test

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/livecam/livecam/internal/testrig/shareddata"
	"github.com/livecam/livecam/internal/testrig/testmode"
	"github.com/livecam/livecam/net/mobilenet"
)

// canonicalRGB decodes and resizes an image exactly as the golden README's
// canonical preprocessing does: ffmpeg's bilinear scale to 224x224, no crop.
func canonicalRGB(path string) ([]byte, error) {
	cmd := exec.Command("ffmpeg", "-v", "error", "-i", path, "-vf", "scale=224:224:flags=bilinear",
		"-pix_fmt", "rgb24", "-f", "rawvideo", "-")
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		return nil, &exec.Error{Name: path, Err: err}
	}
	return out.Bytes(), nil
}

// tsv reads a tab-separated file with a header into rows of fields.
func tsv(tb testing.TB, path string) [][]string {
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	var rows [][]string
	sc := bufio.NewScanner(f)
	for n := 0; sc.Scan(); n++ {
		if n > 0 && sc.Text() != "" {
			rows = append(rows, strings.Split(sc.Text(), "\t"))
		}
	}
	return rows
}

// TestImageNetAgreement classifies the 500 shared ImageNet images and
// compares top-1 with the reference implementation's predictions.tsv
// (at least 99.6% must agree), and reports accuracy against the ground truth.
func TestImageNetAgreement(t *testing.T) {
	if testmode.Race {
		t.Skip("500 forward passes: the plain runs have them (make test and make check)")
	}
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		shareddata.Need(t, "ffmpeg is needed for the canonical preprocessing")
	}
	m := realModel(t)
	imgDir := shareddata.Path(t, "imagenet")
	preds := tsv(t, shareddata.Path(t, "golden", "predictions.tsv"))
	truth := map[string]int{}
	for _, row := range tsv(t, shareddata.Path(t, "imagenet", "ground_truth.tsv")) {
		truth[row[0]], _ = strconv.Atoi(row[1])
	}
	if len(preds) != 500 || len(truth) != 500 {
		t.Fatalf("%d predictions and %d ground-truth rows, want 500", len(preds), len(truth))
	}
	type outcome struct {
		top5     []mobilenet.Prediction
		err      error
		rgbMatch bool
	}
	results := make([]outcome, len(preds))
	golden := shareddata.Path(t, "golden")
	var wg sync.WaitGroup
	next := make(chan int)
	for range 2 { // one single-threaded runner per core
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := m.NewRunner(1)
			defer r.Close()
			input := make([]float32, m.InputLen())
			logits := make([]float32, m.Classes())
			for i := range next {
				file := preds[i][0]
				rgb, err := canonicalRGB(filepath.Join(imgDir, file))
				if err != nil {
					results[i].err = err
					continue
				}
				if ref, err := os.ReadFile(filepath.Join(golden, strings.TrimSuffix(file, ".JPEG")+".rgb")); err == nil {
					results[i].rgbMatch = bytes.Equal(ref, rgb)
				}
				if len(rgb) != len(input) {
					results[i].err = &exec.Error{Name: file, Err: os.ErrInvalid}
					continue
				}
				mobilenet.NormalizeRGB(input, rgb)
				if err := r.Forward(logits, input); err != nil {
					results[i].err = err
					continue
				}
				results[i].top5 = mobilenet.TopK(nil, logits, 5)
			}
		}()
	}
	for i := range preds {
		next <- i
	}
	close(next)
	wg.Wait()

	agree, top1, top5, sameTop5, rgbSame := 0, 0, 0, 0, 0
	for i, row := range preds {
		res := results[i]
		if res.err != nil {
			t.Fatalf("%s: %v", row[0], res.err)
		}
		if res.rgbMatch {
			rgbSame++
		}
		refTop1, _ := strconv.Atoi(row[1])
		got := res.top5
		if got[0].Class == refTop1 {
			agree++
		} else {
			t.Logf("%s: top-1 %d (%.4f), reference %d (%s)", row[0], got[0].Class, got[0].Score, refTop1, row[2])
		}
		var ids []string
		for _, p := range got {
			ids = append(ids, strconv.Itoa(p.Class))
			if p.Class == truth[row[0]] {
				top5++
			}
		}
		if strings.Join(ids, ",") == row[3] {
			sameTop5++
		}
		if got[0].Class == truth[row[0]] {
			top1++
		}
	}
	n := len(preds)
	t.Logf("top-1 agreement with the reference: %d/%d (%.1f%%); identical top-5 lists: %d/%d", agree, n, 100*float64(agree)/float64(n), sameTop5, n)
	t.Logf("accuracy against ground truth: top-1 %d/%d (%.1f%%), top-5 %d/%d (%.1f%%)", top1, n, 100*float64(top1)/float64(n), top5, n, 100*float64(top5)/float64(n))
	t.Logf("this ffmpeg reproduced %d of 16 golden .rgb inputs byte for byte", rgbSame)
	// README.md states these figures; with ffmpeg reproducing the
	// reference's preprocessing byte for byte, every prediction agrees
	// and the accuracy is the reference's own.
	if agree != n || sameTop5 != n {
		t.Errorf("top-1 agrees on %d/%d, top-5 lists on %d/%d: want all (README.md says 500/500)", agree, n, sameTop5, n)
	}
	if top1 != 415 || top5 != 472 {
		t.Errorf("accuracy top-1 %d, top-5 %d of %d: README.md says 415 (83.0%%) and 472 (94.4%%)", top1, top5, n)
	}
}
