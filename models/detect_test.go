package models

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/livecam/livecam/internal/testrig/shareddata"
)

// TestLookupDetectorAndV2 checks the catalogue entries of the COCO
// detector and MobileNet V2: what they are and what files they are.
func TestLookupDetectorAndV2(t *testing.T) {
	d, ok := Lookup("coco_ssd_mobilenet_v1")
	if !ok {
		t.Fatal("coco_ssd_mobilenet_v1 not in the catalogue")
	}
	if d.Task != Detect || d.Arch != "ssd_mobilenet_v1" || !d.Quantized || d.Precision() != "uint8" ||
		d.Config.Alpha != 0.75 || d.Config.Size != 300 || d.Config.Classes != 90 ||
		d.File != "coco_ssd_mobilenet_v1_1.0_quant_2018_06_29.tflite" || d.Labels != DetectLabels {
		t.Errorf("coco_ssd_mobilenet_v1: %+v", d)
	}
	v2, ok := Lookup("mobilenet_v2_1.0_224_quant")
	if !ok {
		t.Fatal("mobilenet_v2_1.0_224_quant not in the catalogue")
	}
	if v2.Task != Classify || v2.Arch != "mobilenet_v2" || !v2.Quantized || v2.Config.Alpha != 1 || v2.Config.Size != 224 ||
		v2.Config.Classes != 1001 || v2.File != "mobilenet_v2_1.0_224_quant.tflite" || v2.Labels != QuantLabels {
		t.Errorf("mobilenet_v2_1.0_224_quant: %+v", v2)
	}
	for _, name := range []string{"coco_ssd_mobilenet_v1_1.0_quant_2018_06_29", "mobilenet_v2_1.0_224", "ssd_mobilenet_v1"} {
		if _, ok := Lookup(name); ok {
			t.Errorf("Lookup(%q) found a model never catalogued", name)
		}
	}
	// Every variant says what it does.
	for _, v := range Variants() {
		if v.Task != Classify && v.Task != Detect {
			t.Errorf("%s: task %q", v.Name, v.Task)
		}
	}
}

// readmeSums reads the file and SHA-256 columns of the tables in the
// shared models' README.
func readmeSums(t *testing.T) map[string]string {
	data := shareddata.ReadFile(t, "models", "tflite", "README.md")
	row := regexp.MustCompile("^\\| `([^`]+)` \\| [0-9]+ \\| `([0-9a-f]{64})` \\|")
	sums := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		if m := row.FindStringSubmatch(sc.Text()); m != nil {
			sums[m[1]] = m[2]
		}
	}
	return sums
}

// TestSumsMatchREADME checks every TFLite variant's recorded SHA-256, of
// its model file and its labels, against the shared README's tables and
// against the shared files themselves.
func TestSumsMatchREADME(t *testing.T) {
	readme := readmeSums(t)
	if len(readme) < 7 {
		t.Fatalf("read %d sums from the README: %v", len(readme), readme)
	}
	n := 0
	for _, v := range Variants() {
		if !v.Quantized {
			continue
		}
		for file, sum := range map[string]string{v.File: sha256Sums[v.Name][v.File], v.Labels: labelsSums[v.Labels]} {
			if readme[file] == "" || sum != readme[file] {
				t.Errorf("%s: %s recorded as %q, the README says %q", v.Name, file, sum, readme[file])
			}
			got := sha256.Sum256(shareddata.ReadFile(t, "models", "tflite", file))
			if hex.EncodeToString(got[:]) != sum {
				t.Errorf("%s: the shared %s hashes to %x, recorded %s", v.Name, file, got, sum)
			}
			n++
		}
	}
	if n != 10 {
		t.Errorf("checked %d files, want 10 (5 TFLite variants, a model and labels each)", n)
	}
}

