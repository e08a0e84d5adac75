package clips

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/livecam/livecam/sink/outfile"
)

// part is one segment file of a clip and its length in the file.
type part struct {
	path string
	dur  time.Duration
}

// plan maps the job's span onto the segments (oldest first, those it
// overlaps): the files to join, where in the joined files the clip
// starts, and how long it lasts.
func plan(j job, segs []seg) (parts []part, start, length time.Duration, err error) {
	if len(segs) == 0 {
		return nil, 0, 0, errors.New("nothing of it was recorded")
	}
	var offset time.Duration
	for i, s := range segs {
		path, err := resolve(s.dir, s.stem)
		if err != nil {
			return nil, 0, 0, err
		}
		dur := time.Duration(float64(s.frames) / s.fps * float64(time.Second))
		parts = append(parts, part{path: path, dur: dur})
		if i == 0 {
			start = s.place(max(j.from, s.first))
		}
		if i == len(segs)-1 {
			end := offset + s.place(min(j.to, s.last)) + time.Duration(float64(time.Second)/s.fps)
			length = end - start
		}
		offset += dur
	}
	return parts, start, length, nil
}

// place is the time in the segment's file of the frame at pts (a time
// within a gap that was cut out of the file is the gap's end).
func (s *seg) place(pts time.Duration) time.Duration {
	i := 0
	for i+1 < len(s.anchors) && s.anchors[i+1].pts <= pts {
		i++
	}
	a := s.anchors[i]
	t := a.file + pts - a.pts
	if i+1 < len(s.anchors) {
		t = min(t, s.anchors[i+1].file)
	}
	return max(0, min(t, s.slot(s.frames)))
}

// partialOf matches a segment's partial file: STEM.partial-RANDOM.mp4.
var partialOf = regexp.MustCompile(`\.partial-[0-9]+\.mp4$`)

// resolve finds the file of the segment stem in dir: finished, kept cut,
// or still being written.
func resolve(dir, stem string) (string, error) {
	for _, name := range []string{stem + ".mp4", stem + ".cut.mp4"} {
		if st, err := os.Stat(filepath.Join(dir, name)); err == nil && st.Mode().IsRegular() {
			return filepath.Join(dir, name), nil
		}
	}
	if entries, err := os.ReadDir(dir); err == nil {
		for _, e := range entries {
			if rest, ok := strings.CutPrefix(e.Name(), stem); ok && partialOf.MatchString(rest) && partialOf.FindStringIndex(rest)[0] == 0 {
				return filepath.Join(dir, e.Name()), nil
			}
		}
	}
	return "", fmt.Errorf("its segment %s is gone (deleted by the retention rules -keep, -keep-size, or by hand)", filepath.Join(dir, stem+".mp4"))
}

// cut writes the clip of job j from segs. A segment renamed while the
// clip was being cut (it finished meanwhile) is looked up again, once.
func (c *Clipper) cut(j job, segs []seg) error {
	parts, start, length, err := plan(j, segs)
	if err != nil {
		return err
	}
	if err = c.ffmpeg(j, parts, start, length); err != nil {
		if parts, start, length, perr := plan(j, segs); perr == nil {
			err = c.ffmpeg(j, parts, start, length)
		}
	}
	return err
}

// ffmpeg joins the parts and copies length of them from start into the
// clip's file.
func (c *Clipper) ffmpeg(j job, parts []part, start, length time.Duration) error {
	list, err := os.CreateTemp("", "livecam-clip-*.txt")
	if err != nil {
		return err
	}
	defer os.Remove(list.Name())
	var b strings.Builder
	b.WriteString("ffconcat version 1.0\n")
	for _, p := range parts {
		abs, err := filepath.Abs(p.path)
		if err != nil {
			abs = p.path
		}
		fmt.Fprintf(&b, "file '%s'\nduration %s\n", strings.ReplaceAll(abs, "'", `'\''`), seconds(p.dur))
	}
	_, err = list.WriteString(b.String())
	if err = errors.Join(err, list.Close()); err != nil {
		return err
	}
	return c.ffmpegOut(j.path, "-ss", seconds(start), "-f", "concat", "-safe", "0", "-i", list.Name(), "-t", seconds(length),
		"-c", "copy", "-avoid_negative_ts", "make_zero", "-movflags", "+faststart", "-f", "mp4")
}

// seconds writes d in seconds for ffmpeg.
func seconds(d time.Duration) string {
	return strconv.FormatFloat(d.Seconds(), 'f', 6, 64)
}

// snapshot writes the frame at j.peak, from the segment of segs that
// holds it, as a JPEG into j.snap: decoded from the key frame before it,
// so it is that very frame.
func (c *Clipper) snapshot(j job, segs []seg) error {
	var s *seg
	for i := range segs {
		if s == nil || segs[i].first <= j.peak {
			s = &segs[i]
		}
	}
	if s == nil {
		return errors.New("nothing of it was recorded")
	}
	at := max(0, s.place(j.peak)-time.Duration(float64(time.Second)/s.fps/2)) // half a frame before it: no rounding skips it
	run := func() error {
		path, err := resolve(s.dir, s.stem)
		if err != nil {
			return err
		}
		return c.ffmpegOut(j.snap, "-ss", seconds(at), "-i", path, "-frames:v", "1", "-q:v", "2", "-f", "mjpeg")
	}
	err := run()
	if err != nil && !strings.Contains(err.Error(), "is gone") {
		err = run() // the segment finished meanwhile: its name changed
	}
	return err
}

// ffmpegOut runs ffmpeg with args and the output file path, written
// under a partial name and renamed to path, never over a file.
func (c *Clipper) ffmpegOut(path string, args ...string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	out, err := outfile.Create(path, false)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), c.opts.Timeout)
	defer cancel()
	args = append(append([]string{"-nostdin", "-hide_banner", "-v", "error"}, args...), "-y", out.Name())
	cmd := exec.CommandContext(ctx, c.opts.FFmpeg, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		out.Discard()
		said := strings.TrimSpace(stderr.String())
		if i := strings.LastIndexByte(said, '\n'); i >= 0 {
			said = said[i+1:]
		}
		return fmt.Errorf("ffmpeg: %v: %s", err, said)
	}
	if st, err := os.Stat(out.Name()); err == nil && st.Size() == 0 {
		out.Discard()
		return errors.New("ffmpeg wrote no frame")
	}
	return out.Commit()
}
