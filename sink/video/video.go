// Package video writes the pipeline's frames to a video file through an
// ffmpeg child process: H.264 in fragmented MP4 that survives a crash,
// Matroska, or Motion JPEG; frames placed by their timestamps; disk space
// watched; the file written under a partial name and renamed into place
// (package outfile); the source file's audio carried along, in sync
// (Encoding.Audio). See Sink.
package video

import (
	"errors"
	"fmt"
	"image"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"gocv.io/x/gocv"
	"golang.org/x/sys/unix"

	"github.com/livecam/livecam/internal/ffmpeg"
	"github.com/livecam/livecam/pipeline"
	"github.com/livecam/livecam/sink/outfile"
)

// Sink writes the frames it receives to a video file of the source's
// size and frame rate, through an ffmpeg child process fed raw frames:
//
//   - .mp4, .m4v, .mov: H.264 in fragmented MP4 (a fragment at every
//     keyframe, one every 2 s), which plays in browsers and stays playable
//     up to its last fragment if livecam is killed or the power fails;
//   - .mkv: H.264 in Matroska;
//   - .avi: Motion JPEG.
//
// H.264 and VP9 use 4:2:0 colour (yuv420p): a frame of odd width or
// height gets one black line to make it even. Their colour is labelled
// BT.601, limited range, unless the source's was only assumed
// (pipeline.SourceInfo.ColorAssumed). Frames are placed by their
// presentation time: frames of a variable-rate source are repeated or
// left out so that the constant-rate file keeps the source's timing, and a
// frame whose size differs from the first one (a camera that changed
// mode) is scaled to fit, with black borders. The sink takes frames as
// I420 planes too (pipeline.I420Sink): planes of the output's size go to
// ffmpeg as they are, with no conversion.
//
// With Encoding.Audio, ffmpeg reads the source file's first audio stream
// as a second input and writes it beside the frames, in sync with them,
// and the video ends with its last frame.
//
// ffmpeg runs in its own process group: a Ctrl-C on the terminal reaches
// livecam only, which finishes the file; if livecam dies, ffmpeg sees its
// input end and finishes the file itself. The file is written under a
// partial name and renamed into place by Close (see package outfile); with
// an outfile.Group in the options, Close only finishes it and the group
// decides whether it moves into place (a run cut short keeps the partial
// name).
//
// ffmpeg reports write errors (they end the output with its message; when
// ffmpeg's own words are that the disk or quota is full, the error is
// ErrDiskFull and syscall.ENOSPC or EDQUOT, whatever the file is called).
// The sink also watches the free space of the file's filesystem: when it falls
// below what the next frames need, Write fails with ErrDiskFull before the
// disk is full.
type Sink struct {
	path string
	opts outfile.Options
	enc  Encoding

	file   *outfile.File
	cmd    *exec.Cmd
	pipe   *os.File // ffmpeg's standard input
	waited chan struct{}
	errMu  sync.Mutex
	errBuf ffmpeg.Tail // the end of ffmpeg's standard error
	exit   error
	audio  *audioTrack // nil: no audio

	width, height int
	fps           float64
	frames        int
	first         time.Duration // PTS of the first frame
	fit           gocv.Mat      // frames of another size, scaled to fit
	resized       bool
	// i420, for even sizes, holds a BGR frame converted to YUV 4:2:0
	// by OpenCV, which does it faster than ffmpeg and halves what goes
	// through the pipe; a frame that comes as planes (Output.I420) goes
	// through as it is.
	i420 gocv.Mat
	yuv  bool
	// bgr holds I420 frames of another size than the output's,
	// converted to be scaled.
	bgr gocv.Mat
	// size of the file when space was last checked, and the largest
	// growth seen between checks.
	lastSize, maxGrowth int64
	space               spaceChecker
}

// ErrDiskFull reports an output whose filesystem is about to run out of
// space (the sink's own check), or has (ffmpeg said so).
var ErrDiskFull = errors.New("disk (nearly) full")

// spaceCheckEvery is how many frames pass between free-space checks.
const spaceCheckEvery = 10

