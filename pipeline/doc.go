// Package pipeline is livecam's core: it moves video frames from a Source
// through a model (Config.Model, as models.Open returns it: the MobileNet
// classifier or an SSD object detector), and a chain of stages to the
// sinks, with a drop policy for live video and no allocation per frame.
//
// # Three modes
//
// livecam runs a model the three ways MediaPipe's tasks do, in Go's
// terms:
//
//   - A single image: package classify (classify.Classifier) and
//     package detect; no pipeline.
//   - VIDEO: every frame is processed, in order, none dropped. A Pipeline
//     in File mode over a file, or over frames the application pushes
//     (push.NewVideo, or any push source under Mode File: a push waits
//     for room, or for the run to stop); or, with no goroutines at all,
//     a Video: one Process call per frame on the caller's goroutine,
//     returning that frame's Result (classifyForVideo, detectForVideo).
//   - Live stream: a Pipeline in Live mode over a camera, a stream or a
//     live push source (push.New): the newest frame wins, a frame no
//     worker has taken when the next arrives is dropped and counted, and
//     results come through Config.OnResult, the events' callbacks and
//     Results.
//
// In every mode the timestamps of a run must increase: a push source and
// a Video refuse a frame stamped at or before the one before it (a
// *TimestampError naming both times).
//
// # Stages
//
//	Source ──capture──▶ handoff ──▶ workers ×N ──▶ output ──────▶ Stages ──▶ Sinks
//	  │      (Gate: run   (bounded or  (preprocess   (reorder;     (Smooth,   (video, JSON lines,
//	  │       the model    newest)      + forward:    classes      Overlay:   window, viewer,
//	  │       on this                   classes or    ranked, or   labels or  MQTT, NATS)
//	  │       frame?)                   objects)      objects      boxes and
//	  │                                               tracked)     zones)
//	  └ Interrupt on cancel
//
// Capture reads frames on its own goroutine and asks the Gate (if any)
// whether each one gets a forward pass; frames it passes over carry the
// last result. In file mode the handoff is a bounded queue and capture
// waits for room, so every frame is processed in order. In live mode
// (cameras, streams, pushed frames, a file played in real time) the
// handoff holds one frame: a frame no worker has taken when the next one
// arrives is dropped and counted, so the capture loop never waits and
// results stay about one inference behind the camera. Workers each own
// OpenCV's preparation of a frame (a classifier's centre square, a
// detector's whole frame, resized and turned to RGB) and the model's
// runner, chosen by Config.Model's Task. The output goroutine restores
// capture order and passes each frame's Output through Config.Stages,
// then the pipeline's own stages (the latency, the events, the
// callbacks), to the sinks;
// Config.OnResult sees each frame after the sinks.
//
// With a classifier, the output goroutine ranks the classes with
// Config.Classes (how many, a minimum score, classes allowed and denied
// by label or index) into Result.Top, and "label entered / left" events (Config.OnEvent,
// package events) follow the ranked classes.
//
// With a detector, each frame's Result.Objects are the detector's objects
// (at most MaxObjects, best first), their boxes in the pixels of the
// frame the source delivered: the whole frame is stretched to the
// network's input and the boxes are scaled back (see package detect), so
// they need no other mapping, and the results file carries them as they
// are. A frame whose own size differs from the source's (Result.Width and
// Height) is detected at its own size when the source delivers it so (a
// camera that changed resolution); a file decoder that fits such frames
// into the first size, with borders, gives boxes in that fitted frame.
// With Config.Track, the output goroutine tracks the objects (package
// track): each inferred frame's objects go to a track.Tracker (frames a
// Gate passes over carry the last objects and ids, so the tracker's
// MaxLost and MinHits count inferred frames), made at
// the first frame for the frame's size (and made again, after every track
// of the old one has left, when the size changes: Logf says so, and ids
// go on from the old tracker's); each object gets the id of the track it
// matched (0 until its track is confirmed, after track.Config.MinHits
// frames, and for objects the tracker's Filter drops); tracks coasting on
// their prediction are not reported, since they are not in the frame's
// objects. The tracker's events, an object entering or leaving the view
// or a zone, go to Config.OnObjectEvent after the stages, and at the end
// of the run every object still tracked leaves. The zones reach the
// stages in the frame's pixels (Output.Zones), so that the overlay draws
// them.
//
// Several pipelines (cameras) can share one model and one set of workers:
// a Pool in Config.Pool (NewPool, for a classifier or a detector) runs
// the forward passes of all of them, taking the cameras in turn, so one
// busy camera cannot starve another.
//
// Everything around the core lives in packages of its own, each usable
// and testable alone: sources in source/... (files through ffmpeg,
// cameras and streams through OpenCV, frames the application pushes),
// sinks in sink/... and viewer, gates and stages in pipeline/stage,
// single images in classify and detect, object tracks in track.
//
// # Ownership
//
// Run allocates a fixed pool of slots; each slot owns one frame Mat and
// the model's outputs for it (the probabilities, or room for the most
// objects the detector gives), and passes from stage to stage
// through channels, owned by exactly one goroutine at a time, until the
// output goroutine returns it to the pool. The Mats are closed when Run
// returns. A Source fills the Mat it is given (it may swap in one of its
// own of the same size, handing over ownership); stages and sinks see an
// Output and its Result only during the call. A Result holds its objects
// and up to 10 classes in fixed arrays, so the copies sent to Results()
// allocate nothing either (a run that reports more classes gives each
// copy its own slice of them). Steady state allocates nothing per frame.
//
// # Frames as BGR or as YUV planes
//
// A frame is 8-bit BGR (Output.Image), OpenCV's way, unless the whole
// run can keep it as the YUV 4:2:0 planes a video decoder gives
// (Output.I420): the source implements I420Source and says its frames
// come so (package videofile, for an 8-bit 4:2:0 stream of even size),
// every stage and sink implements I420Sink and says it takes them, and
// Config.OnBestFrame is nil. The decoder's planes then go to the workers
// (which convert only the part the network sees, with the same bytes as
// from BGR), the overlay draws on them and the video output writes them
// to the encoder as they are: two whole-frame conversions fewer, and no
// loss from converting to BGR and back. livecam's own pixel-blind sinks
// (results, events, publishers, the progress bar), the stages of package
// stage and the video output take planes; the window, the viewer and the
// recorder, and any sink or stage that does not implement I420Sink, get
// BGR, and so does every sink of such a run.
//
// # Outages
//
// A live run watches its source's signal on the output goroutine: when
// no frame has come out for Config.StaleAfter (5 s by default; the time
// a slow sink takes with a frame does not count), or the source failed
// and is being reconnected (once the frames read before are out; before
// its first frame too: no signal since the run started), the signal is
// lost. Every label still entered and every
// tracked object leaves then, at the last frame's time (source clock and
// wall clock), and the sinks that implement SignalSink, then
// Config.OnSignal, get Signal{Lost: true, Since: the last frame's
// capture time}: a viewer shows "no signal", a broker marks the camera
// offline and clears its label. The first frame after it brings
// Signal{Lost: false} before it. File mode never loses the signal.
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
