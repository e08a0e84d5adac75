package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"

	"gocv.io/x/gocv"

	"github.com/livecam/livecam/net/mobilenet"
	"github.com/livecam/livecam/pipeline"
)

// classEntry is one line of the top-k list in -json output.
type classEntry struct {
	Class int     `json:"class"`
	WNID  string  `json:"wnid,omitempty"`
	Label string  `json:"label"`
	Score float64 `json:"score"`
}

type classifyResult struct {
	File string       `json:"file"`
	Top  []classEntry `json:"top"`
}

func runClassify(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("classify", stderr, "[-model DIR] [-topk K] [-json] IMAGE...")
	modelFlag := fs.String("model", "", "model directory or name (default: "+defaultModelHelp+")")
	labels := fs.String("labels", "", "labels file (metadata.json, index/wnid/label TSV, or one per line)")
	topk := fs.Int("topk", 5, "number of classes to print per image")
	asJSON := fs.Bool("json", false, "print one JSON object per image")
	threads := fs.Int("threads", 0, "threads for the forward pass (0: all cores)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return fmt.Errorf("%w: no image given", errUsage)
	}
	if *topk < 1 {
		return fmt.Errorf("%w: -topk %d: want at least 1", errUsage, *topk)
	}
	m, err := loadModel(*modelFlag, *labels)
	if err != nil {
		return err
	}
	r := m.NewRunner(*threads)
	defer r.Close()
	pre := pipeline.NewPreprocessor(m.Config().Size)
	defer pre.Close()
	input := make([]float32, m.InputLen())
	logits := make([]float32, m.Classes())
	probs := make([]float32, m.Classes())
	top := make([]mobilenet.Prediction, 0, *topk)
	enc := json.NewEncoder(stdout)
	failed := 0
	for _, file := range fs.Args() {
		if err := readImage(pre, input, file); err != nil {
			fmt.Fprintf(stderr, "livecam classify: %v\n", err)
			failed++
			continue
		}
		if err := r.Forward(logits, input); err != nil {
			return err
		}
		mobilenet.Softmax(probs, logits)
		top = mobilenet.TopK(top[:0], probs, *topk)
		res := classifyResult{File: file}
		for _, p := range top {
			res.Top = append(res.Top, classEntry{Class: p.Class, WNID: m.Labels().WNID(p.Class),
				Label: m.Labels().Name(p.Class), Score: math.Round(float64(p.Score)*1e4) / 1e4})
		}
		if *asJSON {
			if err := enc.Encode(res); err != nil {
				return err
			}
			continue
		}
		fmt.Fprintf(stdout, "%s\n", file)
		for _, e := range res.Top {
			fmt.Fprintf(stdout, "  %6.2f%%  %4d  %s\n", 100*e.Score, e.Class, e.Label)
		}
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d images could not be read", failed, fs.NArg())
	}
	return nil
}

// readImage decodes an image file with OpenCV and preprocesses it.
func readImage(pre *pipeline.Preprocessor, dst []float32, file string) error {
	st, err := os.Stat(file)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return fmt.Errorf("%s: %v", file, err)
	}
	if st.IsDir() {
		return fmt.Errorf("%s: is a directory", file)
	}
	img := gocv.IMRead(file, gocv.IMReadColor)
	defer img.Close()
	if img.Empty() {
		return fmt.Errorf("%s: not an image OpenCV can decode", file)
	}
	if err := pre.Tensor(dst, img); err != nil {
		return fmt.Errorf("%s: %v", file, err)
	}
	return nil
}
