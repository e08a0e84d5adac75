// Package models opens the networks livecam runs, and is its catalogue
// of published models: where a model is looked for on disk, and how one
// is downloaded, verified and installed atomically.
//
//	m, err := models.Open(ctx, "", nil) // Default, from $LIVECAM_MODELS or the cache
//	m, err := models.Open(ctx, "coco_ssd_mobilenet_v1", &models.OpenOptions{Fetch: true})
//	m, err := models.Open(ctx, "path/to/model.tflite", nil)
//
// Open takes a catalogue name, a TF.js folder or a .tflite file, checks
// published files against their SHA-256, finds the labels and returns a
// Model, the one type package classify, package detect, the pipeline and
// the command take.
//
// The catalogue lists the 16 float32 TF.js MobileNet V1
// classifiers; Google's quantized (uint8) TFLite classifiers that
// Coral's test data publishes (mobilenet_v1_0.25_128_quant,
// 0.5_160_quant, 0.75_192_quant and mobilenet_v2_1.0_224_quant; 1001
// classes, index 0 "background"); and Google's quantized COCO object
// detector, coco_ssd_mobilenet_v1 (SSD with a MobileNet V1 backbone of
// depth 0.75 at 300x300; 90 classes). A Variant's Task says whether it
// classifies or detects.
//
// No weights live in the repository. A float model is a directory holding
// a TF.js layers model (model.json and its shards, see package tfjs); a
// quantized one is a TFLite file (Variant.File, see package tflite) with
// its labels file (Variant.Labels) beside it. Models are found in
// $LIVECAM_MODELS, then in the user's cache directory
// (os.UserCacheDir()/livecam/models).
package models

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/livecam/livecam/net/mobilenet"
	"github.com/livecam/livecam/net/tfjs"
)

// Default is the model livecam uses when none is named.
const Default = "mobilenet_v1_0.75_224"

// DefaultBaseURL is where the official TF.js MobileNet V1 variants are
// published; variant NAME lives at DefaultBaseURL/NAME/model.json.
const DefaultBaseURL = "https://storage.googleapis.com/tfjs-models/tfjs"

// EnvDir is the environment variable that names a models directory searched
// before the user's cache.
const EnvDir = "LIVECAM_MODELS"

// Task is what a model computes.
type Task string

// The tasks of the catalogue's models.
const (
	// Classify: scores for each class of the whole picture (the
	// MobileNet classifiers).
	Classify Task = "classify"
	// Detect: objects, each a box, a class and a score (the SSD
	// detector; see Variant.ReadLabels for its labels file).
	Detect Task = "detect"
)

// Variant is one published model.
type Variant struct {
	Name string
	// Task is what the model computes: Classify or Detect. A program
	// picks the classifier or the detector by it.
	Task Task
	// Arch names the network: "mobilenet_v1", "mobilenet_v2" or
	// "ssd_mobilenet_v1" (the detector, a MobileNet V1 backbone with SSD
	// heads).
	Arch string
	// Config describes the network. For MobileNet V1 it is the
	// architecture; for the others Alpha is the width (depth) multiplier,
	// Size the side of the square input, and Classes the number of
	// classes the model outputs (1001 for the quantized classifiers, 90
	// for the detector: its output class c is COCO category id c+1).
	Config mobilenet.Config
	// Quantized marks a uint8 TFLite file (File) rather than a float32
	// TF.js model directory.
	Quantized bool
	// File is the TFLite model's file name (Google's: NAME.tflite for the
	// classifiers, coco_ssd_mobilenet_v1_1.0_quant_2018_06_29.tflite for
	// the detector); empty for a TF.js folder.
	File string
	// Labels is the name of the labels file published with a TFLite
	// model, found beside File (see ReadLabels); empty for a TF.js folder.
	Labels string
}

// Precision names the variant's arithmetic: "float32" or "uint8".
func (v Variant) Precision() string {
	if v.Quantized {
		return "uint8"
	}
	return "float32"
}

// QuantLabels is the labels file of the quantized classifiers (1001
// lines, line 0 "background"), published beside them.
const QuantLabels = "imagenet_labels.txt"

// DetectLabels is the labels file of coco_ssd_mobilenet_v1 (91 lines:
// line 0 "???", the background, then line c+1 names output class c,
// "???" for the ten COCO ids that name nothing), published beside it.
const DetectLabels = "coco_ssd_mobilenet_v1_labelmap.txt"

