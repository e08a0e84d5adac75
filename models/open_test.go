package models

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/livecam/livecam/internal/randweights"
	"github.com/livecam/livecam/internal/testrig/shareddata"
	"github.com/livecam/livecam/net/mobilenet"
	"github.com/livecam/livecam/net/tfjs"
)

// noModels points the search path at empty folders.
func noModels(t *testing.T) string {
	t.Helper()
	d := t.TempDir()
	t.Setenv(EnvDir, d)
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	t.Setenv("HOME", t.TempDir())
	return d
}

// copyFile copies src to dst, creating dst's folder, and returns dst.
func copyFile(t *testing.T, src, dst string) string {
	t.Helper()
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return dst
}

// TestOpenByName opens a model of each kind by its catalogue name from
// $LIVECAM_MODELS: the float TF.js default (also as ""), a uint8 TFLite
// classifier and the detector, each with its labels, variant and task.
func TestOpenByName(t *testing.T) {
	shared := shareddata.Path(t, "models")
	t.Setenv(EnvDir, shared)
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	ctx := context.Background()
	for _, name := range []string{"", Default} {
		m, err := Open(ctx, name, nil)
		if err != nil {
			t.Fatal(err)
		}
		if m.Name != Default || m.Variant.Name != Default || m.Task != Classify || m.Path != filepath.Join(shared, Default) ||
			m.Classifier == nil || m.Graph != nil || m.Classifier.Precision() != "float32" || m.Check() != nil {
			t.Errorf("Open(%q) = %+v", name, m)
		}
		if got := m.Classifier.Labels().Name(1); got != "goldfish, Carassius auratus" {
			t.Errorf("Open(%q): class 1 is %q", name, got)
		}
	}
	q, err := Open(ctx, "mobilenet_v1_0.25_128_quant", &OpenOptions{Task: Classify})
	if err != nil {
		t.Fatal(err)
	}
	if q.Name != "mobilenet_v1_0.25_128_quant" || q.Variant.Name != q.Name || q.Task != Classify || !q.Classifier.Quantized() ||
		q.Classifier.Classes() != 1001 || q.Classifier.Labels().Name(0) != "background" || q.Classifier.Labels().Name(286) != "Egyptian cat" {
		t.Errorf("quantized classifier: %+v", q)
	}
	if want := []string{filepath.Join(shared, "tflite", q.Variant.File), filepath.Join(shared, "tflite", QuantLabels)}; !slices.Equal(q.Files(), want) {
		t.Errorf("Files() = %v, want %v", q.Files(), want)
	}
	d, err := Open(ctx, "coco_ssd_mobilenet_v1", &OpenOptions{Task: Detect})
	if err != nil {
		t.Fatal(err)
	}
	if d.Name != "coco_ssd_mobilenet_v1" || d.Task != Detect || d.Graph == nil || d.Classifier != nil || len(d.Labels) != 90 ||
		d.Labels[0] != "person" || d.Labels[89] != "toothbrush" || d.Check() != nil {
		t.Errorf("detector: %+v (%d labels)", d, len(d.Labels))
	}
	// The task asked for.
	for _, c := range []struct {
		name string
		task Task
		want string
	}{
		{"coco_ssd_mobilenet_v1", Classify, "coco_ssd_mobilenet_v1: a detection model, not a classifier"},
		{"mobilenet_v1_0.75_192_quant", Detect, "mobilenet_v1_0.75_192_quant: a classifier, not a detection model"},
		{"", Detect, Default + ": a classifier, not a detection model"},
	} {
		_, err := Open(ctx, c.name, &OpenOptions{Task: c.task})
		if !errors.Is(err, ErrWrongTask) || err.Error() != c.want {
			t.Errorf("Open(%q, Task %s): %v; want %q", c.name, c.task, err, c.want)
		}
	}
}

