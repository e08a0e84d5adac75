package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"

	"github.com/livecam/livecam/classify"
	"github.com/livecam/livecam/internal/cvprep"
	"github.com/livecam/livecam/internal/escape"
	"github.com/livecam/livecam/models"
	"gocv.io/x/gocv"
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
	fs := newFlags("classify", "IMAGE...", stdout, stderr)
	modelFlag := fs.String("model", "", modelFlagHelp)
	labels := fs.String("labels", "", "labels file (metadata.json, index/wnid/label TSV, or one per line)")
	topk := topK{n: classify.DefaultMaxResults}
	fs.Var(&topk, "topk", "number of classes to print per image: N from 1 up, or all")
	minScore := fs.Float64("min-score", 0, "leave out classes scoring below P (0-1)")
	asJSON := fs.Bool("json", false, "print one JSON object per image")
	if err := fs.parse(args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return fmt.Errorf("%w: no image given", errUsage)
	}
	if err := firstError(topk.check(), floatIn("min-score", *minScore, 0, 1)); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	m, err := openModel(*modelFlag, *labels, models.Classify)
	if err != nil {
		return err
	}
	c, err := classify.NewClassifier(m, classify.Options{MaxResults: topk.maxResults(), MinScore: float32(*minScore)}, 1)
	if err != nil {
		return err
	}
	defer c.Close()
	pre := cvprep.Square(c.InputSize())
	defer pre.Close()
	enc := json.NewEncoder(stdout)
	failed := 0
	var top []classify.Prediction
	for _, file := range fs.Args() {
		top, err = classifyFile(c, pre, top[:0], file)
		if err != nil {
			fmt.Fprintf(stderr, "livecam classify: %s\n", escape.Control(err.Error()))
			failed++
			continue
		}
		res := classifyResult{File: file, Top: []classEntry{}}
		for _, p := range top {
			res.Top = append(res.Top, classEntry{Class: p.Class, WNID: p.WNID, Label: p.Label,
				Score: math.Round(float64(p.Score)*1e4) / 1e4})
		}
		if *asJSON {
			if err := enc.Encode(res); err != nil {
				return err
			}
			continue
		}
		fmt.Fprintf(stdout, "%s\n", escape.Control(file))
		for _, e := range res.Top {
			fmt.Fprintf(stdout, "  %6.2f%%  %4d  %s\n", 100*e.Score, e.Class, escape.Control(e.Label))
		}
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d images could not be read", failed, fs.NArg())
	}
	return nil
}

// maxTopK bounds the run's -topk (classes per frame, on screen and in
// every message); classify's -topk takes any number, or all.
const maxTopK = 10

// topK is classify's -topk: a number of classes, or all of them.
type topK struct {
	n   int
	all bool
}

func (k *topK) String() string {
	if k.all {
		return "all"
	}
	return strconv.Itoa(k.n)
}

// Set takes "all" or a whole number; check refuses one below 1.
func (k *topK) Set(v string) error {
	if strings.EqualFold(v, "all") {
		*k = topK{all: true}
		return nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return errors.New("want a whole number from 1 up, or all")
	}
	*k = topK{n: n}
	return nil
}

// check reports a number below 1.
func (k *topK) check() error {
	if !k.all && k.n < 1 {
		return fmt.Errorf("-topk %d: want a whole number from 1 up, or all", k.n)
	}
	return nil
}

// maxResults is k as classify.Options.MaxResults.
func (k *topK) maxResults() int {
	if k.all {
		return classify.AllResults
	}
	return k.n
}

// classifyFile decodes an image file with OpenCV and classifies it as the
// pipeline does (its centre square, by OpenCV).
func classifyFile(c *classify.Classifier, pre *cvprep.Preprocessor, dst []classify.Prediction, file string) ([]classify.Prediction, error) {
	img, err := readImage(file)
	if err != nil {
		return dst, err
	}
	defer img.Close()
	rgb, err := pre.RGB(img)
	if err == nil {
		dst, err = c.ClassifyTensor(dst, rgb)
	}
	if err != nil {
		return dst, fmt.Errorf("%s: %v", file, err)
	}
	return dst, nil
}

// readImage decodes an image file with OpenCV; errors name the file. The
// caller closes the Mat.
func readImage(file string) (gocv.Mat, error) {
	st, err := os.Stat(file)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return gocv.Mat{}, fmt.Errorf("%s: %v", file, err)
	}
	if st.IsDir() {
		return gocv.Mat{}, fmt.Errorf("%s: is a directory", file)
	}
	img := gocv.IMRead(file, gocv.IMReadColor)
	if img.Empty() {
		img.Close()
		return gocv.Mat{}, fmt.Errorf("%s: not an image OpenCV can decode", file)
	}
	return img, nil
}