// maxAudioGap is the longest gap between two frames that a video with
// audio fills by holding the frame, to stay in sync with the audio.
const maxAudioGap = 10 * time.Second

// FrameWriteTimeout ends the video when ffmpeg takes no frame for this long.
const FrameWriteTimeout = 20 * time.Second

// Create checks that path can be written (a known extension, its
// folder writable, an existing file only with opts.Overwrite) and that
// ffmpeg is installed, and returns a sink that starts ffmpeg on the first
// frame, when the size is known. Nothing is created before that. The
// extension chooses the codec (see Encoding).
func Create(path string, opts outfile.Options) (*Sink, error) {
	return CreateWith(path, Encoding{}, opts)
}

// Encoding chooses how a video is compressed.
type Encoding struct {
	// Codec is "h264" (the default for .mp4, .m4v, .mov and .mkv: plays
	// in browsers), "vp9" (the default for .webm; also in .mkv) or
	// "mjpeg" (the default for .avi; also in .mkv and .mov: large files,
	// every frame a JPEG).
	Codec string
	// Quality is "low", "medium" (the default) or "high": for H.264
	// constant rate factors 28, 23 and 18, for VP9 40, 33 and 24, for
	// Motion JPEG q 8, 4 and 2.
	Quality string
	// Audio is the file whose first audio stream the video carries, in
	// sync with the frames ("" for none): livecam's file source reading
	// that file whole, not paced and not looped. Only then do the frames'
	// PTS follow the file's timeline; a looped or real-time file (frames
	// dropped), a camera or a stream gets no audio. The codec is copied
	// when the container holds it and its players play it (AAC, MP3 or
	// Opus in .mp4; AAC, MP3, ALAC or PCM in .mov; almost any in .mkv;
	// Opus or Vorbis in .webm; MP3, AC-3 or PCM in .avi), and converted
	// otherwise (to AAC for .mp4, .m4v and .mov, Opus for .mkv and .webm,
	// MP3 for .avi). The video ends with its last frame (a run cut short
	// too). A file without audio gives a video without audio; one whose
	// audio ffmpeg cannot read, too, with a note through Logf.
	Audio string
	// Logf receives the note that the source's audio could not be kept
	// (default: nothing). It is called at most once, by CreateWith.
	Logf func(format string, args ...any)
}

// Codecs lists the values Encoding.Codec takes.
var Codecs = []string{"h264", "vp9", "mjpeg"}

// Qualities lists the values Encoding.Quality takes.
var Qualities = []string{"low", "medium", "high"}

// CreateWith is Create with a chosen encoding; a codec the file's
// container cannot hold is an error naming the file.
func CreateWith(path string, enc Encoding, opts outfile.Options) (*Sink, error) {
	if _, err := codecArgs(path, enc, 2, 2, 30, true); err != nil {
		return nil, err
	}
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		return nil, fmt.Errorf("%s: writing video needs ffmpeg, which is not installed (apt-get install ffmpeg)", path)
	}
	if err := outfile.Check(nil, []outfile.Target{{Path: path}}, opts.Overwrite); err != nil {
		return nil, err
	}
	v := &Sink{path: path, opts: opts, enc: enc}
	if enc.Audio != "" {
		var note string
		if v.audio, note = probeAudio(enc.Audio, path); note != "" && enc.Logf != nil {
			enc.Logf("%s", note)
		}
	}
	return v, nil
}