// TestOpenByPath opens models by folder (and model.json), by file and by
// a folder holding one .tflite file: not checked against a variant, with
// the labels beside them.
func TestOpenByPath(t *testing.T) {
	noModels(t)
	ctx := context.Background()
	folder := shareddata.Path(t, "models", Default)
	for _, p := range []string{folder, filepath.Join(folder, "model.json")} {
		m, err := Open(ctx, p, nil)
		if err != nil {
			t.Fatal(err)
		}
		if m.Path != folder || m.Name != Default || m.Variant != (Variant{}) || m.Task != Classify || m.Classifier.Labels().Name(1) != "goldfish, Carassius auratus" {
			t.Errorf("Open(%s) = %+v", p, m)
		}
	}
	file := shareddata.Path(t, "models", "tflite", "mobilenet_v1_0.75_192_quant.tflite")
	m, err := Open(ctx, file, &OpenOptions{Task: Classify})
	if err != nil {
		t.Fatal(err)
	}
	if m.Path != file || m.Name != "mobilenet_v1_0.75_192_quant" || m.Variant.Name != "" || m.Classifier.Labels().Name(286) != "Egyptian cat" {
		t.Errorf("Open(%s) = %+v", file, m)
	}
	det := shareddata.Path(t, "models", "tflite", "coco_ssd_mobilenet_v1_1.0_quant_2018_06_29.tflite")
	d, err := Open(ctx, det, nil)
	if err != nil {
		t.Fatal(err)
	}
	if d.Task != Detect || d.Name != "coco_ssd_mobilenet_v1_1.0_quant_2018_06_29" || len(d.Labels) != 90 || d.Labels[17] != "dog" {
		t.Errorf("Open(%s) = %+v", det, d)
	}
	// A folder as Fetch installs a TFLite model: NAME/FILE and labels.
	dir := filepath.Join(t.TempDir(), "mine")
	copyFile(t, shareddata.Path(t, "models", "tflite", "mobilenet_v1_0.25_128_quant.tflite"), filepath.Join(dir, "net.tflite"))
	m, err = Open(ctx, dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if m.Path != filepath.Join(dir, "net.tflite") || m.Task != Classify || m.Classifier.Labels().Name(1) != "class 1" {
		t.Errorf("Open(%s) = %+v, class 1 %q", dir, m, m.Classifier.Labels().Name(1))
	}
	// No labels beside it; a labels file given.
	labels := filepath.Join(t.TempDir(), "names.txt")
	os.WriteFile(labels, []byte(strings.Repeat("thing\n", 1000)+"last\n\n"), 0o644)
	m, err = Open(ctx, filepath.Join(dir, "net.tflite"), &OpenOptions{Labels: labels})
	if err != nil {
		t.Fatal(err)
	}
	if m.Classifier.Labels().Name(1000) != "last" || !slices.Contains(m.Files(), labels) {
		t.Errorf("labels given: class 1000 %q, files %v", m.Classifier.Labels().Name(1000), m.Files())
	}
}

// TestOpenMissing: a catalogue name nowhere on the search path is an
// error naming it and where Open looked, and a name that is neither a
// path nor in the catalogue says so.
func TestOpenMissing(t *testing.T) {
	dir := noModels(t)
	cache, err := CacheDir()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"", "coco_ssd_mobilenet_v1", "mobilenet_v1_0.5_160_quant"} {
		_, err := Open(context.Background(), name, nil)
		want := name
		if want == "" {
			want = Default
		}
		if !errors.Is(err, ErrNotFound) || errors.Is(err, ErrUnknownVariant) || !strings.Contains(err.Error(), want+" is not in "+dir+" or "+cache) {
			t.Errorf("Open(%q): %v", name, err)
		}
	}
	_, err = Open(context.Background(), "resnet50", nil)
	if !errors.Is(err, ErrNotFound) || !errors.Is(err, ErrUnknownVariant) || err.Error() != "resnet50: no such file or directory, and not a model name" {
		t.Errorf("unknown name: %v", err)
	}
	_, err = Open(context.Background(), filepath.Join(dir, "model.tflite"), nil)
	if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), filepath.Join(dir, "model.tflite")) {
		t.Errorf("missing file: %v", err)
	}
}

// TestOpenDamaged: an installed catalogue model whose bytes changed is
// refused with ErrChanged, naming the file; the same file opened by path
// is not checked (it is not claimed to be the published one).
func TestOpenDamaged(t *testing.T) {
	models := noModels(t)
	const name = "mobilenet_v1_0.25_128_quant"
	file := copyFile(t, shareddata.Path(t, "models", "tflite", name+".tflite"), filepath.Join(models, name, name+".tflite"))
	if _, err := Open(context.Background(), name, nil); err != nil {
		t.Fatalf("intact copy: %v", err)
	}
	data, _ := os.ReadFile(file)
	data[len(data)-100] ^= 1 // a weight, deep in the buffers
	os.WriteFile(file, data, 0o644)
	_, err := Open(context.Background(), name, nil)
	if !errors.Is(err, ErrChanged) || !strings.Contains(err.Error(), file) {
		t.Errorf("damaged file: %v", err)
	}
	if _, err := Open(context.Background(), file, nil); err != nil {
		t.Errorf("the same file by path: %v", err)
	}

	// A TF.js shard changed: hashed while loading.
	src := shareddata.Path(t, "models", Default)
	entries, _ := os.ReadDir(src)
	for _, e := range entries {
		copyFile(t, filepath.Join(src, e.Name()), filepath.Join(models, Default, e.Name()))
	}
	shard := filepath.Join(models, Default, "group12-shard1of1")
	data, _ = os.ReadFile(shard)
	data[10] ^= 1
	os.WriteFile(shard, data, 0o644)
	if _, err := Open(context.Background(), Default, nil); !errors.Is(err, ErrChanged) || !strings.Contains(err.Error(), shard) {
		t.Errorf("damaged shard: %v", err)
	}
}

