package classify_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/livecam/livecam/internal/testrig/shareddata"
)

// cgoFreeProgram opens a model by name or path and classifies a Go image
// with it, then makes a detector: what a robot's program does, built
// without cgo.
const cgoFreeProgram = `package main

import (
	"context"
	"fmt"
	"image"
	"log"
	"os"

	"github.com/livecam/livecam/classify"
	"github.com/livecam/livecam/detect"
	"github.com/livecam/livecam/models"
)

func main() {
	m, err := models.Open(context.Background(), os.Args[1], nil)
	if err != nil {
		log.Fatal(err)
	}
	c, err := classify.NewClassifier(m, classify.Options{MaxResults: 1}, 1)
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	top, err := c.Classify(nil, image.NewGray(image.Rect(0, 0, 64, 48)))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(top))
	if _, err := detect.New(m, detect.Filter{}, 1); err == nil {
		log.Fatal("a classifier opened as a detector")
	}
}
`

// TestBuildsWithoutCgo builds a program that opens a model and classifies
// an image.Image with CGO_ENABLED=0, for this machine and for arm64, and
// runs the native one: packages classify, detect and models, and all
// they import, need no C compiler and no OpenCV.
func TestBuildsWithoutCgo(t *testing.T) {
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	main := filepath.Join(dir, "main.go")
	if err := os.WriteFile(main, []byte(cgoFreeProgram), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, arch := range []string{"", "arm64"} {
		bin := filepath.Join(dir, "prog"+arch)
		cmd := exec.Command("go", "build", "-o", bin, main)
		cmd.Dir = root // the program builds against this module
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if arch != "" {
			cmd.Env = append(cmd.Env, "GOARCH="+arch)
		}
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("CGO_ENABLED=0 GOARCH=%s go build: %v\n%s", arch, err, out)
		}
	}
	deps, err := exec.Command("go", "list", "-deps", "github.com/livecam/livecam/classify", "github.com/livecam/livecam/detect").Output()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(deps), "gocv.io") {
		t.Errorf("classify or detect imports GoCV:\n%s", deps)
	}
	out, err := exec.Command(filepath.Join(dir, "prog"), shareddata.Path(t, "models", "mobilenet_v1_0.75_224")).CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "1" {
		t.Errorf("the program built without cgo: %v\n%s", err, out)
	}
}
