package classify_test

import (
	"context"
	"fmt"
	"image/jpeg"
	"log"
	"os"
	"path/filepath"

	"github.com/livecam/livecam/classify"
	"github.com/livecam/livecam/models"
)

// Label one photo in pure Go, no pipeline and no cgo. models.Open takes a
// catalogue name ("mobilenet_v1_0.75_224", found in $LIVECAM_MODELS or
// the user's cache), a folder or a file; the options keep the best class
// only, and only if it scores at least 0.3.
func ExampleClassifier() {
	m, err := models.Open(context.Background(), filepath.Join("..", "..", "shared", "models", "mobilenet_v1_0.75_224"), nil)
	if err != nil {
		log.Fatal(err)
	}
	c, err := classify.NewClassifier(m, classify.Options{MaxResults: 1, MinScore: 0.3}, 1)
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	f, err := os.Open("../testdata/images/demo/parrot.jpg")
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	img, err := jpeg.Decode(f) // an *image.YCbCr
	if err != nil {
		log.Fatal(err)
	}
	top, err := c.Classify(nil, img)
	if err != nil {
		log.Fatal(err)
	}
	for _, p := range top {
		fmt.Println(p.Class, p.WNID, p.Label)
	}
	// Output: 88 n01818515 macaw
}

// Options by name: only these cats (not the Egyptian cat the model
// prefers), by label, WordNet id or index, every one of them that scores
// at least 0.01.
func ExampleOptions() {
	m, err := models.Open(context.Background(), filepath.Join("..", "..", "shared", "models", "mobilenet_v1_0.75_224"), nil)
	if err != nil {
		log.Fatal(err)
	}
	opts := classify.Options{
		MaxResults: classify.AllResults,
		MinScore:   0.01,
		Allow:      []string{"tabby", "n02123159", "283", "Siamese cat"},
	}
	c, err := classify.NewClassifier(m, opts, 1)
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	f, err := os.Open("../testdata/images/demo/cat.jpg")
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	img, err := jpeg.Decode(f)
	if err != nil {
		log.Fatal(err)
	}
	top, err := c.Classify(nil, img)
	if err != nil {
		log.Fatal(err)
	}
	for _, p := range top {
		fmt.Printf("%d %s %.2f\n", p.Class, p.Label, p.Score)
	}
	// Output:
	// 282 tiger cat 0.26
	// 281 tabby, tabby cat 0.07
}
