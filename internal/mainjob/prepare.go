package mainjob

import (
	"cmp"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/livecam/livecam/cameras"
	"github.com/livecam/livecam/classify"
	"github.com/livecam/livecam/events"
	"github.com/livecam/livecam/internal/batch"
	"github.com/livecam/livecam/internal/cliflag"
	"github.com/livecam/livecam/internal/escape"
	"github.com/livecam/livecam/internal/outputs"
	"github.com/livecam/livecam/overlay"
	"github.com/livecam/livecam/pipeline"
	"github.com/livecam/livecam/pipeline/stage"
	"github.com/livecam/livecam/prom"
	"github.com/livecam/livecam/sink/clips"
	"github.com/livecam/livecam/sink/mqtt"
	"github.com/livecam/livecam/sink/natsjs"
	"github.com/livecam/livecam/sink/progress"
	"github.com/livecam/livecam/sink/segment"
	snapsink "github.com/livecam/livecam/sink/snapshot"
	"github.com/livecam/livecam/sink/video"
	"github.com/livecam/livecam/sink/window"
	"github.com/livecam/livecam/source"
	"github.com/livecam/livecam/timeline"
	"github.com/livecam/livecam/viewer"
)

// camRun is one source's pipeline, prepared, and what finishing its run
// needs.
type camRun struct {
	name     string // the camera's name (multi-camera runs), "" otherwise
	j        Job
	info     pipeline.SourceInfo
	f        *Settings
	p        *pipeline.Pipeline
	src      pipeline.Source
	out      *outputs.Set      // its outputs: their fate is decided in finish
	sinks    []pipeline.Sink   // the sinks that are not outputs (window, viewer, bar...)
	story    *timeline.Builder // out's stories
	objStory *timeline.Objects // a detector's story
	bar      *progress.Bar
	rec      *segment.Recorder // a live camera's recording in segments, or nil
	logf     func(format string, a ...any)
	mqtt     *mqtt.Publisher   // closed by the caller, after the run
	nats     *natsjs.Publisher // likewise
}

// shared are the parts of a run several cameras share: nil fields are
// not used.
type shared struct {
	view    *viewer.Server
	metrics *prom.Collector
	pool    *pipeline.Pool
	mqtt    *mqtt.Publisher   // the connection; each camera publishes through its Camera
	nats    *natsjs.Publisher // likewise
	sinks   []pipeline.Sink   // more sinks for every camera (a fleet job's results)

	// Each camera's viewer sink and publishers, made once even when the
	// camera is opened again and again (a camera away at the start).
	mu    *sync.Mutex
	views map[string]*viewer.Camera
	pubs  map[string]pipeline.Publisher
}

// viewCamera returns the viewer's sink of camera name.
func (sh shared) viewCamera(name string) (*viewer.Camera, error) {
	if sh.mu == nil {
		return sh.view.Camera(name)
	}
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if c, ok := sh.views[name]; ok {
		return c, nil
	}
	c, err := sh.view.Camera(name)
	if err == nil {
		sh.views[name] = c
	}
	return c, err
}

// publisher returns camera name's publisher of a shared connection
// (kind "mqtt" or "nats").
func (sh shared) publisher(kind, name string, newPub func() pipeline.Publisher) pipeline.Publisher {
	if sh.mu == nil {
		return newPub()
	}
	sh.mu.Lock()
	defer sh.mu.Unlock()
	key := kind + "/" + name
	if p, ok := sh.pubs[key]; ok {
		return p
	}
	p := newPub()
	sh.pubs[key] = p
	return p
}

