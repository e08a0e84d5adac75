package tfjs

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"

	"github.com/livecam/livecam/net/internal/safefile"
	"github.com/livecam/livecam/net/mobilenet"
)

// LoadError is the error the loader returns: the file it concerns, the
// tensor when there is one, and what is wrong.
type LoadError struct {
	File   string
	Tensor string
	Err    error
}

// Error returns "file: tensor \"name\": problem", or "file: problem".
func (e *LoadError) Error() string {
	if e.Tensor != "" {
		return fmt.Sprintf("%s: tensor %q: %v", e.File, e.Tensor, e.Err)
	}
	return fmt.Sprintf("%s: %v", e.File, e.Err)
}

// Unwrap returns the underlying problem.
func (e *LoadError) Unwrap() error { return e.Err }

// ModelJSON is the name of the TF.js layers-format topology file.
const ModelJSON = "model.json"

// Limits that keep a hostile or damaged model from exhausting memory.
const (
	maxModelJSON = 64 << 20
	maxValues    = 1 << 28 // 1 GiB of float32
)

type tfjsWeight struct {
	Name         string          `json:"name"`
	Shape        []int           `json:"shape"`
	Dtype        string          `json:"dtype"`
	Quantization json.RawMessage `json:"quantization,omitempty"`
}

type tfjsGroup struct {
	Paths   []string     `json:"paths"`
	Weights []tfjsWeight `json:"weights"`
}

type kerasLayer struct {
	ClassName string `json:"class_name"`
	Config    struct {
		Name            string   `json:"name"`
		BatchInputShape []*int   `json:"batch_input_shape"`
		BatchShape      []*int   `json:"batch_shape"`
		Epsilon         *float64 `json:"epsilon"`
		Filters         int      `json:"filters"`
	} `json:"config"`
}

type kerasModel struct {
	ClassName string `json:"class_name"`
	Config    struct {
		Layers []kerasLayer `json:"layers"`
	} `json:"config"`
}

type tfjsFile struct {
	Format        string `json:"format,omitempty"`
	GeneratedBy   string `json:"generatedBy,omitempty"`
	ModelTopology struct {
		// Old converters wrap the Keras model in model_config; newer ones
		// put class_name and config at the top.
		ModelConfig *kerasModel `json:"model_config,omitempty"`
		kerasModel
		KerasVersion string `json:"keras_version,omitempty"`
		Backend      string `json:"backend,omitempty"`
	} `json:"modelTopology"`
	WeightsManifest []tfjsGroup `json:"weightsManifest"`
}

func (f *tfjsFile) layers() []kerasLayer {
	if f.ModelTopology.ModelConfig != nil {
		return f.ModelTopology.ModelConfig.Config.Layers
	}
	return f.ModelTopology.Config.Layers
}

// LoadWeights reads a MobileNet V1 saved in the TensorFlow.js layers format:
// dir/model.json and the binary shards its weightsManifest lists. It infers
// alpha from the first convolution, the class count from the classifier and
// the input size from the input layer, then checks every tensor's name,
// shape, dtype, byte count and values against that architecture. Labels are
// taken from metadata.json or a labels table in dir, or from
// imagenet_classes.tsv in dir's parent. Every error is a *LoadError naming
// the file and, where there is one, the tensor.
func LoadWeights(dir string) (*mobilenet.Weights, error) {
	jsonPath := filepath.Join(dir, ModelJSON)
	sums := map[string][32]byte{}
	f, err := readModelJSON(jsonPath, sums)
	if err != nil {
		return nil, err
	}
	tensors, err := readShards(dir, jsonPath, f.WeightsManifest, sums)
	if err != nil {
		return nil, err
	}
	w := &mobilenet.Weights{Tensors: map[string][]float32{}, Epsilon: map[string]float64{}, SHA256: sums}
	for name, t := range tensors {
		w.Tensors[name] = t.data
	}
	if err := inferConfig(w, f, tensors, dir, jsonPath); err != nil {
		return nil, err
	}
	specs := w.Config.TensorSpecs()
	want := make(map[string]bool, len(specs))
	for _, s := range specs {
		want[s.Name] = true
		t, ok := tensors[s.Name]
		if !ok {
			return nil, &LoadError{File: jsonPath, Tensor: s.Name, Err: fmt.Errorf("missing from weightsManifest (alpha %v, size %d needs shape %v)", w.Config.Alpha, w.Config.Size, s.Shape)}
		}
		if !slices.Equal(t.shape, s.Shape) {
			return nil, &LoadError{File: jsonPath, Tensor: s.Name, Err: fmt.Errorf("shape %v, want %v for alpha %v with %d classes", t.shape, s.Shape, w.Config.Alpha, w.Config.Classes)}
		}
	}
	for name, t := range tensors {
		if !want[name] {
			return nil, &LoadError{File: t.file, Tensor: name, Err: errors.New("not a MobileNet V1 tensor")}
		}
	}
	labels, err := findLabels(dir, w.Config.Classes)
	if err != nil {
		return nil, err
	}
	w.Labels = labels
	return w, nil
}

