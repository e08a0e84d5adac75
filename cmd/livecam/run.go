package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/pkg/profile"

	"github.com/livecam/livecam/overlay"
	"github.com/livecam/livecam/pipeline"
	"github.com/livecam/livecam/sink/outfile"
	"github.com/livecam/livecam/viewer"
)

const runUsage = "-source SRC [-model DIR] [-out FILE] [-results FILE] [-overwrite] [-serve ADDR [-serve-token T]] [-display] [-realtime] [-fps N] [-every K] [-topk K] [-workers N] [-threads N] [-smooth A] [-threshold P] [-v] [-profile KIND]"

// runPipeline is livecam's main job: label a video source.
func runPipeline(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("", stderr, runUsage)
	source := fs.String("source", "", "camera index, video file, stream URL or GStreamer pipeline")
	modelFlag := fs.String("model", "", "model directory or name (default: "+defaultModelHelp+")")
	labels := fs.String("labels", "", "labels file (metadata.json, index/wnid/label TSV, or one per line)")
	out := fs.String("out", "", "write the annotated video to FILE (.mp4, .mov, .mkv: H.264; .avi: Motion JPEG)")
	results := fs.String("results", "", "write one JSON line per frame to FILE (- for standard output)")
	overwrite := fs.Bool("overwrite", false, "replace -out and -results files that exist (default: refuse)")
	display := fs.Bool("display", false, "show the annotated stream in a window (needs a display)")
	serve := fs.String("serve", "", "serve the annotated stream and labels over HTTP on ADDR (e.g. 127.0.0.1:8080)")
	serveToken := fs.String("serve-token", os.Getenv("LIVECAM_SERVE_TOKEN"), "bearer token the viewer requires (default $LIVECAM_SERVE_TOKEN)")
	maxViewers := fs.Int("serve-max-viewers", 4, "simultaneous viewers of -serve (1-100)")
	serveHosts := fs.String("serve-host", "", "comma-separated host names the viewer answers to without a token, besides IP addresses and localhost")
	realtime := fs.Bool("realtime", false, "pace a video file at its own frame rate and run live (drop stale frames)")
	loop := fs.Bool("loop", false, "play a video file again from the start when it ends, until interrupted")
	maxFPS := fs.Float64("fps", 0, "at most N forward passes per second (0: no cap; at most 1000)")
	every := fs.Int("every", 1, "classify every K-th frame, carrying the result to the frames between")
	topk := fs.Int("topk", 3, "classes per frame")
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
	if *source == "" {
		return fmt.Errorf("%w: -source is required (a camera index, file, URL or GStreamer pipeline)", errUsage)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	}
	if err := firstError(
		intIn("every", *every, 1, 1_000_000),
		floatIn("fps", *maxFPS, 0, 1000),
		intIn("topk", *topk, 1, pipeline.MaxTopK),
		intIn("workers", *workers, 0, maxWorkers),
		intIn("threads", *threads, 1, maxWorkers),
		floatIn("smooth", *smooth, 0, 1),
		floatIn("threshold", *threshold, 0, 1),
		intIn("serve-max-viewers", *maxViewers, 1, 100),
		durationIn("reconnect", *reconnect, 0, time.Hour),
	); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	// Nothing is created, truncated or replaced before the run starts:
	// the outputs are checked against each other and against every
	// input here, and the sinks create their files with the first frame.
	var targets []outfile.Target
	if *out != "" {
		targets = append(targets, outfile.Target{Path: *out, Flag: "-out"})
	}
	if *results != "" {
		targets = append(targets, outfile.Target{Path: *results, Flag: "-results"})
	}
	inputs := append([]string{*source, *labels}, modelFiles(*modelFlag)...)
	if err := outfile.Check(inputs, targets, *overwrite); err != nil {
		return err
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
	var sinks []pipeline.Sink
	closeAll := func() {
		for _, s := range sinks {
			s.Close()
		}
	}
	fileOpts := pipeline.FileOptions{Overwrite: *overwrite}
	var video *pipeline.VideoSink
	if *out != "" {
		if video, err = pipeline.NewVideoSink(*out, fileOpts); err != nil {
			return err
		}
		sinks = append(sinks, video)
	}
	if *results != "" {
		rs, err := pipeline.CreateResultsFile(*results, fileOpts)
		if err != nil {
			closeAll()
			return err
		}
		sinks = append(sinks, rs)
	}
	if *display {
		d, err := pipeline.NewDisplaySink("livecam")
		if err != nil {
			closeAll()
			return err
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
	src, err := pipeline.OpenWith(*source, pipeline.OpenOptions{Realtime: *realtime, Loop: *loop})
	if err != nil {
		closeAll()
		return err
	}
	info := src.Info()
	logf := func(format string, a ...any) { fmt.Fprintf(stderr, "livecam: "+format+"\n", a...) }
	cfg := pipeline.Config{
		Source: src, Model: m, Workers: *workers, Threads: *threads, Every: *every, MaxFPS: *maxFPS,
		TopK: *topk, Smooth: *smooth, Overlay: video != nil || *display || view != nil,
		OverlayOptions: &overlay.Options{Threshold: float32(*threshold)},
		Sinks:          sinks, Logf: logf, Reconnect: *reconnect,
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

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, stopSignals...)
	defer signal.Stop(sigs)
	var interrupted atomic.Bool
	go func() {
		sig, ok := <-sigs
		if !ok {
			return
		}
		interrupted.Store(true)
		fmt.Fprintf(stderr, "livecam: %v: stopping: finishing the frames already read (interrupt again to quit at once)\n", sig)
		cancel()
		if _, ok := <-sigs; ok {
			fmt.Fprintln(stderr, "livecam: interrupted twice, quitting")
			os.Exit(130)
		}
	}()
	runDone := make(chan error, 1)
	go func() { runDone <- p.Run(ctx) }()
	var runErr error
	select {
	case runErr = <-runDone:
	case <-p.Flushed():
		// The outputs are complete. Normally Run returns at once; a
		// source stuck in a read may hold it up to its timeout, which
		// an interrupted user need not wait for.
		select {
		case runErr = <-runDone:
		case <-stopWaiting(ctx, 300*time.Millisecond):
			fmt.Fprintln(stderr, "livecam: the source is not answering; not waiting for it")
		}
	}
	signal.Stop(sigs)
	if interrupted.Load() {
		select {
		case <-sigs: // a second signal that arrived while draining
			fmt.Fprintln(stderr, "livecam: interrupted twice, quitting")
			os.Exit(130)
		default:
		}
	}
	s := p.Metrics().Snapshot()
	var sb strings.Builder
	s.Write(&sb)
	fmt.Fprint(stderr, sb.String())
	if video != nil {
		fmt.Fprintf(stderr, "livecam: wrote %d frames to %s\n", video.Frames(), *out)
	}
	if runErr != nil {
		var se *pipeline.SourceError
		if errors.As(runErr, &se) && errors.Is(runErr, pipeline.ErrTruncated) && s.Out > 0 {
			// The frames that could be decoded were all processed and
			// written: warn, succeed.
			fmt.Fprintf(stderr, "livecam: warning: %v\n", runErr)
			return nil
		}
		return runErr
	}
	if interrupted.Load() {
		fmt.Fprintln(stderr, "livecam: stopped by signal; outputs are complete")
	}
	return nil
}

// stopWaiting returns a channel that is closed d after ctx is cancelled,
// and never if it is not.
func stopWaiting(ctx context.Context, d time.Duration) <-chan struct{} {
	c := make(chan struct{})
	go func() {
		<-ctx.Done()
		time.Sleep(d)
		close(c)
	}()
	return c
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

// stopSignals stop a run cleanly: Ctrl-C, kill, a closed terminal or
// ssh session, and Ctrl-\ (which would otherwise print a goroutine dump).
var stopSignals = []os.Signal{os.Interrupt, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT}

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
