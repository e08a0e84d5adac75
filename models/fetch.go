package models

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/livecam/livecam/net/tfjs"
	"github.com/livecam/livecam/net/tflite"
)

// FetchOptions adjust Fetch; the zero value fetches from DefaultBaseURL into
// CacheDir with http.DefaultClient and reports no progress.
type FetchOptions struct {
	// BaseURL replaces where the variant is published (tests point it
	// at a local server): DefaultBaseURL for the TF.js models, which
	// are fetched from BaseURL/NAME/FILE; QuantBaseURL or DetectBaseURL
	// for the TFLite ones, fetched from BaseURL/FILE under their
	// published file names. DefaultBaseURL given for a TFLite variant
	// means its own publisher.
	BaseURL string
	// Dest is the models directory to install into; the model lands in
	// Dest/NAME.
	Dest string
	// Client makes the requests.
	Client *http.Client
	// Progress, when set, is called as bytes arrive with the bytes done
	// and the total expected (known once model.json has been read).
	Progress func(done, total int64)
}

// maxModelJSON bounds the size of a downloaded model.json.
const maxModelJSON = 64 << 20

// Fetch downloads the published variant name (model.json and every shard
// it lists; for a quantized variant its TFLite file and labels file) into
// opts.Dest/name, and returns that folder (for a quantized variant, the
// .tflite file in it, named Variant.File). It checks each shard's size against the
// manifest and, for files whose SHA-256 is known, their hash; it then loads
// the result with net.LoadWeights. Files are written to a temporary folder
// beside the destination and moved into place only when all is verified,
// so an interrupted or failed fetch leaves no half-written model, and an
// existing model stays untouched until the new one is complete.
func Fetch(ctx context.Context, name string, opts *FetchOptions) (dir string, err error) {
	if opts == nil {
		opts = &FetchOptions{}
	}
	v, ok := Lookup(name)
	if !ok {
		return "", fmt.Errorf("%s: %w", name, ErrUnknownVariant)
	}
	base := strings.TrimRight(opts.BaseURL, "/")
	pub := publishedFiles(v)
	if base == "" || v.Quantized && base == DefaultBaseURL {
		base = pub.base
	}
	client := opts.Client
	if client == nil {
		client = http.DefaultClient
	}
	dest := opts.Dest
	if dest == "" {
		if dest, err = CacheDir(); err != nil {
			return "", fmt.Errorf("no models directory: %v", err)
		}
	}
	if err := os.MkdirAll(dest, 0o755); err != nil {
		return "", err
	}
	tmp, err := os.MkdirTemp(dest, "."+name+".partial-")
	if err != nil {
		return "", err
	}
	defer func() {
		if err != nil {
			os.RemoveAll(tmp)
		}
	}()
	f := &fetcher{ctx: ctx, client: client, base: base + "/" + name, dir: tmp, progress: opts.Progress, sums: sha256Sums[name]}
	if v.Quantized {
		return fetchTFLite(f, v, pub, base, dest, tmp)
	}

	manifest, err := f.get(tfjs.ModelJSON, -1)
	if err != nil {
		return "", err
	}
	groups, err := tfjs.ParseManifest(manifest)
	if err != nil {
		return "", fmt.Errorf("%s/%s: %v", f.base, tfjs.ModelJSON, err)
	}
	f.total = int64(len(manifest))
	for _, g := range groups {
		f.total += g.Bytes
	}
	for _, g := range groups {
		var got int64
		for _, p := range g.Paths {
			b, err := f.get(p, g.Bytes-got)
			if err != nil {
				return "", err
			}
			got += int64(len(b))
		}
		if got != g.Bytes {
			return "", fmt.Errorf("%s/%s: shards hold %d bytes, the manifest needs %d", f.base, g.Paths[len(g.Paths)-1], got, g.Bytes)
		}
	}
	if _, err := tfjs.LoadWeights(tmp); err != nil {
		return "", fmt.Errorf("downloaded model does not load: %v", err)
	}
	final := filepath.Join(dest, name)
	return final, replaceDir(tmp, final)
}

// replaceDir moves the complete folder tmp to final, replacing any folder
// already there only once tmp is ready.
func replaceDir(tmp, final string) error {
	if err := os.Chmod(tmp, 0o755); err != nil {
		return err
	}
	old := ""
	if _, err := os.Stat(final); err == nil {
		old = final + ".old"
		os.RemoveAll(old)
		if err := os.Rename(final, old); err != nil {
			return err
		}
	}
	if err := os.Rename(tmp, final); err != nil {
		if old != "" {
			os.Rename(old, final)
		}
		return err
	}
	if old != "" {
		os.RemoveAll(old)
	}
	return nil
}