// prepare checks and opens one source's outputs and the source itself,
// and builds its pipeline. Nothing is created, truncated or replaced
// before the run starts: the outputs are checked against each other and
// against every input here, and the sinks create their files with the
// first frame.
func (r *Runner) prepare(name string, j Job, f *Settings, results classify.Options, sh shared) (*camRun, error) {
	if err := clipsNeed(name, j, f); err != nil {
		return nil, err
	}
	c := &camRun{name: name, j: j, f: f}
	c.logf = func(format string, a ...any) {
		c.bar.Clear()
		if name != "" {
			format = strings.ReplaceAll(escape.Control(name), "%", "%%") + ": " + format
		}
		r.logf(format, a...)
	}
	plan := outputs.Plan{Video: j.Out, Results: j.Results, Events: j.Events, Report: j.Report,
		Encoding: video.Encoding{Codec: f.Codec, Quality: f.Quality, Audio: audioOf(j.Source, f), Logf: c.logf}, Overwrite: f.Overwrite,
		Inputs: append(append([]string{j.Source, f.Labels}, r.modelFiles...), r.inputs...)}
	if err := plan.Check(); err != nil {
		return nil, WithHint(err)
	}
	var err error
	if c.out, err = r.openOutputs(c, plan, sh); err != nil {
		c.closeBrokers()
		return nil, err
	}
	c.story, c.objStory = c.out.Story(), c.out.Objects()
	if err := r.openCamera(c, sh); err != nil {
		c.closeAll()
		return nil, err
	}
	if err := r.newPipeline(c, results, sh); err != nil {
		c.closeAll()
		return nil, err
	}
	mode := "file mode: every frame"
	if c.p.Live() {
		mode = "live mode: stale frames dropped"
	}
	label := ""
	if name != "" {
		label = escape.Control(name) + ": "
	}
	info := c.info
	fmt.Fprintf(r.stderr, "livecam: %s%s (%dx%d, %.3g fps) with %s, %s\n", label, batch.Printable(info.Name), info.Width, info.Height, info.FPS, r.modelName, mode)
	return c, nil
}

// openOutputs connects the brokers of camera c (a connection of its own,
// or, with several cameras, the shared one's publisher for it; the
// caller closes the connections once every camera has ended), makes its
// snapshots' folder and opens its outputs.
func (r *Runner) openOutputs(c *camRun, plan outputs.Plan, sh shared) (*outputs.Set, error) {
	f, name := c.f, c.name
	camera := cmp.Or(name, batch.OutputBase(c.j.Source))
	var pubs []outputs.Publisher
	var err error
	if f.MQTT != "" {
		if sh.mqtt != nil {
			pubs = append(pubs, outputs.Publisher{Publisher: sh.publisher("mqtt", name, func() pipeline.Publisher { return sh.mqtt.Camera(name) }), Results: f.MQTTResults})
		} else {
			if c.mqtt, err = connectMQTT(f, camera, r.logf); err != nil {
				return nil, err
			}
			pubs = append(pubs, outputs.Publisher{Publisher: c.mqtt, Results: f.MQTTResults})
		}
	}
	if f.NATS != "" {
		if sh.nats != nil {
			pubs = append(pubs, outputs.Publisher{Publisher: sh.publisher("nats", name, func() pipeline.Publisher { return sh.nats.Camera(name) }), Results: f.NATSResults})
		} else {
			if c.nats, err = natsjs.Connect(natsjs.Options{URL: f.NATS, NATS: natsOptions(f.NATSAuth, f.NATS), Camera: natsSubjectName(camera), Logf: r.logf}); err != nil {
				return nil, err
			}
			pubs = append(pubs, outputs.Publisher{Publisher: c.nats, Results: f.NATSResults})
		}
	}
	if _, ok := recordOptions(c); ok {
		pubs = append(pubs, outputs.Publisher{Publisher: recordingEvents{c}}) // the recording's events sidecars (cameras.go)
	}
	opts := outputs.Options{Camera: camera, Name: name, Publishers: pubs, Detector: r.det != nil, Logf: c.logf, Hint: WithHint,
		SnapshotDir: f.Snapshots, Root: f.OutDir,
		Story: timeline.Options{MinDuration: f.Merge, MinScore: float32(f.Threshold)}}
	if source.IsLive(c.j.Source) {
		opts.Story.Gap = pipeline.DefaultStaleAfter // an outage is "no signal" in the summary and report
	}
	if !f.Quiet {
		opts.Summary = r.stderr
	}
	if r.det != nil && f.Snapshots != "" {
		if opts.Snapshots, err = snapsink.New(f.Snapshots, camera, "", r.logf); err != nil {
			return nil, fmt.Errorf("-snapshots: %v", err)
		}
	}
	return outputs.Open(plan, opts)
}

