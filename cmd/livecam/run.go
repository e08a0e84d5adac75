package main

import (
	"context"
	"errors"
	"flag"
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
	"github.com/livecam/livecam/sink/jsonl"
	"github.com/livecam/livecam/sink/mqtt"
	"github.com/livecam/livecam/sink/natsjs"
	"github.com/livecam/livecam/sink/outfile"
	"github.com/livecam/livecam/sink/progress"
	"github.com/livecam/livecam/sink/video"
	"github.com/livecam/livecam/sink/window"
	"github.com/livecam/livecam/source"
	"github.com/livecam/livecam/timeline"
	"github.com/livecam/livecam/viewer"
	"github.com/livecam/livecam/wire"
)

// runFlags are the main job's settings, as parsed.
type runFlags struct {
	sources                          []string
	model, labels, font              string
	out, outDir, results, eventsOut  string
	report, codec, quality           string
	overwrite, display, realtime     bool
	loop, verbose, progress, quiet   bool
	serve, serveToken, serveHosts    string
	maxViewers, every, topk, workers int
	threads                          int
	maxFPS, minScore, enter, leave   float64
	smooth, threshold                float64
	minDur, cooldown, reconnect      time.Duration
	merge                            time.Duration
	allow, deny                      []string
	prof                             string
	mqtt, mqttPrefix, mqttUser       string
	mqttPasswordFile, mqttDiscovery  string
	mqttCA, mqttCert, mqttKey        string
	mqttResults, natsResults         bool
	nats                             string
	natsAuth                         natsAuthFlags // -nats-user, -nats-creds...: natsflags.go
	config                           string
	det                              detectFlags // -zone, -snapshots...: detectrun.go
}