// Variants returns the published variants: the 16 float32 MobileNet V1
// classifiers (alpha 0.25, 0.50, 0.75 and 1.0 at input sizes 128, 160,
// 192 and 224, 1000 ImageNet classes), then the three quantized V1 ones
// (0.25 at 128, 0.5 at 160, 0.75 at 192, 1001 classes), the quantized
// MobileNet V2 (1.0 at 224, 1001 classes) and the quantized COCO
// detector coco_ssd_mobilenet_v1 (depth 0.75 at 300, 90 classes).
func Variants() []Variant {
	var vs []Variant
	for _, a := range mobilenet.Alphas {
		for _, s := range mobilenet.Sizes {
			cfg := mobilenet.Config{Alpha: a, Size: s, Classes: 1000}
			vs = append(vs, Variant{Name: cfg.Name(), Task: Classify, Arch: "mobilenet_v1", Config: cfg})
		}
	}
	for _, q := range []struct {
		alpha float64
		size  int
		name  string // Google's spelling: 0.5, not 0.50
	}{{0.25, 128, "0.25_128"}, {0.5, 160, "0.5_160"}, {0.75, 192, "0.75_192"}} {
		cfg := mobilenet.Config{Alpha: q.alpha, Size: q.size, Classes: 1001}
		name := "mobilenet_v1_" + q.name + "_quant"
		vs = append(vs, Variant{Name: name, Task: Classify, Arch: "mobilenet_v1", Config: cfg, Quantized: true, File: name + ".tflite", Labels: QuantLabels})
	}
	vs = append(vs,
		Variant{Name: "mobilenet_v2_1.0_224_quant", Task: Classify, Arch: "mobilenet_v2",
			Config: mobilenet.Config{Alpha: 1, Size: 224, Classes: 1001}, Quantized: true,
			File: "mobilenet_v2_1.0_224_quant.tflite", Labels: QuantLabels},
		Variant{Name: "coco_ssd_mobilenet_v1", Task: Detect, Arch: "ssd_mobilenet_v1",
			Config: mobilenet.Config{Alpha: 0.75, Size: 300, Classes: 90}, Quantized: true,
			File: "coco_ssd_mobilenet_v1_1.0_quant_2018_06_29.tflite", Labels: DetectLabels},
	)
	return vs
}

// Lookup returns the published variant with the given name.
func Lookup(name string) (Variant, bool) {
	for _, v := range Variants() {
		if v.Name == name {
			return v, true
		}
	}
	return Variant{}, false
}

// SearchPath returns the directories searched for models, in order:
// $LIVECAM_MODELS when set, then the user's cache directory.
func SearchPath() []string {
	var dirs []string
	if d := os.Getenv(EnvDir); d != "" {
		dirs = append(dirs, d)
	}
	if d, err := CacheDir(); err == nil {
		dirs = append(dirs, d)
	}
	return dirs
}

// CacheDir returns os.UserCacheDir()/livecam/models, where Fetch installs
// models by default.
func CacheDir() (string, error) {
	d, err := os.UserCacheDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(d, "livecam", "models"), nil
}

// ErrNotFound is returned (wrapped) by Resolve when no directory of the
// search path holds the model.
var ErrNotFound = errors.New("model not found")

// ErrUnknownVariant is returned (wrapped) for a name that is not one of
// the published variants (see Variants).
var ErrUnknownVariant = errors.New("not a published model")

// Resolve returns where the named model is: for a float32 model the
// first directory of SearchPath that holds NAME/model.json (the path of
// NAME); for a quantized one the first file FILE (Variant.File) found in
// a directory D of SearchPath as D/NAME/FILE (where Fetch installs it),
// D/FILE or D/tflite/FILE. The error for a missing
// model wraps ErrNotFound and says where it looked, and wraps
// ErrUnknownVariant too when the name is not a published variant (it
// cannot be fetched).
func Resolve(name string) (string, error) {
	if name == "" {
		name = Default
	}
	if strings.ContainsAny(name, `/\`) || name == "." || name == ".." {
		return "", fmt.Errorf("%q is a path, not a model name", name)
	}
	dirs := SearchPath()
	v, known := Lookup(name)
	for _, d := range dirs {
		if known && v.Quantized {
			file := v.File
			for _, p := range []string{filepath.Join(d, name, file), filepath.Join(d, file), filepath.Join(d, "tflite", file)} {
				if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
					return p, nil
				}
			}
			continue
		}
		p := filepath.Join(d, name)
		if _, err := os.Stat(filepath.Join(p, tfjs.ModelJSON)); err == nil {
			return p, nil
		}
	}
	err := fmt.Errorf("%w: %s is not in %s", ErrNotFound, name, strings.Join(quoteAll(dirs), " or "))
	if !known {
		err = fmt.Errorf("%w, and it is %w", err, ErrUnknownVariant)
	}
	return "", err
}

func quoteAll(dirs []string) []string {
	if len(dirs) == 0 {
		return []string{"(no search directory: $" + EnvDir + " unset and no user cache directory)"}
	}
	q := make([]string, len(dirs))
	for i, d := range dirs {
		q[i] = d
	}
	return q
}
