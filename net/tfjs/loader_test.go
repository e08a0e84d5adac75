package tfjs_test

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/livecam/livecam/internal/randweights"
	"github.com/livecam/livecam/internal/testrig/shareddata"
	"github.com/livecam/livecam/net/mobilenet"
	"github.com/livecam/livecam/net/tfjs"
)

// smallModel writes a tiny generated model and returns its directory.
func smallModel(tb testing.TB) string {
	tb.Helper()
	w, err := randweights.New(mobilenet.Config{Alpha: 0.25, Size: 32, Classes: 3}, 7)
	if err != nil {
		tb.Fatal(err)
	}
	w.Labels = &mobilenet.Labels{Names: []string{"cat", "dog", "fish"}}
	dir := tb.TempDir()
	if err := tfjs.Save(dir, w); err != nil {
		tb.Fatal(err)
	}
	return dir
}

func editJSON(t *testing.T, dir string, edit func(m map[string]any)) {
	t.Helper()
	p := filepath.Join(dir, tfjs.ModelJSON)
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	edit(m)
	if data, err = json.Marshal(m); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func manifestWeight(m map[string]any, group, weight int) map[string]any {
	g := m["weightsManifest"].([]any)[group].(map[string]any)
	return g["weights"].([]any)[weight].(map[string]any)
}

func TestLoadRealModel(t *testing.T) {
	w, err := tfjs.LoadWeights(shareddata.Path(t, "models", "mobilenet_v1_0.75_224"))
	if err != nil {
		t.Fatal(err)
	}
	if w.Config != mobilenet.DefaultConfig {
		t.Errorf("config %+v, want %+v", w.Config, mobilenet.DefaultConfig)
	}
	if got := w.Labels.Name(281); got != "tabby, tabby cat" {
		t.Errorf("label 281 = %q", got)
	}
	if got := w.Labels.WNID(281); got != "n02123045" {
		t.Errorf("wnid 281 = %q", got)
	}
	if e := w.Epsilon["conv_pw_13_bn"]; e != 0.001 {
		t.Errorf("epsilon %v, want 0.001", e)
	}
}

func TestLoadErrors(t *testing.T) {
	cases := []struct {
		name       string
		damage     func(t *testing.T, dir string)
		file, want string // the error must name file (base name) and contain want
	}{
		{"missing model.json", func(t *testing.T, dir string) {
			os.Remove(filepath.Join(dir, "model.json"))
		}, "model.json", "no such file"},
		{"malformed JSON", func(t *testing.T, dir string) {
			os.WriteFile(filepath.Join(dir, "model.json"), []byte(`{"modelTopology": {`), 0o644)
		}, "model.json", "malformed JSON"},
		{"not a layers model", func(t *testing.T, dir string) {
			os.WriteFile(filepath.Join(dir, "model.json"), []byte(`{"modelTopology": {}}`), 0o644)
		}, "model.json", "no weightsManifest"},
		{"missing shard", func(t *testing.T, dir string) {
			os.Remove(filepath.Join(dir, "group5-shard1of1"))
		}, "group5-shard1of1", "cannot read shard"},
		{"truncated shard", func(t *testing.T, dir string) {
			p := filepath.Join(dir, "group3-shard1of1")
			st, _ := os.Stat(p)
			os.Truncate(p, st.Size()-4)
		}, "group3-shard1of1", "truncated"},
		{"oversized shard", func(t *testing.T, dir string) {
			f, _ := os.OpenFile(filepath.Join(dir, "group3-shard1of1"), os.O_APPEND|os.O_WRONLY, 0)
			f.Write([]byte{1, 2, 3, 4})
			f.Close()
		}, "group3-shard1of1", "longer than its weights"},
		{"wrong shape", func(t *testing.T, dir string) {
			editJSON(t, dir, func(m map[string]any) {
				// conv_dw_1 is group 3; swap its shape for one of equal size.
				manifestWeight(m, 2, 0)["shape"] = []int{3, 3, 1, 8}
			})
		}, "model.json", `"conv_dw_1/depthwise_kernel": shape [3 3 1 8], want [3 3 8 1]`},
		{"unknown tensor", func(t *testing.T, dir string) {
			editJSON(t, dir, func(m map[string]any) { manifestWeight(m, 2, 0)["name"] = "conv_dw_1/other" })
		}, "model.json", `"conv_dw_1/depthwise_kernel": missing`},
		{"wrong dtype", func(t *testing.T, dir string) {
			editJSON(t, dir, func(m map[string]any) { manifestWeight(m, 0, 0)["dtype"] = "int32" })
		}, "model.json", `"conv1/kernel": dtype "int32"`},
		{"quantized", func(t *testing.T, dir string) {
			editJSON(t, dir, func(m map[string]any) {
				manifestWeight(m, 0, 0)["quantization"] = map[string]any{"dtype": "uint8", "scale": 1}
			})
		}, "model.json", "quantized"},
		{"path leaves the directory", func(t *testing.T, dir string) {
			editJSON(t, dir, func(m map[string]any) {
				m["weightsManifest"].([]any)[0].(map[string]any)["paths"] = []string{"../../etc/passwd"}
			})
		}, "model.json", "leaves the model directory"},
		{"NaN weight", func(t *testing.T, dir string) { poke(t, dir, "group7-shard1of1", 5, float32(math.NaN())) },
			"group7-shard1of1", "NaN"},
		{"Inf weight", func(t *testing.T, dir string) { poke(t, dir, "group2-shard1of1", 0, float32(math.Inf(1))) },
			"group2-shard1of1", "+Inf"},
		{"labels do not match classes", func(t *testing.T, dir string) {
			os.WriteFile(filepath.Join(dir, "metadata.json"), []byte(`{"labels":["a","b"]}`), 0o644)
		}, "metadata.json", "2 labels for a model with 3 classes"},
		{"size not a multiple of 32", func(t *testing.T, dir string) {
			editJSON(t, dir, func(m map[string]any) {
				l := m["modelTopology"].(map[string]any)["config"].(map[string]any)["layers"].([]any)[0]
				l.(map[string]any)["config"].(map[string]any)["batch_input_shape"] = []any{nil, 100, 100, 3}
			})
		}, "model.json", "not a multiple of 32"},
	}
	for _, tc := range cases {
		if tc.file == "" || tc.want == "" {
			t.Fatalf("case %q: every error must name a file and say something", tc.name)
		}
		t.Run(tc.name, func(t *testing.T) {
			dir := smallModel(t)
			tc.damage(t, dir)
			_, err := tfjs.Load(dir)
			if err == nil {
				t.Fatal("no error")
			}
			t.Log(err)
			var le *tfjs.LoadError
			if !errors.As(err, &le) {
				t.Errorf("error %T is not a *LoadError: %v", err, err)
			}
			if !strings.Contains(err.Error(), tc.file) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q should name %q and say %q", err, tc.file, tc.want)
			}
		})
	}
}