// openCamera opens c's source and the sinks that are not outputs: the
// window, the viewer's camera, the sinks every camera shares and the
// progress bar.
func (r *Runner) openCamera(c *camRun, sh shared) error {
	if c.f.Display {
		d, err := window.New("livecam")
		if err != nil {
			return fmt.Errorf("-display: %v; use -out, -results or -serve instead", err)
		}
		c.sinks = append(c.sinks, d)
	}
	src, err := source.Open(c.j.Source, source.Options{Realtime: c.f.Realtime, Loop: c.f.Loop})
	if err != nil {
		return err
	}
	c.src, c.info = src, src.Info()
	if opts, ok := recordOptions(c); ok { // its video, results and events in segments (cameras.go)
		c.rec, err = segment.New(opts)
		if err != nil {
			src.Close()
			c.src = nil
			return err
		}
		rec := pipeline.Sink(c.rec)
		if c.f.Clips > 0 {
			// The clipper passes the frames on to the recording, and
			// closes it.
			cl, err := clips.New(clips.Options{Recorder: c.rec, Root: c.f.OutDir, Around: c.f.Clips, Logf: c.logf})
			if err != nil {
				c.rec.Close()
				src.Close()
				c.src = nil
				return err
			}
			c.out.SetClips(cl)
			rec = cl
		}
		c.sinks = append(c.sinks, rec)
	} else if c.f.Clips > 0 && clipsFromVideo(c.j) { // cut from the video once it is in place (outputs.Set.Finish)
		fc, err := clips.NewFile(clips.FileOptions{Video: c.j.Out, Root: c.f.OutDir, Around: c.f.Clips, Logf: c.logf})
		if err != nil {
			src.Close()
			c.src = nil
			return err
		}
		c.out.SetClips(fc)
		c.sinks = append(c.sinks, fc)
	}
	// The viewer's camera only once the source is open: a camera away at
	// the start stays "no frame yet" there, not "ended".
	if sh.view != nil {
		if c.name == "" {
			c.sinks = append(c.sinks, sh.view)
		} else {
			cam, err := sh.viewCamera(c.name)
			if err != nil {
				return err
			}
			c.sinks = append(c.sinks, cam)
		}
	}
	c.sinks = append(c.sinks, sh.sinks...)
	if r.showProgress {
		c.bar = progress.New(r.stderr, c.info)
		c.sinks = append(c.sinks, c.bar)
	}
	return nil
}

// newPipeline builds c's pipeline from its flags, and counts it in the
// viewer's metrics.
func (r *Runner) newPipeline(c *camRun, results classify.Options, sh shared) error {
	f := c.f
	var stages []pipeline.Stage
	if f.Smooth > 0 {
		st, err := stage.Smooth(f.Smooth)
		if err != nil {
			return err
		}
		stages = append(stages, st)
	}
	if c.j.Out != "" || f.Display || sh.view != nil || c.rec != nil {
		stages = append(stages, stage.Overlay(&overlay.Options{Threshold: float32(f.Threshold), Font: r.font}))
	}
	cfg := pipeline.Config{
		Source: c.src, Model: r.model, Workers: f.Workers, Threads: f.Threads, Pool: sh.pool, Camera: cmp.Or(c.name, batch.OutputBase(c.j.Source)),
		Gate: stage.All(stage.Every(f.Every), stage.MaxRate(f.MaxFPS)), Classes: results,
		Stages: stages, Sinks: append(slices.Clip(c.out.Sinks()), c.sinks...), Logf: c.logf, Reconnect: f.Reconnect,
		OnEvent: c.out.OnEvent(), Events: events.Options{Enter: float32(f.EventEnter), Leave: float32(f.EventLeave), MinDuration: f.EventMin, Cooldown: f.EventCooldown},
	}
	if r.det != nil {
		if err := r.detectorConfig(&cfg, f, c.out); err != nil {
			return err
		}
	}
	if f.Verbose {
		cfg.StatsEvery = 5 * time.Second
	}
	var err error
	if c.p, err = pipeline.New(cfg); err != nil {
		return err
	}
	if sh.metrics != nil {
		metric := cmp.Or(c.name, batch.OutputBase(c.j.Source))
		sh.metrics.Add(metric, c.p.Metrics())
		c.out.SetMetrics(sh.metrics.Objects(metric))
	}
	return nil
}

// closeBrokers closes the connections of c's own.
func (c *camRun) closeBrokers() {
	if c.mqtt != nil {
		c.mqtt.Close()
	}
	if c.nats != nil {
		c.nats.Close()
	}
}

