package video

import (
	"fmt"
	"image"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"gocv.io/x/gocv"

	"github.com/livecam/livecam/internal/testrig/chromium"
	"github.com/livecam/livecam/internal/testrig/shareddata"
	"github.com/livecam/livecam/pipeline"
	"github.com/livecam/livecam/sink/outfile"
	"github.com/livecam/livecam/source/videofile"
)

// writeTestVideo writes n moving 320x240 frames at fps through a Sink.
func writeTestVideo(t *testing.T, path string, enc Encoding, n int, fps float64) {
	t.Helper()
	s, err := CreateWith(path, enc, outfile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	o := &pipeline.Output{Image: gocv.NewMatWithSize(240, 320, gocv.MatTypeCV8UC3), Source: pipeline.SourceInfo{Width: 320, Height: 240, FPS: fps}}
	defer o.Image.Close()
	res := &pipeline.Result{}
	o.Result = res
	for i := range n {
		res.PTS = time.Duration(float64(i) / fps * float64(time.Second))
		o.Image.SetTo(gocv.NewScalar(float64(40+i*3%200), 90, 160, 0))
		gocv.Circle(&o.Image, imagePt(20+i*4%280, 120), 20, colorWhite, -1)
		if err := s.Write(o); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}

// playPage is a page that plays one video, muted, and records on <body>
// how far it got and any error.
const playPage = `<!DOCTYPE html><html><body>
<video id="v" preload="auto" muted src="%s"></video>
<script>
const v = document.getElementById('v'), b = document.body;
v.addEventListener('error', () => { b.dataset.error = v.error ? v.error.code + ' ' + v.error.message : 'unknown'; });
v.addEventListener('loadedmetadata', () => { b.dataset.duration = v.duration; b.dataset.size = v.videoWidth + 'x' + v.videoHeight; });
v.addEventListener('timeupdate', () => { b.dataset.time = v.currentTime; });
v.playbackRate = 4;
v.play().catch(e => { b.dataset.error = 'play: ' + e; });
</script></body></html>`

// play loads the video in headless Chromium and returns the <body>
// attributes the page set.
func play(t *testing.T, video string) map[string]string {
	t.Helper()
	page := filepath.Join(filepath.Dir(video), "play.html")
	os.WriteFile(page, []byte(fmt.Sprintf(playPage, filepath.Base(video))), 0o644)
	r := chromium.Run(t, "file://"+page, 20*time.Second, "--dump-dom")
	body := regexp.MustCompile(`<body[^>]*>`).Find(r.DOM)
	attrs := map[string]string{}
	for _, m := range regexp.MustCompile(`data-(\w+)="([^"]*)"`).FindAllSubmatch(body, -1) {
		attrs[string(m[1])] = string(m[2])
	}
	return attrs
}

// TestPlaysInChromium writes 4 s of video as .mp4 (H.264, fragmented)
// and .webm (VP9) and plays each in headless Chromium to its end: the
// page must see the right size and duration, reach the last frame and
// report no error. An MPEG-4 Part 2 file, livecam's old output, fails the
// same check (Chromium cannot decode it).
func TestPlaysInChromium(t *testing.T) {
	chromium.Path(t)
	dir := t.TempDir()
	for _, c := range []struct {
		name string
		enc  Encoding
	}{{"h264.mp4", Encoding{}}, {"high.mp4", Encoding{Quality: "high"}}, {"vp9.webm", Encoding{}}} {
		path := filepath.Join(dir, c.name)
		writeTestVideo(t, path, c.enc, 60, 15)
		got := play(t, path)
		dur, _ := strconv.ParseFloat(got["duration"], 64)
		at, _ := strconv.ParseFloat(got["time"], 64)
		if got["error"] != "" || got["size"] != "320x240" || dur < 3.9 || dur > 4.1 || at < dur-0.1 {
			t.Errorf("%s: the browser saw %v; want 320x240, 4 s, played to the end without error", c.name, got)
		}
	}
	// The check tells playable from not: MPEG-4 Part 2 fails it.
	mp4v := filepath.Join(dir, "mp4v.mp4")
	if out, err := exec.Command("ffmpeg", "-v", "error", "-i", filepath.Join(dir, "h264.mp4"), "-c:v", "mpeg4", mp4v).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v: %s", err, out)
	}
	if got := play(t, mp4v); got["error"] == "" {
		t.Errorf("MPEG-4 Part 2 played (%v): the check cannot fail", got)
	}
}

// TestSizeWithinTwiceTheInput re-encodes the shared 720p slideshow (H.264,
// 24 s) through the Sink at the default quality: the output must be at
// most twice the input's size.
func TestSizeWithinTwiceTheInput(t *testing.T) {
	in := shareddata.Path(t, "videos/slideshow_720p.mp4")
	st, err := os.Stat(in)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "out.mp4")
	s, err := Create(out, outfile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	vc, err := gocv.VideoCaptureFile(in)
	if err != nil {
		t.Fatal(err)
	}
	defer vc.Close()
	o := &pipeline.Output{Image: gocv.NewMat(), Source: pipeline.SourceInfo{Width: 1280, Height: 720, FPS: vc.Get(gocv.VideoCaptureFPS)}}
	defer o.Image.Close()
	frames := 0
	res := &pipeline.Result{}
	o.Result = res
	for vc.Read(&o.Image) && !o.Image.Empty() {
		res.PTS = time.Duration(float64(frames) / o.Source.FPS * float64(time.Second))
		if err := s.Write(o); err != nil {
			t.Fatal(err)
		}
		frames++
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	got, _ := os.Stat(out)
	ratio := float64(got.Size()) / float64(st.Size())
	t.Logf("%d frames: input %.2f MB, output %.2f MB (%.2fx)", frames, float64(st.Size())/1e6, float64(got.Size())/1e6, ratio)
	if ratio > 2 {
		t.Errorf("output is %.2fx the input's size; want at most 2x", ratio)
	}
}

// TestCodecChoices checks which codec each container takes.
func TestCodecChoices(t *testing.T) {
	for _, c := range []struct {
		path  string
		enc   Encoding
		codec string // in the ffmpeg arguments; "" for an error
		err   string
	}{
		{"a.mp4", Encoding{}, "libx264", ""},
		{"a.webm", Encoding{}, "libvpx-vp9", ""},
		{"a.avi", Encoding{}, "mjpeg", ""},
		{"a.mkv", Encoding{Codec: "vp9"}, "libvpx-vp9", ""},
		{"a.mp4", Encoding{Codec: "mjpeg"}, "mjpeg", ""},
		{"a.mp4", Encoding{Codec: "vp9"}, "", "a .mp4 file cannot hold vp9"},
		{"a.webm", Encoding{Codec: "h264"}, "", "a .webm file cannot hold h264"},
		{"a.mp4", Encoding{Codec: "hevc"}, "", `unknown codec "hevc"`},
		{"a.mp4", Encoding{Quality: "best"}, "", `unknown quality "best"`},
		{"a.xyz", Encoding{}, "", "unknown video extension"},
	} {
		args, err := codecArgs(c.path, c.enc, 320, 240, 30, true)
		switch {
		case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err) || !strings.Contains(err.Error(), c.path)):
			t.Errorf("%s %+v: error %v, want one naming the file and %q", c.path, c.enc, err, c.err)
		case c.err == "" && (err != nil || !strings.Contains(strings.Join(args, " "), "-c:v "+c.codec)):
			t.Errorf("%s %+v: %v %v, want -c:v %s", c.path, c.enc, args, err, c.codec)
		}
	}
}

