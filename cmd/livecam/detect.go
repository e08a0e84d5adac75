package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/livecam/livecam/detect"
	"github.com/livecam/livecam/internal/cliflag"
	"github.com/livecam/livecam/internal/cvprep"
	"github.com/livecam/livecam/internal/escape"
	"github.com/livecam/livecam/models"
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
	modelFlag := fs.String("model", defaultDetector, "detection `MODEL`: a catalogue name or a .tflite file ending in TFLite_Detection_PostProcess")
	labels := fs.String("labels", "", "labels `FILE`, one per line (default: the labelmap beside the model)")
	minScore := fs.Float64("min-score", 0.5, "leave out objects scoring below `P` (0-1)")
	minArea := fs.Int("min-area", 0, "leave out objects whose box is smaller than `N` pixels²")
	var f detect.Filter
	fs.Multi("allow", "report only objects with this `LABEL` (repeatable)", func(v string) error { f.Allow = append(f.Allow, v); return nil })
	fs.Multi("deny", "never report objects with this `LABEL` (repeatable)", func(v string) error { f.Deny = append(f.Deny, v); return nil })
	asJSON := fs.Bool("json", false, "print one JSON object per image")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return fmt.Errorf("%w: no image given", errUsage)
	}
	if err := cliflag.FirstError(cliflag.FloatIn("min-score", *minScore, 0, 1), cliflag.IntIn("min-area", *minArea, 0, 1<<30)); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	f.MinScore, f.MinArea = float32(*minScore), *minArea
	d, err := openDetector(*modelFlag, *labels, f, 1)
	if err != nil {
		return err
	}
	defer d.Close()
	pre := cvprep.Stretch(d.InputSize())
	defer pre.Close()
	var enc *json.Encoder
	if *asJSON {
		enc = json.NewEncoder(stdout)
	}
	var objs []detect.Object
	infer := func(rgb []uint8, w, h int) (err error) { objs, err = d.DetectTensor(objs[:0], rgb, w, h); return err }
	return eachImage("livecam detect", fs.Args(), pre, stderr, infer, func(file string) error { return printObjects(stdout, enc, file, objs) })
}

// printObjects prints the objects found in one image: a JSON object with
// enc (-json), else the file's name and a line per object.
func printObjects(stdout io.Writer, enc *json.Encoder, file string, objs []detect.Object) error {
	if enc != nil {
		res := detectResult{File: file, Objects: make([]detect.JSON, 0, len(objs))}
		for _, o := range objs {
			res.Objects = append(res.Objects, o.ToJSON())
		}
		return enc.Encode(res)
	}
	fmt.Fprintf(stdout, "%s\n", escape.Control(file))
	for _, o := range objs {
		b := o.Box
		fmt.Fprintf(stdout, "  %6.2f%%  %-16s x=%d y=%d w=%d h=%d\n", 100*o.Score, escape.Control(o.Label), b.Min.X, b.Min.Y, b.Dx(), b.Dy())
	}
	return nil
}

// openDetector opens the detection model a -model value names (see
// models.Open) and a Detector for it with concurrent runners.
func openDetector(flagValue, labelsFile string, f detect.Filter, concurrent int) (*detect.Detector, error) {
	m, err := openModel(flagValue, labelsFile, models.Detect)
	if err != nil {
		return nil, err
	}
	d, err := detect.New(m, f, concurrent)
	if errors.Is(err, detect.ErrFilter) {
		return nil, fmt.Errorf("%w: %v", errUsage, err)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", m.Path, err)
	}
	return d, nil
}
