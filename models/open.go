package models

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/livecam/livecam/net/mobilenet"
	"github.com/livecam/livecam/net/tfjs"
	"github.com/livecam/livecam/net/tflite"
)

// OpenOptions adjust Open. A nil *OpenOptions (or the zero value) opens
// the model with its own labels, for any task, and downloads nothing.
type OpenOptions struct {
	// Labels is a labels file to use instead of the model's own: one
	// label per line, a metadata.json or an index, wnid, label table
	// (see mobilenet.LoadLabels). A detector's labelmap may start with
	// its background line ("???" or "background"), which names no
	// class. It must name exactly the model's classes.
	Labels string
	// Task, when set, is the task the caller needs: a model of the
	// other task is refused with an error wrapping ErrWrongTask.
	Task Task
	// Fetch downloads a published model that no directory of
	// SearchPath holds (with Fetch, into FetchOptions.Dest or else
	// CacheDir) before opening it. Open's context cancels the download.
	Fetch bool
	// FetchOptions adjust that download (nil: Fetch's defaults).
	FetchOptions *FetchOptions
	// Logf, when set, is told of a download before it starts.
	Logf func(format string, args ...any)
}

// ErrWrongTask is returned (wrapped) by Open when OpenOptions.Task asks
// for a classifier and the model detects, or the other way round.
var ErrWrongTask = errors.New("not a model of the task asked for")

// detectionOp is the operator a TFLite detection graph ends in.
const detectionOp = "CUSTOM:TFLite_Detection_PostProcess"

