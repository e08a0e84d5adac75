package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/pkg/profile"

	"github.com/livecam/livecam/classify"
	"github.com/livecam/livecam/events"
	"github.com/livecam/livecam/internal/runctl"
	"github.com/livecam/livecam/overlay"
	"github.com/livecam/livecam/pipeline"
	"github.com/livecam/livecam/pipeline/stage"
	"github.com/livecam/livecam/sink/jsonl"
	"github.com/livecam/livecam/sink/outfile"
	"github.com/livecam/livecam/sink/video"
	"github.com/livecam/livecam/sink/window"
	"github.com/livecam/livecam/source"
	"github.com/livecam/livecam/viewer"
)

const runUsage = "-source SRC [-model DIR] [-out FILE] [-results FILE] [-events FILE] [-overwrite] [-serve ADDR [-serve-token T]] [-display] [-realtime] [-fps N] [-every K] [-topk K] [-min-score P] [-allow CLASS]... [-deny CLASS]... [-workers N] [-threads N] [-smooth A] [-threshold P] [-v] [-profile KIND]"

// runPipeline is livecam's main job: label a video source. It parses the
// flags, builds the pipeline's parts and wires them; the stop policy is
// package runctl's.
func runPipeline(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("", stderr, runUsage)
	sourceFlag := fs.String("source", "", "camera index, video file, stream URL or GStreamer pipeline")
	modelFlag := fs.String("model", "", "model directory or name (default: "+defaultModelHelp+")")
	labels := fs.String("labels", "", "labels file (metadata.json, index/wnid/label TSV, or one per line)")
	out := fs.String("out", "", "write the annotated video to FILE (.mp4, .mov, .mkv: H.264; .avi: Motion JPEG)")
	results := fs.String("results", "", "write one JSON line per frame to FILE (- for standard output)")
	eventsOut := fs.String("events", "", "write one JSON line per \"label entered / left\" event to FILE (- for standard output)")
	overwrite := fs.Bool("overwrite", false, "replace -out, -results and -events files that exist (default: refuse)")
	display := fs.Bool("display", false, "show the annotated stream in a window (needs a display)")
	serve := fs.String("serve", "", "serve the annotated stream and labels over HTTP on ADDR (e.g. 127.0.0.1:8080)")
	serveToken := fs.String("serve-token", os.Getenv("LIVECAM_SERVE_TOKEN"), "bearer token the viewer requires (default $LIVECAM_SERVE_TOKEN)")
	maxViewers := fs.Int("serve-max-viewers", 4, "simultaneous viewers of -serve (1-100)")
	serveHosts := fs.String("serve-host", "", "comma-separated host names the viewer answers to without a token, besides IP addresses and localhost")
	realtime := fs.Bool("realtime", false, "pace a video file at its own frame rate and run live (drop stale frames)")
	loop := fs.Bool("loop", false, "play a video file again from the start when it ends, until interrupted")
	maxFPS := fs.Float64("fps", 0, "at most N forward passes per second (0: no cap; at most 1000)")
	every := fs.Int("every", 1, "classify every K-th frame, carrying the result to the frames between")
	topk := fs.Int("topk", 3, fmt.Sprintf("classes per frame (1-%d)", classify.MaxResults))
	minScore := fs.Float64("min-score", 0, "leave out classes scoring below P (0-1) from results, events and the overlay")
	var allow, deny []string
	fs.Func("allow", "report only this class: an index, a WordNet id or a label's first name (repeatable)", func(v string) error { allow = append(allow, v); return nil })
	fs.Func("deny", "never report this class (repeatable; same forms as -allow)", func(v string) error { deny = append(deny, v); return nil })
	enter := fs.Float64("event-enter", 0.5, "score at which a class enters (-events)")
	leave := fs.Float64("event-leave", 0.3, "score below which an entered class leaves (-events; at most -event-enter)")
	minDur := fs.Duration("event-min", 0, "how long a class must stay before it has entered (-events)")
	cooldown := fs.Duration("event-cooldown", 0, "how long after leaving a class cannot enter again (-events)")
	workers := fs.Int("workers", 0, fmt.Sprintf("inference workers (0: one per core, at most %d)", maxWorkers))
	threads := fs.Int("threads", 1, fmt.Sprintf("threads per forward pass (1-%d)", maxWorkers))
	smooth := fs.Float64("smooth", 0, "weight of the newest frame in a moving average of the probabilities (0: off; at most 1)")
	threshold := fs.Float64("threshold", 0.2, "below this top score (0-1) the overlay says it is not sure")
	verbose := fs.Bool("v", false, "print statistics every few seconds")
	reconnect := fs.Duration("reconnect", 10*time.Second, "reopen a lost camera or stream, backing off up to this interval between attempts (0: stop instead; at most 1h)")
	prof := fs.String("profile", "", "profile the run: cpu, mem, block, mutex or trace (written to the current directory)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *sourceFlag == "" {
		return fmt.Errorf("%w: -source is required (a camera index, file, URL or GStreamer pipeline)", errUsage)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	}
	if err := firstError(
		intIn("every", *every, 1, 1_000_000),
		floatIn("fps", *maxFPS, 0, 1000),
		intIn("topk", *topk, 1, classify.MaxResults),
		floatIn("min-score", *minScore, 0, 1),
		floatIn("event-enter", *enter, 0, 1),
		floatIn("event-leave", *leave, 0, *enter),
		durationIn("event-min", *minDur, 0, 24*time.Hour),
		durationIn("event-cooldown", *cooldown, 0, 24*time.Hour),
		intIn("workers", *workers, 0, maxWorkers),
		intIn("threads", *threads, 1, maxWorkers),
		floatIn("smooth", *smooth, 0, 1),
		floatIn("threshold", *threshold, 0, 1),
		intIn("serve-max-viewers", *maxViewers, 1, 100),
		durationIn("reconnect", *reconnect, 0, time.Hour),
	); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	if *results == "-" && *eventsOut == "-" {
		return fmt.Errorf("%w: -results and -events cannot both be standard output", errUsage)
	}
	// Nothing is created, truncated or replaced before the run starts:
	// the outputs are checked against each other and against every
	// input here, and the sinks create their files with the first frame.
	var targets []outfile.Target
	for _, t := range []outfile.Target{{Path: *out, Flag: "-out"}, {Path: *results, Flag: "-results"}, {Path: *eventsOut, Flag: "-events"}} {
		if t.Path != "" && t.Path != "-" {
			targets = append(targets, t)
		}
	}
	inputs := append([]string{*sourceFlag, *labels}, modelFiles(*modelFlag)...)
	if err := outfile.Check(inputs, targets, *overwrite); err != nil {
		return withHint(err)
	}
	if stopProfile, err := startProfile(*prof); err != nil {
		return err
	} else if stopProfile != nil {
		defer stopProfile()
	}

	m, err := loadModel(*modelFlag, *labels)
	if err != nil {
		return err
	}
	resultOpts := classify.Options{MaxResults: *topk, MinScore: float32(*minScore)}
	for _, spec := range allow {
		c, err := classify.ParseClass(m.Labels(), spec)
		if err != nil {
			return fmt.Errorf("%w: -allow: %v", errUsage, err)
		}
		resultOpts.Allow = append(resultOpts.Allow, c)
	}
	for _, spec := range deny {
		c, err := classify.ParseClass(m.Labels(), spec)
		if err != nil {
			return fmt.Errorf("%w: -deny: %v", errUsage, err)
		}
		resultOpts.Deny = append(resultOpts.Deny, c)
	}
	var sinks []pipeline.Sink
	closeAll := func() {
		for _, s := range sinks {
			s.Close()
		}
	}
	fileOpts := outfile.Options{Overwrite: *overwrite}
	var vid *video.Sink
	if *out != "" {
		if vid, err = video.Create(*out, fileOpts); err != nil {
			return withHint(err)
		}
		sinks = append(sinks, vid)
	}
	if *results != "" {
		w, err := jsonl.Create(*results, fileOpts)
		if err != nil {
			closeAll()
			return withHint(err)
		}
		sinks = append(sinks, jsonl.NewResults(w))
	}
	var onEvent func(events.Event)
	if *eventsOut != "" {
		w, err := jsonl.Create(*eventsOut, fileOpts)
		if err != nil {
			closeAll()
			return withHint(err)
		}
		ev := &eventSink{w: w, logf: func(format string, a ...any) { fmt.Fprintf(stderr, "livecam: "+format+"\n", a...) }}
		onEvent = ev.event
		sinks = append(sinks, ev) // closed after the run's last event
	}
	if *display {
		d, err := window.New("livecam")
		if err != nil {
			closeAll()
			return fmt.Errorf("-display: %v; use -out, -results or -serve instead", err)
		}
		sinks = append(sinks, d)
	}
	var view *viewer.Server
	if *serve != "" {
		if !viewer.IsLoopback(*serve) {
			fmt.Fprintf(stderr, "livecam: warning: -serve %s is reachable from other machines", *serve)
			if *serveToken == "" {
				fmt.Fprint(stderr, " and has no -serve-token: anyone who can reach it sees the stream")
			}
			fmt.Fprintln(stderr)
		}
		view, err = viewer.Listen(viewer.Options{Addr: *serve, Token: *serveToken, MaxViewers: *maxViewers, Model: m.Name(), AllowedHosts: splitList(*serveHosts)})
		if err != nil {
			closeAll()
			return err
		}
		sinks = append(sinks, view)
		fmt.Fprintf(stderr, "livecam: viewer at %s\n", view.URL())
	}
	src, err := source.Open(*sourceFlag, source.Options{Realtime: *realtime, Loop: *loop})
	if err != nil {
		closeAll()
		return err
	}
	info := src.Info()
	logf := func(format string, a ...any) { fmt.Fprintf(stderr, "livecam: "+format+"\n", a...) }
	var stages []pipeline.Stage
	if *smooth > 0 {
		st, err := stage.Smooth(*smooth)
		if err != nil {
			src.Close()
			closeAll()
			return err
		}
		stages = append(stages, st)
	}
	if vid != nil || *display || view != nil {
		stages = append(stages, stage.Overlay(&overlay.Options{Threshold: float32(*threshold)}))
	}
	cfg := pipeline.Config{
		Source: src, Model: m, Workers: *workers, Threads: *threads,
		Gate: stage.All(stage.Every(*every), stage.MaxRate(*maxFPS)), Results: resultOpts,
		Stages: stages, Sinks: sinks, Logf: logf, Reconnect: *reconnect,
		OnEvent: onEvent, Events: events.Options{Enter: float32(*enter), Leave: float32(*leave), MinDuration: *minDur, Cooldown: *cooldown},
	}
	if *verbose {
		cfg.StatsEvery = 5 * time.Second
	}
	p, err := pipeline.New(cfg)
	if err != nil {
		src.Close()
		closeAll()
		return err
	}
	mode := "file mode: every frame"
	if p.Live() {
		mode = "live mode: stale frames dropped"
	}
	fmt.Fprintf(stderr, "livecam: %s (%dx%d, %.3g fps) with %s, %s\n", info.Name, info.Width, info.Height, info.FPS, m.Name(), mode)

	ctx, ctl := runctl.Start(context.Background(), runctl.Options{Logf: logf})
	runErr := p.Run(ctx)
	ctl.Stop()
	s := p.Metrics().Snapshot()
	var sb strings.Builder
	s.Write(&sb)
	fmt.Fprint(stderr, sb.String())
	if vid != nil {
		fmt.Fprintf(stderr, "livecam: wrote %d frames to %s\n", vid.Frames(), *out)
	}
	warning, err := runctl.Outcome(runErr, s.Out)
	if warning != nil {
		logf("warning: %v", warning)
	}
	if err != nil {
		return err
	}
	if ctl.Interrupted() {
		logf("stopped by signal; outputs are complete")
	}
	return nil
}

