package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/livecam/livecam/models"
)

// openModel opens the model a -model value names (see models.Open: a
// catalogue name, the default model when empty, a TF.js folder or a
// .tflite file), with the labels of -labels when set. task, when set,
// is the task the command needs. Errors say how to put things right
// with livecam's commands and flags.
func openModel(flagValue, labelsFile string, task models.Task) (*models.Model, error) {
	m, err := models.Open(context.Background(), flagValue, &models.OpenOptions{Labels: labelsFile, Task: task})
	if err != nil {
		return nil, modelHint(orDefault(flagValue, models.Default), task, err)
	}
	return m, nil
}

// modelHint adds to a models error how to put things right with livecam's
// commands and flags. task is the task the command needed.
func modelHint(name string, task models.Task, err error) error {
	switch {
	case errors.Is(err, models.ErrWrongTask) && task == models.Detect:
		return fmt.Errorf("%w (try -model %s)", err, defaultDetector)
	case errors.Is(err, models.ErrWrongTask):
		return fmt.Errorf("%w (a detector runs with `livecam -model NAME` or `livecam detect`)", err)
	case errors.Is(err, models.ErrUnknownVariant):
		return fmt.Errorf("%w (see `livecam models list`); set $%s or pass -model DIR", err, models.EnvDir)
	case errors.Is(err, models.ErrNotFound):
		return fmt.Errorf("%w; get it with `livecam models fetch %s`, set $%s to a folder that holds it, or pass -model DIR", err, name, models.EnvDir)
	case errors.Is(err, models.ErrChanged):
		return fmt.Errorf("%w; fetch it again with `livecam models fetch %s`", err, name)
	}
	return err
}
