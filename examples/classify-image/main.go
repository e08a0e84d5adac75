// Command classify-image labels one picture with the default model (or
// -model) and prints its 3 best classes: livecam's IMAGE mode, from a
// file to a result in pure Go.
//
//	go run ./examples/classify-image testdata/images/demo/cat.jpg
//
// The model is looked for in $LIVECAM_MODELS, then in the user's cache;
// -fetch downloads it there when it is missing.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"image"
	_ "image/jpeg" // the decoders image.Decode may use
	_ "image/png"
	"log"
	"os"

	"github.com/livecam/livecam/classify"
	"github.com/livecam/livecam/models"
)

func main() {
	model := flag.String("model", "", "model: a catalogue name, a TF.js folder or a .tflite file (default "+models.Default+")")
	fetch := flag.Bool("fetch", false, "download the model into the user's cache when it is not installed")
	flag.Parse()
	if err := run(*model, *fetch, flag.Arg(0)); err != nil {
		fmt.Fprintln(os.Stderr, "classify-image:", err)
		os.Exit(1)
	}
}

func run(model string, fetch bool, file string) error {
	m, err := models.Open(context.Background(), model, &models.OpenOptions{Task: models.Classify, Fetch: fetch, Logf: log.Printf})
	if errors.Is(err, models.ErrNotFound) && !fetch {
		return fmt.Errorf("%w (run with -fetch to download it)", err)
	} else if err != nil {
		return err
	}
	c, err := classify.NewClassifier(m, classify.Options{MaxResults: 3}, 1)
	if err != nil {
		return err
	}
	defer c.Close()
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	img, _, err := image.Decode(f)
	if err != nil {
		return fmt.Errorf("%s: %v", file, err)
	}
	top, err := c.Classify(nil, img)
	if err != nil {
		return err
	}
	for _, p := range top {
		fmt.Printf("%5.1f%%  %s\n", 100*p.Score, p.Label)
	}
	return nil
}