// TestReadLabelMap reads the detector's labelmap: output class c is line
// c+1, as the golden detections of TensorFlow Lite label them.
func TestReadLabelMap(t *testing.T) {
	path := shareddata.Path(t, "models", "tflite", DetectLabels)
	l, err := ReadLabelMap(path)
	if err != nil {
		t.Fatal(err)
	}
	if l.Len() != 90 || l.Name(0) != "person" || l.Name(2) != "car" || l.Name(17) != "dog" || l.Name(11) != "???" || l.Name(89) != "toothbrush" {
		t.Errorf("%d labels: 0 %q, 2 %q, 17 %q, 11 %q, 89 %q", l.Len(), l.Name(0), l.Name(2), l.Name(17), l.Name(11), l.Name(89))
	}
	// predictions.tsv: file rank class label ...
	data := shareddata.ReadFile(t, "golden-detect", "predictions.tsv")
	rows := 0
	for i, line := range strings.Split(strings.TrimSpace(string(data)), "\n")[1:] {
		f := strings.Split(line, "\t")
		c, err := strconv.Atoi(f[2])
		if err != nil {
			t.Fatalf("predictions.tsv line %d: %v", i+2, err)
		}
		if l.Name(c) != f[3] {
			t.Errorf("predictions.tsv line %d: class %d is %q, the labelmap says %q", i+2, c, f[3], l.Name(c))
		}
		rows++
	}
	if rows < 500 {
		t.Errorf("%d golden detections", rows)
	}
	v, _ := Lookup("coco_ssd_mobilenet_v1")
	if got, err := v.ReadLabels(path); err != nil || got.Name(16) != "cat" || got.Len() != 90 {
		t.Errorf("ReadLabels: %v, %v", got, err)
	}
}

// TestReadLabelsRefusesWrongFiles gives readers files of the wrong kind:
// each error names the file and says what is wrong.
func TestReadLabelsRefusesWrongFiles(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	coco := shareddata.ReadFile(t, "models", "tflite", DetectLabels)
	imagenet := shareddata.Path(t, "models", "tflite", QuantLabels)
	det, _ := Lookup("coco_ssd_mobilenet_v1")
	cls, _ := Lookup("mobilenet_v1_0.25_128_quant")

	// Blank lines at the end are harmless.
	if l, err := det.ReadLabels(write("blank.txt", string(coco)+"\n\n")); err != nil || l.Len() != 90 {
		t.Errorf("labelmap with blank lines at the end: %v", err)
	}
	if l, err := cls.ReadLabels(imagenet); err != nil || l.Len() != 1001 || l.Name(0) != "background" {
		t.Errorf("imagenet labels for %s: %v", cls.Name, err)
	}
	for _, c := range []struct {
		name string
		read func(string) error
		path string
		want string
	}{
		{"no background line", func(p string) error { _, err := ReadLabelMap(p); return err },
			write("coco80.txt", "person\nbicycle\ncar\n"), `line 1 is "person", want the background "???"`},
		{"classifier labels", func(p string) error { _, err := det.ReadLabels(p); return err },
			imagenet, `line 1 is "background"`},
		{"background only", func(p string) error { _, err := ReadLabelMap(p); return err },
			write("bg.txt", "???\n"), "only the background line"},
		{"empty", func(p string) error { _, err := ReadLabelMap(p); return err },
			write("empty.txt", ""), "no labels"},
		{"missing", func(p string) error { _, err := ReadLabelMap(p); return err },
			filepath.Join(dir, "nothing.txt"), "no such file"},
		{"a class short", func(p string) error { _, err := det.ReadLabels(p); return err },
			write("short.txt", strings.Join(strings.Split(string(coco), "\n")[:90], "\n")), "89 classes after the background line; coco_ssd_mobilenet_v1 outputs 90"},
		{"labelmap for a classifier", func(p string) error { _, err := cls.ReadLabels(p); return err },
			shareddata.Path(t, "models", "tflite", DetectLabels), "91 labels; mobilenet_v1_0.25_128_quant has 1001 classes"},
	} {
		err := c.read(c.path)
		if err == nil || !strings.Contains(err.Error(), c.path) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v; want an error naming %s and saying %q", c.name, err, c.path, c.want)
		}
	}
}

// TestCheckTFLite tells the catalogued networks apart by their files: a
// detector's file is no classifier, and the other way round.
func TestCheckTFLite(t *testing.T) {
	det, _ := Lookup("coco_ssd_mobilenet_v1")
	v2, _ := Lookup("mobilenet_v2_1.0_224_quant")
	v1, _ := Lookup("mobilenet_v1_0.75_192_quant")
	detFile := shareddata.Path(t, "models", "tflite", det.File)
	v2File := shareddata.Path(t, "models", "tflite", v2.File)
	for _, c := range []struct {
		v    Variant
		file string
		want string // "" for no error
	}{
		{det, detFile, ""},
		{v2, v2File, ""},
		{det, v2File, "want UINT8 [1 300 300 3]"},
		{v2, detFile, "want UINT8 [1 224 224 3]"},
		{v1, v2File, "ADD"},
	} {
		err := checkTFLite(c.v, c.file)
		if c.want == "" && err != nil || c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), c.file)) {
			t.Errorf("%s as %s: %v; want %q", filepath.Base(c.file), c.v.Name, err, c.want)
		}
	}
}

