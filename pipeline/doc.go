// Package pipeline moves video frames from a source through the MobileNet
// classifier of package net to sinks that show or store the results.
//
// # Stages
//
//	Source ──capture──▶ handoff ──▶ workers ×N ──▶ output ──▶ sinks
//	(file, camera,      (bounded    (preprocess   (reorder, smooth,
//	 stream, push)       or newest)  + forward)    overlay, write)
//
// Capture reads frames on its own goroutine. In file mode the handoff is a
// bounded queue and capture waits for room, so every frame is processed in
// order. In live mode (cameras, streams, PushSource, or a file with
// realtime pacing) the handoff holds one frame: a frame no worker has taken
// when the next one arrives is dropped and counted, so the capture loop
// never waits and labels stay about one inference behind the camera.
// Workers each own a Preprocessor and a net.Runner. The output goroutine
// restores capture order, carries results over to frames that were not
// classified (Config.Every, Config.MaxFPS), applies the moving average
// (Config.Smooth), draws the overlay and calls the sinks in order.
//
// # Ownership
//
// Run allocates a fixed pool of slots; each slot owns one frame Mat, its
// input tensor, logits and probabilities, and passes from stage to stage
// through channels, owned by exactly one goroutine at a time, until the
// output stage returns it to the pool. The Mats are closed when Run
// returns. Sinks and callbacks see a frame and its Result only during the
// call. Steady state allocates nothing per frame.
//
// # Stopping
//
// Run returns at the end of the source, when its context is cancelled, or
// when a sink fails. On cancellation it stops reading at once, finishes
// the frames already read and closes the sinks, so output files are
// complete. A sink that fails gets no more frames; the others still get
// the frames already read (a sink whose reader went away, ErrOutputEnded,
// only ends itself). Every goroutine it started has exited when it
// returns.
//
// # Files
//
// Video files are decoded by an ffmpeg child process (container
// timestamps, a frame size that changes mid-file fitted into the first,
// see FrameSizer), and VideoSink encodes through another; OpenCV reads
// files where ffmpeg is missing, and cameras and streams always. The file
// sinks never destroy data: see package outfile, and FileOptions.
package pipeline
