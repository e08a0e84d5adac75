package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/livecam/livecam/models"
	"github.com/livecam/livecam/net/mobilenet"
	"github.com/livecam/livecam/net/tfjs"
	"github.com/livecam/livecam/net/tflite"
)

// modelPath returns where the model a -model value names is: an existing
// directory (a TF.js model) or .tflite file as it is, otherwise a model
// name looked up with models.Resolve (the default model when empty).
// isFile reports a TFLite file.
func modelPath(flagValue string) (path string, isFile bool, err error) {
	if flagValue != "" {
		if st, err := os.Stat(flagValue); err == nil {
			switch {
			case st.IsDir():
				return flagValue, false, nil
			case st.Mode().IsRegular() && strings.EqualFold(filepath.Ext(flagValue), ".tflite"):
				return flagValue, true, nil
			}
			return "", false, fmt.Errorf("-model %s: not a directory holding model.json, nor a .tflite file", flagValue)
		}
		if _, ok := models.Lookup(flagValue); !ok {
			return "", false, fmt.Errorf("-model %s: no such file or directory, and not a model name (see `livecam models list`)", flagValue)
		}
	}
	path, err = models.Resolve(flagValue)
	if err != nil {
		name := flagValue
		if name == "" {
			name = models.Default
		}
		return "", false, modelHint(name, err)
	}
	v, _ := models.Lookup(flagValue)
	return path, v.Quantized, nil
}

// tfliteLabels returns the labels file beside a .tflite file: labels.txt,
// or the quantized variants' imagenet_labels.txt; "" when there is none.
func tfliteLabels(file string) string {
	for _, name := range []string{"labels.txt", models.QuantLabels} {
		p := filepath.Join(filepath.Dir(file), name)
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
			return p
		}
	}
	return ""
}

// modelHint adds to a models error how to put things right with livecam's
// commands and flags.
func modelHint(name string, err error) error {
	switch {
	case errors.Is(err, models.ErrUnknownVariant):
		return fmt.Errorf("%w (see `livecam models list`); set $%s or pass -model DIR", err, models.EnvDir)
	case errors.Is(err, models.ErrNotFound):
		return fmt.Errorf("%w; get it with `livecam models fetch %s`, set $%s to a folder that holds it, or pass -model DIR", err, name, models.EnvDir)
	case errors.Is(err, models.ErrChanged):
		return fmt.Errorf("%w; fetch it again with `livecam models fetch %s`", err, name)
	}
	return err
}

// loadModel resolves and loads a model, with labels from labelsFile when
// it is set.
func loadModel(flagValue, labelsFile string) (*mobilenet.Model, error) {
	dir, isFile, err := modelPath(flagValue)
	if err != nil {
		return nil, err
	}
	name := flagValue
	if name == "" {
		name = models.Default
	}
	if isFile {
		return loadTFLite(name, dir, dir != flagValue, labelsFile)
	}
	w, err := tfjs.LoadWeights(dir)
	if err != nil {
		return nil, err
	}
	// A model asked for by name must be that variant: a folder holding
	// other weights would run the wrong network at the wrong input size.
	if v, ok := models.Lookup(name); ok && dir != flagValue {
		// Found by name: it must be the published file, byte for byte
		// where the checksums are known (hashed while loading).
		if err := models.CheckSums(name, dir, w.SHA256); err != nil {
			return nil, modelHint(name, err)
		}
		if got := w.Config; got.Alpha != v.Config.Alpha || got.Size != v.Config.Size {
			return nil, fmt.Errorf("%s: holds alpha %s at %dx%d, not %s (alpha %s at %dx%d)", dir,
				mobilenet.AlphaString(got.Alpha), got.Size, got.Size, name, mobilenet.AlphaString(v.Config.Alpha), v.Config.Size, v.Config.Size)
		}
	}
	if labelsFile != "" {
		l, err := loadLabels(labelsFile, w.Config.Classes)
		if err != nil {
			return nil, err
		}
		w.Labels = l
	}
	return mobilenet.NewModel(w)
}

// loadLabels reads a labels file that must name classes classes.
func loadLabels(file string, classes int) (*mobilenet.Labels, error) {
	l, err := mobilenet.LoadLabels(file)
	if err != nil {
		return nil, err
	}
	if l.Len() != classes {
		return nil, fmt.Errorf("%s: %d labels for a model with %d classes", file, l.Len(), classes)
	}
	return l, nil
}

// loadTFLite loads a TFLite MobileNet (uint8 or float32): a published
// variant found by name must match its checksum; its labels come from
// labelsFile, else from the labels file beside it.
func loadTFLite(name, file string, byName bool, labelsFile string) (*mobilenet.Model, error) {
	if byName {
		if err := models.Verify(name, filepath.Dir(file)); err != nil {
			return nil, modelHint(name, err)
		}
	}
	f, err := tflite.ReadFile(file)
	if err != nil {
		return nil, err
	}
	classes, err := f.Classes()
	if err != nil {
		return nil, err
	}
	if labelsFile == "" {
		labelsFile = tfliteLabels(file)
	}
	var labels *mobilenet.Labels
	if labelsFile != "" {
		if labels, err = loadLabels(labelsFile, classes); err != nil {
			return nil, err
		}
	}
	m, err := f.Load(labels)
	if err != nil {
		return nil, err
	}
	return m, nil
}
