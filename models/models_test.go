package models

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/livecam/livecam/internal/randweights"
	"github.com/livecam/livecam/internal/testrig/shareddata"
	"github.com/livecam/livecam/net/mobilenet"
	"github.com/livecam/livecam/net/tfjs"
)

func TestVariants(t *testing.T) {
	vs := Variants()
	if len(vs) != 21 {
		t.Fatalf("%d variants, want 16 float, 3 quantized V1, 1 V2 and the detector", len(vs))
	}
	for _, v := range vs[:16] {
		if v.Quantized || v.Task != Classify || v.Arch != "mobilenet_v1" || v.File != "" || v.Labels != "" {
			t.Errorf("%+v: want a float32 MobileNet V1 classifier in a TF.js folder", v)
		}
	}
	for _, v := range vs[16:20] {
		if !v.Quantized || v.Task != Classify || v.Config.Classes != 1001 || v.File != v.Name+".tflite" || v.Labels != QuantLabels {
			t.Errorf("%+v: want a quantized classifier of 1001 classes in NAME.tflite with %s", v, QuantLabels)
		}
	}
	for _, v := range vs[16:] {
		if sha256Sums[v.Name][v.File] == "" || labelsSums[v.Labels] == "" {
			t.Errorf("%s: no checksum for %s or %s", v.Name, v.File, v.Labels)
		}
	}
	names := map[string]bool{}
	for _, v := range vs {
		if names[v.Name] {
			t.Errorf("%s listed twice", v.Name)
		}
		names[v.Name] = true
	}
	for _, want := range []string{"mobilenet_v1_0.25_128", "mobilenet_v1_0.50_160", "mobilenet_v1_1.0_224", Default, "mobilenet_v1_0.75_192_quant"} {
		if _, ok := Lookup(want); !ok {
			t.Errorf("Lookup(%q) failed", want)
		}
	}
	if _, ok := Lookup("mobilenet_v1_0.75_100"); ok {
		t.Error("found a variant that was never published")
	}
}

func TestResolve(t *testing.T) {
	models := shareddata.Path(t, "models")
	t.Setenv(EnvDir, models)
	dir, err := Resolve("")
	if err != nil {
		t.Fatal(err)
	}
	if dir != filepath.Join(models, Default) {
		t.Errorf("Resolve = %q", dir)
	}
	t.Setenv(EnvDir, t.TempDir())
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	_, err = Resolve("mobilenet_v1_1.0_224")
	if !errors.Is(err, ErrNotFound) || errors.Is(err, ErrUnknownVariant) || !strings.Contains(err.Error(), "mobilenet_v1_1.0_224 is not in") {
		t.Errorf("missing model: %v", err)
	}
	if _, err := Resolve("../etc"); err == nil {
		t.Error("a path was accepted as a model name")
	}
}

// TestResolveQuantized finds the shared quantized files where Coral's
// layout puts them (D/tflite/NAME.tflite) and where Fetch installs them
// (D/NAME/NAME.tflite), and verifies them against their checksums.
func TestResolveQuantized(t *testing.T) {
	models := shareddata.Path(t, "models")
	t.Setenv(EnvDir, models)
	for _, c := range []struct{ name, file string }{
		{"mobilenet_v1_0.25_128_quant", "mobilenet_v1_0.25_128_quant.tflite"},
		{"mobilenet_v1_0.5_160_quant", "mobilenet_v1_0.5_160_quant.tflite"},
		{"mobilenet_v1_0.75_192_quant", "mobilenet_v1_0.75_192_quant.tflite"},
		{"mobilenet_v2_1.0_224_quant", "mobilenet_v2_1.0_224_quant.tflite"},
		{"coco_ssd_mobilenet_v1", "coco_ssd_mobilenet_v1_1.0_quant_2018_06_29.tflite"},
	} {
		p, err := Resolve(c.name)
		if err != nil {
			t.Fatal(err)
		}
		if p != filepath.Join(models, "tflite", c.file) {
			t.Errorf("Resolve(%s) = %s", c.name, p)
		}
		if err := Verify(c.name, filepath.Dir(p)); err != nil {
			t.Errorf("%s: %v", c.name, err)
		}
		v, _ := Lookup(c.name)
		if err := checkTFLite(v, p); err != nil {
			t.Errorf("%s: %v", c.name, err)
		}
		lp := v.LabelsPath(p)
		if lp != filepath.Join(models, "tflite", v.Labels) {
			t.Errorf("%s: labels at %q", c.name, lp)
		}
		if _, err := v.ReadLabels(lp); err != nil {
			t.Errorf("%s: %v", c.name, err)
		}
	}
	d := t.TempDir()
	t.Setenv(EnvDir, d)
	if _, err := Resolve("mobilenet_v1_0.5_160_quant"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("nothing installed: %v", err)
	}
	os.MkdirAll(filepath.Join(d, "mobilenet_v1_0.5_160_quant"), 0o755)
	want := filepath.Join(d, "mobilenet_v1_0.5_160_quant", "mobilenet_v1_0.5_160_quant.tflite")
	os.WriteFile(want, []byte("TFL3"), 0o644)
	if p, err := Resolve("mobilenet_v1_0.5_160_quant"); err != nil || p != want {
		t.Errorf("installed layout: %q, %v", p, err)
	}
	if err := Verify("mobilenet_v1_0.5_160_quant", filepath.Dir(want)); !errors.Is(err, ErrChanged) {
		t.Errorf("a damaged file verified: %v", err)
	}
}

