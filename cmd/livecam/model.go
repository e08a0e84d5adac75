package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/livecam/livecam/models"
	"github.com/livecam/livecam/net/mobilenet"
	"github.com/livecam/livecam/net/tfjs"
)

// modelDir returns the model directory for a -model value: an existing
// directory as it is, otherwise a model name looked up with models.Resolve
// (the default model when empty).
func modelDir(flagValue string) (string, error) {
	if flagValue != "" {
		if st, err := os.Stat(flagValue); err == nil {
			if !st.IsDir() {
				return "", fmt.Errorf("-model %s: not a directory (want a folder holding model.json)", flagValue)
			}
			return flagValue, nil
		}
		if _, ok := models.Lookup(flagValue); !ok {
			return "", fmt.Errorf("-model %s: no such directory, and not a model name", flagValue)
		}
	}
	dir, err := models.Resolve(flagValue)
	if err != nil {
		name := flagValue
		if name == "" {
			name = models.Default
		}
		return "", modelHint(name, err)
	}
	return dir, nil
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
	dir, err := modelDir(flagValue)
	if err != nil {
		return nil, err
	}
	w, err := tfjs.LoadWeights(dir)
	if err != nil {
		return nil, err
	}
	// A model asked for by name must be that variant: a folder holding
	// other weights would run the wrong network at the wrong input size.
	name := flagValue
	if name == "" {
		name = models.Default
	}
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
		l, err := mobilenet.LoadLabels(labelsFile)
		if err != nil {
			return nil, err
		}
		if l.Len() != w.Config.Classes {
			return nil, fmt.Errorf("%s: %d labels for a model with %d classes", labelsFile, l.Len(), w.Config.Classes)
		}
		w.Labels = l
	}
	return mobilenet.NewModel(w)
}