// codecArgs returns ffmpeg's output arguments for the file's extension
// and the encoding.
func codecArgs(path string, enc Encoding, w, h int, fps float64, labelled bool) ([]string, error) {
	ext := strings.ToLower(filepath.Ext(path))
	var format string
	allowed := []string{"h264", "mjpeg"}
	switch ext {
	case ".mp4", ".m4v":
		format = "mp4"
	case ".mov":
		format = "mov"
	case ".mkv":
		format, allowed = "matroska", []string{"h264", "vp9", "mjpeg"}
	case ".webm":
		format, allowed = "webm", []string{"vp9"}
	case ".avi":
		format, allowed = "avi", []string{"mjpeg", "h264"}
	default:
		return nil, fmt.Errorf("%s: unknown video extension (use .mp4, .mov, .m4v, .mkv, .webm or .avi)", path)
	}
	codec := enc.Codec
	if codec == "" {
		codec = allowed[0]
	}
	if !slices.Contains(allowed, codec) {
		if !slices.Contains(Codecs, codec) {
			return nil, fmt.Errorf("%s: unknown codec %q (want %s)", path, codec, strings.Join(Codecs, ", "))
		}
		return nil, fmt.Errorf("%s: a %s file cannot hold %s (it takes %s)", path, ext, codec, strings.Join(allowed, " or "))
	}
	level := slices.Index(Qualities, enc.Quality)
	if enc.Quality == "" {
		level = 1
	}
	if level < 0 {
		return nil, fmt.Errorf("%s: unknown quality %q (want %s)", path, enc.Quality, strings.Join(Qualities, ", "))
	}
	gop := strconv.Itoa(max(1, int(math.Round(2*fps))))
	var args []string
	// 4:2:0 chroma needs even sizes: an odd edge gets one black line.
	if w%2 != 0 || h%2 != 0 {
		args = append(args, "-vf", "pad=ceil(iw/2)*2:ceil(ih/2)*2")
	}
	switch codec {
	case "h264":
		crf := [...]string{"28", "23", "18"}[level]
		args = append(args, "-c:v", "libx264", "-preset", h264Preset, "-tune", "zerolatency", "-threads", "1", "-crf", crf, "-g", gop, "-pix_fmt", "yuv420p")
	case "vp9":
		crf := [...]string{"40", "33", "24"}[level]
		args = append(args, "-c:v", "libvpx-vp9", "-b:v", "0", "-crf", crf, "-deadline", "realtime", "-cpu-used", "8", "-row-mt", "1", "-g", gop, "-pix_fmt", "yuv420p")
	case "mjpeg":
		q := [...]string{"8", "4", "2"}[level]
		args = append(args, "-c:v", "mjpeg", "-q:v", q, "-pix_fmt", "yuvj420p")
	}
	if codec != "mjpeg" && labelled {
		args = append(args, bt601Tags...)
	}
	switch format {
	case "mp4", "mov":
		// Fragmented: a file cut short by a crash still plays up to
		// its last fragment.
		args = append(args, "-movflags", "+frag_keyframe+empty_moov+default_base_moof")
	}
	return append(args, "-f", format), nil
}

// bt601Tags label an H.264 or VP9 stream's colour as what the frames
// hold: BT.601 YUV in limited range (OpenCV's and ffmpeg's conversion
// from BGR, and the decoder's planes of a BT.601 stream). Unlabelled, a
// browser takes an HD stream for BT.709 and shows it off colour
// (Chromium: green 255 as 216, red with 26 of green); it heeds the
// matrix only with the primaries and transfer given too
// (TestColorsInChromium). A source whose matrix was assumed
// (pipeline.SourceInfo.ColorAssumed) gets no label: its frames' YUV is
// the source's, which a player then shows as it shows the source.
var bt601Tags = []string{"-colorspace", "smpte170m", "-color_primaries", "smpte170m", "-color_trc", "smpte170m", "-color_range", "tv"}

// h264Preset is x264's speed preset: superfast, on one thread with
// zerolatency, is the fastest whose files stay within 2x a phone video's
// size (BENCHMARKS.md, "What the video output costs").
const h264Preset = "superfast"

