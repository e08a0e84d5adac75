// Package models is livecam's catalogue of MobileNet V1 variants: where a
// model is looked for on disk, and how one of the published variants is
// downloaded, verified and installed atomically: the 16 float32 TF.js
// models, and Google's three quantized (uint8) TFLite files that Coral's
// test data publishes (mobilenet_v1_0.25_128_quant, 0.5_160_quant,
// 0.75_192_quant; 1001 classes, index 0 "background").
//
// No weights live in the repository. A float model is a directory holding
// a TF.js layers model (model.json and its shards, see package tfjs); a
// quantized one is a file NAME.tflite (see package tflite), with the
// labels file imagenet_labels.txt beside it. Models are found in
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

// Variant is one published MobileNet V1 model.
type Variant struct {
	Name   string
	Config mobilenet.Config
	// Quantized marks a uint8 TFLite file (NAME.tflite) rather than a
	// float32 TF.js model directory.
	Quantized bool
}

// Precision names the variant's arithmetic: "float32" or "uint8".
func (v Variant) Precision() string {
	if v.Quantized {
		return "uint8"
	}
	return "float32"
}

// QuantLabels is the labels file of the quantized variants (1001 lines,
// line 0 "background"), published beside them.
const QuantLabels = "imagenet_labels.txt"

// Variants returns the published variants: the 16 float32 ones (alpha
// 0.25, 0.50, 0.75 and 1.0 at input sizes 128, 160, 192 and 224, 1000
// ImageNet classes), then the three quantized ones (0.25 at 128, 0.5 at
// 160, 0.75 at 192, 1001 classes).
func Variants() []Variant {
	var vs []Variant
	for _, a := range mobilenet.Alphas {
		for _, s := range mobilenet.Sizes {
			cfg := mobilenet.Config{Alpha: a, Size: s, Classes: 1000}
			vs = append(vs, Variant{Name: cfg.Name(), Config: cfg})
		}
	}
	for _, q := range []struct {
		alpha float64
		size  int
		name  string // Google's spelling: 0.5, not 0.50
	}{{0.25, 128, "0.25_128"}, {0.5, 160, "0.5_160"}, {0.75, 192, "0.75_192"}} {
		cfg := mobilenet.Config{Alpha: q.alpha, Size: q.size, Classes: 1001}
		vs = append(vs, Variant{Name: "mobilenet_v1_" + q.name + "_quant", Config: cfg, Quantized: true})
	}
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
var ErrUnknownVariant = errors.New("not a published MobileNet V1 variant")

// Resolve returns where the named model is: for a float32 model the
// first directory of SearchPath that holds NAME/model.json (the path of
// NAME); for a quantized one the first file NAME.tflite found in a
// directory D of SearchPath as D/NAME/NAME.tflite (where Fetch installs
// it), D/NAME.tflite or D/tflite/NAME.tflite. The error for a missing
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
			file := name + ".tflite"
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