// defineRunFlags declares the main job's flags, in the groups -h shows.
func defineRunFlags(stdout, stderr io.Writer) (*flagSet, *runFlags) {
	fs := newFlags("", "[SOURCE...]", stdout, stderr)
	f := &runFlags{}
	fs.multi("source", "camera index, video file, folder of videos, glob, stream URL or GStreamer pipeline: the `SRC` to label (repeatable; sources may also follow the flags)", func(v string) error { f.sources = append(f.sources, v); return nil })
	fs.BoolVar(&f.realtime, "realtime", false, "pace a video file at its own frame rate and run live (drop stale frames)")
	fs.BoolVar(&f.loop, "loop", false, "play a video file again from the start when it ends, until interrupted")
	fs.DurationVar(&f.reconnect, "reconnect", 10*time.Second, "reopen a lost camera or stream, backing off up to this interval between attempts (0: stop instead; at most 1h)")
	fs.Float64Var(&f.maxFPS, "fps", 0, "at most N forward passes per second (0: no cap; at most 1000)")
	fs.IntVar(&f.every, "every", 1, "classify every K-th frame, carrying the result to the frames between")

	fs.StringVar(&f.model, "model", "", modelFlagHelp)
	fs.StringVar(&f.labels, "labels", "", "labels `FILE` (metadata.json, index/wnid/label TSV, or one per line)")
	fs.IntVar(&f.workers, "workers", 0, fmt.Sprintf("inference workers (0: one per core, at most %d)", maxWorkers))
	fs.IntVar(&f.threads, "threads", 1, fmt.Sprintf("threads per forward pass (1-%d)", maxWorkers))

	fs.StringVar(&f.out, "out", "", "write the annotated video to `FILE` (.mp4, .mov, .m4v, .mkv: H.264; .webm: VP9; .avi: Motion JPEG)")
	fs.StringVar(&f.outDir, "out-dir", "", "for each source, write NAME.mp4 (annotated), NAME.jsonl (results) and NAME.html (report) into `DIR`")
	fs.StringVar(&f.results, "results", "", "write one JSON line per frame to `FILE` (- for standard output)")
	fs.StringVar(&f.eventsOut, "events", "", "write one JSON line per \"label entered / left\" event to `FILE` (- for standard output)")
	fs.StringVar(&f.report, "report", "", "write an HTML report of the run to `FILE` (needs -results FILE)")
	fs.StringVar(&f.codec, "codec", "", "video codec: "+strings.Join(video.Codecs, ", ")+" (default: the extension's)")
	fs.StringVar(&f.quality, "quality", "medium", "video quality: "+strings.Join(video.Qualities, ", "))
	fs.BoolVar(&f.overwrite, "overwrite", false, "replace output files that exist (default: refuse)")

	fs.IntVar(&f.topk, "topk", 3, fmt.Sprintf("classes per frame (1-%d)", maxTopK))
	fs.Float64Var(&f.minScore, "min-score", 0, "leave out classes scoring below P (0-1) from results, events and the overlay")
	fs.multi("allow", "report only this `CLASS`: an index, a WordNet id or a label's first name (repeatable)", func(v string) error { f.allow = append(f.allow, v); return nil })
	fs.multi("deny", "never report this `CLASS` (repeatable; same forms as -allow)", func(v string) error { f.deny = append(f.deny, v); return nil })
	fs.Float64Var(&f.smooth, "smooth", 0, "weight of the newest frame in a moving average of the probabilities (0: off; at most 1)")
	fs.Float64Var(&f.enter, "event-enter", 0.5, "score at which a class enters (-events)")
	fs.Float64Var(&f.leave, "event-leave", 0.3, "score below which an entered class leaves (-events; at most -event-enter)")
	fs.DurationVar(&f.minDur, "event-min", 0, "how long a class must stay before it has entered (-events)")
	fs.DurationVar(&f.cooldown, "event-cooldown", 0, "how long after leaving a class cannot enter again (-events)")
	fs.DurationVar(&f.merge, "merge", time.Second, "in the end summary and report, merge label changes shorter than this into their neighbours")

	fs.BoolVar(&f.display, "display", false, "show the annotated stream in a window (needs a display)")
	fs.StringVar(&f.serve, "serve", "", "serve the annotated stream and labels over HTTP on `ADDR` (e.g. 127.0.0.1:8080), with /healthz and Prometheus /metrics")
	fs.StringVar(&f.serveToken, "serve-token", os.Getenv("LIVECAM_SERVE_TOKEN"), "bearer token the viewer requires (default $LIVECAM_SERVE_TOKEN)")
	fs.IntVar(&f.maxViewers, "serve-max-viewers", 4, "simultaneous viewers of -serve (1-100)")
	fs.StringVar(&f.serveHosts, "serve-host", "", "comma-separated host names the viewer answers to without a token, besides IP addresses and localhost")
	fs.Float64Var(&f.threshold, "threshold", 0.2, "below this top score (0-1) the overlay says it is not sure, and the summary counts the time as unsure")
	fs.StringVar(&f.mqtt, "mqtt", "", "publish the current label and the events to the MQTT broker at `URL` (mqtt://HOST:PORT or mqtts://)")
	fs.StringVar(&f.mqttPrefix, "mqtt-prefix", "livecam", "first part of every MQTT topic")
	fs.StringVar(&f.mqttUser, "mqtt-user", "", "MQTT user name (the password comes from $LIVECAM_MQTT_PASSWORD or -mqtt-password-file)")
	fs.StringVar(&f.mqttPasswordFile, "mqtt-password-file", "", "read the MQTT password from `FILE`")
	fs.StringVar(&f.mqttDiscovery, "mqtt-discovery", "", "announce the camera's label to Home Assistant under this discovery `PREFIX` (usually homeassistant)")
	fs.BoolVar(&f.mqttResults, "mqtt-results", false, "also publish every frame's result to PREFIX/CAMERA/results (QoS 0)")
	fs.StringVar(&f.mqttCA, "mqtt-ca", "", "for mqtts://, trust the broker's certificate if this CA `FILE` (PEM) signed it (default: the system's roots)")
	fs.StringVar(&f.mqttCert, "mqtt-cert", "", "for mqtts://, the client certificate `FILE` (PEM) brokers that ask for one get (with -mqtt-key)")
	fs.StringVar(&f.mqttKey, "mqtt-key", "", "the client certificate's key `FILE` (PEM)")
	fs.StringVar(&f.nats, "nats", "", "publish the current label and the events to NATS JetStream at `URL` (stream LIVECAM_CAMERAS, subjects livecam.cameras.CAMERA.*)")
	fs.BoolVar(&f.natsResults, "nats-results", false, "also publish every frame's result to livecam.cameras.CAMERA.results")
	f.natsAuth.define(fs)
	f.det.define(fs)
	fs.StringVar(&f.config, "config", "", "run the cameras listed in this YAML `FILE` (see README: many cameras)")
	fs.StringVar(&f.font, "font", "", "TrueType or OpenType font `FILE` for the overlay (default: Go Regular; labels in Chinese need e.g. DroidSansFallbackFull.ttf)")

	fs.BoolVar(&f.progress, "progress", false, "show the progress bar even when standard error is not a terminal")
	fs.BoolVar(&f.quiet, "quiet", false, "no progress bar and no end summary")
	fs.BoolVar(&f.verbose, "v", false, "print statistics every few seconds, and OpenCV's and FFmpeg's own messages")
	fs.StringVar(&f.prof, "profile", "", "profile the run: cpu, mem, block, mutex or trace (written to the current directory)")

	fs.group("input", "source", "config", "realtime", "loop", "reconnect", "fps", "every")
	fs.group("model", "model", "labels")
	fs.group("output", "out", "out-dir", "results", "events", "report", "codec", "quality", "overwrite")
	fs.group("results", "topk", "min-score", "allow", "deny", "smooth", "merge", "event-enter", "event-leave", "event-min", "event-cooldown")
	fs.group("detection (with -model coco_ssd_mobilenet_v1; -min-score, -allow and -deny filter its objects by label)", detectFlagNames...)
	fs.group("viewer", "display", "serve", "serve-token", "serve-max-viewers", "serve-host", "threshold", "font")
	fs.group("MQTT and NATS", "mqtt", "mqtt-prefix", "mqtt-user", "mqtt-password-file", "mqtt-discovery", "mqtt-results", "mqtt-ca", "mqtt-cert", "mqtt-key", "nats", "nats-results")
	fs.group("NATS credentials (secrets from files or the environment, never the URL)", natsAuthFlagNames...)
	fs.group("tuning", "workers", "threads")
	fs.group("progress and diagnostics", "progress", "quiet", "v", "profile")
	return fs, f
}

