package main

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/livecam/livecam/internal/testrig/shareddata"
)

// TestDetectCommand: `livecam detect -json` prints one line per image in
// the format, boxes in the image's pixels and norm the model's
// float32 box exactly; filters and bad input behave as documented.
func TestDetectCommand(t *testing.T) {
	useSharedModels(t)
	pets := shareddata.Path(t, "demo", "pets.jpg")
	hopper := shareddata.Path(t, "demo", "grace_hopper.jpg")
	out, errOut, code := livecam(t, "detect", "-json", pets, hopper)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d lines:\n%s", len(lines), out)
	}
	type object struct {
		Class int
		Label string
		Score float64
		Norm  []json.Number
		Box   []int
	}
	var res []struct {
		File    string
		Objects []object
	}
	for _, l := range lines {
		var r struct {
			File    string
			Objects []object
		}
		d := json.NewDecoder(strings.NewReader(l))
		d.UseNumber()
		if err := d.Decode(&r); err != nil {
			t.Fatal(err, l)
		}
		res = append(res, r)
	}
	labels := func(objs []object) string {
		var s []string
		for _, o := range objs {
			s = append(s, o.Label)
		}
		return strings.Join(s, " ")
	}
	if res[0].File != pets || labels(res[0].Objects) != "dog dog" || labels(res[1].Objects) != "person tie" {
		t.Fatalf("got %+v", res)
	}
	// pets.jpg is 512x430: the box is the norm scaled, and every norm
	// value is the shortest decimal of its float32.
	for _, o := range append(res[0].Objects, res[1].Objects...) {
		if o.Class != map[string]int{"dog": 17, "person": 0, "tie": 31}[o.Label] || o.Score < 0.5 || len(o.Norm) != 4 || len(o.Box) != 4 {
			t.Errorf("%+v", o)
		}
		for _, n := range o.Norm {
			v, err := strconv.ParseFloat(n.String(), 32)
			if err != nil || strconv.FormatFloat(float64(float32(v)), 'g', -1, 32) != n.String() {
				t.Errorf("norm %s is not a shortest float32", n)
			}
		}
	}
	d := res[0].Objects[0]
	x, _ := strconv.ParseFloat(d.Norm[1].String(), 64)
	y, _ := strconv.ParseFloat(d.Norm[0].String(), 64)
	if d.Box[0] != int(math.Round(x*512)) || d.Box[1] != int(math.Round(y*430)) {
		t.Errorf("box %v for norm %v in a 512x430 image", d.Box, d.Norm)
	}

	out, _, code = livecam(t, "detect", "-json", "-deny", "dog", "-min-score", "0.6", pets, hopper)
	if code != 0 || !strings.Contains(out, `"objects":[]`) || strings.Contains(out, "dog") || !strings.Contains(out, "tie") {
		t.Errorf("-deny dog -min-score 0.6: exit %d\n%s", code, out)
	}
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"detect", "-allow", "unicorn", pets}, 2, `"unicorn" is not one of the model's labels`},
		{[]string{"detect", "-min-score", "2", pets}, 2, "min-score"},
		{[]string{"detect"}, 2, "no image given"},
		{[]string{"detect", "-model", "mobilenet_v1_0.75_192_quant", pets}, 1, "a classifier, not a detection model"},
		{[]string{"detect", "-model", shareddata.Path(t, "models", "tflite", "mobilenet_v1_0.75_192_quant.tflite"), pets}, 1, "want the 4 of a detection postprocess"},
		{[]string{"detect", pets, "missing.jpg"}, 1, "missing.jpg: no such file or directory"},
	} {
		_, errOut, code := livecam(t, c.args...)
		if code != c.code || !strings.Contains(errOut, c.want) {
			t.Errorf("%v: exit %d, want %d with %q:\n%s", c.args, code, c.code, c.want, errOut)
		}
	}
}

