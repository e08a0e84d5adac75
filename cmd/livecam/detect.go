package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/livecam/livecam/detect"
	"github.com/livecam/livecam/internal/escape"
)

// defaultDetector is the model `livecam detect` runs without -model.
const defaultDetector = "coco_ssd_mobilenet_v1"

// detectResult is one line of `livecam detect -json`.
type detectResult struct {
	File    string        `json:"file"`
	Objects []detect.JSON `json:"objects"`
}

func runDetect(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("detect", "IMAGE...", stdout, stderr)
	modelFlag := fs.String("model", defaultDetector, "detection model: a catalogue name or a .tflite file ending in TFLite_Detection_PostProcess")
	labels := fs.String("labels", "", "labels file, one per line (default: the labelmap beside the model)")
	minScore := fs.Float64("min-score", 0.5, "leave out objects scoring below P (0-1)")
	minArea := fs.Int("min-area", 0, "leave out objects whose box is smaller than N pixels²")
	var f detect.Filter
	fs.multi("allow", "report only objects with this `LABEL` (repeatable)", func(v string) error { f.Allow = append(f.Allow, v); return nil })
	fs.multi("deny", "never report objects with this `LABEL` (repeatable)", func(v string) error { f.Deny = append(f.Deny, v); return nil })
	asJSON := fs.Bool("json", false, "print one JSON object per image")
	if err := fs.parse(args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return fmt.Errorf("%w: no image given", errUsage)
	}
	if err := firstError(floatIn("min-score", *minScore, 0, 1), intIn("min-area", *minArea, 0, 1<<30)); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	f.MinScore, f.MinArea = float32(*minScore), *minArea
	d, err := openDetector(*modelFlag, *labels, f, 1)
	if err != nil {
		return err
	}
	defer d.Close()
	enc := json.NewEncoder(stdout)
	failed := 0
	var objs []detect.Object
	for _, file := range fs.Args() {
		objs, err = detectFile(d, objs[:0], file)
		if err != nil {
			fmt.Fprintf(stderr, "livecam detect: %s\n", escape.Control(err.Error()))
			failed++
			continue
		}
		if *asJSON {
			res := detectResult{File: file, Objects: make([]detect.JSON, 0, len(objs))}
			for _, o := range objs {
				res.Objects = append(res.Objects, o.ToJSON())
			}
			if err := enc.Encode(res); err != nil {
				return err
			}
			continue
		}
		fmt.Fprintf(stdout, "%s\n", escape.Control(file))
		for _, o := range objs {
			b := o.Box
			fmt.Fprintf(stdout, "  %6.2f%%  %-16s x=%d y=%d w=%d h=%d\n", 100*o.Score, escape.Control(o.Label), b.Min.X, b.Min.Y, b.Dx(), b.Dy())
		}
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d images could not be read", failed, fs.NArg())
	}
	return nil
}

// openDetector resolves a detection model by catalogue name or file and
// opens a Detector for it with concurrent runners.
func openDetector(flagValue, labelsFile string, f detect.Filter, concurrent int) (*detect.Detector, error) {
	g, names, file, err := loadDetector(flagValue, labelsFile)
	if err != nil {
		return nil, err
	}
	d, err := detect.New(g, names, f, concurrent)
	if errors.Is(err, detect.ErrFilter) {
		return nil, fmt.Errorf("%w: %v", errUsage, err)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	return d, nil
}

// labelmapBeside returns the labels file beside a detection model:
// NAME_labelmap.txt for a file NAME.tflite or, for Google's file names,
// the part before "_1.0_quant"; then labelmap.txt, then labels.txt.
func labelmapBeside(file string) string {
	dir, base := filepath.Split(file)
	base = strings.TrimSuffix(base, filepath.Ext(base))
	cands := []string{base + "_labelmap.txt"}
	if i := strings.Index(base, "_1.0_quant"); i > 0 {
		cands = append(cands, base[:i]+"_labelmap.txt")
	}
	for _, name := range append(cands, "labelmap.txt", "labels.txt") {
		p := filepath.Join(dir, name)
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
			return p
		}
	}
	return ""
}

// detectFile decodes an image file with OpenCV and finds its objects.
func detectFile(d *detect.Detector, dst []detect.Object, file string) ([]detect.Object, error) {
	img, err := readImage(file)
	if err != nil {
		return dst, err
	}
	defer img.Close()
	dst, err = d.DetectMat(dst, img)
	if err != nil {
		return dst, fmt.Errorf("%s: %v", file, err)
	}
	return dst, nil
}
