// Package videofile decodes video files with an ffmpeg child process:
// container timestamps (variable-frame-rate video, most phone recordings)
// and frame sizes that change mid-file, which OpenCV's reader loses.
package videofile

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
	"unsafe"

	"github.com/livecam/livecam/internal/ffmpeg"
	"github.com/livecam/livecam/pipeline"
	"github.com/livecam/livecam/source/internal/pace"
	"gocv.io/x/gocv"
	"golang.org/x/sys/unix"
)

// Source decodes a video file with an ffmpeg child process, which
// hands over raw frames of one size on a pipe (a BT.601 stream's own YUV
// 4:2:0 planes, half the bytes, passed on as they are by ReadI420 or
// converted to BGR here by Read; other streams in BGR converted by
// ffmpeg) and reports each frame's
// presentation time and original size (its showinfo filter) on its
// standard error. Compared with OpenCV's reader it keeps the container's
// timestamps (variable-frame-rate video, most phone recordings) and
// follows a stream whose frame size changes mid-file: such frames are
// scaled into the first size with black borders (never frozen), and
// Frame reports their own size. Interrupt stops ffmpeg, so a Read
// waiting for it returns at once.
type Source struct {
	path     string
	info     pipeline.SourceInfo
	duration time.Duration // from the container; 0 if unknown
	pace     bool
	loop     bool
	// yuv: ffmpeg hands over the stream's own YUV 4:2:0 planes (BT.601,
	// limited range), half the bytes of BGR, and Read converts them
	// with OpenCV; planes holds them.
	yuv    bool
	planes gocv.Mat
	closed bool // by Close: Read returns errClosed

	mu          sync.Mutex // guards cmd and interrupted for Interrupt
	cmd         *exec.Cmd
	interrupted bool
	out         *bufio.Reader
	frames      chan frameInfo
	errs        *ffmpeg.Tail // ffmpeg's error lines
	done        chan struct{}

	n          int           // frames delivered
	played     int           // frames delivered in this pass of the file
	start      time.Time     // pacing: when frame 0 was due
	offset     time.Duration // loops: time of the passes before this one
	first      time.Duration // PTS of the first frame of this pass
	last       time.Duration // PTS of the last frame delivered
	gotFirstTS bool
}

// frameInfo is what showinfo says of one frame.
type frameInfo struct {
	pts  time.Duration
	w, h int
}

// ffprobeInfo is the part of ffprobe's JSON the source needs.
type ffprobeInfo struct {
	Streams []struct {
		Width        int    `json:"width"`
		PixFmt       string `json:"pix_fmt"`
		ColorSpace   string `json:"color_space"`
		ColorRange   string `json:"color_range"`
		Height       int    `json:"height"`
		AvgFrameRate string `json:"avg_frame_rate"`
		RFrameRate   string `json:"r_frame_rate"`
		NbFrames     string `json:"nb_frames"`
		Duration     string `json:"duration"`
	} `json:"streams"`
	Format struct {
		Duration string `json:"duration"`
	} `json:"format"`
}

// Options adjust Open.
type Options struct {
	// Realtime paces the file at its frame rate and makes it live.
	Realtime bool
	// Loop plays the file again from the start when it ends, for ever.
	// Frame numbers and times continue.
	Loop bool
}

// notOnWhitelist finds ffmpeg's word that a file's format is not one of
// ffmpeg.InputLimits', and the format's name.
var notOnWhitelist = regexp.MustCompile(`\[(\w+) @ [^\]]*\] Format not on whitelist`)

