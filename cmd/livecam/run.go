package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/livecam/livecam/classify"
	"github.com/livecam/livecam/detect"
	"github.com/livecam/livecam/events"
	"github.com/livecam/livecam/internal/escape"
	"github.com/livecam/livecam/internal/outputs"
	"github.com/livecam/livecam/internal/redact"
	"github.com/livecam/livecam/internal/runctl"
	"github.com/livecam/livecam/internal/topicname"
	"github.com/livecam/livecam/models"
	"github.com/livecam/livecam/net/mobilenet"
	"github.com/livecam/livecam/overlay"
	"github.com/livecam/livecam/pipeline"
	"github.com/livecam/livecam/pipeline/stage"
	"github.com/livecam/livecam/prom"
	"github.com/livecam/livecam/report"
	"github.com/livecam/livecam/sink/mqtt"
	"github.com/livecam/livecam/sink/natsjs"
	"github.com/livecam/livecam/sink/outfile"
	"github.com/livecam/livecam/sink/progress"
	snapsink "github.com/livecam/livecam/sink/snapshot"
	"github.com/livecam/livecam/sink/video"
	"github.com/livecam/livecam/sink/window"
	"github.com/livecam/livecam/source"
	"github.com/livecam/livecam/timeline"
	"github.com/livecam/livecam/viewer"
)

// job is one source and the outputs made from it.
type job struct {
	source                          string
	out, results, eventsOut, report string
}

// runPipeline is livecam's main job: label one or more video sources. It
// parses the flags, builds the pipeline's parts and wires them; the stop
// policy is package runctl's.
func runPipeline(args []string, stdout, stderr io.Writer) error {
	fs, f := defineRunFlags(stdout, stderr)
	if err := fs.parse(args); err != nil {
		return err
	}
	f.sources = append(f.sources, fs.Args()...)
	cams, err := camerasOf(fs, f)
	if err != nil {
		return err
	}
	if len(f.sources) == 0 && cams == nil {
		return fmt.Errorf("%w: no source: give -source (a camera index, file, folder, URL or GStreamer pipeline) or -config; see livecam -h", errUsage)
	}
	if err := f.validate(); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	var jobs []job
	if cams != nil {
		err = checkCameraFlags(f)
	} else {
		jobs, err = planJobs(f)
	}
	if err != nil {
		return err
	}
	inputs := runInputs(jobs, cams)
	if stopProfile, err := startProfile(f.prof, inputs, f.overwrite, stderr); err != nil {
		return err
	} else if stopProfile != nil {
		defer stopProfile()
	}
	if !f.verbose {
		quietNativeLogs()
	}
	r, err := newRunner(fs, f, stdout, stderr)
	if err != nil {
		return err
	}
	r.showProgress = !f.quiet && (f.progress || progress.IsTerminal(stderr))
	r.inputs = inputs
	switch {
	case cams != nil:
		return r.runCameras(cams)
	case len(jobs) == 1 && f.outDir == "":
		return r.run(jobs[0])
	}
	return r.batch(jobs)
}

// newRunner loads -model, a classifier or a detector, and returns the
// runner of the run's jobs.
func newRunner(fs *flagSet, f *runFlags, stdout, stderr io.Writer) (*runner, error) {
	model, err := openModel(f.model, f.labels, "")
	if err != nil {
		return nil, err
	}
	r := &runner{f: f, model: model, stdout: stdout, stderr: stderr, modelName: model.Name, modelFiles: model.Files()}
	var labels *mobilenet.Labels
	if model.Task == models.Detect {
		if !isSet(fs, "min-score") {
			f.minScore = 0.5 // a detector's scores: below 0.5 is mostly noise
		}
		g, names := model.Graph, model.Labels
		if r.det, err = detect.NewModel(model, detect.Filter{}); err != nil {
			return nil, err
		}
		if err := r.det.CheckFilter(objectFilter(f)); err != nil {
			return nil, fmt.Errorf("%w: %v", errUsage, err)
		}
		r.kernels = g.KernelName()
		labels = &mobilenet.Labels{Names: names}
	} else {
		if err := onlyWithDetector(fs); err != nil {
			return nil, err
		}
		m := model.Classifier
		if r.results, err = resultOptions(m, f); err != nil {
			return nil, err
		}
		r.m, r.kernels, labels = m, m.KernelName(), m.Labels()
	}
	r.font, err = overlayFont(f.font, labels, stderr)
	return r, err
}