type fetcher struct {
	ctx         context.Context
	client      *http.Client
	base, dir   string
	progress    func(done, total int64)
	done, total int64
	sums        map[string]string
}

// get downloads one file into the temporary folder and returns its bytes.
// limit bounds its size (-1: the model.json limit); one byte more is an
// error.
func (f *fetcher) get(file string, limit int64) ([]byte, error) {
	return f.getAs(file, file, limit)
}

// getAs is get for a file published as remote and saved as file.
func (f *fetcher) getAs(remote, file string, limit int64) ([]byte, error) {
	url := f.base + "/" + remote
	if limit < 0 {
		limit = maxModelJSON
	}
	req, err := http.NewRequestWithContext(f.ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := f.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s: %s", url, resp.Status)
	}
	h := sha256.New()
	buf, err := io.ReadAll(io.TeeReader(io.LimitReader(resp.Body, limit+1), progressWriter{f, h}))
	if err != nil {
		return nil, fmt.Errorf("%s: %v", url, err)
	}
	if int64(len(buf)) > limit {
		return nil, fmt.Errorf("%s: longer than the %d bytes the manifest allows", url, limit)
	}
	if resp.ContentLength >= 0 && int64(len(buf)) != resp.ContentLength {
		return nil, fmt.Errorf("%s: got %d bytes of %d", url, len(buf), resp.ContentLength)
	}
	if want, ok := f.sums[file]; ok {
		if got := hex.EncodeToString(h.Sum(nil)); got != want {
			return nil, fmt.Errorf("%s: SHA-256 %s, want %s", url, got, want)
		}
	}
	if err := os.WriteFile(filepath.Join(f.dir, file), buf, 0o644); err != nil {
		return nil, err
	}
	return buf, nil
}

type progressWriter struct {
	f *fetcher
	h hash.Hash
}

func (w progressWriter) Write(p []byte) (int, error) {
	w.h.Write(p)
	w.f.done += int64(len(p))
	if w.f.progress != nil {
		w.f.progress(w.f.done, w.f.total)
	}
	return len(p), nil
}

// errNoSums is returned by Verify for a model with no known hashes.
var errNoSums = errors.New("no published checksums for this model")

// Verify checks the files of an installed model against their known
// SHA-256. It returns errNoSums (wrapped) for a model with none on record.
func Verify(name, dir string) error {
	if _, ok := sha256Sums[name]; !ok {
		return fmt.Errorf("%s: %w", name, errNoSums)
	}
	got := map[string][32]byte{}
	for file := range sha256Sums[name] {
		data, err := os.ReadFile(filepath.Join(dir, file))
		if err != nil {
			return err
		}
		got[file] = sha256.Sum256(data)
	}
	return CheckSums(name, dir, got)
}

// CheckSums compares the SHA-256 of a loaded model's files (as
// net.LoadWeights records them) with the published ones for the variant
// name; it returns nil for a variant with none on record. The error names
// the first file that differs and wraps ErrChanged.
func CheckSums(name, dir string, got map[string][32]byte) error {
	files := make([]string, 0, len(sha256Sums[name]))
	for file := range sha256Sums[name] {
		files = append(files, file)
	}
	slices.Sort(files)
	for _, file := range files {
		want := sha256Sums[name][file]
		sum, ok := got[file]
		if !ok {
			return fmt.Errorf("%s: not read: the model is not the published %s", filepath.Join(dir, file), name)
		}
		if hex.EncodeToString(sum[:]) != want {
			return fmt.Errorf("%s: SHA-256 %x, want %s: the installed %s %w",
				filepath.Join(dir, file), sum, want, name, ErrChanged)
		}
	}
	return nil
}

// ErrChanged is returned (wrapped) by CheckSums for a model whose files
// are not the published ones.
var ErrChanged = errors.New("is damaged or was changed")

// QuantBaseURL is where the quantized classifiers are published: Coral's
// test data at the commit whose files the checksums describe; variant
// NAME is QuantBaseURL/NAME.tflite, its labels
// QuantBaseURL/imagenet_labels.txt.
const QuantBaseURL = "https://raw.githubusercontent.com/google-coral/test_data/104342d2d3480b3e66203073dac24f4e2dbb4c41"

