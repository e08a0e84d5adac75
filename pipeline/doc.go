// Package pipeline is livecam's core: it moves video frames from a Source
// through the MobileNet classifier (package net/mobilenet) and a chain of
// stages to the sinks, with a drop policy for live video and no allocation
// per frame.
//
// # Stages
//
//	Source ──capture──▶ handoff ──▶ workers ×N ──▶ output ──▶ Stages ──▶ Sinks
//	  │      (Gate: classify     (bounded or  (preprocess  (reorder,   (Smooth,   (video, JSON lines,
//	  │       this frame?)        newest)      + forward)   rank)       Overlay)   window, viewer)
//	  └ Interrupt on cancel
//
// Capture reads frames on its own goroutine and asks the Gate (if any)
// whether each one gets a forward pass; frames it passes over carry the
// last result. In file mode the handoff is a bounded queue and capture
// waits for room, so every frame is processed in order. In live mode
// (cameras, streams, pushed frames, a file played in real time) the
// handoff holds one frame: a frame no worker has taken when the next one
// arrives is dropped and counted, so the capture loop never waits and
// labels stay about one inference behind the camera. Workers each own a
// Preprocessor and a mobilenet.Runner. The output goroutine restores
// capture order, ranks the classes with Config.Results (how many, a
// minimum score, classes allowed and denied), and passes each frame's
// Output through Config.Stages to the sinks; "label entered / left"
// events (Config.OnEvent, package events) and Config.OnResult see each
// frame after the stages.
//
// Several pipelines (cameras) can share one model and one set of workers:
// a Pool in Config.Pool runs the forward passes of all of them, taking the
// cameras in turn, so one busy camera cannot starve another.
//
// Everything around the core lives in packages of its own, each usable
// and testable alone: sources in source/... (files through ffmpeg,
// cameras and streams through OpenCV, frames the application pushes),
// sinks in sink/... and viewer, gates and stages in pipeline/stage,
// single images in classify.
//
// # Ownership
//
// Run allocates a fixed pool of slots; each slot owns one frame Mat, its
// input tensor, logits and probabilities, and passes from stage to stage
// through channels, owned by exactly one goroutine at a time, until the
// output goroutine returns it to the pool. The Mats are closed when Run
// returns. A Source fills the Mat it is given (it may swap in one of its
// own of the same size, handing over ownership); stages and sinks see an
// Output and its Result only during the call. Steady state allocates
// nothing per frame.
//
// # Stopping
//
// Run returns at the end of the source, when its context is cancelled, or
// when a sink fails. On cancellation it stops reading at once: a source
// that implements Interrupter (all of livecam's do) returns from a Read
// that waits for a frame, so Run does not wait for a camera that hangs or
// for frames nobody pushes. It then finishes the frames already read and
// closes the stages and sinks, so output files are complete. A sink that
// fails gets no more frames; the others still get the frames already read
// (a sink whose reader went away, ErrOutputEnded, only ends itself). Every
// goroutine Run starts has exited when it returns.
package pipeline
