// Package clips keeps a video clip of each event of a live camera, and a
// snapshot of its best frame, made from the camera's recording (package
// segment) in the background, so that the frame path pays nothing for
// them.
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
// date and time the local ones of the stay's first frame, the label its
// short name, the one the events' messages give (mobilenet.ShortLabel:
// "sports car, sport car" is "sports_car"), made safe for a file name
// (internal/topicname); a name taken
// (by another clip of the run, or any file, as a clip or a snapshot)
// gets "-2", "-3"... The name the message gives is relative to
// Options.Root, the run's out-dir:
// "porch/clips/2026-12-02/15-42-07.dog-3.mp4".
//
// # Snapshots
//
// Beside each clip, under its name with ".jpg", is a JPEG of the stay's
// best frame: the frame at the event's PeakTime (events.Event and
// track.Event: the first frame at the peak score), decoded from the
// segment that holds it (from the key frame before it, so it is exactly
// that frame, not the key frame), in the same background job as the
// clip. The leave event names it in Snapshot, relative to Root; for an
// object, this replaces the snapshot package snapshot wrote (-snapshots),
// so that an event's Snapshot is always the file beside its Clip.
//
// # Retention
//
// The clips and snapshots are in the camera's folder, under
// segment.ClipsDir, and the Recorder's retention covers them (see
// package segment): by age like the segments, by the time in their
// names, and within the size budget, where the oldest file of either
// kind goes first. Each file written is counted at once
// (Recorder.Added).
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
// (2 s) before the clip's start: earlier, never later. ffmpeg's own seek
// (-ss before -i) is not used: in a fragmented MP4 without a fragment
// index, the more so in one being written, it can land at the file's
// start, and a clip far into a segment then held all of it before. The
// key frame is found instead in the packets' headers of the first
// segment (ffprobe, beside Options.FFmpeg; it stops at the first key
// frame past the start), and ffmpeg reads the segments from their start
// and drops what comes before that key frame (-ss after -i): the
// segments are read, never decoded. A snapshot is decoded from its key
// frame the same way: the stretch from the key frame to it is copied
// into a temporary file first, and only that is decoded. The segment
// being written is read under its partial name, up to its last fragment;
// one renamed meanwhile (it finished) is looked up again. The
// clip is written under a partial name (package outfile) and renamed to
// its name, never over an existing file. Clips still due when the
// Clipper is closed are cut after the recording is finished
// (Recorder.Finish), and the Recorder is closed after them, so that its
// retention counts them. A clip
// holds at most the last MaxSpan of the recording.
//
// # A run on a file
//
// A File does the same for a run on a file that writes an annotated
// video: the events name VIDEO.clips/HH-MM-SS.LABEL[-ID].mp4 and .jpg,
// beside the video (street.mp4: street.clips/), HH-MM-SS the stay's
// start in the video, and Cut cuts them from the finished video, after
// the run (the same -c copy, from the key frame before the clip's
// start, found the same way; the snapshot that very frame). The video's time is the frames'
// PTS from its first frame's (File sees the frames).
//
// A clip or snapshot that cannot be made (a segment it needs was
// deleted by retention meanwhile, nothing of it was recorded, ffmpeg
// failed) is reported through Options.Logf, once for the event, naming
// the clip and the reason; the run goes on.
package clips