// validate checks the values of f, one flag at a time.
func (f *runFlags) validate() error {
	err := firstError(
		intIn("every", f.every, 1, 1_000_000),
		floatIn("fps", f.maxFPS, 0, 1000),
		intIn("topk", f.topk, 1, maxTopK),
		floatIn("min-score", f.minScore, 0, 1),
		floatIn("event-enter", f.enter, 0, 1),
		floatIn("event-leave", f.leave, 0, f.enter),
		durationIn("event-min", f.minDur, 0, 24*time.Hour),
		durationIn("event-cooldown", f.cooldown, 0, 24*time.Hour),
		durationIn("merge", f.merge, 0, 24*time.Hour),
		intIn("workers", f.workers, 0, maxWorkers),
		intIn("threads", f.threads, 1, maxWorkers),
		floatIn("smooth", f.smooth, 0, 1),
		floatIn("threshold", f.threshold, 0, 1),
		intIn("serve-max-viewers", f.maxViewers, 1, 100),
		durationIn("reconnect", f.reconnect, 0, time.Hour),
		f.det.validate(),
	)
	if err != nil {
		return err
	}
	if f.codec != "" && !slices.Contains(video.Codecs, f.codec) {
		return fmt.Errorf("-codec %q: want %s", f.codec, strings.Join(video.Codecs, ", "))
	}
	if !slices.Contains(video.Qualities, f.quality) {
		return fmt.Errorf("-quality %q: want %s", f.quality, strings.Join(video.Qualities, ", "))
	}
	if f.results == "-" && f.eventsOut == "-" {
		return errors.New("-results and -events cannot both be standard output")
	}
	if f.report != "" && (f.results == "" || f.results == "-") {
		return errors.New("-report needs -results FILE (the report is made from the results file)")
	}
	if f.progress && f.quiet {
		return errors.New("-progress and -quiet contradict each other")
	}
	return nil
}

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