// Open opens any model livecam runs and returns it ready for package
// classify, package detect and the pipeline. nameOrPath is one of:
//
//   - "" for Default, or a published model's name (see Variants): it is
//     looked for in SearchPath (see Resolve), downloaded first when
//     missing and opts.Fetch is set, and must be the published files
//     byte for byte where their SHA-256 is on record (else an error
//     wrapping ErrChanged) and the variant's network (alpha, input size
//     and classes); its labels come from the labels file published
//     with it (Variant.Labels) or, for a TF.js model, from its folder
//     (see package tfjs);
//   - a folder holding a TF.js model.json (or the path of the model.json
//     itself), whose labels are found as package tfjs finds them; a
//     folder with no model.json and one .tflite file opens that file;
//   - a .tflite file: a detector when its graph ends in
//     TFLite_Detection_PostProcess (labels from the labelmap beside it:
//     NAME_labelmap.txt, Google's coco_ssd_mobilenet_v1_labelmap.txt,
//     labelmap.txt or labels.txt), otherwise a MobileNet V1 classifier,
//     uint8 or float32 (labels from labels.txt or imagenet_labels.txt
//     beside it).
//
// The classifier runs MobileNet V1: the catalogue's MobileNet V2
// (mobilenet_v2_1.0_224_quant) is fetched and verified but Open refuses
// it, naming the first operator V1 lacks. opts.Labels replaces the
// labels found. A path that does not exist and
// is not a published name is an error wrapping ErrNotFound and
// ErrUnknownVariant; a published model that is not installed is an error
// wrapping ErrNotFound that names the model and where Open looked.
// Every error names the model or the file at fault; bad files are
// refused, never a panic.
func Open(ctx context.Context, nameOrPath string, opts *OpenOptions) (*Model, error) {
	if opts == nil {
		opts = &OpenOptions{}
	}
	if opts.Task != "" && opts.Task != Classify && opts.Task != Detect {
		return nil, fmt.Errorf("models: OpenOptions.Task %q: want %q, %q or empty", opts.Task, Classify, Detect)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if nameOrPath == "" {
		return openName(ctx, Default, opts)
	}
	st, err := os.Stat(nameOrPath)
	switch {
	case err == nil:
		return openPath(nameOrPath, st, opts)
	case !errors.Is(err, os.ErrNotExist):
		return nil, err
	}
	if _, ok := Lookup(nameOrPath); ok {
		return openName(ctx, nameOrPath, opts)
	}
	return nil, &multiError{
		msg:  nameOrPath + ": no such file or directory, and not a model name",
		errs: []error{ErrNotFound, ErrUnknownVariant},
	}
}

// multiError is an error with its own message that wraps several others.
type multiError struct {
	msg  string
	errs []error
}

func (e *multiError) Error() string   { return e.msg }
func (e *multiError) Unwrap() []error { return e.errs }

// openName opens the published variant name (Lookup knows it).
func openName(ctx context.Context, name string, opts *OpenOptions) (*Model, error) {
	v, _ := Lookup(name)
	if err := wantTask(name, v.Task, opts.Task); err != nil {
		return nil, err
	}
	path, err := Resolve(name)
	if errors.Is(err, ErrNotFound) && opts.Fetch {
		path, err = fetchMissing(ctx, name, opts)
	}
	if err != nil {
		return nil, err
	}
	var m *Model
	switch {
	case !v.Quantized:
		m, err = openVariantTFJS(v, path, opts.Labels)
	default:
		if err = Verify(name, filepath.Dir(path)); err != nil {
			return nil, err
		}
		labels := opts.Labels
		if labels == "" {
			labels = v.LabelsPath(path)
		}
		m, err = openTFLite(path, labels, v.Task)
		if err == nil {
			err = checkVariant(v, m)
		}
	}
	if err != nil {
		return nil, err
	}
	m.Name, m.Variant = name, v
	return m, nil
}

// fetchMissing downloads the published variant name into
// opts.FetchOptions.Dest (or the cache) and returns where it is.
func fetchMissing(ctx context.Context, name string, opts *OpenOptions) (string, error) {
	fo := opts.FetchOptions
	if fo == nil {
		fo = &FetchOptions{}
	}
	if opts.Logf != nil {
		dest := fo.Dest
		if dest == "" {
			dest, _ = CacheDir()
		}
		opts.Logf("%s is not installed: downloading it into %s", name, dest)
	}
	path, err := Fetch(ctx, name, fo)
	if err != nil {
		return "", fmt.Errorf("%s is not installed, and downloading it failed: %w", name, err)
	}
	return path, nil
}

// openVariantTFJS opens the TF.js folder dir found for the float variant
// v: the published files (where their sums are known) of v's network.
func openVariantTFJS(v Variant, dir, labels string) (*Model, error) {
	w, err := tfjs.LoadWeights(dir)
	if err != nil {
		return nil, err
	}
	// Hashed while loading: no second read of the shards.
	if err := CheckSums(v.Name, dir, w.SHA256); err != nil {
		return nil, err
	}
	if err := checkConfig(v, dir, w.Config); err != nil {
		return nil, err
	}
	return classifierTFJS(w, dir, labels)
}

// checkConfig reports a network that is not the variant v's: a folder
// named as one variant holding another's weights would run the wrong
// network at the wrong input size.
func checkConfig(v Variant, path string, got mobilenet.Config) error {
	want := v.Config
	if got.Alpha != want.Alpha || got.Size != want.Size {
		return fmt.Errorf("%s: holds alpha %s at %dx%d, not %s (alpha %s at %dx%d)", path,
			mobilenet.AlphaString(got.Alpha), got.Size, got.Size, v.Name, mobilenet.AlphaString(want.Alpha), want.Size, want.Size)
	}
	if got.Classes != want.Classes {
		return fmt.Errorf("%s: a model of %d classes, not %s (%d classes)", path, got.Classes, v.Name, want.Classes)
	}
	return nil
}

// checkVariant checks that a TFLite model opened by the name of v is v's
// network (its checksum already says so where one is on record).
func checkVariant(v Variant, m *Model) error {
	if m.Task == Classify {
		return checkConfig(v, m.Path, m.Classifier.Config())
	}
	in := m.Graph.Input()
	if s := v.Config.Size; !slices.Equal(in.Shape, []int{1, s, s, 3}) {
		return fmt.Errorf("%s: input %v, not %s's [1 %d %d 3]", m.Path, in.Shape, v.Name, s, s)
	}
	if len(m.Labels) > 0 && len(m.Labels) != v.Config.Classes {
		return fmt.Errorf("%s: %d labels, %s has %d classes", m.Path, len(m.Labels), v.Name, v.Config.Classes)
	}
	return nil
}

// openPath opens the folder or file path (st is its Stat).
func openPath(path string, st os.FileInfo, opts *OpenOptions) (*Model, error) {
	isDir := st.IsDir()
	switch {
	case st.Mode().IsRegular() && filepath.Base(path) == tfjs.ModelJSON:
		path, isDir = filepath.Dir(path), true
	case isDir:
		if _, err := os.Stat(filepath.Join(path, tfjs.ModelJSON)); errors.Is(err, fs.ErrNotExist) {
			file, err := onlyTFLite(path)
			if err != nil {
				return nil, err
			}
			path, isDir = file, false
		}
	case !st.Mode().IsRegular() || !strings.EqualFold(filepath.Ext(path), ".tflite"):
		return nil, fmt.Errorf("%s: not a folder holding %s, nor a .tflite file", path, tfjs.ModelJSON)
	}
	if !isDir {
		return openTFLite(path, opts.Labels, opts.Task)
	}
	if err := wantTask(path, Classify, opts.Task); err != nil {
		return nil, err
	}
	w, err := tfjs.LoadWeights(path)
	if err != nil {
		return nil, err
	}
	return classifierTFJS(w, path, opts.Labels)
}

// onlyTFLite returns the one .tflite file in dir, a folder without
// model.json (the layout Fetch installs a TFLite model in), or an error
// naming dir and saying what it holds: no model at all, or several
// .tflite files to choose from.
func onlyTFLite(dir string) (string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return "", err
	}
	var names []string
	for _, e := range entries {
		if !e.IsDir() && strings.EqualFold(filepath.Ext(e.Name()), ".tflite") {
			names = append(names, e.Name())
		}
	}
	switch len(names) {
	case 0:
		return "", fmt.Errorf("%s: holds neither %s nor a .tflite file", dir, tfjs.ModelJSON)
	case 1:
		return filepath.Join(dir, names[0]), nil
	}
	return "", fmt.Errorf("%s: holds %d .tflite files (%s) and no %s: name one", dir, len(names), strings.Join(names, ", "), tfjs.ModelJSON)
}