// TestFetchQuantized downloads a quantized variant and its labels from a
// local server holding the shared copies, and refuses a damaged file
// without touching what was installed.
func TestFetchQuantized(t *testing.T) {
	src := shareddata.Path(t, "models", "tflite")
	var damage atomic.Bool
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		data, err := os.ReadFile(filepath.Join(src, filepath.Base(r.URL.Path)))
		if err != nil {
			http.NotFound(w, r)
			return
		}
		if damage.Load() && strings.HasSuffix(r.URL.Path, ".tflite") {
			data[len(data)/2] ^= 1
		}
		w.Write(data)
	}))
	defer ts.Close()
	dest := t.TempDir()
	name := "mobilenet_v1_0.25_128_quant"
	p, err := Fetch(context.Background(), name, &FetchOptions{BaseURL: ts.URL, Dest: dest})
	if err != nil {
		t.Fatal(err)
	}
	if p != filepath.Join(dest, name, name+".tflite") {
		t.Errorf("installed at %s", p)
	}
	if _, err := os.Stat(filepath.Join(dest, name, QuantLabels)); err != nil {
		t.Errorf("labels not installed: %v", err)
	}
	t.Setenv(EnvDir, dest)
	if got, err := Resolve(name); err != nil || got != p {
		t.Errorf("Resolve after Fetch: %q, %v", got, err)
	}
	damage.Store(true)
	if _, err := Fetch(context.Background(), name, &FetchOptions{BaseURL: ts.URL, Dest: dest}); err == nil || !strings.Contains(err.Error(), "SHA-256") {
		t.Fatalf("damaged download: %v", err)
	}
	if err := Verify(name, filepath.Dir(p)); err != nil {
		t.Errorf("the installed copy changed after a failed fetch: %v", err)
	}
	entries, _ := os.ReadDir(dest)
	if len(entries) != 1 {
		t.Errorf("left behind: %v", entries)
	}
}

// server serves model folders under /NAME/ and lets a test damage files.
type server struct {
	dirs   map[string]string // variant name -> folder
	damage func(file string, data []byte) []byte
	hits   atomic.Int64
}

func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.hits.Add(1)
	parts := strings.SplitN(strings.TrimPrefix(r.URL.Path, "/"), "/", 2)
	dir, ok := s.dirs[parts[0]]
	if !ok || len(parts) != 2 || strings.Contains(parts[1], "/") {
		http.NotFound(w, r)
		return
	}
	data, err := os.ReadFile(filepath.Join(dir, parts[1]))
	if err != nil {
		http.NotFound(w, r)
		return
	}
	if s.damage != nil {
		data = s.damage(parts[1], data)
	}
	w.Write(data)
}

func fetchFrom(t *testing.T, s *server, dest string) (string, error) {
	ts := httptest.NewServer(s)
	defer ts.Close()
	var last, total int64
	dir, err := Fetch(context.Background(), Default, &FetchOptions{BaseURL: ts.URL, Dest: dest, Client: ts.Client(),
		Progress: func(d, tot int64) { last, total = d, tot }})
	if err == nil && (last != total || total == 0) {
		t.Errorf("progress ended at %d of %d", last, total)
	}
	return dir, err
}

func noPartials(t *testing.T, dest string) {
	t.Helper()
	entries, _ := os.ReadDir(dest)
	for _, e := range entries {
		if strings.Contains(e.Name(), "partial") || strings.HasSuffix(e.Name(), ".old") {
			t.Errorf("left behind %s", e.Name())
		}
	}
}