func readModelJSON(path string, sums map[string][32]byte) (*tfjsFile, error) {
	data, err := safefile.ReadBounded(path, maxModelJSON)
	if err != nil {
		return nil, &LoadError{File: path, Err: cause(err)}
	}
	sums[filepath.Base(path)] = sha256.Sum256(data)
	var f tfjsFile
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, &LoadError{File: path, Err: fmt.Errorf("malformed JSON: %v", err)}
	}
	if len(f.WeightsManifest) == 0 {
		return nil, &LoadError{File: path, Err: errors.New("no weightsManifest: not a TF.js layers model")}
	}
	return &f, nil
}

type loadedTensor struct {
	shape []int
	data  []float32
	file  string // the shard holding its first byte
}

// readShards reads every weight group: the concatenation of its shard files
// holds its tensors back to back, little-endian float32.
func readShards(dir, jsonPath string, groups []tfjsGroup, sums map[string][32]byte) (map[string]loadedTensor, error) {
	tensors := map[string]loadedTensor{}
	total := 0
	for gi, g := range groups {
		if len(g.Paths) == 0 {
			return nil, &LoadError{File: jsonPath, Err: fmt.Errorf("weight group %d lists no shard files", gi+1)}
		}
		need := 0
		for _, w := range g.Weights {
			if w.Dtype != "float32" {
				return nil, &LoadError{File: jsonPath, Tensor: w.Name, Err: fmt.Errorf("dtype %q, only float32 is supported", w.Dtype)}
			}
			if len(w.Quantization) > 0 && string(w.Quantization) != "null" {
				return nil, &LoadError{File: jsonPath, Tensor: w.Name, Err: errors.New("quantized weights are not supported")}
			}
			n, err := shapeLen(w.Shape)
			if err != nil {
				return nil, &LoadError{File: jsonPath, Tensor: w.Name, Err: err}
			}
			if _, dup := tensors[w.Name]; dup {
				return nil, &LoadError{File: jsonPath, Tensor: w.Name, Err: errors.New("listed twice")}
			}
			tensors[w.Name] = loadedTensor{} // reserve the name
			need += n
			total += n
			if total > maxValues {
				return nil, &LoadError{File: jsonPath, Err: fmt.Errorf("weights exceed %d values", maxValues)}
			}
		}
		buf, files, err := readGroup(dir, jsonPath, g.Paths, 4*need, sums)
		if err != nil {
			return nil, err
		}
		off := 0
		for _, w := range g.Weights {
			n, _ := shapeLen(w.Shape)
			file := files.at(4 * off)
			vals := make([]float32, n)
			for i := range vals {
				vals[i] = math.Float32frombits(binary.LittleEndian.Uint32(buf[4*(off+i):]))
			}
			if i := nonFinite(vals); i >= 0 {
				return nil, &LoadError{File: files.at(4 * (off + i)), Tensor: w.Name, Err: fmt.Errorf("value %d is %v", i, vals[i])}
			}
			tensors[w.Name] = loadedTensor{shape: w.Shape, data: vals, file: file}
			off += n
		}
	}
	return tensors, nil
}

// shardSpans maps byte offsets in a group's concatenation to shard files.
type shardSpans struct {
	names []string
	ends  []int
}