// classifierTFJS prepares TF.js weights read from dir, with the labels
// of the file labels when set.
func classifierTFJS(w *mobilenet.Weights, dir, labels string) (*Model, error) {
	if labels != "" {
		l, err := readClassLabels(labels, w.Config.Classes)
		if err != nil {
			return nil, err
		}
		w.Labels = l
	}
	net, err := mobilenet.NewModel(w)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", dir, err)
	}
	return &Model{Name: net.Name(), Path: dir, Task: Classify, Classifier: net, labelsFile: labels}, nil
}

// openTFLite opens a TFLite file, a detector or a classifier by its
// graph, with the labels of the file labels, else those found beside it.
// want is the task the caller needs ("" for any).
func openTFLite(path, labels string, want Task) (*Model, error) {
	f, err := tflite.ReadFile(path)
	if err != nil {
		return nil, err
	}
	task := Classify
	if isDetection(f) {
		task = Detect
	}
	if task != want && want == Detect {
		return nil, taskError(fmt.Sprintf("%s: not a detection model: its graph has no TFLite_Detection_PostProcess and %d output(s), want the 4 of a detection postprocess (boxes, classes, scores, count)",
			path, len(f.Outputs)))
	}
	if err := wantTask(path, task, want); err != nil {
		return nil, err
	}
	if task == Detect {
		return openDetector(f, path, labels)
	}
	classes, err := f.Classes()
	if err != nil {
		return nil, err
	}
	if labels == "" {
		labels = besideFile(path, "labels.txt", QuantLabels)
	}
	var l *mobilenet.Labels
	if labels != "" {
		if l, err = readClassLabels(labels, classes); err != nil {
			return nil, err
		}
	}
	net, err := f.Load(l)
	if err != nil {
		return nil, err
	}
	return &Model{Name: net.Name(), Path: path, Task: Classify, Classifier: net, labelsFile: labels}, nil
}

// openDetector plans the detection graph in f (read from path), with the
// labels of the file labels or of the labelmap beside it.
func openDetector(f *tflite.File, path, labels string) (*Model, error) {
	g, err := f.Plan()
	if err != nil {
		return nil, err
	}
	if labels == "" {
		labels = LabelMapBeside(path)
	}
	var names []string
	if labels != "" {
		if names, err = readDetectorLabels(labels, detectorClasses(f)); err != nil {
			return nil, err
		}
	}
	m := FromDetector(strings.TrimSuffix(filepath.Base(path), filepath.Ext(path)), g, names)
	m.Path, m.labelsFile = path, labels
	return m, nil
}

