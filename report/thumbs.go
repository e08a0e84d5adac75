package report

import (
	"bytes"
	"fmt"
	"os/exec"
	"strconv"

	"github.com/livecam/livecam/timeline"
)

// MaxThumbnails bounds the thumbnails of one report (one per segment,
// the first ones).
const MaxThumbnails = 100

// Thumbnails extracts one frame per segment from video, at the segment's
// middle, as a JPEG height pixels high, with ffmpeg. A segment whose
// frame cannot be extracted gets none, and so does a timeline.NoSignal
// segment (nothing was seen then); a video ffmpeg cannot open is an
// error.
func Thumbnails(video string, segs []timeline.Segment, height int) ([][]byte, error) {
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		return nil, fmt.Errorf("%s: thumbnails need ffmpeg, which is not installed (apt-get install ffmpeg)", video)
	}
	out := make([][]byte, min(len(segs), MaxThumbnails))
	tried := false // the first frame extracted tells whether ffmpeg can read the video
	for i := range out {
		if segs[i].Class == timeline.NoSignal {
			continue // no frame was seen: the video's would pass for one
		}
		mid := (segs[i].Start + segs[i].End) / 2
		var stdout, stderr bytes.Buffer
		cmd := exec.Command("ffmpeg", "-hide_banner", "-nostdin", "-v", "error",
			"-ss", strconv.FormatFloat(mid.Seconds(), 'f', 3, 64), "-i", video,
			"-frames:v", "1", "-vf", "scale=-2:"+strconv.Itoa(height), "-f", "image2pipe", "-c:v", "mjpeg", "-q:v", "5", "-")
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		first := !tried
		tried = true
		if err := cmd.Run(); err != nil {
			if first {
				return nil, fmt.Errorf("%s: ffmpeg cannot read it: %s", video, firstLine(stderr.Bytes(), err))
			}
			continue
		}
		if stdout.Len() > 0 {
			out[i] = stdout.Bytes()
		}
	}
	return out, nil
}

// firstLine returns the first line ffmpeg wrote, or err's text.
func firstLine(b []byte, err error) string {
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		b = b[:i]
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return err.Error()
	}
	return string(bytes.TrimSpace(b))
}