func (s shardSpans) at(off int) string {
	for i, e := range s.ends {
		if off < e {
			return s.names[i]
		}
	}
	return s.names[len(s.names)-1]
}

// readGroup reads the shard files of one group and checks that together
// they hold exactly want bytes; it records each file's SHA-256 in sums.
func readGroup(dir, jsonPath string, paths []string, want int, sums map[string][32]byte) ([]byte, shardSpans, error) {
	var spans shardSpans
	buf := make([]byte, 0, want)
	for _, p := range paths {
		if !filepath.IsLocal(p) {
			return nil, spans, &LoadError{File: jsonPath, Err: fmt.Errorf("shard path %q leaves the model directory", p)}
		}
		full := filepath.Join(dir, p)
		fh, err := safefile.OpenRegular(full)
		if err != nil {
			return nil, spans, &LoadError{File: full, Err: fmt.Errorf("cannot read shard: %v", cause(err))}
		}
		// Read at most one byte past what the group needs, so an
		// oversized file cannot exhaust memory; hash while reading.
		h := sha256.New()
		start := len(buf)
		_, err = io.Copy(sliceWriter{&buf}, io.TeeReader(io.LimitReader(fh, int64(want-len(buf)+1)), h))
		fh.Close()
		if len(buf)-start > 0 {
			sums[filepath.ToSlash(p)] = [32]byte(h.Sum(nil))
		}
		if err != nil {
			return nil, spans, &LoadError{File: full, Err: cause(err)}
		}
		spans.names = append(spans.names, full)
		spans.ends = append(spans.ends, len(buf))
		if len(buf) > want {
			return nil, spans, &LoadError{File: full, Err: fmt.Errorf("shard is longer than its weights (%d bytes for the group's %d)", groupSize(dir, paths), want)}
		}
	}
	if len(buf) < want {
		return nil, spans, &LoadError{File: spans.names[len(spans.names)-1], Err: fmt.Errorf("shard truncated: group has %d bytes, its weights need %d", len(buf), want)}
	}
	return buf, spans, nil
}

// groupSize sums the sizes of the shard files, for error messages.
func groupSize(dir string, paths []string) int64 {
	var n int64
	for _, p := range paths {
		if st, err := os.Stat(filepath.Join(dir, p)); err == nil {
			n += st.Size()
		}
	}
	return n
}