// Open probes path with ffprobe and starts decoding it. It needs ffmpeg
// and ffprobe (see Installed).
func Open(path string, opts Options) (*Source, error) {
	realtime, loop := opts.Realtime, opts.Loop
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var stderr ffmpeg.Tail
	cmd := exec.CommandContext(ctx, "ffprobe", append(append([]string{"-v", "error"}, ffmpeg.InputLimits...),
		"-select_streams", "v:0",
		"-show_entries", "stream=width,height,pix_fmt,color_space,color_range,avg_frame_rate,r_frame_rate,nb_frames,duration:format=duration",
		"-of", "json", "file:"+path)...)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if m := notOnWhitelist.FindStringSubmatch(stderr.String()); err != nil && m != nil {
		return nil, &pipeline.SourceError{Source: path, Err: fmt.Errorf("a %s file, which refers to other files or streams: livecam reads only self-contained video files", m[1])}
	}
	if err != nil {
		msg := ffmpeg.LastLine(stderr.String())
		if i := strings.LastIndex(msg, ": "); i >= 0 {
			msg = msg[i+2:] // ffprobe names the file too
		}
		return nil, &pipeline.SourceError{Source: path, Err: fmt.Errorf("not a video ffmpeg can read (%s)", strings.ToLower(msg))}
	}
	var pi ffprobeInfo
	if err := json.Unmarshal(out, &pi); err != nil {
		return nil, &pipeline.SourceError{Source: path, Err: fmt.Errorf("ffprobe: %v", err)}
	}
	if len(pi.Streams) == 0 || pi.Streams[0].Width <= 0 || pi.Streams[0].Height <= 0 {
		return nil, &pipeline.SourceError{Source: path, Err: errors.New("no video stream")}
	}
	st := pi.Streams[0]
	if err := pace.CheckFrameSize(st.Width, st.Height); err != nil {
		return nil, &pipeline.SourceError{Source: path, Err: err}
	}
	f := &Source{path: path, pace: realtime, loop: loop, yuv: bt601Planes(st.PixFmt, st.ColorSpace, st.ColorRange, st.Width, st.Height)}
	f.info = pipeline.SourceInfo{Name: path, Width: st.Width, Height: st.Height, Live: realtime,
		ColorAssumed: st.ColorSpace == "" || st.ColorSpace == "unknown"}
	f.info.FPS = parseRate(st.AvgFrameRate)
	if f.info.FPS <= 0 || f.info.FPS > 1000 {
		f.info.FPS = parseRate(st.RFrameRate)
	}
	if f.info.FPS <= 0 || f.info.FPS > 1000 {
		f.info.FPS = 0
	}
	f.duration = parseSeconds(st.Duration)
	if f.duration <= 0 {
		f.duration = parseSeconds(pi.Format.Duration)
	}
	f.info.Frames, _ = strconv.Atoi(st.NbFrames)
	if f.info.Frames <= 0 && f.duration > 0 && f.info.FPS > 0 {
		f.info.Frames = int(f.duration.Seconds()*f.info.FPS + 0.5) // an estimate
	}
	if err := f.startDecoder(); err != nil {
		return nil, err
	}
	return f, nil
}

// bt601Planes reports whether a stream's frames can come over the pipe
// as their own YUV 4:2:0 planes and be converted to BGR by OpenCV, whose
// conversion is BT.601 limited range: planar 4:2:0 of even size, and a
// colour matrix that is BT.601 or unsaid (which ffmpeg takes for BT.601
// too). Other streams come as BGR converted by ffmpeg.
func bt601Planes(pixFmt, space, rng string, w, h int) bool {
	if pixFmt != "yuv420p" || w%2 != 0 || h%2 != 0 || rng == "pc" {
		return false
	}
	switch space {
	case "", "unknown", "smpte170m", "bt470bg":
		return true
	}
	return false
}

func parseRate(s string) float64 {
	num, den, ok := strings.Cut(s, "/")
	n, err1 := strconv.ParseFloat(num, 64)
	if !ok {
		if err1 != nil {
			return 0
		}
		return n
	}
	d, err2 := strconv.ParseFloat(den, 64)
	if err1 != nil || err2 != nil || d == 0 {
		return 0
	}
	return n / d
}

func parseSeconds(s string) time.Duration {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || v <= 0 {
		return 0
	}
	return time.Duration(v * float64(time.Second))
}

// parseShowinfo reads a frame's time and size from showinfo's line for it
//
//	[Parsed_showinfo_0 @ 0x55d0] [info] n:  12 pts:  72000 pts_time:0.8  pos: ... s:320x240 i:P ...
//
// without allocating (it runs once a frame).
func parseShowinfo(line []byte) (frameInfo, bool) {
	var fi frameInfo
	i := bytes.Index(line, []byte(" pts_time:"))
	j := bytes.Index(line, []byte(" s:"))
	if i < 0 || j < 0 || !bytes.Contains(line[:i], []byte(" n:")) {
		return fi, false
	}
	t := line[i+len(" pts_time:"):]
	if k := bytes.IndexByte(t, ' '); k >= 0 {
		t = t[:k]
	}
	sec, err := strconv.ParseFloat(unsafe.String(unsafe.SliceData(t), len(t)), 64)
	if err != nil {
		return fi, false
	}
	size := line[j+len(" s:"):]
	w, rest, ok1 := leadingInt(size)
	if !ok1 || len(rest) == 0 || rest[0] != 'x' {
		return fi, false
	}
	h, _, ok2 := leadingInt(rest[1:])
	if !ok2 {
		return fi, false
	}
	return frameInfo{pts: time.Duration(sec * float64(time.Second)), w: w, h: h}, true
}