// resultOptions turns -topk, -min-score, -allow and -deny into the
// classes each result reports.
func resultOptions(m *mobilenet.Model, f *runFlags) (classify.Options, error) {
	opts := classify.Options{MaxResults: f.topk, MinScore: float32(f.minScore)}
	for _, spec := range f.allow {
		if _, err := classify.ParseClass(m.Labels(), spec); err != nil {
			return opts, fmt.Errorf("%w: -allow: %v", errUsage, err)
		}
		opts.Allow = append(opts.Allow, spec)
	}
	for _, spec := range f.deny {
		if _, err := classify.ParseClass(m.Labels(), spec); err != nil {
			return opts, fmt.Errorf("%w: -deny: %v", errUsage, err)
		}
		opts.Deny = append(opts.Deny, spec)
	}
	return opts, nil
}

// overlayFont loads -font, or warns when the labels use letters the
// default font lacks.
func overlayFont(path string, labels *mobilenet.Labels, stderr io.Writer) (*overlay.Font, error) {
	if path != "" {
		font, err := overlay.LoadFont(path)
		if err != nil {
			return nil, fmt.Errorf("%w: -font: %v", errUsage, err)
		}
		return font, nil
	}
	font := overlay.DefaultFont()
	for i := range labels.Len() {
		if r, missing := font.Missing(labels.Name(i)); missing {
			fmt.Fprintf(stderr, "livecam: warning: the labels use letters the overlay's font lacks (%q in %q); pass -font with a font that has them\n", r, labels.Name(i))
			break
		}
	}
	return font, nil
}

// runner runs jobs with one model and one set of settings.
type runner struct {
	f            *runFlags
	model        *models.Model    // the model, a classifier or a detector
	m            *mobilenet.Model // the classifier, or nil
	det          *detect.Model    // the detector, or nil
	modelName    string
	modelFiles   []string // the model's files: no output may be one
	kernels      string
	results      classify.Options
	font         *overlay.Font
	stdout       io.Writer
	stderr       io.Writer
	showProgress bool
	inBatch      bool // one of several sources: shorter messages
	// inputs are every source of the run (all of a batch's, every
	// camera's): no output may be one of them, -overwrite or not.
	inputs []string
	// scratch says the outputs are written in a folder that the caller
	// removes when the run fails, or moves them out of (a fleet job's
	// workspace): finish then names none of them, since they will not
	// be there.
	scratch bool
}

func (r *runner) logf(format string, a ...any) {
	fmt.Fprintf(r.stderr, "livecam: %s\n", escape.Control(fmt.Sprintf(format, a...))) // no name rewrites the terminal
}