// cause strips the path from an *os.PathError, since LoadError names the file.
func cause(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

type sliceWriter struct{ b *[]byte }

func (w sliceWriter) Write(p []byte) (int, error) {
	*w.b = append(*w.b, p...)
	return len(p), nil
}

func shapeLen(shape []int) (int, error) {
	n := 1
	for _, d := range shape {
		if d < 0 {
			return 0, fmt.Errorf("negative dimension in shape %v", shape)
		}
		if d > 0 && n > maxValues/d {
			return 0, fmt.Errorf("shape %v is too large", shape)
		}
		n *= d
	}
	return n, nil
}

var sizeInName = regexp.MustCompile(`_(\d+)$`)

// inferConfig derives alpha, class count, input size and BatchNorm epsilons.
func inferConfig(w *mobilenet.Weights, f *tfjsFile, tensors map[string]loadedTensor, dir, jsonPath string) error {
	conv1, ok := tensors["conv1/kernel"]
	if !ok {
		return &LoadError{File: jsonPath, Tensor: "conv1/kernel", Err: errors.New("missing: cannot infer alpha (is this a MobileNet V1?)")}
	}
	if len(conv1.shape) != 4 || conv1.shape[0] != 3 || conv1.shape[1] != 3 || conv1.shape[2] != 3 || conv1.shape[3] < 1 {
		return &LoadError{File: jsonPath, Tensor: "conv1/kernel", Err: fmt.Errorf("shape %v, want [3 3 3 int(32*alpha)]", conv1.shape)}
	}
	w.Config.Alpha = float64(conv1.shape[3]) / 32
	preds, ok := tensors["conv_preds/kernel"]
	if !ok || len(preds.shape) != 4 {
		return &LoadError{File: jsonPath, Tensor: "conv_preds/kernel", Err: fmt.Errorf("missing or not 4-D (shape %v): cannot infer the class count", preds.shape)}
	}
	w.Config.Classes = preds.shape[3]

	for _, l := range f.layers() {
		switch l.ClassName {
		case "InputLayer":
			shape := l.Config.BatchInputShape
			if shape == nil {
				shape = l.Config.BatchShape
			}
			if len(shape) == 4 && shape[1] != nil && shape[2] != nil {
				if *shape[1] != *shape[2] {
					return &LoadError{File: jsonPath, Err: fmt.Errorf("input %dx%d is not square", *shape[1], *shape[2])}
				}
				w.Config.Size = *shape[1]
			}
		case "BatchNormalization":
			if e := l.Config.Epsilon; e != nil {
				if !(*e > 0 && *e < 1) {
					return &LoadError{File: jsonPath, Err: fmt.Errorf("layer %q: epsilon %v out of range", l.Config.Name, *e)}
				}
				w.Epsilon[l.Config.Name] = *e
			}
		}
	}
	if w.Config.Size == 0 { // input size left open: take it from the name
		w.Config.Size = 224
		if m := sizeInName.FindStringSubmatch(filepath.Base(filepath.Clean(dir))); m != nil {
			if s, err := strconv.Atoi(m[1]); err == nil {
				w.Config.Size = s
			}
		}
	}
	if err := w.Config.Validate(); err != nil {
		return &LoadError{File: jsonPath, Err: err}
	}
	return nil
}

// Save writes w in the TensorFlow.js layers format that LoadWeights
// reads: dir/model.json with a minimal Keras topology (the input layer and
// the BatchNorm epsilons) and one shard file per layer. It exists so that
// tests and benchmarks can exercise variants whose real weights they lack.
func Save(dir string, w *mobilenet.Weights) error {
	if err := w.Check(); err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	size := w.Config.Size
	batch := []*int{nil, &size, &size, new(int)}
	*batch[3] = 3
	var f tfjsFile
	f.Format = "layers-model"
	f.GeneratedBy = "livecam"
	in := kerasLayer{ClassName: "InputLayer"}
	in.Config.Name = "input_1"
	in.Config.BatchInputShape = batch
	layers := []kerasLayer{in}
	var group *tfjsGroup
	for _, s := range w.Config.TensorSpecs() {
		layer := s.Name[:len(s.Name)-len(filepath.Base(s.Name))-1] // "conv1_bn/gamma" -> "conv1_bn"
		if group == nil || group.Paths[0] != layer {
			f.WeightsManifest = append(f.WeightsManifest, tfjsGroup{Paths: []string{layer}})
			group = &f.WeightsManifest[len(f.WeightsManifest)-1]
			if len(layer) > 3 && layer[len(layer)-3:] == "_bn" {
				bn := kerasLayer{ClassName: "BatchNormalization"}
				bn.Config.Name = layer
				e := w.BatchNormEpsilon(layer)
				bn.Config.Epsilon = &e
				layers = append(layers, bn)
			}
		}
		group.Weights = append(group.Weights, tfjsWeight{Name: s.Name, Shape: s.Shape, Dtype: "float32"})
	}
	f.ModelTopology.ClassName = "Model"
	f.ModelTopology.Config.Layers = layers
	for i := range f.WeightsManifest {
		g := &f.WeightsManifest[i]
		var buf []byte
		for _, t := range g.Weights {
			for _, v := range w.Tensors[t.Name] {
				buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(v))
			}
		}
		name := fmt.Sprintf("group%d-shard1of1", i+1)
		g.Paths[0] = name
		if err := os.WriteFile(filepath.Join(dir, name), buf, 0o644); err != nil {
			return err
		}
	}
	js, err := json.Marshal(&f)
	if err != nil {
		return err
	}
	if w.Labels != nil {
		meta, err := json.Marshal(struct {
			Labels []string `json:"labels"`
		}{w.Labels.Names})
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, "metadata.json"), meta, 0o644); err != nil {
			return err
		}
	}
	return os.WriteFile(filepath.Join(dir, ModelJSON), js, 0o644)
}