// TestColorsKept writes colour bars and reads the video back with ffmpeg:
// every bar must come back within a few levels of its colour (a wrong
// YUV matrix, range or plane order shifts them by tens), at an even size
// (converted by OpenCV) and an odd one (by ffmpeg).
func TestColorsKept(t *testing.T) {
	bars := []gocv.Scalar{{Val1: 0, Val2: 0, Val3: 255}, {Val1: 0, Val2: 255, Val3: 0}, {Val1: 255, Val2: 0, Val3: 0}, {Val1: 0, Val2: 220, Val3: 255}, {Val1: 200, Val2: 200, Val3: 200}, {Val1: 30, Val2: 60, Val3: 90}}
	for _, size := range [][2]int{{320, 240}, {321, 241}} {
		w, h := size[0], size[1]
		path := filepath.Join(t.TempDir(), "bars.mp4")
		writeBars(t, path, w, h, bars)
		bw := w / len(bars)
		out, err := exec.Command("ffmpeg", "-v", "error", "-i", path, "-frames:v", "1", "-vf", fmt.Sprintf("format=bgr24,crop=%d:%d:0:0", w, h), "-f", "rawvideo", "-pix_fmt", "bgr24", "-").Output()
		if err != nil || len(out) != w*h*3 {
			t.Fatalf("%dx%d: decoding: %v, %d bytes", w, h, err, len(out))
		}
		for i, c := range bars {
			x, y := i*bw+bw/2, h/2
			px := out[3*(y*w+x):]
			want := []float64{c.Val1, c.Val2, c.Val3}
			for ch := range 3 {
				if d := float64(px[ch]) - want[ch]; d > 6 || d < -6 {
					t.Errorf("%dx%d bar %d: got BGR %v, want %v", w, h, i, px[:3], want)
					break
				}
			}
		}
	}
}

