package models_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/livecam/livecam/models"
)

// Open a model of each kind by its catalogue name: the default float
// classifier, a uint8 one and the detector. Here the models are the
// project's shared copies; by default Open looks in $LIVECAM_MODELS,
// then in the user's cache, where `livecam models fetch NAME` (or
// OpenOptions.Fetch) installs them.
func ExampleOpen() {
	os.Setenv(models.EnvDir, filepath.Join("..", "..", "shared", "models"))
	for _, name := range []string{"", "mobilenet_v1_0.75_192_quant", "coco_ssd_mobilenet_v1"} {
		m, err := models.Open(context.Background(), name, nil)
		if err != nil {
			fmt.Println(err)
			continue
		}
		switch m.Task {
		case models.Classify:
			c := m.Classifier
			fmt.Printf("%s: %s, %s, %d classes (the last: %s)\n", m.Name, m.Task, c.Precision(), c.Classes(), c.Labels().Name(c.Classes()-1))
		case models.Detect:
			fmt.Printf("%s: %s, %d classes (17: %s)\n", m.Name, m.Task, len(m.Labels), m.Labels[17])
		}
	}
	// Output:
	// mobilenet_v1_0.75_224: classify, float32, 1000 classes (the last: toilet tissue, toilet paper, bathroom tissue)
	// mobilenet_v1_0.75_192_quant: classify, uint8, 1001 classes (the last: toilet tissue, toilet paper, bathroom tissue)
	// coco_ssd_mobilenet_v1: detect, 90 classes (17: dog)
}