// ShardGroup is one entry of a TF.js weights manifest: the shard files that,
// concatenated, hold a group of tensors, and how many bytes those tensors
// need.
type ShardGroup struct {
	Paths []string
	Bytes int64
}

// ParseManifest reads the weights manifest of a TF.js layers model.json
// and returns its shard groups. It checks dtypes, shapes and shard paths as
// LoadWeights does, so a downloader can verify every shard it fetches.
func ParseManifest(modelJSON []byte) ([]ShardGroup, error) {
	var f tfjsFile
	if err := json.Unmarshal(modelJSON, &f); err != nil {
		return nil, fmt.Errorf("malformed JSON: %v", err)
	}
	if len(f.WeightsManifest) == 0 {
		return nil, errors.New("no weightsManifest: not a TF.js layers model")
	}
	groups := make([]ShardGroup, 0, len(f.WeightsManifest))
	total := 0
	for gi, g := range f.WeightsManifest {
		if len(g.Paths) == 0 {
			return nil, fmt.Errorf("weight group %d lists no shard files", gi+1)
		}
		for _, p := range g.Paths {
			if !filepath.IsLocal(p) || filepath.Base(p) != p {
				return nil, fmt.Errorf("shard path %q is not a plain file name", p)
			}
		}
		var bytes int64
		for _, w := range g.Weights {
			if w.Dtype != "float32" {
				return nil, fmt.Errorf("tensor %q: dtype %q, only float32 is supported", w.Name, w.Dtype)
			}
			n, err := shapeLen(w.Shape)
			if err != nil {
				return nil, fmt.Errorf("tensor %q: %v", w.Name, err)
			}
			if total += n; total > maxValues {
				return nil, fmt.Errorf("weights exceed %d values", maxValues)
			}
			bytes += 4 * int64(n)
		}
		groups = append(groups, ShardGroup{Paths: g.Paths, Bytes: bytes})
	}
	return groups, nil
}

// findLabels looks for labels beside a model directory: metadata.json or a
// labels table in the directory, else imagenet_classes.tsv in its parent (a
// models folder shares one class table among its models). WordNet ids are
// taken from a table with the same class count when the labels come from
// metadata.json. It returns nil, nil when there is nothing to find.
func findLabels(dir string, classes int) (*mobilenet.Labels, error) {
	var names *mobilenet.Labels
	for _, p := range []string{
		filepath.Join(dir, "metadata.json"),
		filepath.Join(dir, "labels.tsv"),
		filepath.Join(dir, "labels.txt"),
		filepath.Join(dir, "imagenet_classes.tsv"),
		filepath.Join(filepath.Dir(dir), "imagenet_classes.tsv"),
	} {
		if _, err := os.Stat(p); err != nil {
			continue
		}
		data, err := safefile.ReadBounded(p, mobilenet.MaxLabelsFile)
		if err != nil {
			return nil, &LoadError{File: p, Err: cause(err)}
		}
		l, err := mobilenet.ParseLabels(data)
		if err != nil {
			return nil, &LoadError{File: p, Err: err}
		}
		if l.Len() != classes {
			if filepath.Dir(p) != dir {
				continue // a shared class table for other models
			}
			return nil, &LoadError{File: p, Err: fmt.Errorf("%d labels for a model with %d classes", l.Len(), classes)}
		}
		if names == nil {
			names = l
		}
		if l.WNIDs != nil && names.WNIDs == nil {
			names.WNIDs = l.WNIDs
		}
		if names.WNIDs != nil {
			break
		}
	}
	return names, nil
}

// Load reads a model saved in the TensorFlow.js layers format (see
// LoadWeights) and prepares it to run.
func Load(dir string) (*mobilenet.Model, error) {
	w, err := LoadWeights(dir)
	if err != nil {
		return nil, err
	}
	m, err := mobilenet.NewModel(w)
	if err != nil {
		return nil, &LoadError{File: dir, Err: err}
	}
	return m, nil
}

// nonFinite returns the index of the first NaN or infinite value, or -1.
func nonFinite(t []float32) int {
	for i, v := range t {
		if f := float64(v); math.IsNaN(f) || math.IsInf(f, 0) {
			return i
		}
	}
	return -1
}
