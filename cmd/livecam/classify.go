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

	"gocv.io/x/gocv"

	"github.com/livecam/livecam/classify"
	"github.com/livecam/livecam/internal/cliflag"
	"github.com/livecam/livecam/internal/cvprep"
	"github.com/livecam/livecam/internal/escape"
	"github.com/livecam/livecam/models"
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
	labels := fs.String("labels", "", "labels `FILE` (metadata.json, index/wnid/label TSV, or one per line)")
	topk := topK{n: classify.DefaultMaxResults}
	fs.Var(&topk, "topk", "number of classes to print per image: `N` from 1 up, or all")
	minScore := fs.Float64("min-score", 0, "leave out classes scoring below `P` (0-1)")
	asJSON := fs.Bool("json", false, "print one JSON object per image")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return fmt.Errorf("%w: no image given", errUsage)
	}
	if err := cliflag.FirstError(topk.check(), cliflag.FloatIn("min-score", *minScore, 0, 1)); err != nil {
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
	var enc *json.Encoder
	if *asJSON {
		enc = json.NewEncoder(stdout)
	}
	var top []classify.Prediction
	infer := func(rgb []uint8, _, _ int) (err error) { top, err = c.ClassifyTensor(top[:0], rgb); return err }
	return eachImage("livecam classify", fs.Args(), pre, stderr, infer, func(file string) error { return printTop(stdout, enc, file, top) })
}

// printTop prints the classes of one image: a JSON object with enc
// (-json), else the file's name and a line per class.
func printTop(stdout io.Writer, enc *json.Encoder, file string, top []classify.Prediction) error {
	res := classifyResult{File: file, Top: []classEntry{}}
	for _, p := range top {
		res.Top = append(res.Top, classEntry{Class: p.Class, WNID: p.WNID, Label: p.Label, Score: math.Round(float64(p.Score)*1e4) / 1e4})
	}
	if enc != nil {
		return enc.Encode(res)
	}
	fmt.Fprintf(stdout, "%s\n", escape.Control(file))
	for _, e := range res.Top {
		fmt.Fprintf(stdout, "  %6.2f%%  %4d  %s\n", 100*e.Score, e.Class, escape.Control(e.Label))
	}
	return nil
}

// eachImage decodes each image file with OpenCV, prepares it with pre as
// the pipeline prepares a frame, and runs infer on it, then show: an
// image that cannot be read or inferred is reported as who's (the error
// naming the file) and counted, and the others go on; a failed show ends
// the loop.
func eachImage(who string, files []string, pre *cvprep.Preprocessor, stderr io.Writer, infer func(rgb []uint8, w, h int) error, show func(file string) error) error {
	failed := 0
	for _, file := range files {
		rgb, w, h, err := readImage(pre, file)
		if err == nil {
			err = infer(rgb, w, h)
		}
		if err != nil {
			fmt.Fprintf(stderr, "%s: %s\n", who, escape.Control(file+": "+err.Error()))
			failed++
		} else if err := show(file); err != nil {
			return err
		}
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d images could not be read", failed, len(files))
	}
	return nil
}

// readImage decodes file and returns pre's input of it (valid until pre's
// next use) and the image's size.
func readImage(pre *cvprep.Preprocessor, file string) (rgb []uint8, width, height int, err error) {
	if st, err := os.Stat(file); err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, 0, 0, err
	} else if st.IsDir() {
		return nil, 0, 0, errors.New("is a directory")
	}
	img := gocv.IMRead(file, gocv.IMReadColor)
	defer img.Close()
	if img.Empty() {
		return nil, 0, 0, errors.New("not an image OpenCV can decode")
	}
	rgb, err = pre.RGB(img)
	return rgb, img.Cols(), img.Rows(), err
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