// wantTask reports a model (named what) of task got when the caller
// wants another.
func wantTask(what string, got, want Task) error {
	switch {
	case want == "" || got == want:
		return nil
	case got == Detect:
		return taskError(what + ": a detection model, not a classifier")
	}
	return taskError(what + ": a classifier, not a detection model")
}

// taskError is an error with message msg that wraps ErrWrongTask.
func taskError(msg string) error { return &multiError{msg: msg, errs: []error{ErrWrongTask}} }

// isDetection reports whether the graph in f holds the detection
// postprocess.
func isDetection(f *tflite.File) bool {
	for _, op := range f.Operators {
		if op.Name == detectionOp {
			return true
		}
	}
	return false
}

// detectorClasses returns the number of classes the detection
// postprocess in f takes (the columns of its scores but the background),
// 0 when the file does not say.
func detectorClasses(f *tflite.File) int {
	for _, op := range f.Operators {
		if op.Name != detectionOp || len(op.Inputs) < 2 || op.Inputs[1] < 0 || op.Inputs[1] >= len(f.Tensors) {
			continue
		}
		if shape := f.Tensors[op.Inputs[1]].Shape; len(shape) > 0 {
			return shape[len(shape)-1] - 1
		}
	}
	return 0
}

// LabelMapBeside returns the labels file beside a detection model file:
// NAME_labelmap.txt for NAME.tflite or, for Google's file names, the
// part of NAME before "_1.0_quant" (coco_ssd_mobilenet_v1_labelmap.txt);
// then labelmap.txt, then labels.txt. It returns "" when there is none.
func LabelMapBeside(file string) string {
	base := strings.TrimSuffix(filepath.Base(file), filepath.Ext(file))
	cands := []string{base + "_labelmap.txt"}
	if i := strings.Index(base, "_1.0_quant"); i > 0 {
		cands = append(cands, base[:i]+"_labelmap.txt")
	}
	return besideFile(file, append(cands, "labelmap.txt", "labels.txt")...)
}

// besideFile returns the first of names that is a regular file in file's
// folder, or "".
func besideFile(file string, names ...string) string {
	for _, name := range names {
		p := filepath.Join(filepath.Dir(file), name)
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
			return p
		}
	}
	return ""
}

// readClassLabels reads a classifier's labels file, which must name
// classes classes (blank lines at its end aside).
func readClassLabels(file string, classes int) (*mobilenet.Labels, error) {
	l, err := mobilenet.LoadLabels(file)
	if err != nil {
		return nil, err
	}
	trimEmpty(l)
	if l.Len() != classes {
		return nil, fmt.Errorf("%s: %d labels for a model with %d classes", file, l.Len(), classes)
	}
	return l, nil
}

// readDetectorLabels reads a detector's labels file: its classes' names,
// after a first background line ("???" or "background") when there is
// one. classes > 0 is the number it must name.
func readDetectorLabels(file string, classes int) ([]string, error) {
	l, err := mobilenet.LoadLabels(file)
	if err != nil {
		return nil, err
	}
	trimEmpty(l)
	names := l.Names
	if len(names) > 0 && (names[0] == LabelMapBackground || strings.EqualFold(names[0], "background")) {
		names = names[1:]
	}
	if classes > 0 && len(names) != classes {
		return nil, fmt.Errorf("%s: %d labels for a detector of %d classes (a labelmap's first line, %s or background, names no class)",
			file, len(names), classes, LabelMapBackground)
	}
	return slices.Clone(names), nil
}

// Files returns the files m was read from: a TF.js folder's files, or a
// TFLite file; and the labels file read beside it or given in
// OpenOptions.Labels. It returns nil for a model built in memory.
func (m *Model) Files() []string {
	if m == nil || m.Path == "" {
		return nil
	}
	var files []string
	if st, err := os.Stat(m.Path); err == nil && st.IsDir() {
		entries, _ := os.ReadDir(m.Path)
		for _, e := range entries {
			files = append(files, filepath.Join(m.Path, e.Name()))
		}
	} else {
		files = append(files, m.Path)
	}
	if m.labelsFile != "" {
		files = append(files, m.labelsFile)
	}
	return files
}