// leadingInt parses the decimal digits at the start of b.
func leadingInt(b []byte) (n int, rest []byte, ok bool) {
	i := 0
	for ; i < len(b) && i < 9 && b[i] >= '0' && b[i] <= '9'; i++ {
		n = n*10 + int(b[i]-'0')
	}
	return n, b[i:], i > 0
}

// startDecoder starts ffmpeg at the beginning of the file.
func (f *Source) startDecoder() error {
	w, h := f.info.Width, f.info.Height
	fit := fmt.Sprintf("showinfo=checksum=0,scale=%d:%d:force_original_aspect_ratio=decrease,pad=%d:%d:-1:-1", w, h, w, h)
	args := append([]string{"-hide_banner", "-nostats", "-nostdin", "-loglevel", "level+info"}, ffmpeg.InputLimits...)
	pixFmt := "bgr24"
	if f.yuv {
		pixFmt = "yuv420p"
	}
	if runtime.NumCPU() <= 2 {
		// The pipeline keeps both cores busy: the decoder's frame
		// threads would only add their own overhead (a fifth more CPU
		// a frame for 720p H.264).
		args = append(args, "-threads", "1")
	}
	cmd := exec.Command("ffmpeg", append(args, "-i", "file:"+f.path, "-map", "0:v:0", "-fps_mode", "passthrough", "-vf", fit,
		"-f", "rawvideo", "-pix_fmt", pixFmt, "pipe:1")...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	// A larger pipe moves a frame in fewer wake-ups, where the system
	// allows it.
	if sc, ok := stdout.(syscall.Conn); ok {
		if rc, err := sc.SyscallConn(); err == nil {
			rc.Control(func(fd uintptr) { unix.FcntlInt(fd, unix.F_SETPIPE_SZ, 1<<20) })
		}
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return &pipeline.SourceError{Source: f.path, Err: fmt.Errorf("cannot start ffmpeg: %w", err)}
	}
	f.mu.Lock()
	if f.interrupted {
		f.mu.Unlock()
		cmd.Process.Kill()
		cmd.Wait()
		return errInterrupted
	}
	f.cmd = cmd
	f.mu.Unlock()
	f.out = bufio.NewReaderSize(stdout, 1<<20)
	f.frames = make(chan frameInfo, 256)
	f.errs = &ffmpeg.Tail{}
	f.done = make(chan struct{})
	frames, errs, done := f.frames, f.errs, f.done
	go func() {
		defer close(done)
		defer close(frames)
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 0, 4096), 1<<20)
		for sc.Scan() {
			line := sc.Bytes()
			if fi, ok := parseShowinfo(line); ok {
				frames <- fi
			} else if bytes.Contains(line, []byte("[error]")) || bytes.Contains(line, []byte("[fatal]")) {
				errs.Write(append(line, '\n'))
			}
		}
		io.Copy(io.Discard, stderr)
	}()
	f.played, f.gotFirstTS = 0, false
	return nil
}

// Installed reports whether ffmpeg and ffprobe, which Open needs, are
// installed.
func Installed() bool { return ffmpeg.Installed() }

var (
	errInterrupted = errors.New("videofile: interrupted")
	errClosed      = errors.New("videofile: read after Close")
)

// Info describes the file.
func (f *Source) Info() pipeline.SourceInfo { return f.info }

// Interrupt stops the decoder: a Read waiting for it returns at once, and
// every later Read returns an error.
func (f *Source) Interrupt() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.interrupted = true
	if f.cmd != nil {
		f.cmd.Process.Kill()
	}
}

// Wait sleeps until the next frame is due when the file plays in real time.
func (f *Source) Wait() {
	if f.pace {
		pace.Frame(&f.start, f.n, f.info.FPS)
	}
}

// Read delivers the next frame and its presentation time from the
// container (continuing across loops).
func (f *Source) Read(dst *gocv.Mat) (pipeline.Frame, error) {
	return f.read(dst, false)
}

// I420 reports whether the file's frames come as YUV 4:2:0 planes
// (pipeline.I420Source): an 8-bit yuv420p stream of even size, BT.601 or
// untagged, limited range.
func (f *Source) I420() bool { return f.yuv }

// ReadI420 is Read with dst receiving the frame's I420 planes as the
// decoder gives them (pipeline.I420Source); an error when I420 is false.
func (f *Source) ReadI420(dst *gocv.Mat) (pipeline.Frame, error) {
	if !f.yuv {
		return pipeline.Frame{}, &pipeline.SourceError{Source: f.path, Err: errors.New("frames do not come as I420 planes from this file")}
	}
	return f.read(dst, true)
}