// camRun is one source's pipeline, prepared, and what finishing its run
// needs.
type camRun struct {
	name     string // the camera's name (multi-camera runs), "" otherwise
	j        job
	info     pipeline.SourceInfo
	f        *runFlags
	p        *pipeline.Pipeline
	src      pipeline.Source
	out      *outputs.Set      // its outputs: their fate is decided in finish
	sinks    []pipeline.Sink   // the sinks that are not outputs (window, viewer, bar...)
	story    *timeline.Builder // out's stories
	objStory *timeline.Objects // a detector's story
	bar      *progress.Bar
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
func (r *runner) prepare(name string, j job, f *runFlags, results classify.Options, sh shared) (*camRun, error) {
	plan := outputs.Plan{Video: j.out, Results: j.results, Events: j.eventsOut, Report: j.report,
		Encoding: video.Encoding{Codec: f.codec, Quality: f.quality}, Overwrite: f.overwrite,
		Inputs: append(append([]string{j.source, f.labels}, r.modelFiles...), r.inputs...)}
	if err := plan.Check(); err != nil {
		return nil, withHint(err)
	}
	c := &camRun{name: name, j: j, f: f}
	c.logf = func(format string, a ...any) {
		c.bar.Clear()
		if name != "" {
			format = strings.ReplaceAll(escape.Control(name), "%", "%%") + ": " + format
		}
		r.logf(format, a...)
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
	fmt.Fprintf(r.stderr, "livecam: %s%s (%dx%d, %.3g fps) with %s, %s\n", label, printable(info.Name), info.Width, info.Height, info.FPS, r.modelName, mode)
	return c, nil
}

// openOutputs connects the brokers of camera c (a connection of its own,
// or, with several cameras, the shared one's publisher for it; the
// caller closes the connections once every camera has ended), makes its
// snapshots' folder and opens its outputs.
func (r *runner) openOutputs(c *camRun, plan outputs.Plan, sh shared) (*outputs.Set, error) {
	f, name := c.f, c.name
	camera := orDefault(name, outputBase(c.j.source))
	var pubs []outputs.Publisher
	var err error
	if f.mqtt != "" {
		if sh.mqtt != nil {
			pubs = append(pubs, outputs.Publisher{Publisher: sh.publisher("mqtt", name, func() pipeline.Publisher { return sh.mqtt.Camera(name) }), Results: f.mqttResults})
		} else {
			if c.mqtt, err = connectMQTT(f, camera, r.logf); err != nil {
				return nil, err
			}
			pubs = append(pubs, outputs.Publisher{Publisher: c.mqtt, Results: f.mqttResults})
		}
	}
	if f.nats != "" {
		if sh.nats != nil {
			pubs = append(pubs, outputs.Publisher{Publisher: sh.publisher("nats", name, func() pipeline.Publisher { return sh.nats.Camera(name) }), Results: f.natsResults})
		} else {
			if c.nats, err = natsjs.Connect(natsjs.Options{URL: f.nats, NATS: f.natsAuth.options(f.nats), Camera: natsSubjectName(camera), Logf: r.logf}); err != nil {
				return nil, err
			}
			pubs = append(pubs, outputs.Publisher{Publisher: c.nats, Results: f.natsResults})
		}
	}
	opts := outputs.Options{Camera: camera, Name: name, Publishers: pubs, Detector: r.det != nil, Logf: c.logf, Hint: withHint,
		Story: timeline.Options{MinDuration: f.merge, MinScore: float32(f.threshold)}}
	if !f.quiet {
		opts.Summary = r.stderr
	}
	if r.det != nil && f.det.snapshots != "" {
		if opts.Snapshots, err = snapsink.New(f.det.snapshots, camera, "", r.logf); err != nil {
			return nil, fmt.Errorf("-snapshots: %v", err)
		}
	}
	return outputs.Open(plan, opts)
}

// openCamera opens c's source and the sinks that are not outputs: the
// window, the viewer's camera, the sinks every camera shares and the
// progress bar.
func (r *runner) openCamera(c *camRun, sh shared) error {
	if c.f.display {
		d, err := window.New("livecam")
		if err != nil {
			return fmt.Errorf("-display: %v; use -out, -results or -serve instead", err)
		}
		c.sinks = append(c.sinks, d)
	}
	src, err := source.Open(c.j.source, source.Options{Realtime: c.f.realtime, Loop: c.f.loop})
	if err != nil {
		return err
	}
	c.src, c.info = src, src.Info()
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
func (r *runner) newPipeline(c *camRun, results classify.Options, sh shared) error {
	f := c.f
	var stages []pipeline.Stage
	if f.smooth > 0 {
		st, err := stage.Smooth(f.smooth)
		if err != nil {
			return err
		}
		stages = append(stages, st)
	}
	if c.j.out != "" || f.display || sh.view != nil {
		stages = append(stages, stage.Overlay(&overlay.Options{Threshold: float32(f.threshold), Font: r.font}))
	}
	cfg := pipeline.Config{
		Source: c.src, Model: r.model, Workers: f.workers, Threads: f.threads, Pool: sh.pool,
		Gate: stage.All(stage.Every(f.every), stage.MaxRate(f.maxFPS)), Classes: results,
		Stages: stages, Sinks: append(slices.Clip(c.out.Sinks()), c.sinks...), Logf: c.logf, Reconnect: f.reconnect,
		OnEvent: c.out.OnEvent(), Events: events.Options{Enter: float32(f.enter), Leave: float32(f.leave), MinDuration: f.minDur, Cooldown: f.cooldown},
	}
	if r.det != nil {
		if err := r.detectorConfig(&cfg, f, c.out); err != nil {
			return err
		}
	}
	if f.verbose {
		cfg.StatsEvery = 5 * time.Second
	}
	var err error
	if c.p, err = pipeline.New(cfg); err != nil {
		return err
	}
	if sh.metrics != nil {
		metric := orDefault(c.name, outputBase(c.j.source))
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
func (r *runner) listenViewer() (*viewer.Server, *prom.Collector, error) {
	f := r.f
	if !viewer.IsLoopback(f.serve) {
		fmt.Fprintf(r.stderr, "livecam: warning: -serve %s is reachable from other machines", f.serve)
		if f.serveToken == "" {
			fmt.Fprint(r.stderr, " and has no -serve-token: anyone who can reach it sees the stream")
		}
		fmt.Fprintln(r.stderr)
	}
	metrics := prom.NewCollector(prom.Info{Model: r.modelName, Kernels: r.kernels})
	view, err := viewer.Listen(viewer.Options{Addr: f.serve, Token: f.serveToken, MaxViewers: f.maxViewers, Model: r.modelName,
		AllowedHosts: splitList(f.serveHosts), Metrics: prom.Handler(metrics)})
	if err != nil {
		return nil, nil, err
	}
	fmt.Fprintf(r.stderr, "livecam: viewer at %s\n", view.URL())
	return view, metrics, nil
}

// run runs one job: the pipeline from its source to its outputs, then the
// summary of what was seen and the report.
func (r *runner) run(j job) (result error) {
	var sh shared
	if r.f.serve != "" {
		view, metrics, err := r.listenViewer()
		if err != nil {
			return err
		}
		sh.view, sh.metrics = view, metrics
	}
	c, err := r.prepare("", j, r.f, r.results, sh)
	if err != nil {
		if sh.view != nil {
			sh.view.Close()
		}
		return err
	}
	defer func() {
		var errs []error
		if c.mqtt != nil {
			errs = append(errs, c.mqtt.Close())
		}
		if c.nats != nil {
			errs = append(errs, c.nats.Close())
		}
		// Messages a broker never took: the run did not do all it
		// was asked, and does not end as if it had.
		result = errors.Join(result, errors.Join(errs...))
	}()
	ctx, ctl := runctl.Start(context.Background(), runctl.Options{Logf: c.logf})
	runErr := c.p.Run(ctx)
	defer ctl.Finishing()() // a signal while the reports are written lets them finish
	return r.finish(c, runErr, ctl.Interrupted())
}

// finish reports how one camera's run went: its statistics, the frames
// written, the story of what was seen, then its report. What becomes of
// the outputs is outputs.Set.Finish's to decide: a whole run's move into
// place; a run that failed, or a file source that a stop signal cut
// short, keeps them under their partial names and returns an error (a
// *runctl.StopError for a signal), so that nothing cut short passes for
// whole. A live source stopped by a signal has no "whole": its recording
// is committed.
func (r *runner) finish(c *camRun, runErr error, interrupted bool) error {
	f := c.f
	c.bar.Finish(runErr == nil && !interrupted)
	s := c.p.Metrics().Snapshot()
	if (!r.inBatch && c.name == "") || f.verbose {
		var sb strings.Builder
		s.Write(&sb)
		fmt.Fprint(r.stderr, sb.String())
	}
	warning, err := runctl.Outcome(runErr, s.Out)
	if warning != nil {
		c.logf("warning: %s", escape.Control(warning.Error()))
	}
	short := ""
	if interrupted {
		short = outputs.CutShort(c.j.source, c.info, f.loop, s.In, c.out.Last())
	}
	_, err = c.out.Finish(outputs.Outcome{Err: err, CutShort: short, Interrupted: interrupted, Scratch: r.scratch, Settings: r.settings(c.j, f)})
	return err
}

// settings lists the run's settings for the report.
func (r *runner) settings(j job, f *runFlags) []report.Setting {
	s := []report.Setting{
		{Name: "source", Value: redact.URL(j.source)}, {Name: "model", Value: r.modelName},
		{Name: "classes per frame", Value: fmt.Sprint(f.topk)},
		{Name: "classify every", Value: fmt.Sprintf("%d frame(s)", f.every)},
		{Name: "threshold", Value: fmt.Sprint(f.threshold)},
		{Name: "merge", Value: f.merge.String()},
		{Name: "kernels", Value: r.kernels},
	}
	if f.minScore > 0 {
		s = append(s, report.Setting{Name: "min score", Value: fmt.Sprint(f.minScore)})
	}
	if f.smooth > 0 {
		s = append(s, report.Setting{Name: "smoothing", Value: fmt.Sprint(f.smooth)})
	}
	if len(f.allow) > 0 {
		s = append(s, report.Setting{Name: "allow", Value: strings.Join(f.allow, ", ")})
	}
	if len(f.deny) > 0 {
		s = append(s, report.Setting{Name: "deny", Value: strings.Join(f.deny, ", ")})
	}
	if j.out != "" {
		s = append(s, report.Setting{Name: "video", Value: fmt.Sprintf("%s (%s, quality %s)", j.out, orDefault(f.codec, "codec of the extension"), f.quality)})
	}
	return s
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// maxWorkers bounds -workers and -threads: each worker holds a runner's
// scratch memory (about 4 MB), and more than this many gains nothing.
const maxWorkers = 64

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

// withHint adds the flag that would allow replacing an existing output,
// once (an error already hinted is returned as it is); an output that is
// an input gets no hint: no flag allows that.
func withHint(err error) error {
	var h hinted
	if errors.Is(err, outfile.ErrExists) && !errors.Is(err, outfile.ErrIsInput) && !errors.As(err, &h) {
		return hinted{err}
	}
	return err
}

// hinted is an error with withHint's hint added.
type hinted struct{ err error }

func (h hinted) Error() string { return h.err.Error() + "; pass -overwrite to replace it" }
func (h hinted) Unwrap() error { return h.err }

// natsSubjectName makes a camera's name fit a NATS subject token: the
// rule MQTT topics and Home Assistant ids follow too (topicname.Safe).
func natsSubjectName(name string) string { return topicname.Safe(name) }

// connectMQTT connects the -mqtt publisher for one camera; the password
// comes from -mqtt-password-file or $LIVECAM_MQTT_PASSWORD, never from
// the command line (which other users can read).
func connectMQTT(f *runFlags, camera string, logf func(string, ...any)) (*mqtt.Publisher, error) {
	password := os.Getenv("LIVECAM_MQTT_PASSWORD")
	if f.mqttPasswordFile != "" {
		b, err := os.ReadFile(f.mqttPasswordFile)
		if err != nil {
			return nil, fmt.Errorf("-mqtt-password-file: %v", err)
		}
		password = strings.TrimSpace(string(b))
	}
	opts := mqtt.Options{Broker: f.mqtt, Prefix: f.mqttPrefix, Camera: camera, Username: f.mqttUser, Password: password, Discovery: f.mqttDiscovery, Logf: logf}
	if f.mqttCA != "" || f.mqttCert != "" || f.mqttKey != "" {
		cfg, err := mqtt.TLSConfig(f.mqttCA, f.mqttCert, f.mqttKey)
		if err != nil {
			return nil, err
		}
		opts.TLS = cfg
	}
	return mqtt.Connect(opts)
}