// TestOpenWrongLabels: a labels file that does not name the model's
// classes is refused, naming it and both counts, for a classifier (given
// or found beside it) and a detector.
func TestOpenWrongLabels(t *testing.T) {
	shared := shareddata.Path(t, "models")
	noModels(t)
	dir := t.TempDir()
	short := filepath.Join(dir, "short.txt")
	os.WriteFile(short, []byte("???\nperson\nbicycle\n"), 0o644)
	ctx := context.Background()
	for _, c := range []struct {
		model, labels, want string
	}{
		{filepath.Join(shared, "tflite", "mobilenet_v1_0.25_128_quant.tflite"), short, short + ": 3 labels for a model with 1001 classes"},
		{filepath.Join(shared, Default), short, short + ": 3 labels for a model with 1000 classes"},
		{filepath.Join(shared, "tflite", "coco_ssd_mobilenet_v1_1.0_quant_2018_06_29.tflite"), short, short + ": 2 labels for a detector of 90 classes"},
	} {
		if _, err := Open(ctx, c.model, &OpenOptions{Labels: c.labels}); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s with %s: %v; want %q", filepath.Base(c.model), filepath.Base(c.labels), err, c.want)
		}
	}
	// Found beside the file: labels.txt of the wrong length.
	file := copyFile(t, filepath.Join(shared, "tflite", "mobilenet_v1_0.25_128_quant.tflite"), filepath.Join(dir, "m.tflite"))
	os.WriteFile(filepath.Join(dir, "labels.txt"), []byte("a\nb\n"), 0o644)
	if _, err := Open(ctx, file, nil); err == nil || !strings.Contains(err.Error(), filepath.Join(dir, "labels.txt")+": 2 labels for a model with 1001 classes") {
		t.Errorf("labels.txt beside: %v", err)
	}
	// By name, the variant's own labels file is read, not another
	// labels.txt beside it (which the file by path takes), and must fit.
	models := noModels(t)
	const name = "mobilenet_v1_0.25_128_quant"
	file = copyFile(t, filepath.Join(shared, "tflite", name+".tflite"), filepath.Join(models, name+".tflite"))
	copyFile(t, filepath.Join(shared, "tflite", QuantLabels), filepath.Join(models, QuantLabels))
	os.WriteFile(filepath.Join(models, "labels.txt"), []byte("a\nb\n"), 0o644)
	if m, err := Open(ctx, name, nil); err != nil || m.Classifier.Labels().Name(286) != "Egyptian cat" {
		t.Errorf("by name beside another labels.txt: %v", err)
	}
	if _, err := Open(ctx, file, nil); err == nil || !strings.Contains(err.Error(), filepath.Join(models, "labels.txt")+": 2 labels") {
		t.Errorf("by path beside labels.txt: %v", err)
	}
	os.WriteFile(filepath.Join(models, QuantLabels), []byte("background\ntench\n"), 0o644)
	if _, err := Open(ctx, name, nil); err == nil || !strings.Contains(err.Error(), filepath.Join(models, QuantLabels)+": 2 labels") {
		t.Errorf("short %s: %v", QuantLabels, err)
	}
}

// TestOpenOtherVariant: a folder named as one variant but holding
// another's weights is refused by name (it would run the wrong network
// at the wrong size), and opens by path.
func TestOpenOtherVariant(t *testing.T) {
	models := noModels(t)
	w, err := randweights.New(mobilenet.Config{Alpha: 0.25, Size: 128, Classes: 1000}, 1)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(models, "mobilenet_v1_0.50_160")
	if err := tfjs.Save(dir, w); err != nil {
		t.Fatal(err)
	}
	_, err = Open(context.Background(), "mobilenet_v1_0.50_160", nil)
	if err == nil || err.Error() != dir+": holds alpha 0.25 at 128x128, not mobilenet_v1_0.50_160 (alpha 0.50 at 160x160)" {
		t.Errorf("other variant by name: %v", err)
	}
	m, err := Open(context.Background(), dir, nil)
	if err != nil || m.Name != "mobilenet_v1_0.25_128" {
		t.Errorf("by path: %v, %+v", err, m)
	}
}

