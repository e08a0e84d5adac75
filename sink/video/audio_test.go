package video

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"gocv.io/x/gocv"
	"golang.org/x/sys/unix"

	"github.com/livecam/livecam/internal/testrig/chromium"
	"github.com/livecam/livecam/pipeline"
	"github.com/livecam/livecam/sink/outfile"
	"github.com/livecam/livecam/source/videofile"
)

// whiteAt is a lavfi video of 3 s at 25 frames/s, 160x120, whose frame
// n is white.
func whiteAt(n int) string {
	return fmt.Sprintf("testsrc2=s=160x120:r=25:d=3,drawbox=x=0:y=0:w=160:h=120:color=white:t=fill:enable='eq(n\\,%d)'", n)
}

// clickAt is a lavfi audio of 3 s, silent but for a 40 ms tone at sec.
func clickAt(sec float64) string {
	return fmt.Sprintf("sine=f=1000:d=3:sample_rate=48000,volume=volume=0:enable='not(between(t\\,%g\\,%g))'", sec, sec+0.04)
}

// makeSource writes a small file with ffmpeg (args are its input and
// output options, without the file) and returns its path.
func makeSource(t *testing.T, name string, args ...string) string {
	t.Helper()
	needFFmpeg(t)
	path := filepath.Join(t.TempDir(), name)
	cmd := exec.Command("ffmpeg", append(append([]string{"-v", "error", "-y"}, args...), path)...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("making %s: %v: %s", name, err, out)
	}
	return path
}

// needFFmpeg skips the test without ffmpeg and ffprobe (fails under CI).
func needFFmpeg(t *testing.T) {
	t.Helper()
	if !videofile.Installed() {
		if os.Getenv("CI") == "true" {
			t.Fatal("ffmpeg and ffprobe are not installed")
		}
		t.Skip("ffmpeg and ffprobe are not installed")
	}
}

// annotate reads src with livecam's file source and writes every frame
// through a Sink to out, as livecam does, and returns the sink's notes.
func annotate(t *testing.T, src, out string, enc Encoding) []string {
	t.Helper()
	return annotateN(t, src, out, enc, 0, -1)
}