// start creates the partial file and starts ffmpeg for frames of the
// given size.
func (v *Sink) start(o *pipeline.Output) error {
	if o.HasI420() {
		v.width, v.height = o.I420.Cols(), o.I420.Rows()*2/3
	} else {
		v.width, v.height = o.Image.Cols(), o.Image.Rows()
	}
	v.fps = o.Source.FPS
	if v.fps <= 0 {
		v.fps = 30
	}
	f, err := outfile.CreateWith(v.path, v.opts)
	if err != nil {
		return fmt.Errorf("cannot write the output video: %w", err)
	}
	pr, pw, err := os.Pipe()
	if err != nil {
		f.Discard()
		return err
	}
	// A larger pipe takes a whole frame at once where the system allows.
	unix.FcntlInt(pw.Fd(), unix.F_SETPIPE_SZ, 1<<20)
	inFormat := "bgr24"
	if v.width%2 == 0 && v.height%2 == 0 {
		v.yuv, v.i420, inFormat = true, gocv.NewMat(), "yuv420p"
	}
	args := []string{"-hide_banner", "-nostats", "-loglevel", "error",
		"-f", "rawvideo", "-pix_fmt", inFormat, "-video_size", fmt.Sprintf("%dx%d", v.width, v.height),
		"-framerate", strconv.FormatFloat(v.fps, 'g', -1, 64), "-i", "pipe:0"}
	if v.audio != nil {
		args = append(args, v.audio.inputArgs(o.Result.PTS)...)
		args = append(args, v.audio.outputArgs()...)
	}
	cargs, err := codecArgs(v.path, v.enc, v.width, v.height, v.fps, !o.Source.ColorAssumed)
	if err != nil {
		pr.Close()
		pw.Close()
		f.Discard()
		return err
	}
	args = append(args, cargs...)
	args = append(args, "-flush_packets", "1", "-y", f.Name())
	cmd := exec.Command("ffmpeg", args...)
	cmd.Stdin = pr
	cmd.Stderr = &v.errBuf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		pr.Close()
		pw.Close()
		f.Discard()
		return fmt.Errorf("%s: cannot start ffmpeg: %w", v.path, err)
	}
	pr.Close()
	v.file, v.cmd, v.pipe = f, cmd, pw
	v.waited = make(chan struct{})
	go func() {
		err := cmd.Wait()
		v.errMu.Lock()
		v.exit = err
		v.errMu.Unlock()
		close(v.waited)
	}()
	return nil
}

// TakesI420 is true: the sink takes frames as I420 planes, which go to
// the encoder as they are (pipeline.I420Sink).
func (v *Sink) TakesI420() bool { return true }

// Write encodes one frame (repeated or left out to follow its PTS).
func (v *Sink) Write(o *pipeline.Output) error {
	if v.cmd == nil {
		if err := v.start(o); err != nil {
			return err
		}
		v.first = o.Result.PTS
	}
	if v.frames%spaceCheckEvery == 0 {
		if err := v.checkSpace(); err != nil {
			return err
		}
	}
	img := o.Image
	if o.HasI420() {
		planes := o.I420
		if v.yuv && planes.Cols() == v.width && planes.Rows() == v.height*3/2 && planes.IsContinuous() {
			return v.encode(o, planes)
		}
		// Another size: through BGR, scaled to fit.
		if v.bgr.Ptr() == nil {
			v.bgr = gocv.NewMat()
		}
		gocv.CvtColor(planes, &v.bgr, gocv.ColorYUVToBGRIYUV)
		img = v.bgr
	}
	if img.Cols() != v.width || img.Rows() != v.height {
		img = v.fitted(img)
	}
	if !img.IsContinuous() || img.Type() != gocv.MatTypeCV8UC3 {
		return fmt.Errorf("%s: frame %d is not a continuous 8-bit BGR image", v.path, o.Result.Frame)
	}
	if v.yuv {
		gocv.CvtColor(img, &v.i420, gocv.ColorBGRToYUVI420)
		img = v.i420
	}
	return v.encode(o, img)
}