// TestOpenNeither: a .tflite that is neither a classifier livecam runs
// nor a detector, or no TFLite at all, a folder holding no model or two
// .tflite files, or a classifier asked to detect, is refused with one
// line naming the file or folder and the problem.
func TestOpenNeither(t *testing.T) {
	noModels(t)
	dir := t.TempDir()
	v2 := shareddata.Path(t, "models", "tflite", "mobilenet_v2_1.0_224_quant.tflite")
	v1 := shareddata.Path(t, "models", "tflite", "mobilenet_v1_0.25_128_quant.tflite")
	text := filepath.Join(dir, "text.tflite")
	os.WriteFile(text, []byte("this is not a model\n"), 0o644)
	notes := filepath.Join(dir, "notes.txt")
	os.WriteFile(notes, []byte("hello\n"), 0o644)
	empty := t.TempDir()
	os.WriteFile(filepath.Join(empty, "README"), []byte("no model here\n"), 0o644)
	two := t.TempDir()
	for _, name := range []string{"b.tflite", "a.tflite"} {
		os.WriteFile(filepath.Join(two, name), []byte("not read\n"), 0o644)
	}
	for _, c := range []struct {
		path string
		task Task
		want string
	}{
		{v2, "", v2 + ": operator 9 (ADD): unsupported operator"},
		{text, "", text + ": not a well-formed TFLite file (no TFL3 identifier)"},
		{notes, "", notes + ": not a folder holding model.json, nor a .tflite file"},
		{empty, "", empty + ": holds neither model.json nor a .tflite file"},
		{two, "", two + ": holds 2 .tflite files (a.tflite, b.tflite) and no model.json: name one"},
		{v1, Detect, v1 + ": not a detection model: its graph has no TFLite_Detection_PostProcess and 1 output(s), want the 4 of a detection postprocess"},
	} {
		_, err := Open(context.Background(), c.path, &OpenOptions{Task: c.task})
		if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: %v; want %q", filepath.Base(c.path), err, c.want)
		}
	}
}

// TestOpenFetch downloads a missing catalogue model from a local server
// only when OpenOptions.Fetch says so, logs it, and opens it; a
// cancelled context stops the download.
func TestOpenFetch(t *testing.T) {
	noModels(t)
	pub := &publisher{src: shareddata.Path(t, "models", "tflite")}
	ts := httptest.NewServer(pub)
	defer ts.Close()
	dest := t.TempDir()
	const name = "mobilenet_v1_0.25_128_quant"
	fo := &FetchOptions{BaseURL: ts.URL, Dest: dest, Client: ts.Client()}
	if _, err := Open(context.Background(), name, &OpenOptions{FetchOptions: fo}); !errors.Is(err, ErrNotFound) || len(pub.asked) != 0 {
		t.Fatalf("without Fetch: %v, asked %v", err, pub.asked)
	}
	var logged []string
	opts := &OpenOptions{Fetch: true, FetchOptions: fo, Logf: func(f string, a ...any) { logged = append(logged, f) }}
	t.Setenv(EnvDir, dest)
	m, err := Open(context.Background(), name, opts)
	if err != nil {
		t.Fatal(err)
	}
	if m.Path != filepath.Join(dest, name, name+".tflite") || m.Name != name || m.Classifier.Labels().Name(286) != "Egyptian cat" || len(logged) != 1 {
		t.Errorf("fetched: %+v, logged %q", m, logged)
	}
	n := len(pub.asked)
	if _, err := Open(context.Background(), name, opts); err != nil || len(pub.asked) != n {
		t.Errorf("installed: fetched again (%v), %v", pub.asked[n:], err)
	}

	// Cancelled while downloading.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	block := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cancel()
		select { // the download's context ends the request
		case <-r.Context().Done():
		case <-time.After(20 * time.Second):
		}
	}))
	defer block.Close()
	_, err = Open(ctx, "mobilenet_v1_0.5_160_quant", &OpenOptions{Fetch: true, FetchOptions: &FetchOptions{BaseURL: block.URL, Dest: dest}})
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "mobilenet_v1_0.5_160_quant") {
		t.Errorf("cancelled: %v", err)
	}
	noPartials(t, dest)
}