// closeAll closes the outputs, sinks, source and connections of a
// pipeline that never ran.
func (c *camRun) closeAll() {
	c.out.Close()
	for _, s := range c.sinks {
		s.Close()
	}
	if c.src != nil && c.p == nil {
		c.src.Close()
	}
	c.closeBrokers()
}

// listenViewer starts -serve's viewer, with Prometheus metrics at its
// /metrics.
func (r *Runner) listenViewer() (*viewer.Server, *prom.Collector, error) {
	f := r.f
	name := "-serve"
	if o := cameras.ServeOrigin(f.Config, f.Serve); o != "" {
		name = o + ":" // as the cameras file gave it
	}
	if !viewer.IsLoopback(f.Serve) {
		fmt.Fprintf(r.stderr, "livecam: warning: %s %s is reachable from other machines", name, f.Serve)
		if f.ServeToken == "" {
			fmt.Fprint(r.stderr, " and has no -serve-token: anyone who can reach it sees the stream")
		}
		fmt.Fprintln(r.stderr)
	}
	metrics := prom.NewCollector(prom.Info{Model: r.modelName, Kernels: r.kernels})
	view, err := viewer.Listen(viewer.Options{Addr: f.Serve, Token: f.ServeToken, MaxViewers: f.MaxViewers, Model: r.modelName,
		AllowedHosts: splitList(f.ServeHosts), Metrics: prom.Handler(metrics)})
	if err != nil {
		return nil, nil, fmt.Errorf("%s %s: %w", name, f.Serve, err)
	}
	fmt.Fprintf(r.stderr, "livecam: viewer at %s\n", view.URL())
	return view, metrics, nil
}

// audioOf is the file whose audio the annotated video of src carries: src
// itself when it is a file read whole, once, at its own pace; "" for a
// camera, a stream, -loop, -realtime (frames dropped) or -no-audio.
func audioOf(src string, f *Settings) string {
	if f.NoAudio || f.Loop || f.Realtime {
		return ""
	}
	if st, err := os.Stat(src); err != nil || !st.Mode().IsRegular() {
		return ""
	}
	return src
}

// recordsSegments says whether camera c's video is recorded as
// time-named segments in OutDir/NAME/ (package segment): a live camera
// of a multi-camera run given no video file of its own.
func recordsSegments(c *camRun) bool { return records(c.name, c.j, c.f) }

// records is recordsSegments for camera name's job j with settings f.
func records(name string, j Job, f *Settings) bool {
	return name != "" && j.Out == "" && f.OutDir != "" && source.IsLive(j.Source)
}

// clipsFromVideo says whether job j's clips are cut from its annotated
// video after the run (package clips, File): a file's run writing one.
func clipsFromVideo(j Job) bool { return j.Out != "" && j.Out != "-" && !source.IsLive(j.Source) }

// clipsNeed refuses -clips for camera name (a lone source: "") when it
// has no recording in segments, nor an annotated video of a file, to
// cut the clips from, saying what is missing.
func clipsNeed(name string, j Job, f *Settings) error {
	if f.Clips == 0 || records(name, j, f) || clipsFromVideo(j) {
		return nil
	}
	const how = "clips are cut from a live camera's recording in segments, made for the cameras of a cameras file (-config) with -out-dir, or from a file's annotated video (-out or -out-dir)"
	switch {
	case name == "" && !source.IsLive(j.Source):
		return fmt.Errorf("%w: -clips: %s writes no annotated video to cut clips from: give -out FILE or -out-dir DIR", cliflag.ErrUsage, batch.Printable(j.Source))
	case name == "":
		return fmt.Errorf("%w: -clips: %s has no recording to cut clips from: %s", cliflag.ErrUsage, batch.Printable(j.Source), how)
	case !source.IsLive(j.Source):
		return fmt.Errorf("%w: -clips: camera %s is a file, not a live camera, and writes no annotated video to cut clips from (%s)", cliflag.ErrUsage, escape.Control(name), how)
	case j.Out != "":
		return fmt.Errorf("%w: -clips: camera %s writes its video to %s, not to a recording in segments to cut clips from (leave out its out:)", cliflag.ErrUsage, escape.Control(name), j.Out)
	default:
		return fmt.Errorf("%w: -clips: camera %s has no recording to cut clips from: -out-dir (or out_dir:) is missing; %s", cliflag.ErrUsage, escape.Control(name), how)
	}
}
