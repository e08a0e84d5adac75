package segment

// Writing describes the segment being written: its date folder, its name
// without extension (HH-MM-SS[-N]: the file is that name plus ".mp4"
// once finished, ".cut.mp4" when kept cut, and an outfile partial name
// while being written), and the frames its encoder has taken so far (a
// frame repeated to follow its PTS counts each time, so frames-1 over
// the frame rate is the time of the last frame in the file). stem is ""
// before the first frame and after Close. It lets a caller that passes
// the frames to Write (package clips) map each to a place in a segment
// file; it allocates nothing.
func (r *Recorder) Writing() (dir, stem string, frames int) {
	if r.cur == nil {
		return "", "", 0
	}
	return r.curDir, r.curStem, r.cur.Frames()
}