// annotateN is annotate from the source's frame from on (a run whose
// first frames went elsewhere), stopped after n frames (n < 0: all of
// them; as a run cut short by a signal).
func annotateN(t *testing.T, src, out string, enc Encoding, from, n int) []string {
	t.Helper()
	var notes []string
	enc.Logf = func(format string, args ...any) { notes = append(notes, fmt.Sprintf(format, args...)) }
	s, err := CreateWith(out, enc, outfile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	f, err := videofile.Open(src, videofile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	o := &pipeline.Output{Image: gocv.NewMat(), Source: f.Info(), Result: &pipeline.Result{}}
	defer o.Image.Close()
	for ; n != 0; n-- {
		fr, err := f.Read(&o.Image)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if from > 0 {
			from, n = from-1, n+1
			continue
		}
		o.Result.PTS = fr.PTS
		if err := s.Write(o); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	return notes
}

// span is what ffprobe says of one stream of a file: its codec and the
// time from its first packet to the end of its last.
type span struct {
	codec      string
	start, end float64
}

func (s span) duration() float64 { return s.end - s.start }

// streamSpan probes the stream sel ("v:0", "a:0") of path; an absent
// stream has codec "".
func streamSpan(t *testing.T, path, sel string) span {
	t.Helper()
	out, err := exec.Command("ffprobe", "-v", "error", "-select_streams", sel,
		"-show_entries", "stream=codec_name:packet=pts_time,duration_time", "-of", "csv=p=0", path).Output()
	if err != nil {
		t.Fatalf("ffprobe %s: %v", path, err)
	}
	s := span{start: math.Inf(1), end: math.Inf(-1)}
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Split(l, ",")
		if len(f) == 1 && f[0] != "" {
			s.codec = f[0]
			continue
		}
		if len(f) != 2 {
			continue
		}
		pts, err1 := strconv.ParseFloat(f[0], 64)
		d, err2 := strconv.ParseFloat(f[1], 64)
		if err1 == nil && err2 == nil {
			s.start, s.end = min(s.start, pts), max(s.end, pts+d)
		}
	}
	return s
}

// TestAudioKept: an AAC source in .mp4 keeps its audio in an .mp4
// output, copied, as long as the video within one frame; a .webm output
// of the same source gets it converted to Opus, as long too; a .avi one
// to MP3.
func TestAudioKept(t *testing.T) {
	src := makeSource(t, "phone.mp4", "-f", "lavfi", "-i", whiteAt(30), "-f", "lavfi", "-i", clickAt(1.2),
		"-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac")
	dir := t.TempDir()
	for _, c := range []struct{ name, codec string }{{"out.mp4", "aac"}, {"out.webm", "opus"}, {"out.avi", "mp3"}} {
		out := filepath.Join(dir, c.name)
		if notes := annotate(t, src, out, Encoding{Audio: src}); len(notes) != 0 {
			t.Errorf("%s: notes %q", c.name, notes)
		}
		v, a := streamSpan(t, out, "v:0"), streamSpan(t, out, "a:0")
		t.Logf("%s: video %+v, audio %+v", c.name, v, a)
		if a.codec != c.codec {
			t.Errorf("%s: audio codec %q, want %s", c.name, a.codec, c.codec)
		}
		// (A .avi's video may begin with an empty frame, where MP3's
		// encoder delay moved the streams: within one frame too.)
		if d := a.duration() - v.duration(); math.Abs(d) > 0.041 || math.Abs(v.duration()-3) > 0.041 {
			t.Errorf("%s: video %.3f s, audio %.3f s: want 3 s each, within one frame (0.04 s)", c.name, v.duration(), a.duration())
		}
	}
}

// TestAudioEndsWithTheFrames: a run stopped after 40 frames (1.6 s) of
// a 3 s source ends the video there, its audio too (within one frame),
// copied or converted.
func TestAudioEndsWithTheFrames(t *testing.T) {
	src := makeSource(t, "phone.mp4", "-f", "lavfi", "-i", whiteAt(30), "-f", "lavfi", "-i", clickAt(1.2),
		"-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac")
	for _, name := range []string{"cut.mp4", "cut.mkv"} {
		out := filepath.Join(t.TempDir(), name)
		annotateN(t, src, out, Encoding{Audio: src}, 0, 40)
		v, a := streamSpan(t, out, "v:0"), streamSpan(t, out, "a:0")
		t.Logf("%s: video %+v, audio %+v", name, v, a)
		if a.codec == "" || math.Abs(v.duration()-1.6) > 0.041 || math.Abs(a.duration()-v.duration()) > 0.041 {
			t.Errorf("%s: video %.3f s, audio %q %.3f s; want 1.6 s each, within one frame", name, v.duration(), a.codec, a.duration())
		}
	}
}

// TestNoAudio: a source without audio gives a video only, without error
// or note; Audio "" gives no audio even from a source with some.
func TestNoAudio(t *testing.T) {
	silent := makeSource(t, "silent.mp4", "-f", "lavfi", "-i", whiteAt(3), "-c:v", "libx264", "-pix_fmt", "yuv420p")
	withAudio := makeSource(t, "loud.mp4", "-f", "lavfi", "-i", whiteAt(3), "-f", "lavfi", "-i", clickAt(1), "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac")
	dir := t.TempDir()
	for _, c := range []struct{ name, src, audio string }{{"silent.mp4", silent, silent}, {"none.mp4", withAudio, ""}} {
		out := filepath.Join(dir, c.name)
		if notes := annotate(t, c.src, out, Encoding{Audio: c.audio}); len(notes) != 0 {
			t.Errorf("%s: notes %q", c.name, notes)
		}
		if v, a := streamSpan(t, out, "v:0"), streamSpan(t, out, "a:0"); v.codec != "h264" || a.codec != "" {
			t.Errorf("%s: video %q, audio %q; want h264 and none", c.name, v.codec, a.codec)
		}
	}
}

// TestUnreadableAudio: a source whose audio ffmpeg cannot read (a
// Matroska codec id no decoder knows) gives a video without audio, no
// error, and one note naming the source.
func TestUnreadableAudio(t *testing.T) {
	src := makeSource(t, "pcm.mkv", "-f", "lavfi", "-i", whiteAt(3), "-f", "lavfi", "-i", clickAt(1), "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "pcm_s16le")
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Count(b, []byte("A_PCM/INT/LIT")) != 1 {
		t.Fatal("no Matroska PCM codec id in the source")
	}
	bad := filepath.Join(t.TempDir(), "odd.mkv")
	if err := os.WriteFile(bad, bytes.Replace(b, []byte("A_PCM/INT/LIT"), []byte("A_XQZ/INT/LIT"), 1), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "out.mp4")
	notes := annotate(t, bad, out, Encoding{Audio: bad})
	if len(notes) != 1 || !strings.Contains(notes[0], bad) || !strings.Contains(notes[0], "cannot read the audio") {
		t.Errorf("notes %q; want one saying the audio of %s cannot be read", notes, bad)
	}
	if v, a := streamSpan(t, out, "v:0"), streamSpan(t, out, "a:0"); v.codec != "h264" || a.codec != "" {
		t.Errorf("video %q, audio %q; want h264 and none", v.codec, a.codec)
	}
}

// showinfoLine is showinfo's line for a frame: its time and mean.
var showinfoLine = regexp.MustCompile(`pts_time:([0-9.]+) .* mean:\[(\d+)`)

// silenceEnd is silencedetect's line where sound starts.
var silenceEnd = regexp.MustCompile(`silence_end: ([0-9.]+)`)

// whiteAndClick decodes path and returns the time of its first white
// frame and of the start of its first sound, on the timeline a player
// follows (both streams of one input).
func whiteAndClick(t *testing.T, path string) (white, click float64) {
	t.Helper()
	out, err := exec.Command("ffmpeg", "-hide_banner", "-nostats", "-i", path, "-vf", "scale=8:6,format=gray,showinfo",
		"-af", "silencedetect=n=-30dB:d=0.02", "-f", "null", "-").CombinedOutput()
	if err != nil {
		t.Fatalf("decoding %s: %v: %s", path, err, out)
	}
	white, click = -1, -1
	for _, m := range showinfoLine.FindAllSubmatch(out, -1) {
		if y, _ := strconv.Atoi(string(m[2])); y > 220 && white < 0 {
			white, _ = strconv.ParseFloat(string(m[1]), 64)
		}
	}
	if m := silenceEnd.FindSubmatch(out); m != nil {
		click, _ = strconv.ParseFloat(string(m[1]), 64)
	}
	if white < 0 || click < 0 {
		t.Fatalf("%s: white frame at %v, click at %v: one is missing", path, white, click)
	}
	return white, click
}

// TestAudioInSync: sources whose audio and video streams start at
// different times (audio 0.3 s after the video in an MP4; video 0.4 s
// after the audio in Matroska; both at 1.4 s in MPEG-TS) with a click
// and a white frame at the same moment: in every output the click and
// the white frame agree within one frame (40 ms), copied or converted,
// and the white frame is where the video's first frame puts it (no
// audio before the video). A file cut by an edit list, and a transport
// stream cut in the middle of a group of pictures, too. A run whose first 10 frames (0.4 s) went
// elsewhere keeps both in sync too, and so does a variable-rate source
// with a gap of 1.6 s between two frames (a video without audio would
// close the gap).
func TestAudioInSync(t *testing.T) {
	if testing.Short() {
		t.Skip("a dozen sources made and measured: make check runs it (TestAudioKept checks the audio's length in -short)")
	}
	x264 := []string{"-c:v", "libx264", "-pix_fmt", "yuv420p"}
	for _, c := range []struct {
		name  string
		from  int      // the first frame written
		white float64  // the white frame's time in the output
		outs  []string // copied and converted
		args  []string
	}{
		// The click at 0.9 s of an audio that starts 0.3 s late: 1.2 s.
		{"alate.mp4", 0, 1.2, []string{".mp4", ".webm"}, append([]string{"-f", "lavfi", "-i", whiteAt(30), "-itsoffset", "0.3", "-f", "lavfi", "-i", clickAt(0.9), "-c:a", "aac"}, x264...)},
		// The white frame 20 of a video that starts 0.4 s late: 1.2 s.
		{"vlate.mkv", 0, 0.8, []string{".mp4", ".avi"}, append([]string{"-itsoffset", "0.4", "-f", "lavfi", "-i", whiteAt(20), "-f", "lavfi", "-i", clickAt(1.2), "-c:a", "libopus"}, x264...)},
		{"stream.ts", 0, 1.2, []string{".mkv", ".mp4"}, append([]string{"-f", "lavfi", "-i", whiteAt(30), "-f", "lavfi", "-i", clickAt(1.2), "-c:a", "mp2"}, x264...)},
		// No frame from 0.4 to 2 s (a gap the video holds through).
		{"gap.mkv", 0, 2.4, []string{".mp4"}, append([]string{"-f", "lavfi", "-i", whiteAt(60) + ",select='not(between(n\\,10\\,49))'", "-f", "lavfi", "-i", clickAt(2.4), "-c:a", "aac", "-fps_mode", "vfr"}, x264...)},
		{"edited.mp4", 0, 0.8, []string{".mp4"}, append([]string{"-f", "lavfi", "-i", whiteAt(30), "-f", "lavfi", "-i", clickAt(1.2), "-c:a", "aac", "-g", "250"}, x264...)},
		// Frames from the keyframe at 1.6 s on: the white one at 0.4 s.
		{"midgop.ts", 0, 0.4, []string{".mp4"}, append([]string{"-f", "lavfi", "-i", whiteAt(50), "-f", "lavfi", "-i", clickAt(2), "-c:a", "aac", "-g", "40", "-sc_threshold", "0"}, x264...)},
		{"later.mp4", 10, 0.8, []string{".mkv"}, append([]string{"-f", "lavfi", "-i", whiteAt(30), "-f", "lavfi", "-i", clickAt(1.2), "-c:a", "aac"}, x264...)},
	} {
		src := makeSource(t, c.name, c.args...)
		if c.name == "edited.mp4" {
			// Cut at 0.4 s without re-encoding, as phone editors do: an
			// edit list skips the start of the first GOP.
			src = makeSource(t, c.name, "-ss", "0.4", "-i", src, "-c", "copy")
		}
		if c.name == "midgop.ts" {
			// A recording that starts in the middle of a group of
			// pictures: the first quarter of the file cut off, at a
			// transport packet's boundary.
			b, err := os.ReadFile(src)
			if err != nil {
				t.Fatal(err)
			}
			src = filepath.Join(t.TempDir(), c.name)
			if err := os.WriteFile(src, b[len(b)/4/188*188:], 0o644); err != nil {
				t.Fatal(err)
			}
		}
		sw, sc := whiteAndClick(t, src)
		if math.Abs(sw-sc) > 0.04 {
			t.Fatalf("%s: the source is out of sync (white %.3f, click %.3f)", c.name, sw, sc)
		}
		for _, ext := range c.outs {
			out := filepath.Join(t.TempDir(), "out"+ext)
			annotateN(t, src, out, Encoding{Audio: src}, c.from, -1)
			w, k := whiteAndClick(t, out)
			t.Logf("%s -> %s: white %.3f, click %.3f (source %.3f, %.3f)", c.name, ext, w, k, sw, sc)
			if math.Abs(w-k) > 0.04 || math.Abs(w-c.white) > 0.041 {
				t.Errorf("%s -> %s: white frame at %.3f s, click at %.3f s: want both at %.2f s, within 0.04 s", c.name, ext, w, k, c.white)
			}
		}
	}
}

// audioPage plays one video (muted: headless Chromium has no sound
// card, yet decodes the sound) and records on <body> its duration, its
// audio tracks (the AudioVideoTracks feature, which audioFlags turn on),
// how far it played, the audio bytes Chromium decoded by then
// (webkitAudioDecodedByteCount), and any error. (With an audio track,
// playback under virtual time advances only part of the way: the audio
// clock runs in real time; "played a bit" is what the test asks.)
const audioPage = `<!DOCTYPE html><html><body>
<video id="v" preload="auto" muted src="%s"></video>
<script>
const v = document.getElementById('v'), b = document.body;
v.addEventListener('error', () => { b.dataset.error = v.error ? v.error.code + ' ' + v.error.message : 'unknown'; });
v.addEventListener('loadedmetadata', () => {
  b.dataset.duration = v.duration;
  b.dataset.tracks = v.audioTracks ? v.audioTracks.length : 'unsupported';
});
v.addEventListener('timeupdate', () => { b.dataset.time = v.currentTime; b.dataset.audiobytes = v.webkitAudioDecodedByteCount; });
v.playbackRate = 4;
v.play().catch(e => { b.dataset.error = 'play: ' + e; });
</script></body></html>`

// audioFlags turn on HTMLMediaElement.audioTracks in Chromium.
var audioFlags = []string{"--enable-blink-features=AudioVideoTracks"}

// playAudio loads the video in headless Chromium, plays it and returns the <body> attributes the page set.
func playAudio(t *testing.T, video string) map[string]string {
	t.Helper()
	page := filepath.Join(filepath.Dir(video), "audio.html")
	if err := os.WriteFile(page, []byte(fmt.Sprintf(audioPage, filepath.Base(video))), 0o644); err != nil {
		t.Fatal(err)
	}
	r := chromium.Run(t, "file://"+page, 20*time.Second, append([]string{"--dump-dom"}, audioFlags...)...)
	body := regexp.MustCompile(`<body[^>]*>`).Find(r.DOM)
	attrs := map[string]string{}
	for _, m := range regexp.MustCompile(`data-(\w+)="([^"]*)"`).FindAllSubmatch(body, -1) {
		attrs[string(m[1])] = string(m[2])
	}
	return attrs
}

// TestOpusSourcePlaysWithSound: an Opus source in .webm written to .mp4
// keeps its audio (Opus, copied: this ffmpeg's MP4 muxer takes it) and
// plays in headless Chromium with one audio track whose sound Chromium
// decodes. The same page on the video written without
// audio sees no track and no sound: the check can fail.
func TestOpusSourcePlaysWithSound(t *testing.T) {
	chromium.Path(t)
	src := makeSource(t, "phone.webm", "-f", "lavfi", "-i", whiteAt(30), "-f", "lavfi", "-i", clickAt(1.2),
		"-c:v", "libvpx-vp9", "-deadline", "realtime", "-cpu-used", "8", "-c:a", "libopus")
	for _, c := range []struct {
		name   string
		enc    Encoding
		tracks string
		sound  bool
	}{{"opus.mp4", Encoding{Audio: src}, "1", true}, {"mute.mp4", Encoding{}, "0", false}} {
		out := filepath.Join(t.TempDir(), c.name)
		annotate(t, src, out, c.enc)
		if c.sound {
			if a := streamSpan(t, out, "a:0"); a.codec != "opus" {
				t.Errorf("%s: audio %q, want opus (copied)", c.name, a.codec)
			}
		}
		got := playAudio(t, out)
		t.Logf("%s: %v", c.name, got)
		dur, _ := strconv.ParseFloat(got["duration"], 64)
		at, _ := strconv.ParseFloat(got["time"], 64)
		bytes, _ := strconv.Atoi(got["audiobytes"])
		if got["error"] != "" || dur < 2.9 || dur > 3.1 || at <= 0 || got["tracks"] != c.tracks || (bytes > 0) != c.sound {
			t.Errorf("%s: the browser saw %v; want 3 s, playing without error, %s audio tracks, sound decoded %v", c.name, got, c.tracks, c.sound)
		}
	}
}

// TestAudioDiskFull: with audio, a video written to a full device (as
// TestFFmpegDiskFullIsErrDiskFull; needs root) still fails with
// ErrDiskFull and ENOSPC, from ffmpeg's own message.
func TestAudioDiskFull(t *testing.T) {
	src := makeSource(t, "phone.mp4", "-f", "lavfi", "-i", whiteAt(30), "-f", "lavfi", "-i", clickAt(1.2),
		"-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac")
	full := filepath.Join(t.TempDir(), "x.avi")
	if err := unix.Mknod(full, unix.S_IFCHR|0o666, int(unix.Mkdev(1, 7))); err != nil {
		t.Skipf("cannot make a /dev/full device (needs root): %v", err)
	}
	s, err := CreateWith(full, Encoding{Audio: src}, outfile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if s.Audio() != "aac, converted to mp3" {
		t.Errorf("audio %q, want aac converted to mp3", s.Audio())
	}
	o := &pipeline.Output{Image: gocv.NewMatWithSize(120, 160, gocv.MatTypeCV8UC3), Source: pipeline.SourceInfo{Width: 160, Height: 120, FPS: 25}, Result: &pipeline.Result{}}
	defer o.Image.Close()
	for i := range 75 {
		o.Result.PTS = time.Duration(i) * 40 * time.Millisecond
		gocv.Circle(&o.Image, imagePt(20+i*4%120, 60), 20, colorWhite, -1)
		if err = s.Write(o); err != nil {
			break
		}
	}
	err = errors.Join(err, s.Close())
	if !errors.Is(err, ErrDiskFull) || !errors.Is(err, syscall.ENOSPC) {
		t.Errorf("the full device: %v", err)
	}
	t.Logf("%v", err)
}

// TestWriteWithAudioAllocatesNothing: once ffmpeg runs, writing a frame
// of a video with audio allocates nothing.
func TestWriteWithAudioAllocatesNothing(t *testing.T) {
	src := makeSource(t, "phone.mp4", "-f", "lavfi", "-i", whiteAt(30), "-f", "lavfi", "-i", clickAt(1.2),
		"-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac")
	s, err := CreateWith(filepath.Join(t.TempDir(), "out.mkv"), Encoding{Audio: src}, outfile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	o := &pipeline.Output{Image: gocv.NewMatWithSize(120, 160, gocv.MatTypeCV8UC3), Source: pipeline.SourceInfo{Width: 160, Height: 120, FPS: 25}, Result: &pipeline.Result{}}
	defer o.Image.Close()
	i := 0
	write := func() {
		o.Result.PTS = time.Duration(i) * 40 * time.Millisecond
		i++
		if err := s.Write(o); err != nil {
			t.Fatal(err)
		}
	}
	write() // starts ffmpeg
	if n := testing.AllocsPerRun(50, write); n != 0 {
		t.Errorf("%v allocations per frame, want 0", n)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}