// publisher serves the shared TFLite files under the names their
// publishers use, records what was asked for, and can damage a file.
type publisher struct {
	src    string
	alias  map[string]string // published name -> shared file
	mu     sync.Mutex
	asked  []string
	damage string
}

func (p *publisher) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	p.asked = append(p.asked, r.URL.Path)
	damage := p.damage
	p.mu.Unlock()
	name := filepath.Base(r.URL.Path)
	if a, ok := p.alias[name]; ok {
		name = a
	}
	data, err := os.ReadFile(filepath.Join(p.src, name))
	if err != nil {
		http.NotFound(w, r)
		return
	}
	if damage != "" && strings.HasSuffix(r.URL.Path, damage) {
		data[len(data)/2] ^= 1
	}
	w.Write(data)
}

// TestFetchDetectorAndV2 fetches the detector (published as detect.tflite
// and labelmap.txt) and MobileNet V2 from a local server holding the
// shared copies: each is installed under its catalogue name with its
// labels, found by Resolve and verified; a damaged model or labels file
// is refused, leaving the installed copy as it was.
func TestFetchDetectorAndV2(t *testing.T) {
	pub := &publisher{src: shareddata.Path(t, "models", "tflite"),
		alias: map[string]string{"detect.tflite": "coco_ssd_mobilenet_v1_1.0_quant_2018_06_29.tflite", "labelmap.txt": DetectLabels}}
	ts := httptest.NewServer(pub)
	defer ts.Close()
	dest := t.TempDir()
	t.Setenv(EnvDir, dest)
	for _, c := range []struct {
		name  string
		asked []string
	}{
		{"coco_ssd_mobilenet_v1", []string{"/detect.tflite", "/labelmap.txt"}},
		{"mobilenet_v2_1.0_224_quant", []string{"/mobilenet_v2_1.0_224_quant.tflite", "/" + QuantLabels}},
	} {
		v, _ := Lookup(c.name)
		pub.asked = nil
		p, err := Fetch(context.Background(), c.name, &FetchOptions{BaseURL: ts.URL, Dest: dest})
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(pub.asked) != fmt.Sprint(c.asked) {
			t.Errorf("%s: asked for %v, want %v", c.name, pub.asked, c.asked)
		}
		if p != filepath.Join(dest, c.name, v.File) {
			t.Errorf("%s: installed at %s", c.name, p)
		}
		if got, err := Resolve(c.name); err != nil || got != p {
			t.Errorf("Resolve after Fetch: %q, %v", got, err)
		}
		if err := Verify(c.name, filepath.Dir(p)); err != nil {
			t.Error(err)
		}
		if _, err := v.ReadLabels(v.LabelsPath(p)); err != nil {
			t.Errorf("%s: installed labels: %v", c.name, err)
		}
	}
	for _, damage := range []string{"detect.tflite", "labelmap.txt"} {
		pub.damage = damage
		_, err := Fetch(context.Background(), "coco_ssd_mobilenet_v1", &FetchOptions{BaseURL: ts.URL, Dest: dest})
		if err == nil || !strings.Contains(err.Error(), "SHA-256") || !strings.Contains(err.Error(), damage) {
			t.Errorf("damaged %s: %v", damage, err)
		}
	}
	if err := Verify("coco_ssd_mobilenet_v1", filepath.Join(dest, "coco_ssd_mobilenet_v1")); err != nil {
		t.Errorf("the installed copy changed after a failed fetch: %v", err)
	}
	noPartials(t, dest)
}

// roundTrip records the URLs a Fetch asks for, answering 404.
type roundTrip struct{ urls []string }

func (r *roundTrip) RoundTrip(req *http.Request) (*http.Response, error) {
	r.urls = append(r.urls, req.URL.String())
	return &http.Response{StatusCode: 404, Status: "404 Not Found", Body: http.NoBody, Request: req}, nil
}

