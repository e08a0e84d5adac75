package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"

	"github.com/livecam/livecam/internal/cliflag"
	"github.com/livecam/livecam/models"
)

const defaultModelHelp = models.Default + " from $" + models.EnvDir + " or the user cache"

// modelFlagHelp is the help of every command's -model flag.
const modelFlagHelp = "model `DIR` (TF.js), FILE.tflite (uint8 or float32) or name from `livecam models list` (default: " + defaultModelHelp + ")"

// modelsUsage is the usage line of `livecam models`.
const modelsUsage = "list | path [NAME] | fetch [-dest DIR] NAME"

// runModels runs `livecam models`: list, path or fetch.
func runModels(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("%w: %s", errUsage, modelsUsage)
	}
	if slices.Contains(args, "-h") || slices.Contains(args, "-help") || slices.Contains(args, "--help") {
		return modelsHelp(args[0], stdout, stderr)
	}
	switch args[0] {
	case "list":
		return modelsList(stdout)
	case "path":
		return modelsPath(args[1:], stdout)
	case "fetch":
		return modelsFetch(args[1:], stdout, stderr)
	}
	return fmt.Errorf("%w: unknown models command %q: %s", errUsage, args[0], modelsUsage)
}

// fetchFlags declares the flags of `livecam models fetch`.
func fetchFlags(stdout, stderr io.Writer) (fs *cliflag.Set, dest, base *string) {
	fs = newFlags("models fetch", "NAME", stdout, stderr)
	dest = fs.String("dest", "", "models `DIR` to install into (default: $"+models.EnvDir+" if set, else the user cache)")
	base = fs.String("base-url", models.DefaultBaseURL, "`URL` where the variants are published")
	return fs, dest, base
}

// modelsHelp prints the help of `livecam models`, or of its fetch.
func modelsHelp(command string, stdout, stderr io.Writer) error {
	if command == "fetch" {
		fs, _, _ := fetchFlags(stdout, stderr)
		fs.WriteUsage(stdout)
		return nil
	}
	fmt.Fprintf(stdout, "usage: livecam models %s\n\n", modelsUsage)
	fmt.Fprintln(stdout, "  list         the model variants, and where each is installed")
	fmt.Fprintln(stdout, "  path [NAME]  the folder of an installed model (default "+models.Default+")")
	fmt.Fprintln(stdout, "  fetch NAME   download a variant and check its hashes (livecam models fetch -h)")
	return nil
}

// modelsList prints the model variants, and where each is installed.
func modelsList(stdout io.Writer) error {
	fmt.Fprintf(stdout, "%-28s %-8s %5s %4s %7s %-9s %s\n", "name", "task", "alpha", "size", "classes", "precision", "installed")
	for _, v := range models.Variants() {
		where := "-"
		if dir, err := models.Resolve(v.Name); err == nil {
			where = dir
		}
		fmt.Fprintf(stdout, "%-28s %-8s %5.2f %4d %7d %-9s %s\n", v.Name, v.Task, v.Config.Alpha, v.Config.Size, v.Config.Classes, v.Precision(), where)
	}
	fmt.Fprintf(stdout, "\nsearched: %s\n", strings.Join(models.SearchPath(), ", "))
	return nil
}

// modelsPath prints the folder of an installed model (args: [NAME]).
func modelsPath(args []string, stdout io.Writer) error {
	name := models.Default
	if len(args) > 0 {
		name = args[0]
	}
	dir, err := models.Resolve(name)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, dir)
	return nil
}

// modelsFetch downloads a model variant (args: [-dest DIR] NAME).
func modelsFetch(args []string, stdout, stderr io.Writer) error {
	fs, dest, base := fetchFlags(stdout, stderr)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return fmt.Errorf("%w: models fetch takes one model name (see `livecam models list`)", errUsage)
	}
	if *dest == "" {
		*dest = os.Getenv(models.EnvDir)
	}
	name := fs.Arg(0)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	bar := &progressBar{w: stderr, name: name}
	dir, err := models.Fetch(ctx, name, &models.FetchOptions{BaseURL: *base, Dest: *dest, Progress: bar.update})
	bar.finish()
	if err != nil {
		return fetchFailed(err, name, *dest)
	}
	fmt.Fprintf(stdout, "installed %s in %s\n", name, dir)
	if v, _ := models.Lookup(name); v.Quantized {
		return nil
	}
	if _, err := os.Stat(filepath.Join(dir, "metadata.json")); err != nil {
		fmt.Fprintf(stderr, "note: the published files carry no labels; put imagenet_classes.tsv (index, wnid, label) in %s or pass -labels FILE\n", filepath.Dir(dir))
	}
	return nil
}

// fetchFailed is a failed fetch's error, saying how to install the model
// by hand.
func fetchFailed(err error, name, dest string) error {
	where := dest
	if where == "" {
		where, _ = models.CacheDir()
	}
	what := name + " folder (model.json and its shards)"
	if v, _ := models.Lookup(name); v.Quantized {
		what = v.File + " file (and " + v.Labels + ")"
	}
	return fmt.Errorf("%v; to install it by hand, put a %s in %s, or set $%s to a folder that holds one",
		err, what, where, models.EnvDir)
}

// progressBar draws a one-line download progress bar.
type progressBar struct {
	w        io.Writer
	name     string
	lastDraw int
	drawn    bool
}

func (b *progressBar) update(done, total int64) {
	pct := 0
	if total > 0 {
		pct = int(min(100, 100*done/total))
	}
	if b.drawn && pct == b.lastDraw {
		return
	}
	b.lastDraw, b.drawn = pct, true
	const width = 30
	fill := width * pct / 100
	fmt.Fprintf(b.w, "\r%s [%s%s] %3d%% %.1f/%.1f MB", b.name, strings.Repeat("=", fill), strings.Repeat(" ", width-fill), pct, float64(done)/1e6, float64(total)/1e6)
}

func (b *progressBar) finish() {
	if b.drawn {
		fmt.Fprintln(b.w)
	}
}

// openModel opens the model a -model value names (see models.Open: a
// catalogue name, the default model when empty, a TF.js folder or a
// .tflite file), with the labels of -labels when set. task, when set,
// is the task the command needs. Errors say how to put things right
// with livecam's commands and flags.
func openModel(flagValue, labelsFile string, task models.Task) (*models.Model, error) {
	m, err := models.Open(context.Background(), flagValue, &models.OpenOptions{Labels: labelsFile, Task: task})
	if err != nil {
		return nil, modelHint(cmp.Or(flagValue, models.Default), task, err)
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