// startProfile starts a profile of the given kind, or none for "".
func startProfile(kind string) (stop func(), err error) {
	var mode func(*profile.Profile)
	switch kind {
	case "":
		return nil, nil
	case "cpu":
		mode = profile.CPUProfile
	case "mem":
		mode = profile.MemProfile
	case "block":
		mode = profile.BlockProfile
	case "mutex":
		mode = profile.MutexProfile
	case "trace":
		mode = profile.TraceProfile
	default:
		return nil, fmt.Errorf("%w: -profile %q: want cpu, mem, block, mutex or trace", errUsage, kind)
	}
	p := profile.Start(mode, profile.ProfilePath("."), profile.NoShutdownHook, profile.Quiet)
	return p.Stop, nil
}

// maxWorkers bounds -workers and -threads: each worker holds a runner's
// scratch memory (about 4 MB), and more than this many gains nothing.
const maxWorkers = 64

// modelFiles lists the files of the model a -model value names, for the
// check that no output overwrites an input.
func modelFiles(flagValue string) []string {
	dir, err := modelDir(flagValue)
	if err != nil {
		return nil
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	var files []string
	for _, e := range entries {
		files = append(files, filepath.Join(dir, e.Name()))
	}
	return files
}

// splitList splits a comma-separated flag value, dropping empty items.
func splitList(s string) []string {
	var items []string
	for _, item := range strings.Split(s, ",") {
		if item = strings.TrimSpace(item); item != "" {
			items = append(items, item)
		}
	}
	return items
}

// eventSink writes the run's events as JSON lines. It is a pipeline.Sink
// only to be closed with the other outputs, after the last event.
type eventSink struct {
	w     *jsonl.Writer
	line  []byte
	logf  func(format string, args ...any)
	ended bool
}

func (e *eventSink) event(ev events.Event) {
	if e.ended {
		return
	}
	e.line = jsonl.AppendEvent(e.line[:0], ev)
	if err := e.w.WriteLine(e.line); err != nil {
		e.ended = true
		e.logf("warning: %v; the run goes on without it", err)
	}
}

func (e *eventSink) Write(*pipeline.Output) error { return nil }
func (e *eventSink) Close() error                 { return e.w.Close() }

// withHint adds the flag that would allow replacing an existing output.
func withHint(err error) error {
	if errors.Is(err, outfile.ErrExists) {
		return fmt.Errorf("%w; pass -overwrite to replace it", err)
	}
	return err
}