func TestFetch(t *testing.T) {
	real := shareddata.Path(t, "models", Default)
	dest := t.TempDir()
	s := &server{dirs: map[string]string{Default: real}}
	dir, err := fetchFrom(t, s, dest)
	if err != nil {
		t.Fatal(err)
	}
	if err := Verify(Default, dir); err != nil {
		t.Fatal(err)
	}
	if _, err := tfjs.LoadWeights(dir); err != nil {
		t.Fatal(err)
	}
	noPartials(t, dest)
	t.Setenv(EnvDir, dest)
	if got, err := Resolve(Default); err != nil || got != dir {
		t.Errorf("Resolve after fetch = %q, %v", got, err)
	}
}

func TestFetchRejectsDamage(t *testing.T) {
	real := shareddata.Path(t, "models", Default)
	cases := map[string]func(file string, data []byte) []byte{
		"truncated shard": func(file string, data []byte) []byte {
			if file == "group29-shard1of1" {
				return data[:len(data)-100]
			}
			return data
		},
		"oversized shard": func(file string, data []byte) []byte {
			if file == "group3-shard1of1" {
				return append(data, 0, 0, 0, 0)
			}
			return data
		},
		"changed bytes": func(file string, data []byte) []byte {
			if file == "group12-shard1of1" {
				data = append([]byte(nil), data...)
				data[10] ^= 1
			}
			return data
		},
		"malformed model.json": func(file string, data []byte) []byte {
			if file == "model.json" {
				return data[:100]
			}
			return data
		},
	}
	for name, damage := range cases {
		t.Run(name, func(t *testing.T) {
			dest := t.TempDir()
			// An installed model must survive a failed fetch.
			if err := os.MkdirAll(filepath.Join(dest, Default), 0o755); err != nil {
				t.Fatal(err)
			}
			os.WriteFile(filepath.Join(dest, Default, "marker"), []byte("old"), 0o644)
			_, err := fetchFrom(t, &server{dirs: map[string]string{Default: real}, damage: damage}, dest)
			if err == nil {
				t.Fatal("damaged download accepted")
			}
			t.Log(err)
			if _, err := os.Stat(filepath.Join(dest, Default, "marker")); err != nil {
				t.Error("the installed model was disturbed")
			}
			noPartials(t, dest)
		})
	}
}

func TestFetchUnknownAndMissing(t *testing.T) {
	if _, err := Fetch(context.Background(), "resnet50", &FetchOptions{Dest: t.TempDir()}); err == nil {
		t.Error("fetched an unknown variant")
	}
	dest := t.TempDir()
	_, err := fetchFrom(t, &server{dirs: map[string]string{}}, dest)
	if err == nil || !strings.Contains(err.Error(), "404") {
		t.Errorf("missing on server: %v", err)
	}
	noPartials(t, dest)
}

// TestFetchUnhashedVariant fetches a variant with no checksums on record
// (generated weights stand in for it): only the manifest's byte counts
// protect it, so a truncated shard must still be refused.
func TestFetchUnhashedVariant(t *testing.T) {
	const name = "mobilenet_v1_0.25_128"
	w, err := randweights.New(mobilenet.Config{Alpha: 0.25, Size: 128, Classes: 1000}, 1)
	if err != nil {
		t.Fatal(err)
	}
	src := t.TempDir()
	if err := tfjs.Save(src, w); err != nil {
		t.Fatal(err)
	}
	for _, truncate := range []bool{false, true} {
		s := &server{dirs: map[string]string{name: src}}
		if truncate {
			s.damage = func(file string, data []byte) []byte {
				if file == "group5-shard1of1" {
					return data[:len(data)-8]
				}
				return data
			}
		}
		ts := httptest.NewServer(s)
		dest := t.TempDir()
		dir, err := Fetch(context.Background(), name, &FetchOptions{BaseURL: ts.URL, Dest: dest, Client: ts.Client()})
		ts.Close()
		if truncate {
			if err == nil || !strings.Contains(err.Error(), "manifest needs") {
				t.Errorf("truncated shard: %v", err)
			}
			noPartials(t, dest)
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		got, err := tfjs.LoadWeights(dir)
		if err != nil || got.Config != w.Config {
			t.Fatalf("fetched model: %v, %+v", err, got)
		}
	}
}
