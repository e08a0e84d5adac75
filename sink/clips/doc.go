// Package clips keeps a video clip of each event of a live camera, cut
// from the camera's recording (package segment) in the background, so
// that the frame path pays nothing for it.
//
// # What a clip covers
//
// An event's clip runs from Options.Around before the stay's start to
// Options.Around after its end: a label's stay (package events: a Leave
// event's Start and End) or an object's stay in the view (package track:
// a Leave event of no zone). It is named after the event when the stay
// ends, so that the leave event's message can name it:
//
//	DIR/NAME/clips/2026-12-02/15-42-07.dog-3.mp4   object 3, a dog, from 15:42:07
//	DIR/NAME/clips/2026-12-02/15-42-07.pelican.mp4 a label's stay
//
// DIR/NAME is the camera's recording folder (segment.Recorder.Dir), the
// date and time the local ones of the stay's first frame; a name taken
// (by another clip of the run, or any file) gets "-2", "-3"... The name
// the message gives is relative to Options.Root, the run's out-dir:
// "porch/clips/2026-12-02/15-42-07.dog-3.mp4".
//
// # When and how it is cut
//
// The Clipper passes the camera's frames on to its Recorder and notes,
// for each, the segment it went to and its place in that file (its
// first frame's time and any jump the encoder made over an outage:
// segment files have a constant frame rate, and a gap of more than a
// second in the source's timestamps is cut out of them). A live
// source's timestamps run with its monotonic clock across reconnects, so
// the stay's Start and End map exactly to places in the files, whatever
// the wall clock and the segments' second-resolution names say.
//
// Once the recording has passed the clip's end by FlushDelay (a
// segment's fragment, 2 s, is on the disk once the next key frame is
// encoded), a background goroutine cuts the clip with ffmpeg: the
// segments it spans through the concat demuxer, copied (-c copy), not
// encoded again. Copying costs no encoder time on a machine that is busy
// encoding the recording and detecting, and loses no quality; the price
// is that a clip starts on a key frame, up to one key frame interval
// (2 s) before the clip's start: earlier, never later. The segment being
// written is read under its partial name, up to its last fragment. The
// clip is written under a partial name (package outfile) and renamed to
// its name, never over an existing file. Clips still due when the
// Clipper is closed are cut after the recording is finished. A clip
// holds at most the last MaxSpan of the recording.
//
// A clip that cannot be cut (a segment it needs was deleted by
// retention meanwhile, nothing of it was recorded, ffmpeg failed) is
// reported through Options.Logf, once, naming the clip and the reason;
// the run goes on.
package clips