// isSet reports whether flag name was given.
func isSet(fs *flagSet, name string) bool {
	set := false
	fs.Visit(func(fl *flag.Flag) { set = set || fl.Name == name })
	return set
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
	vid      *video.Sink
	story    *timeline.Builder
	objStory *timeline.Objects // a detector's story
	objFrame []timeline.Object // objStory's input, reused
	bar      *progress.Bar
	logf     func(format string, a ...any)
	mqtt     *mqtt.Publisher   // closed by the caller, after the run
	nats     *natsjs.Publisher // likewise
	closeAll func()            // closes the outputs of a pipeline that never ran
	// group holds the finished output files until finish knows whether
	// the run is whole (they move into place) or not (they keep their
	// partial names).
	group *outfile.Group
	last  time.Duration // the PTS of the last frame delivered
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
	var targets []outfile.Target
	for _, t := range []outfile.Target{{Path: j.out, Flag: "-out"}, {Path: j.results, Flag: "-results"}, {Path: j.eventsOut, Flag: "-events"}, {Path: j.report, Flag: "-report"}} {
		if t.Path != "" && t.Path != "-" {
			targets = append(targets, t)
		}
	}
	inputs := append([]string{j.source, f.labels}, r.modelFiles...)
	inputs = append(inputs, r.inputs...)
	if err := outfile.Check(inputs, targets, f.overwrite); err != nil {
		return nil, withHint(err)
	}
	c := &camRun{name: name, j: j, f: f, group: &outfile.Group{}}
	var sinks []pipeline.Sink
	c.closeAll = func() {
		for _, s := range sinks {
			s.Close()
		}
		if c.mqtt != nil {
			c.mqtt.Close()
		}
		if c.nats != nil {
			c.nats.Close()
		}
	}
	fail := func(err error) (*camRun, error) {
		c.closeAll()
		return nil, err
	}
	fileOpts := outfile.Options{Overwrite: f.overwrite, Group: c.group}
	var err error
	if j.out != "" {
		if c.vid, err = video.CreateWith(j.out, video.Encoding{Codec: f.codec, Quality: f.quality}, fileOpts); err != nil {
			return fail(withHint(err))
		}
		sinks = append(sinks, c.vid)
	}
	if j.results != "" {
		w, err := jsonl.Create(j.results, fileOpts)
		if err != nil {
			return fail(withHint(err))
		}
		sinks = append(sinks, jsonl.NewResults(w))
	}
	var eventSinks []func(events.Event)
	// Brokers: a connection of this run's own, or, with several cameras,
	// the shared one's publisher for this camera. The connections are
	// closed by the caller once every camera has ended.
	type publisher struct {
		pub     pipeline.Publisher
		results bool
	}
	var pubs []publisher
	camera := name
	if camera == "" {
		camera = outputBase(j.source)
	}
	if f.mqtt != "" {
		if sh.mqtt != nil {
			pubs = append(pubs, publisher{sh.publisher("mqtt", name, func() pipeline.Publisher { return sh.mqtt.Camera(name) }), f.mqttResults})
		} else {
			if c.mqtt, err = connectMQTT(f, camera, r.logf); err != nil {
				return fail(err)
			}
			pubs = append(pubs, publisher{c.mqtt, f.mqttResults})
		}
	}
	if f.nats != "" {
		if sh.nats != nil {
			pubs = append(pubs, publisher{sh.publisher("nats", name, func() pipeline.Publisher { return sh.nats.Camera(name) }), f.natsResults})
		} else {
			if c.nats, err = natsjs.Connect(natsjs.Options{URL: f.nats, NATS: f.natsAuth.options(f.nats), Camera: natsSubjectName(camera), Logf: r.logf}); err != nil {
				return fail(err)
			}
			pubs = append(pubs, publisher{c.nats, f.natsResults})
		}
	}
	for _, p := range pubs {
		sinks = append(sinks, pipeline.SinkFunc(p.pub.Write))
		eventSinks = append(eventSinks, p.pub.Event)
		if p.results {
			sinks = append(sinks, pipeline.SinkFunc(p.pub.Result))
		}
	}
	var onEvent func(events.Event)
	var objEvents *objectEvents
	if r.det != nil {
		objEvents = &objectEvents{camera: camera, logf: r.logf}
		for _, p := range pubs {
			if op, ok := p.pub.(pipeline.ObjectPublisher); ok {
				objEvents.pubs = append(objEvents.pubs, op)
			}
		}
		if f.det.snapshots != "" {
			if err := os.MkdirAll(f.det.snapshots, 0o755); err != nil {
				return fail(fmt.Errorf("-snapshots: %v", err))
			}
			objEvents.snaps = &snapshots{dir: f.det.snapshots, camera: topicname.Safe(camera), logf: r.logf, best: map[int][]byte{},
				run: time.Now().UTC().Format("20060102T150405.000")}
		}
		eventSinks = nil // a detector's events are per object
		if j.eventsOut != "" {
			if objEvents.w, err = jsonl.Create(j.eventsOut, fileOpts); err != nil {
				return fail(withHint(err))
			}
		}
		sinks = append(sinks, objEvents) // closed after the run's last event
	} else if j.eventsOut != "" {
		w, err := jsonl.Create(j.eventsOut, fileOpts)
		if err != nil {
			return fail(withHint(err))
		}
		ev := &eventSink{w: w, logf: r.logf}
		eventSinks = append(eventSinks, ev.event)
		sinks = append(sinks, ev) // closed after the run's last event
	}
	if len(eventSinks) > 0 {
		onEvent = func(e events.Event) {
			for _, send := range eventSinks {
				send(e)
			}
		}
	}
	if f.display {
		d, err := window.New("livecam")
		if err != nil {
			return fail(fmt.Errorf("-display: %v; use -out, -results or -serve instead", err))
		}
		sinks = append(sinks, d)
	}
	src, err := source.Open(j.source, source.Options{Realtime: f.realtime, Loop: f.loop})
	if err != nil {
		return fail(err)
	}
	info := src.Info()
	c.info = info
	// The viewer's camera only once the source is open: a camera away at
	// the start stays "no frame yet" there, not "ended".
	if sh.view != nil {
		if name == "" {
			sinks = append(sinks, sh.view)
		} else {
			cam, err := sh.viewCamera(name)
			if err != nil {
				src.Close()
				return fail(err)
			}
			sinks = append(sinks, cam)
		}
	}
	sinks = append(sinks, sh.sinks...)
	// The story of the run: the best label of every frame.
	c.story = timeline.New(timeline.Options{MinDuration: f.merge, MinScore: float32(f.threshold)})
	if r.det != nil {
		c.objStory = timeline.NewObjects(timeline.Options{MinDuration: f.merge})
	}
	sinks = append(sinks, pipeline.SinkFunc(func(o *pipeline.Output) error {
		c.last = o.Result.PTS
		if o.Result.Detection() {
			// A detector's story: what was in view, label by label.
			c.objStory.Add(o.Result.PTS, c.objStoryFrame(o.Result.Objects()))
			return nil
		}
		if top := o.Result.Top(); len(top) > 0 {
			c.story.Add(o.Result.PTS, top[0].Class, top[0].Label, top[0].Score)
		} else {
			c.story.Add(o.Result.PTS, timeline.Unsure, "", 0)
		}
		return nil
	}))
	if r.showProgress {
		c.bar = progress.New(r.stderr, info)
		sinks = append(sinks, c.bar)
	}
	c.logf = func(format string, a ...any) {
		c.bar.Clear()
		if name != "" {
			format = strings.ReplaceAll(escape.Control(name), "%", "%%") + ": " + format
		}
		r.logf(format, a...)
	}
	var stages []pipeline.Stage
	if f.smooth > 0 {
		st, err := stage.Smooth(f.smooth)
		if err != nil {
			src.Close()
			return fail(err)
		}
		stages = append(stages, st)
	}
	if c.vid != nil || f.display || sh.view != nil {
		stages = append(stages, stage.Overlay(&overlay.Options{Threshold: float32(f.threshold), Font: r.font}))
	}
	cfg := pipeline.Config{
		Source: src, Model: r.model, Workers: f.workers, Threads: f.threads, Pool: sh.pool,
		Gate: stage.All(stage.Every(f.every), stage.MaxRate(f.maxFPS)), Classes: results,
		Stages: stages, Sinks: sinks, Logf: c.logf, Reconnect: f.reconnect,
		OnEvent: onEvent, Events: events.Options{Enter: float32(f.enter), Leave: float32(f.leave), MinDuration: f.minDur, Cooldown: f.cooldown},
	}
	if r.det != nil {
		if err := r.detectorConfig(&cfg, f, objEvents); err != nil {
			src.Close()
			return fail(err)
		}
	}
	if f.verbose {
		cfg.StatsEvery = 5 * time.Second
	}
	if c.p, err = pipeline.New(cfg); err != nil {
		src.Close()
		return fail(err)
	}
	if sh.metrics != nil {
		metric := name
		if metric == "" {
			metric = outputBase(j.source)
		}
		sh.metrics.Add(metric, c.p.Metrics())
		if objEvents != nil {
			objEvents.metrics = sh.metrics.Objects(metric)
		}
	}
	mode := "file mode: every frame"
	if c.p.Live() {
		mode = "live mode: stale frames dropped"
	}
	label := ""
	if name != "" {
		label = escape.Control(name) + ": "
	}
	fmt.Fprintf(r.stderr, "livecam: %s%s (%dx%d, %.3g fps) with %s, %s\n", label, printable(info.Name), info.Width, info.Height, info.FPS, r.modelName, mode)
	return c, nil
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
// written, the story of what was seen, then its report. It decides what
// becomes of the outputs: a whole run's move into place; a run that
// failed, or a file source that a stop signal cut short, keeps them under
// their partial names (see package outfile), says where, and returns an
// error (a *runctl.StopError for a signal), so that nothing cut short passes for
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
	short := c.cutShort(interrupted, s)
	var kept []string
	videoAt := c.j.out
	if err != nil || short != "" {
		videoAt = orDefault(c.group.Partial(c.j.out), c.j.out)
		resultsAt := c.group.Partial(c.j.results)
		for _, p := range c.group.Keep() {
			if p == videoAt && c.vid.Frames() == 0 {
				os.Remove(p) // a video of no frame holds nothing
				continue
			}
			kept = append(kept, p)
		}
		if err == nil && c.j.report != "" && slices.Contains(kept, resultsAt) {
			// The report of what was labelled, beside the partial
			// results, saying where the run stopped.
			page := partialReportName(c.j.report, resultsAt)
			settings := append(r.settings(c.j, f), report.Setting{Name: "stopped", Value: short + " by a signal: this is not the whole video"})
			if rerr := writeReport(resultsAt, videoAt, page, false, settings, f.merge, float32(f.threshold)); rerr != nil {
				c.logf("warning: no report of the part labelled: %v", rerr)
			} else {
				kept = append(kept, page)
			}
		}
	} else if cerr := c.group.Commit(); cerr != nil {
		err = cerr
	}
	// A message names only files that are there, and stay there.
	if c.vid != nil {
		if _, serr := os.Stat(videoAt); serr != nil && c.vid.Frames() == 0 {
			c.logf("wrote no frame: no video was made")
		} else if r.scratch {
			c.logf("wrote %d frames", c.vid.Frames())
		} else {
			c.logf("wrote %d frames to %s", c.vid.Frames(), escape.Control(videoAt))
		}
	}
	if segs := c.story.Segments(); !f.quiet && c.story.Frames() > 0 {
		writeStory(r.stderr, c.name, segs, f.merge)
	}
	if b := c.objStory; b != nil && !f.quiet && b.Frames() > 0 {
		writeObjectStory(r.stderr, c.name, b)
	}
	if err != nil {
		if len(kept) > 0 && !r.scratch {
			c.logf("the outputs keep their partial names (not whole): %s", quotedList(kept))
		}
		if isDiskFull(err) {
			return &runctl.DiskFullError{Err: err}
		}
		return err
	}
	if short != "" {
		what := "nothing was written"
		if r.scratch {
			what = "the outputs are not kept"
		} else if len(kept) > 0 {
			what = "the outputs keep their partial names (not whole): " + quotedList(kept)
		}
		c.logf("stopped %s by a signal; %s", short, what)
		return &runctl.StopError{At: short}
	}
	if interrupted && c.name == "" {
		c.logf("stopped by signal; outputs are complete")
	}
	if c.j.report != "" {
		if err := writeReport(c.j.results, c.j.out, c.j.report, f.overwrite, r.settings(c.j, f), f.merge, float32(f.threshold)); err != nil {
			return err
		}
		c.logf("report in %s", escape.Control(c.j.report))
	}
	return nil
}

// maxStoryLines bounds the end summary; the report has every segment.
const maxStoryLines = 40

// writeStory prints what was seen, as segments.
func writeStory(w io.Writer, camera string, segs []timeline.Segment, merge time.Duration) {
	if camera != "" {
		camera = escape.Control(camera) + ": "
	}
	fmt.Fprintf(w, "livecam: %swhat was seen (best label; changes shorter than %v merged):\n", camera, merge)
	shown := segs
	if len(shown) > maxStoryLines {
		shown = shown[:maxStoryLines]
	}
	timeline.Write(w, shown)
	if len(segs) > len(shown) {
		fmt.Fprintf(w, "  ... and %d more segments (-report FILE lists them all)\n", len(segs)-len(shown))
	}
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
	e.line = append(wire.AppendEvent(e.line[:0], ev), '\n')
	if err := e.w.WriteLine(e.line); err != nil {
		e.ended = true
		e.logf("warning: %v; the run goes on without it", err)
	}
}

func (e *eventSink) Write(*pipeline.Output) error { return nil }
func (e *eventSink) Close() error                 { return e.w.Close() }

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