// writeBars writes three frames of vertical bars of the given BGR
// colours, w×h, through a Sink at high quality.
func writeBars(t *testing.T, path string, w, h int, bars []gocv.Scalar) {
	t.Helper()
	s, err := CreateWith(path, Encoding{Quality: "high"}, outfile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	img := gocv.NewMatWithSize(h, w, gocv.MatTypeCV8UC3)
	defer img.Close()
	bw := w / len(bars)
	for i, c := range bars {
		roi := img.Region(image.Rect(i*bw, 0, (i+1)*bw, h))
		roi.SetTo(c)
		roi.Close()
	}
	o := &pipeline.Output{Image: img, Source: pipeline.SourceInfo{Width: w, Height: h, FPS: 10}, Result: &pipeline.Result{}}
	for i := range 3 {
		o.Result.PTS = time.Duration(i) * 100 * time.Millisecond
		if err := s.Write(o); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}

// colorPage draws the video's first frame on a canvas and records on
// <body> the colour at the middle of each of four vertical bars (trying
// again while the canvas is still black: the frame may come after the
// event; no test's bars are black).
const colorPage = `<!DOCTYPE html><html><body>
<video id="v" preload="auto" muted src="%s"></video><canvas id="c"></canvas>
<script>
const v = document.getElementById('v'), b = document.body;
v.addEventListener('error', () => { b.dataset.error = v.error ? v.error.code + ' ' + v.error.message : 'unknown'; });
let tries = 0;
function grab() {
  try {
    const c = document.getElementById('c'), w = v.videoWidth, h = v.videoHeight;
    c.width = w; c.height = h;
    const x = c.getContext('2d');
    x.drawImage(v, 0, 0);
    const px = [1, 3, 5, 7].map(k => Array.from(x.getImageData(Math.floor(k * w / 8), Math.floor(h / 2), 1, 1).data.slice(0, 3)).join(','));
    if (px.every(p => p === '0,0,0') && ++tries < 40) { setTimeout(grab, 50); return; } // no picture yet
    b.dataset.px = px.join(' ');
  } catch (e) { b.dataset.error = '' + e; }
}
v.addEventListener('loadeddata', grab);
</script></body></html>`

// chromiumColors loads the video at path in headless Chromium (colorPage)
// and returns the RGB it shows at the middle of each of four vertical
// bars of the first frame.
func chromiumColors(t *testing.T, path string) [4][3]float64 {
	t.Helper()
	page := filepath.Join(filepath.Dir(path), "colors.html")
	os.WriteFile(page, []byte(fmt.Sprintf(colorPage, filepath.Base(path))), 0o644)
	r := chromium.Run(t, "file://"+page, 10*time.Second, "--dump-dom", "--allow-file-access-from-files")
	got := regexp.MustCompile(`data-px="([^"]*)"`).FindSubmatch(r.DOM)
	if got == nil {
		t.Fatalf("%s: the page read no colours: %s", path, regexp.MustCompile(`<body[^>]*>`).Find(r.DOM))
	}
	var px [4][3]float64
	f := strings.Fields(string(got[1]))
	if len(f) != 4 {
		t.Fatalf("%s: the page read %q", path, got[1])
	}
	for i := range px {
		fmt.Sscanf(f[i], "%g,%g,%g", &px[i][0], &px[i][1], &px[i][2])
	}
	return px
}

// TestColorsInChromium writes four colour bars (red, green, blue,
// yellow) at 1280x720 and 320x240 as H.264 (.mp4) and VP9 (.webm) and
// reads the first frame back in headless Chromium: every bar within 8
// levels of its colour; and at 1281x721, whose frames ffmpeg converts
// (odd). An HD stream whose colour is not labelled is shown as BT.709
// (green 255 as 216), so this fails without the tags.
func TestColorsInChromium(t *testing.T) {
	chromium.Path(t)
	dir := t.TempDir()
	bars := []gocv.Scalar{{Val3: 255}, {Val2: 255}, {Val1: 255}, {Val2: 220, Val3: 255}} // BGR
	for _, size := range [][2]int{{1280, 720}, {320, 240}, {1281, 721}} {
		for _, name := range []string{"bars.mp4", "bars.webm"} {
			w, h := size[0], size[1]
			path := filepath.Join(dir, fmt.Sprintf("%d_%s", w, name))
			writeBars(t, path, w, h, bars)
			px := chromiumColors(t, path)
			for i, c := range bars {
				rgb := px[i]
				if math.Abs(rgb[0]-c.Val3) > 8 || math.Abs(rgb[1]-c.Val2) > 8 || math.Abs(rgb[2]-c.Val1) > 8 {
					t.Errorf("%dx%d %s bar %d: Chromium shows RGB %v, want %v", w, h, name, i, rgb, [3]float64{c.Val3, c.Val2, c.Val1})
				}
			}
		}
	}
}

// TestLooksLikeTheSource copies 1280x720 colour bars through the file
// source and the Sink, as a run does (the planes or BGR, whichever the
// source gives, and its SourceInfo), and reads the copy in Chromium. A
// source that says BT.601 (its planes written as they are) or BT.709
// (decoded to BGR with it, written BT.601 and labelled so) must show the
// bars' own colours, within 8 levels (Chromium shows the BT.709 source
// itself about 12 levels off, with its BT.709 transfer); one that says
// nothing must show as the source does (its YUV written back, not
// labelled: Chromium takes both for BT.709).
func TestLooksLikeTheSource(t *testing.T) {
	chromium.Path(t)
	dir := t.TempDir()
	bars := "color=c=red:s=320x720:d=1[a];color=c=0x00ff00:s=320x720:d=1[b];color=c=blue:s=320x720:d=1[c];color=c=0xffdc00:s=320x720:d=1[d];[a][b][c][d]hstack=4,format=rgb24"
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"bt601", []string{"-vf", "scale=out_color_matrix=bt601:out_range=tv", "-colorspace", "smpte170m", "-color_primaries", "smpte170m", "-color_trc", "smpte170m"}},
		{"bt709", []string{"-vf", "scale=out_color_matrix=bt709:out_range=tv", "-colorspace", "bt709", "-color_primaries", "bt709", "-color_trc", "bt709"}},
		{"untagged", []string{"-vf", "scale=out_color_matrix=bt601:out_range=tv"}},
	} {
		src := filepath.Join(dir, tc.name+".mp4")
		args := append([]string{"-v", "error", "-f", "lavfi", "-i", bars, "-frames:v", "3", "-c:v", "libx264", "-crf", "12", "-pix_fmt", "yuv420p"}, tc.args...)
		if out, err := exec.Command("ffmpeg", append(args, "-y", src)...).CombinedOutput(); err != nil {
			t.Fatalf("making %s: %v\n%s", src, err, out)
		}
		f, err := videofile.Open(src, videofile.Options{})
		if err != nil {
			t.Fatal(err)
		}
		out := filepath.Join(dir, tc.name+"_copy.mp4")
		s, err := CreateWith(out, Encoding{Quality: "high"}, outfile.Options{})
		if err != nil {
			t.Fatal(err)
		}
		frame, blank := gocv.NewMat(), gocv.NewMat()
		res := &pipeline.Result{}
		o := &pipeline.Output{Source: f.Info(), Result: res, Image: blank, I420: blank}
		for {
			var fr pipeline.Frame
			if f.I420() {
				fr, err = f.ReadI420(&frame)
				o.I420 = frame
			} else {
				fr, err = f.Read(&frame)
				o.Image = frame
			}
			if err != nil {
				break
			}
			res.PTS = fr.PTS
			if err := s.Write(o); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		f.Close()
		frame.Close()
		blank.Close()
		want, got := chromiumColors(t, src), chromiumColors(t, out)
		if tc.name != "untagged" {
			want = [4][3]float64{{255, 0, 0}, {0, 255, 0}, {0, 0, 255}, {255, 220, 0}} // the bars' own colours
		}
		for i := range want {
			for ch := range 3 {
				if math.Abs(got[i][ch]-want[i][ch]) > 8 {
					t.Errorf("%s: bar %d shows RGB %v in the copy, %v in the source", tc.name, i, got[i], want[i])
					break
				}
			}
		}
	}
}