// DetectBaseURL is where coco_ssd_mobilenet_v1 is fetched from: the
// unzipped coco_ssd_mobilenet_v1_1.0_quant_2018_06_29.zip that TensorFlow
// Lite published, in github.com/emgucv/models at a fixed commit, as
// detect.tflite and labelmap.txt (installed as Variant.File and
// DetectLabels).
const DetectBaseURL = "https://raw.githubusercontent.com/emgucv/models/22d681cc21f98f58a2fd110ddc0291ce8355bcc8/coco_ssd_mobilenet_v1_1.0_quant_2018_06_29"

// published is where a TFLite variant's files are published: a base URL
// and each file's name there and once installed.
type published struct {
	base  string
	files []remoteFile
}

type remoteFile struct{ remote, local string }

// publishedFiles returns where v's files are published (nothing for a
// TF.js variant).
func publishedFiles(v Variant) published {
	switch {
	case !v.Quantized:
		return published{base: DefaultBaseURL}
	case v.Task == Detect:
		return published{base: DetectBaseURL, files: []remoteFile{{"detect.tflite", v.File}, {"labelmap.txt", v.Labels}}}
	}
	return published{base: QuantBaseURL, files: []remoteFile{{v.File, v.File}, {v.Labels, v.Labels}}}
}

// maxTFLite bounds a downloaded .tflite file.
const maxTFLite = tflite.MaxFile

// fetchTFLite downloads a quantized variant and its labels, checks their
// hashes, that the model file is the network the catalogue says and that
// the labels read, and installs them as dest/NAME/FILE and
// dest/NAME/LABELS.
func fetchTFLite(f *fetcher, v Variant, pub published, base, dest, tmp string) (string, error) {
	f.base = base
	f.sums = map[string]string{}
	for file, sum := range sha256Sums[v.Name] {
		f.sums[file] = sum
	}
	for file, sum := range labelsSums {
		f.sums[file] = sum
	}
	for _, rf := range pub.files {
		limit := int64(maxTFLite)
		if rf.local == v.Labels {
			limit = 1 << 20
		}
		if _, err := f.getAs(rf.remote, rf.local, limit); err != nil {
			return "", err
		}
	}
	if err := checkTFLite(v, filepath.Join(tmp, v.File)); err != nil {
		return "", fmt.Errorf("downloaded model does not load: %v", err)
	}
	if _, err := v.ReadLabels(filepath.Join(tmp, v.Labels)); err != nil {
		return "", fmt.Errorf("downloaded labels do not read: %v", err)
	}
	final := filepath.Join(dest, v.Name)
	if err := replaceDir(tmp, final); err != nil {
		return "", err
	}
	return filepath.Join(final, v.File), nil
}

// checkTFLite checks that the TFLite file at path is the network v says:
// a MobileNet V1 livecam loads, or a graph whose uint8 input is
// [1, Size, Size, 3] with a [1, Classes] output (a classifier) or four
// outputs (the detector's boxes, classes, scores and count).
func checkTFLite(v Variant, path string) error {
	tf, err := tflite.ReadFile(path)
	if err != nil {
		return err
	}
	if v.Arch == "mobilenet_v1" {
		_, err = tf.MobileNet()
		return err
	}
	if len(tf.Inputs) != 1 {
		return fmt.Errorf("%s: %d inputs, want 1", path, len(tf.Inputs))
	}
	in := tf.Tensors[tf.Inputs[0]]
	if s := v.Config.Size; in.Type != tflite.Uint8 || !slices.Equal(in.Shape, []int{1, s, s, 3}) {
		return fmt.Errorf("%s: input %s %v, want UINT8 [1 %d %d 3] for %s", path, in.Type, in.Shape, s, s, v.Name)
	}
	switch v.Task {
	case Detect:
		if len(tf.Outputs) != 4 {
			return fmt.Errorf("%s: %d outputs, want a detector's 4 (boxes, classes, scores, count)", path, len(tf.Outputs))
		}
	default:
		if len(tf.Outputs) != 1 || !slices.Equal(tf.Tensors[tf.Outputs[0]].Shape, []int{1, v.Config.Classes}) {
			return fmt.Errorf("%s: want one output of [1 %d] scores for %s", path, v.Config.Classes, v.Name)
		}
	}
	return nil
}
