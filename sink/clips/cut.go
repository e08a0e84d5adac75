package clips

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
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

// cut writes the clip of job j from segs. A segment that finished while
// the clip was being cut (its file renamed) is looked up again.
func (c *Clipper) cut(j job, segs []seg) error {
	var tried []part
	var err error
	for range renames {
		parts, start, length, perr := plan(j, segs)
		if perr != nil {
			return perr
		}
		if tried != nil && slices.Equal(parts, tried) {
			break // no name changed: the failure stands
		}
		if err = c.ffmpeg(j, parts, start, length); err == nil {
			return nil
		}
		tried = parts
	}
	return err
}

// renames bounds the attempts at a clip or a snapshot whose segment's
// name changes under it: partial, then finished.
const renames = 3

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
	return c.copySpan(j.path, parts[0].path, []string{"-f", "concat", "-safe", "0", "-i", list.Name()}, start, start+length)
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
	at := s.place(j.peak)
	tried := ""
	var err error
	for range renames {
		path, rerr := resolve(s.dir, s.stem)
		if rerr != nil {
			return rerr
		}
		if path == tried {
			break // no name changed: the failure stands
		}
		if err = c.frameAt(j.snap, path, at, s.fps); err == nil {
			return nil
		}
		tried = path
	}
	return err
}

// copySpan copies the video of input (ffmpeg's input options, reading
// first, the file that holds from) from the key frame at or before from
// to just before to into the mp4 file path, without encoding it again.
// It does not trust ffmpeg's seek, which in a fragmented MP4 without a
// fragment index (a segment, the more so while it is written) can land
// anywhere: it finds the key frame in the packets (keyBefore) and lets
// ffmpeg read from the start of the file and drop what comes before it
// (-ss as an output option), reading but decoding nothing.
func (c *Clipper) copySpan(path, first string, input []string, from, to time.Duration) error {
	key, err := c.keyBefore(first, from)
	if err != nil {
		return err
	}
	args := append(slices.Clip(input), "-ss", seconds(key), "-t", seconds(to-key),
		"-c", "copy", "-avoid_negative_ts", "make_zero", "-movflags", "+faststart", "-f", "mp4")
	return c.ffmpegOut(path, args...)
}

// frameAt writes the frame of the video file src at at (its time from
// the file's first frame; fps, its frame rate) as a JPEG into path:
// the stretch from the key frame before it is copied (copySpan) into a
// temporary file, and only that is decoded.
func (c *Clipper) frameAt(path, src string, at time.Duration, fps float64) error {
	frame := time.Duration(float64(time.Second) / fps)
	tmp, err := os.CreateTemp("", "livecam-snap-*.mkv")
	if err != nil {
		return err
	}
	tmp.Close()
	defer os.Remove(tmp.Name())
	key, err := c.keyBefore(src, at)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), c.opts.Timeout)
	defer cancel()
	if err := c.runFFmpeg(ctx, "-i", src, "-map", "0:v:0", "-ss", seconds(key), "-t", seconds(at+frame/2-key),
		"-c", "copy", "-avoid_negative_ts", "make_zero", "-f", "matroska", "-y", tmp.Name()); err != nil {
		return err
	}
	// Half a frame before it: no rounding skips it.
	return c.ffmpegOut(path, "-i", tmp.Name(), "-ss", seconds(max(0, at-key-frame/2)), "-frames:v", "1", "-q:v", "2", "-f", "mjpeg")
}

// keyBefore returns the time of the last key frame of the video file
// path at or before at (times from the file's first packet), from its
// packets' headers (ffprobe, beside FFmpeg); it stops reading at the
// first key frame after at.
func (c *Clipper) keyBefore(path string, at time.Duration) (time.Duration, error) {
	ctx, cancel := context.WithTimeout(context.Background(), c.opts.Timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, ffprobe(c.opts.FFmpeg), "-v", "error", "-select_streams", "v:0",
		"-show_entries", "packet=pts_time,flags", "-of", "csv=p=0", path)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return 0, err
	}
	if err := cmd.Start(); err != nil {
		return 0, fmt.Errorf("ffprobe: %w", err)
	}
	key, first, seen, stopped := time.Duration(0), time.Duration(0), false, false
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		pts, flags, ok := strings.Cut(sc.Text(), ",")
		sec, perr := strconv.ParseFloat(pts, 64)
		if !ok || perr != nil {
			continue // N/A: no time
		}
		t := time.Duration(sec * float64(time.Second))
		if !seen {
			key, first, seen = t, t, true
		}
		if !strings.HasPrefix(flags, "K") {
			continue
		}
		if t-first > at+time.Millisecond {
			stopped = true
			break
		}
		key = t
	}
	if stopped {
		cancel()
	}
	err = cmd.Wait()
	switch {
	case stopped:
	case err != nil:
		return 0, fmt.Errorf("ffprobe %s: %v: %s", path, err, lastLine(stderr.String()))
	case !seen:
		return 0, fmt.Errorf("%s holds no video frame", path)
	}
	return key - first, nil
}

// ffprobe is the ffprobe program beside the ffmpeg program: in its
// folder, and with its suffix ("ffmpeg-6" is "ffprobe-6").
func ffprobe(ffmpeg string) string {
	dir, base := filepath.Split(ffmpeg)
	name := "ffprobe"
	if rest, ok := strings.CutPrefix(base, "ffmpeg"); ok {
		name += rest
	}
	if dir == "" {
		return name
	}
	return filepath.Join(dir, name)
}

// lastLine is the last line of what a program said.
func lastLine(said string) string {
	said = strings.TrimSpace(said)
	if i := strings.LastIndexByte(said, '\n'); i >= 0 {
		said = said[i+1:]
	}
	return said
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
	if err := c.runFFmpeg(ctx, append(args, "-y", out.Name())...); err != nil {
		out.Discard()
		return err
	}
	if st, err := os.Stat(out.Name()); err == nil && st.Size() == 0 {
		out.Discard()
		return errors.New("ffmpeg wrote no frame")
	}
	return out.Commit()
}

// runFFmpeg runs ffmpeg with args, quiet but for errors.
func (c *Clipper) runFFmpeg(ctx context.Context, args ...string) error {
	args = append([]string{"-nostdin", "-hide_banner", "-v", "error"}, args...)
	cmd := exec.CommandContext(ctx, c.opts.FFmpeg, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("ffmpeg: %v: %s", err, lastLine(stderr.String()))
	}
	return nil
}