// poke overwrites value i of a shard file.
func poke(t *testing.T, dir, shard string, i int, v float32) {
	t.Helper()
	p := filepath.Join(dir, shard)
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	binary.LittleEndian.PutUint32(data[4*i:], math.Float32bits(v))
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// FuzzLoad feeds the loader damaged model.json files and a damaged shard:
// every outcome must be a model or a *LoadError, never a panic.
func FuzzLoad(f *testing.F) {
	base := smallModel(f)
	orig, err := os.ReadFile(filepath.Join(base, tfjs.ModelJSON))
	if err != nil {
		f.Fatal(err)
	}
	shard, err := os.ReadFile(filepath.Join(base, "group1-shard1of1"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(orig, shard)
	f.Add(orig[:len(orig)/2], shard[:len(shard)/2])
	f.Add([]byte(`{"weightsManifest":[{"paths":["group1-shard1of1"],"weights":[{"name":"conv1/kernel","shape":[3,3,3,-8],"dtype":"float32"}]}]}`), shard)
	f.Add([]byte(`{"weightsManifest":[{"paths":[],"weights":[]}]}`), shard)
	f.Add([]byte(`{"weightsManifest":[{"paths":["group1-shard1of1"],"weights":[{"name":"conv1/kernel","shape":[1000000,1000000,1000000],"dtype":"float32"}]}]}`), shard)
	f.Fuzz(func(t *testing.T, modelJSON, shard1 []byte) {
		dir := t.TempDir()
		entries, _ := os.ReadDir(base)
		for _, e := range entries {
			data, _ := os.ReadFile(filepath.Join(base, e.Name()))
			os.WriteFile(filepath.Join(dir, e.Name()), data, 0o644)
		}
		os.WriteFile(filepath.Join(dir, tfjs.ModelJSON), modelJSON, 0o644)
		os.WriteFile(filepath.Join(dir, "group1-shard1of1"), shard1, 0o644)
		m, err := tfjs.Load(dir)
		if err != nil {
			var le *tfjs.LoadError
			if !errors.As(err, &le) {
				t.Fatalf("error %T is not a *LoadError: %v", err, err)
			}
			return
		}
		if m.Config().Size > 64 || m.Config().Classes > 1000 {
			return // a valid but large network: loading it was the test
		}
		r := m.NewRunner(1)
		defer r.Close()
		logits := make([]float32, m.Classes())
		if err := r.Forward(logits, make([]float32, m.InputLen())); err != nil {
			t.Fatal(err)
		}
	})
}
