// Package ffmpeg holds what livecam's ffmpeg children share: whether
// ffmpeg is installed, and a buffer that keeps the end of what a child
// says on its standard error, for error messages.
package ffmpeg

import (
	"os/exec"
	"strings"
	"sync"
)

// Installed reports whether ffmpeg and ffprobe are on the PATH.
var Installed = sync.OnceValue(func() bool {
	_, e1 := exec.LookPath("ffmpeg")
	_, e2 := exec.LookPath("ffprobe")
	return e1 == nil && e2 == nil
})

// Tail keeps the last 4 KiB written to it. It is safe for concurrent use.
type Tail struct {
	mu sync.Mutex
	b  []byte
}

// Write keeps the end of p.
func (t *Tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, p...)
	if len(t.b) > 4096 {
		t.b = append(t.b[:0], t.b[len(t.b)-4096:]...)
	}
	return len(p), nil
}

// String returns what was kept.
func (t *Tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.b)
}

// LastLine returns the last non-empty line kept.
func (t *Tail) LastLine() string { return LastLine(t.String()) }

// LastLine returns the last non-empty line of s.
func LastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		s = s[i+1:]
	}
	return s
}

// InputLimits keep ffmpeg and ffprobe to the file they are given: only
// the file protocol (a playlist cannot reach the network) and only
// self-contained containers and image formats, so a playlist (HLS, DASH,
// concat, SDP, IMF) named like a video cannot make them read other files
// on livecam's behalf. Put them before the -i they guard; they are
// shared: append to a copy.
var InputLimits = []string{"-protocol_whitelist", "file",
	"-format_whitelist", "mov,matroska,avi,mpegts,mpeg,mpegvideo,flv,asf,image2,png_pipe,jpeg_pipe,bmp_pipe,webp_pipe,gif,mjpeg,h264,hevc,m4v,ivf,nut,ogg,yuv4mpegpipe,dv,mxf,rawvideo"}