// TestFetchURLs checks where each kind of variant is fetched from, also
// when the TF.js base URL is passed for a TFLite variant (the CLI's
// -base-url default).
func TestFetchURLs(t *testing.T) {
	for _, c := range []struct{ name, base, want string }{
		{"coco_ssd_mobilenet_v1", "", DetectBaseURL + "/detect.tflite"},
		{"coco_ssd_mobilenet_v1", DefaultBaseURL, DetectBaseURL + "/detect.tflite"},
		{"mobilenet_v2_1.0_224_quant", "", QuantBaseURL + "/mobilenet_v2_1.0_224_quant.tflite"},
		{"mobilenet_v1_0.25_128_quant", DefaultBaseURL, QuantBaseURL + "/mobilenet_v1_0.25_128_quant.tflite"},
		{"mobilenet_v1_0.25_128", "", DefaultBaseURL + "/mobilenet_v1_0.25_128/model.json"},
		{"coco_ssd_mobilenet_v1", "http://mirror.example/m/", "http://mirror.example/m/detect.tflite"},
	} {
		rt := &roundTrip{}
		_, err := Fetch(context.Background(), c.name, &FetchOptions{BaseURL: c.base, Dest: t.TempDir(), Client: &http.Client{Transport: rt}})
		if err == nil || len(rt.urls) != 1 || rt.urls[0] != c.want {
			t.Errorf("%s with base %q: asked %v (%v), want %s", c.name, c.base, rt.urls, err, c.want)
		}
	}
	if _, err := Fetch(context.Background(), "ssd_mobilenet_v2", nil); !errors.Is(err, ErrUnknownVariant) {
		t.Errorf("unknown name: %v", err)
	}
}

func ExampleLookup() {
	for _, name := range []string{"coco_ssd_mobilenet_v1", "mobilenet_v2_1.0_224_quant", "mobilenet_v1_0.75_224"} {
		v, _ := Lookup(name)
		fmt.Printf("%s: %s, %s %s, %dx%d, %d classes, file %q, labels %q\n",
			v.Name, v.Task, v.Arch, v.Precision(), v.Config.Size, v.Config.Size, v.Config.Classes, v.File, v.Labels)
	}
	// Output:
	// coco_ssd_mobilenet_v1: detect, ssd_mobilenet_v1 uint8, 300x300, 90 classes, file "coco_ssd_mobilenet_v1_1.0_quant_2018_06_29.tflite", labels "coco_ssd_mobilenet_v1_labelmap.txt"
	// mobilenet_v2_1.0_224_quant: classify, mobilenet_v2 uint8, 224x224, 1001 classes, file "mobilenet_v2_1.0_224_quant.tflite", labels "imagenet_labels.txt"
	// mobilenet_v1_0.75_224: classify, mobilenet_v1 float32, 224x224, 1000 classes, file "", labels ""
}

// TestFetchChecksTheNetwork serves the detector's file where MobileNet V2
// is published, with the catalogue (wrongly) holding the detector's sum
// for it: the hash matches, and Fetch must still refuse a file that is
// not the network the name says.
func TestFetchChecksTheNetwork(t *testing.T) {
	const name = "mobilenet_v2_1.0_224_quant"
	det, _ := Lookup("coco_ssd_mobilenet_v1")
	v2, _ := Lookup(name)
	saved := sha256Sums[name]
	t.Cleanup(func() { sha256Sums[name] = saved })
	sha256Sums[name] = map[string]string{v2.File: sha256Sums[det.Name][det.File]}
	pub := &publisher{src: shareddata.Path(t, "models", "tflite"), alias: map[string]string{v2.File: det.File}}
	ts := httptest.NewServer(pub)
	defer ts.Close()
	dest := t.TempDir()
	_, err := Fetch(context.Background(), name, &FetchOptions{BaseURL: ts.URL, Dest: dest})
	if err == nil || !strings.Contains(err.Error(), "does not load") || !strings.Contains(err.Error(), "want UINT8 [1 224 224 3]") {
		t.Errorf("a detector fetched as %s: %v", name, err)
	}
	noPartials(t, dest)
	if _, err := os.Stat(filepath.Join(dest, name)); err == nil {
		t.Error("installed anyway")
	}
}