// encode writes img, the frame in the pipe's format (I420 planes or BGR
// of the output's size), as o's frame.
func (v *Sink) encode(o *pipeline.Output, img gocv.Mat) error {
	data, err := img.DataPtrUint8()
	if err != nil {
		return fmt.Errorf("%s: frame %d: %v", v.path, o.Result.Frame, err)
	}
	// The frame covers the output's frames from its own time until the
	// next frame's; at least one, at most a second's worth (a longer gap
	// is a cut: the timeline moves up), or with audio, which goes on
	// through the gap, at most maxAudioGap's worth.
	due := int(math.Round((o.Result.PTS - v.first).Seconds() * v.fps))
	n := 1
	gap := int(v.fps)
	if v.audio != nil {
		gap = int(maxAudioGap.Seconds() * v.fps)
	}
	switch {
	case due > v.frames+gap || due < 0:
		v.first = o.Result.PTS - time.Duration(float64(v.frames)/v.fps*float64(time.Second))
	case due > v.frames:
		n = due - v.frames + 1
	case due < v.frames-1:
		return nil // two frames in one slot: the later is left out
	}
	for range n {
		if err := writeAll(v.pipe, data, FrameWriteTimeout); err != nil {
			return v.failed(err)
		}
		v.frames++
	}
	return nil
}

// fitted scales img into the output's size, keeping its aspect ratio.
func (v *Sink) fitted(img gocv.Mat) gocv.Mat {
	if !v.resized {
		v.fit = gocv.NewMatWithSize(v.height, v.width, gocv.MatTypeCV8UC3)
		v.resized = true
	}
	v.fit.SetTo(gocv.NewScalar(0, 0, 0, 0))
	scale := min(float64(v.width)/float64(img.Cols()), float64(v.height)/float64(img.Rows()))
	w := max(1, min(v.width, int(math.Round(float64(img.Cols())*scale))))
	h := max(1, min(v.height, int(math.Round(float64(img.Rows())*scale))))
	x, y := (v.width-w)/2, (v.height-h)/2
	roi := v.fit.Region(image.Rect(x, y, x+w, y+h))
	gocv.Resize(img, &roi, image.Pt(w, h), 0, 0, gocv.InterpolationArea)
	roi.Close()
	return v.fit
}

// failed turns a write error into the sink's error, with ffmpeg's own
// message when it has exited.
func (v *Sink) failed(err error) error {
	if errors.Is(err, syscall.EPIPE) {
		select {
		case <-v.waited:
		case <-time.After(2 * time.Second):
		}
		return v.ffmpegFailed(fmt.Sprintf("ffmpeg stopped after %d frames", v.frames))
	}
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return fmt.Errorf("%s: ffmpeg took no frame for %v", v.path, FrameWriteTimeout)
	}
	return fmt.Errorf("%s: %w", v.path, err)
}

// ffmpegFailed is the sink's error when ffmpeg has failed: what happened,
// and ffmpeg's last message. When ffmpeg itself said that the output's
// disk or quota is full, the error wraps ErrDiskFull and the errno
// (syscall.ENOSPC or syscall.EDQUOT).
func (v *Sink) ffmpegFailed(what string) error {
	said := v.ffmpegSaid()
	v.errMu.Lock()
	stderr := v.errBuf.String()
	v.errMu.Unlock()
	var names []string
	if v.file != nil {
		names = append(names, v.file.Name(), filepath.Base(v.file.Name()))
	}
	names = append(names, v.path, filepath.Base(v.path))
	if errno, ok := outOfSpace(stderr, len(stderr) >= tailSize, names...); ok {
		return &noSpaceError{msg: fmt.Sprintf("%s: %v: %s: %s", v.path, ErrDiskFull, what, said), errno: errno}
	}
	return fmt.Errorf("%s: %s: %s", v.path, what, said)
}

// tailSize is how much of ffmpeg's standard error ffmpeg.Tail keeps: a
// tail that long may begin in the middle of a line.
const tailSize = 4096

// noSpaceError is ffmpeg's report that it could not write the output for
// want of space: it is ErrDiskFull and its errno.
type noSpaceError struct {
	msg   string
	errno syscall.Errno
}

func (e *noSpaceError) Error() string { return e.msg }

// Is makes errors.Is(err, ErrDiskFull) and errors.Is(err, errno) true.
func (e *noSpaceError) Is(target error) bool {
	return target == ErrDiskFull || target == e.errno
}

