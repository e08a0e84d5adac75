// Package segment records a live camera as a series of time-named video
// files that rotate, with retention by age and by size, so that an
// always-on camera never fills the disk and a restart never collides with
// the files of the run before. See Recorder.
//
// # Layout
//
// A camera's recording lives in its own folder, DIR/NAME, one folder a
// day:
//
//	DIR/NAME/2026-12-01/15-30-00.mp4      a finished segment
//	DIR/NAME/2026-12-01/15-30-00.results.jsonl   its results, a line a frame
//	DIR/NAME/2026-12-01/15-30-00.events.jsonl    its events (none: no file)
//	DIR/NAME/2026-12-01/15-30-00-1.mp4    the same second taken: the next free name
//	DIR/NAME/2026-12-01/15-40-00.partial-123.mp4   the segment being written
//	DIR/NAME/2026-12-01/15-40-00.results.partial-456.jsonl   and its results
//	DIR/NAME/2026-12-01/15-20-00.cut.mp4  kept from a run that stopped mid-segment
//	DIR/NAME/2026-12-01/15-20-00.cut.results.jsonl   and its results
//	DIR/NAME/.lock                        held while a Recorder records NAME
//	DIR/NAME/clips/2026-12-01/15-42-07.dog-3.mp4   an event's clip (package clips)
//	DIR/NAME/clips/2026-12-01/15-42-07.dog-3.jpg   and its snapshot
//
// The .jsonl files are the segment's sidecars (Options.Sidecars): the
// results and events of the frames of the segment, so that the results
// of a given hour are found by its name, and they go when it goes.
// The date and time are the local ones of the segment's first frame, read
// from the injected clock (Options.Now). NAME is the camera's name made
// safe for a path by outfile.SafeName (separators, "..", control
// characters become '_'); a name with nothing usable in it is refused.
//
// # Segments
//
// Each segment is a complete H.264 file in fragmented MP4 written by its
// own encoder (package video), so each starts on a key frame and plays on
// its own. A new segment starts on the first frame at or after
// Options.Length from the segment's start, when the frame size changes,
// and when the size budget needs it (below).
//
// A segment is written under a partial name (outfile's
// NAME.partial-RANDOM.mp4, the same as every other livecam output) and
// renamed to its final name when it is closed whole, never over an
// existing file: when the name was taken meanwhile (a file someone put
// there), the next free name is used. Nothing is ever opened over an
// existing file: the partial file is created with O_EXCL, and a name is
// chosen only when no file of the folder starts with it.
//
// # Sidecars
//
// With Options.Sidecars, each segment has its results and events beside
// it, written through package jsonl (whole lines only, at least every
// jsonl.FlushEvery) and named after the segment: they start and end with
// it, on the same frame (a rotation closes all three). The results file
// has a line per frame written to the segment (wire.AppendResult) and,
// once the segment is finished, the closing line of package
// jsonl/endline: the segment's frames, the time they cover, the source
// (Options.Source) and the label seen in the most frames (a
// classifier's best label, at or above Options.Threshold); a results file
// without it (a cut one) is recognisably partial. The events file has
// the events given to Event and ObjectEvent; it is made with the
// segment's first event, so a quiet segment has none. An event goes to
// the segment being written when it comes; one that comes when none is
// (before the first frame, or after an outage longer than the segment's
// length) waits for the next frame's segment, and those of the run's end
// (what was still in view leaves) go to the last segment. An event's
// enter and its leave may so be in the files of different segments: a
// reader following a stay across segments reads the next files, by
// their names. With Options.NoVideo only the sidecars are written
// (a camera whose video goes to a file of its own), rotating at Length
// the same; Segments lists videos, so it lists none then.
//
// # A run that stopped
//
// A crash, kill -9 or power cut leaves the segment being written, and its
// sidecars, under their partial names. New finds such files of its
// camera (it holds the camera's lock, so no other livecam is writing
// them) and keeps them as HH-MM-SS.cut.mp4 and HH-MM-SS.cut.results.jsonl
// (.events. likewise; all of a segment's files to one free name): a
// fragmented MP4 plays up to its last fragment, a JSON lines file holds
// whole lines up to its last flush, the results file has no closing
// line, and the ".cut" says that they are not whole. An empty one is
// removed; sidecars whose video was empty are kept alone. A segment
// whose encoder failed is kept the same way. Cut segments are segments
// like the others for listing and retention.
//
// # Retention
//
// After each segment closes, and at New, the oldest finished segments of
// the camera are deleted, each with its sidecars, while they are older
// than Options.Keep (by the time in their name) or while the finished
// segments and the one being written together take more than
// Options.KeepBytes. A segment's bytes are its video's and its
// sidecars'; the one being written counts what its sidecars were given
// (written or still pending) too. The camera's event clips and
// snapshots (ClipsDir/DATE/HH-MM-SS.LABEL[-ID][-N].mp4 and .jpg,
// package clips) are in the same rules, each file on its own: older
// than Keep by the time in its name, they go; within KeepBytes they
// count, and the oldest file of either kind, a segment (with its
// sidecars) or a clip or snapshot, goes first. A clip written while the
// camera records is counted from the next frame on (Added). The size
// budget is
// also checked at every frame: when the segment being written would take
// the total past the budget (with room for the largest growth seen
// between two frames), the oldest finished segment is deleted; when no
// finished segment is left, the current one is closed early so that it
// can go next. The size seen is what ffmpeg has written: it writes a
// fragment (2 s of video) at a time, so the camera's files stay within
// the budget and about one fragment (the test holds them to that). A
// budget smaller than one segment cuts segments short, and the Recorder
// logs a warning once: a segment's size is known only once it is
// recorded, so New cannot refuse it. The segment being written
// is never deleted, and the newest finished one is not deleted at the
// moment it closes. Only files whose names follow the layout above, in
// date folders under DIR/NAME or DIR/NAME/ClipsDir, are ever touched: anything else there
// stays; empty date folders are removed. A date folder that is a
// symbolic link is never written through (Write fails, naming it): its
// segments would be outside DIR/NAME, out of retention's sight.
//
// # Cost
//
// In steady state (between rotations) Write adds no allocation to the
// video sink's: the clock, the frame size and the current file's size
// (one fstat) are read into the Recorder's own fields, and the results
// and events lines are built in reused buffers.
package segment