// TestDetectorRun: `livecam -model coco_ssd_mobilenet_v1` on a video of
// two photos (two dogs for 1.5 s, then a person for 1.5 s): the results
// carry the objects with track ids in the video's pixels, the events file
// has one enter and one leave per object (and the zone's), and each object
// that left has its snapshot.
func TestDetectorRun(t *testing.T) {
	useSharedModels(t)
	dir := t.TempDir()
	video := filepath.Join(dir, "pets_then_hopper.mp4")
	cmd := exec.Command("ffmpeg", "-v", "error", "-loop", "1", "-t", "1.5", "-i", shareddata.Path(t, "demo", "pets.jpg"),
		"-loop", "1", "-t", "1.5", "-i", shareddata.Path(t, "demo", "grace_hopper.jpg"),
		"-filter_complex", "[0]scale=640:480,setsar=1,fps=10[a];[1]scale=640:480,setsar=1,fps=10[b];[a][b]concat=n=2", "-pix_fmt", "yuv420p", video)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v\n%s", err, out)
	}
	results, evFile, snaps := filepath.Join(dir, "r.jsonl"), filepath.Join(dir, "e.jsonl"), filepath.Join(dir, "snaps")
	_, errOut, code := livecam(t, "-model", "coco_ssd_mobilenet_v1", "-source", video, "-results", results, "-events", evFile,
		"-snapshots", snaps, "-zone", "right=0.5,0,1,0,1,1,0.5,1", "-quiet")
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, errOut)
	}
	type object struct {
		ID    int
		Label string
		Box   []int
	}
	var frames []struct {
		Frame   int
		Objects []object
	}
	for _, l := range readLines(t, results) {
		var f struct {
			Frame   int
			Objects []object
		}
		if err := json.Unmarshal([]byte(l), &f); err != nil {
			t.Fatal(err)
		}
		frames = append(frames, f)
	}
	if len(frames) != 30 {
		t.Fatalf("%d frames, want 30", len(frames))
	}
	ids := map[string]map[int]bool{}
	for _, f := range frames {
		for _, o := range f.Objects {
			if o.Box[0] < 0 || o.Box[1] < 0 || o.Box[0]+o.Box[2] > 640 || o.Box[1]+o.Box[3] > 480 {
				t.Errorf("frame %d: %+v outside the 640x480 frame", f.Frame, o)
			}
			if o.ID != 0 {
				if o.Label == "person" && o.Box[2] > 400 {
					o.Label = "big person" // Grace Hopper herself, not the small one the model sees at 0.5 beside her
				}
				if ids[o.Label] == nil {
					ids[o.Label] = map[int]bool{}
				}
				ids[o.Label][o.ID] = true
			}
		}
	}
	// Two dogs then Grace Hopper: one id each, through all their frames.
	if len(ids["dog"]) != 2 || len(ids["big person"]) != 1 {
		t.Errorf("track ids by label: %v", ids)
	}
	type event struct {
		Type, Label, Zone string
		ID                int
	}
	enters, leaves := map[int]int{}, map[int]int{}
	zoneEnters := map[int]bool{}
	for _, l := range strings.Split(strings.TrimSpace(readFile(t, evFile)), "\n") {
		var e event
		if err := json.Unmarshal([]byte(l), &e); err != nil {
			t.Fatal(err)
		}
		switch {
		case e.Zone == "right" && e.Type == "enter":
			zoneEnters[e.ID] = true
		case e.Zone != "":
		case e.Type == "enter":
			enters[e.ID]++
		case e.Type == "leave":
			leaves[e.ID]++
		}
	}
	for _, set := range ids {
		for id := range set {
			if enters[id] != 1 || leaves[id] != 1 {
				t.Errorf("object %d: %d enters, %d leaves", id, enters[id], leaves[id])
			}
			if m, _ := filepath.Glob(filepath.Join(snaps, fmt.Sprintf("pets_then_hopper-*-%d-*.jpg", id))); len(m) != 1 {
				t.Errorf("object %d: snapshots %v", id, m)
			}
		}
	}
	// A second run into the same folder (its track ids start at 1 again)
	// writes snapshots of its own, named by its start, and never
	// replaces a file.
	before, _ := filepath.Glob(filepath.Join(snaps, "*.jpg"))
	stamp := filepath.Join(snaps, filepath.Base(before[0]))
	if err := os.WriteFile(stamp, []byte("the user's file"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, errOut, code = livecam(t, "-model", "coco_ssd_mobilenet_v1", "-source", video, "-results", results, "-overwrite",
		"-snapshots", snaps, "-quiet")
	after, _ := filepath.Glob(filepath.Join(snaps, "*.jpg"))
	if got := readFile(t, stamp); code != 0 || got != "the user's file" || len(after) != 2*len(before) || strings.Contains(errOut, "warning") {
		t.Errorf("second run: exit %d, %d snapshots after %d, %s holds %q:\n%s", code, len(after), len(before), stamp, got, errOut)
	}
	// The dog on the right (x from 344 of 512) is in the zone; the one
	// on the left is not.
	right := 0
	for id := range ids["dog"] {
		if zoneEnters[id] {
			right++
		}
	}
	if right != 1 {
		t.Errorf("%d dogs entered the right half, want 1 (events %v)", right, zoneEnters)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestDetectorFlags: the detector's flags are refused where they would
// do nothing, and a labels file that does not fit the model is refused.
func TestDetectorFlags(t *testing.T) {
	useSharedModels(t)
	dir := t.TempDir()
	short := filepath.Join(dir, "short.txt")
	if err := os.WriteFile(short, []byte("???\nperson\nbicycle\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	src := shareddata.Path(t, "videos", "short_vga.avi")
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"-source", src, "-zone", "a=0,0,1,0,1,1"}, 2, "-zone is for a detection model"},
		{[]string{"-source", src, "-snapshots", dir}, 2, "-snapshots is for a detection model"},
		{[]string{"-model", "coco_ssd_mobilenet_v1", "-source", src, "-no-track", "-snapshots", dir}, 2, "-snapshots and -zone need tracking"},
		{[]string{"-model", "coco_ssd_mobilenet_v1", "-source", src, "-labels", short}, 1, "short.txt: 2 labels for a detector of 90 classes"},
		{[]string{"detect", "-labels", short, src}, 1, "short.txt: 2 labels for a detector of 90 classes"},
	} {
		_, errOut, code := livecam(t, c.args...)
		if code != c.code || !strings.Contains(errOut, c.want) {
			t.Errorf("%v: exit %d, want %d with %q:\n%s", c.args, code, c.code, c.want, errOut)
		}
	}
}