// read delivers the next frame into dst: BGR, or with planes the I420
// planes.
func (f *Source) read(dst *gocv.Mat, planes bool) (pipeline.Frame, error) {
	if f.closed {
		return pipeline.Frame{}, errClosed
	}
	w, h := f.info.Width, f.info.Height
	rows, typ := h, gocv.MatTypeCV8UC3
	if planes {
		rows, typ = h*3/2, gocv.MatTypeCV8UC1
	}
	if dst.Cols() != w || dst.Rows() != rows || dst.Type() != typ {
		dst.Close()
		*dst = gocv.NewMatWithSize(rows, w, typ)
	}
	if planes {
		buf, err := dst.DataPtrUint8()
		if err != nil {
			return pipeline.Frame{}, err
		}
		if _, err := io.ReadFull(f.out, buf); err != nil {
			return f.ended(dst, planes)
		}
	} else if f.yuv {
		if f.planes.Ptr() == nil {
			f.planes = gocv.NewMatWithSize(h*3/2, w, gocv.MatTypeCV8UC1)
		}
		buf, err := f.planes.DataPtrUint8()
		if err != nil {
			return pipeline.Frame{}, err
		}
		if _, err := io.ReadFull(f.out, buf); err != nil {
			return f.ended(dst, planes)
		}
		gocv.CvtColor(f.planes, dst, gocv.ColorYUVToBGRIYUV)
	} else {
		buf, err := dst.DataPtrUint8()
		if err != nil {
			return pipeline.Frame{}, err
		}
		if _, err := io.ReadFull(f.out, buf); err != nil {
			return f.ended(dst, planes)
		}
	}
	fi, ok := <-f.frames
	if !ok { // a frame without its line: should not happen
		fi = frameInfo{pts: f.last + f.frameGap(), w: w, h: h}
	}
	if !f.gotFirstTS {
		f.first, f.gotFirstTS = fi.pts, true
	}
	pts := f.offset + fi.pts - f.first
	f.last = pts
	f.n++
	f.played++
	return pipeline.Frame{PTS: pts, Width: fi.w, Height: fi.h}, nil
}

func (f *Source) frameGap() time.Duration {
	if f.info.FPS > 0 {
		return time.Duration(float64(time.Second) / f.info.FPS)
	}
	return 0
}

// ended handles the end of ffmpeg's output: the end of the file, a loop,
// or a file that ends early.
func (f *Source) ended(dst *gocv.Mat, planes bool) (pipeline.Frame, error) {
	f.stopDecoder()
	f.mu.Lock()
	interrupted := f.interrupted
	f.mu.Unlock()
	if interrupted {
		return pipeline.Frame{}, errInterrupted
	}
	if f.played == 0 {
		return pipeline.Frame{}, &pipeline.SourceError{Source: f.path, Err: fmt.Errorf("no frame could be decoded (%s)", f.ffmpegSaid())}
	}
	// Truncated: fewer frames than the header announces, and the last
	// one well before the container's end (a variable-rate file may
	// announce an estimate, but its last frame is at its end).
	lastInPass := f.last - f.offset
	short := f.info.Frames > 0 && f.played < f.info.Frames-1
	early := f.duration <= 0 || lastInPass+f.frameGap() < f.duration-time.Second
	if short && early {
		return pipeline.Frame{}, &pipeline.SourceError{Source: f.path, Err: fmt.Errorf("%w after %d of %d frames", pipeline.ErrTruncated, f.played, f.info.Frames)}
	}
	if f.loop {
		f.offset = f.last + f.frameGap()
		if err := f.startDecoder(); err != nil {
			return pipeline.Frame{}, err
		}
		return f.read(dst, planes)
	}
	return pipeline.Frame{}, io.EOF
}

func (f *Source) ffmpegSaid() string {
	msg := ffmpeg.LastLine(f.errs.String())
	if msg == "" {
		return "ffmpeg said nothing"
	}
	return strings.TrimSpace(strings.TrimPrefix(msg[strings.Index(msg, "]")+1:], " "))
}

// stopDecoder ends ffmpeg and waits for it.
func (f *Source) stopDecoder() {
	f.mu.Lock()
	cmd := f.cmd
	f.cmd = nil
	f.mu.Unlock()
	if cmd == nil {
		return
	}
	cmd.Process.Kill()
	for range f.frames { // lines still queued: let the reader finish
	}
	<-f.done
	cmd.Wait()
}

// Close stops ffmpeg.
func (f *Source) Close() error {
	f.stopDecoder()
	f.closed = true
	if f.planes.Ptr() != nil {
		f.planes.Close()
		f.planes = gocv.Mat{}
	}
	return nil
}

var _ pipeline.I420Source = (*Source)(nil)