// outOfSpace reports whether ffmpeg's standard error (the tail of it that
// was kept; cut says it may begin in the middle of a line) holds one of
// ffmpeg's own messages that a write failed for want of space (a line
// ending in the system's text for ENOSPC or EDQUOT, as in
// "av_interleaved_write_frame(): No space left on device"), and which.
//
// The only text in that output that a user chooses is the output's name
// (the input is a pipe of raw frames), and a file may well be called
// "No space left on device.avi": every occurrence of names (the file as
// ffmpeg was given it, and its base name) is taken out before the lines
// are looked at, so that a line ending in the file's name, or a name
// holding line breaks, never counts. A line cut by the tail's start is
// not looked at either.
func outOfSpace(stderr string, cut bool, names ...string) (syscall.Errno, bool) {
	for _, n := range names {
		if n != "" {
			stderr = strings.ReplaceAll(stderr, n, "\x00")
		}
	}
	lines := strings.Split(stderr, "\n")
	if cut {
		lines = lines[1:]
	}
	for _, errno := range []syscall.Errno{syscall.ENOSPC, syscall.EDQUOT} {
		// ffmpeg prints strerror's text: "No space left on device",
		// "Disk quota exceeded".
		text := errno.Error()
		for _, l := range lines {
			l = strings.TrimSpace(l)
			if len(l) > len(text) && strings.EqualFold(l[len(l)-len(text):], text) && l[len(l)-len(text)-1] == ' ' {
				return errno, true
			}
		}
	}
	return 0, false
}

func (v *Sink) ffmpegSaid() string {
	v.errMu.Lock()
	defer v.errMu.Unlock()
	if msg := v.errBuf.LastLine(); msg != "" {
		return msg
	}
	if v.exit != nil {
		return v.exit.Error()
	}
	return ""
}

// checkSpace fails when the free space is less than twice the largest
// growth of the file between two checks, plus 1 MiB.
func (v *Sink) checkSpace() error {
	if v.file == nil {
		return nil
	}
	size, free, ok := v.space.check(v.file.File)
	if !ok {
		return nil // a device, or no way to tell: carry on
	}
	v.maxGrowth = max(v.maxGrowth, size-v.lastSize)
	v.lastSize = size
	if need := 2*v.maxGrowth + 1<<20; free < need {
		return fmt.Errorf("%s: %w: %d KiB free, the next frames need about %d KiB; stopping with %d frames written",
			v.path, ErrDiskFull, free>>10, need>>10, v.frames)
	}
	return nil
}

// Audio says what the video does with the source's audio (see
// Encoding.Audio): "aac, copied", "opus, converted to aac", or "" for a
// video without audio.
func (v *Sink) Audio() string {
	if v.audio == nil {
		return ""
	}
	return v.audio.desc
}

// Frames returns the number of frames written to the file.
func (v *Sink) Frames() int { return v.frames }

// Close ends ffmpeg's input, waits for it to finish the file and renames
// the file into place. When ffmpeg failed, the file it wrote is kept (a
// fragmented MP4 plays up to its last fragment) and the error says where.
func (v *Sink) Close() error {
	if v.yuv {
		v.i420.Close()
		v.yuv = false
	}
	if v.resized {
		v.fit.Close()
		v.resized = false
	}
	if v.bgr.Ptr() != nil {
		v.bgr.Close()
		v.bgr = gocv.Mat{}
	}
	if v.cmd == nil {
		return nil
	}
	v.pipe.Close()
	select {
	case <-v.waited:
	case <-time.After(30 * time.Second):
		v.cmd.Process.Kill()
		<-v.waited
	}
	v.cmd = nil
	v.errMu.Lock()
	exit := v.exit
	v.errMu.Unlock()
	cerr := v.file.Commit()
	if exit != nil {
		return errors.Join(v.ffmpegFailed("ffmpeg"), cerr)
	}
	return cerr
}

// writeAll writes b to the pipe within timeout.
func writeAll(w *os.File, b []byte, timeout time.Duration) error {
	w.SetWriteDeadline(time.Now().Add(timeout))
	_, err := w.Write(b)
	return err
}
