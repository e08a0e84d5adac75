package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/livecam/livecam/cameras"
	"github.com/livecam/livecam/classify"
	"github.com/livecam/livecam/internal/escape"
	"github.com/livecam/livecam/internal/redact"
	"github.com/livecam/livecam/internal/runctl"
	"github.com/livecam/livecam/pipeline"
	"github.com/livecam/livecam/sink/natsjs"
	"github.com/livecam/livecam/source"
	"github.com/livecam/livecam/supervisor"
	"github.com/livecam/livecam/viewer"
)

// camerasOf returns the cameras of a multi-camera run: from -config, or
// from NAME=SOURCE sources; nil for an ordinary run. The file's settings
// apply where the command line did not set the flag.
func camerasOf(fs *flagSet, f *runFlags) ([]cameras.Camera, error) {
	if f.config == "" {
		cams, ok, err := cameras.FromSources(f.sources)
		if err != nil {
			return nil, fmt.Errorf("%w: -source: %v", errUsage, err)
		}
		if !ok {
			return nil, nil
		}
		return cams, nil
	}
	if len(f.sources) > 0 {
		return nil, fmt.Errorf("%w: -config lists the cameras: give no -source with it", errUsage)
	}
	file, err := cameras.Load(f.config)
	if err != nil {
		return nil, fmt.Errorf("%w: -config %v", errUsage, err)
	}
	if err := f.applyConfig(fs, file); err != nil {
		return nil, err
	}
	return file.Cameras, nil
}

// applyConfig gives f the run-wide settings of a -config file where the
// command line did not set the flag.
func (f *runFlags) applyConfig(fs *flagSet, file *cameras.Config) error {
	set := map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { set[fl.Name] = true })
	for _, s := range configStrings(f, file) {
		if !set[s.flag] && s.value != "" {
			*s.dst = s.value
		}
	}
	if !set["out-dir"] && file.OutDir != "" && !isDir(file.OutDir) { // named as in the file, not as -out-dir
		return fmt.Errorf("%w: -config %s: line %d: out_dir %s: not a folder (create it first)", errUsage, f.config, file.Line("$.out_dir"), file.OutDir)
	}
	if file.Workers != nil && !set["workers"] {
		f.workers = *file.Workers
	}
	if m := file.MQTT; m != nil && !set["mqtt-results"] {
		f.mqttResults = f.mqttResults || m.Results
	}
	if n := file.NATS; n != nil && !set["nats-results"] {
		f.natsResults = f.natsResults || n.Results
	}
	return nil
}

// configString is a string flag a -config file may set: the flag, where
// its value goes, and the file's value ("" when the file has none).
type configString struct {
	flag  string
	dst   *string
	value string
}

// configStrings pairs the string flags a -config file may set with the
// file's values.
func configStrings(f *runFlags, file *cameras.Config) []configString {
	m, n := cmp.Or(file.MQTT, &cameras.MQTT{}), cmp.Or(file.NATS, &cameras.NATS{})
	return []configString{
		{"model", &f.model, file.Model}, {"serve", &f.serve, file.Serve}, {"out-dir", &f.outDir, file.OutDir},
		{"mqtt", &f.mqtt, m.Broker}, {"mqtt-prefix", &f.mqttPrefix, m.Prefix}, {"mqtt-user", &f.mqttUser, m.User},
		{"mqtt-password-file", &f.mqttPasswordFile, m.PasswordFile}, {"mqtt-discovery", &f.mqttDiscovery, m.Discovery},
		{"mqtt-ca", &f.mqttCA, m.CA}, {"mqtt-cert", &f.mqttCert, m.Cert}, {"mqtt-key", &f.mqttKey, m.Key},
		{"nats", &f.nats, n.URL},
	}
}

// checkCameraFlags refuses the flags that name one output for a
// multi-camera run: each camera's outputs come from -out-dir or the file.
func checkCameraFlags(f *runFlags) error {
	for _, name := range []struct {
		set  bool
		flag string
	}{{f.out != "", "-out"}, {f.results != "", "-results"}, {f.eventsOut != "", "-events"}, {f.report != "", "-report"}, {f.display, "-display"}} {
		if name.set {
			return fmt.Errorf("%w: %s names one output, and there are several cameras: use -out-dir, or out/results/events per camera in -config", errUsage, name.flag)
		}
	}
	if f.outDir != "" && !isDir(f.outDir) {
		return fmt.Errorf("%w: -out-dir %s: not a folder (create it first)", errUsage, f.outDir)
	}
	return nil
}

// cameraSetup is one camera's job and settings, ready to prepare.
type cameraSetup struct {
	name    string
	j       job
	f       *runFlags
	results classify.Options
}

// setups applies each camera's own settings over the command line's and
// names its outputs.
func (r *runner) setups(cams []cameras.Camera) ([]cameraSetup, error) {
	var out []cameraSetup
	writers := map[string]string{} // output file -> camera
	for _, c := range cams {
		f := *r.f
		applyCamera(&f, c)
		j := cameraJob(c, f.outDir)
		if err := distinctOutputs(writers, c.Name, j); err != nil {
			return nil, err
		}
		var results classify.Options
		if r.m != nil {
			var err error
			if results, err = resultOptions(r.m, &f); err != nil {
				return nil, fmt.Errorf("camera %s: %w", c.Name, err)
			}
		} else if err := r.det.CheckFilter(objectFilter(&f)); err != nil {
			return nil, fmt.Errorf("%w: camera %s: %v", errUsage, c.Name, err)
		}
		out = append(out, cameraSetup{name: c.Name, j: j, f: &f, results: results})
	}
	return out, nil
}

// applyCamera lays camera c's own settings over the command line's.
func applyCamera(f *runFlags, c cameras.Camera) {
	f.sources = []string{c.Source}
	override(&f.realtime, c.Realtime)
	override(&f.loop, c.Loop)
	override(&f.maxFPS, c.FPS)
	override(&f.every, c.Every)
	override(&f.topk, c.TopK)
	override(&f.minScore, c.MinScore)
	override(&f.smooth, c.Smooth)
	if c.Allow != nil {
		f.allow = c.Allow
	}
	if c.Deny != nil {
		f.deny = c.Deny
	}
	if c.Zones != nil {
		f.det.zones = c.Zones
	}
}

// override sets *dst to the camera's value v, when it has one.
func override[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}

// cameraJob names camera c's outputs: the file's, and those it leaves
// out NAME.mp4, NAME.jsonl and NAME.events.jsonl in outDir, if any.
func cameraJob(c cameras.Camera, outDir string) job {
	j := job{source: c.Source, out: c.Out, results: c.Results, eventsOut: c.Events}
	if outDir == "" {
		return j
	}
	base := filepath.Join(outDir, c.Name)
	j.out = cmp.Or(j.out, base+".mp4")
	j.results = cmp.Or(j.results, base+".jsonl")
	j.eventsOut = cmp.Or(j.eventsOut, base+".events.jsonl")
	return j
}

// distinctOutputs refuses a camera's output that another camera writes
// already (writers: output file -> camera) and records its own.
func distinctOutputs(writers map[string]string, name string, j job) error {
	for _, path := range []string{j.out, j.results, j.eventsOut} {
		if path == "" || path == "-" {
			continue
		}
		abs, _ := filepath.Abs(path)
		if other, dup := writers[abs]; dup {
			return fmt.Errorf("%w: cameras %s and %s would both write %s", errUsage, other, name, path)
		}
		writers[abs] = name
	}
	return nil
}

// runCameras runs several cameras at once: one model, one pool of
// inference workers taking the cameras in turn, one viewer with a grid of
// them, each camera with its own outputs, statistics and reconnection. A
// camera that cannot be opened is reported and the others run; the exit
// status then says some failed.
func (r *runner) runCameras(cams []cameras.Camera) (result error) {
	setups, err := r.setups(cams)
	if err != nil {
		return err
	}
	r.showProgress = false
	pool, err := pipeline.NewPool(r.model, r.f.workers, r.f.threads)
	if err != nil {
		return err
	}
	defer pool.Close()
	sh, closeShared, err := r.openShared(setups, pool)
	if err != nil {
		return err
	}
	defer func() {
		// Messages a broker never took fail the run.
		result = errors.Join(result, closeShared())
	}()
	sup, err := supervisor.Start(r.supervised(setups, sh), supervisor.Options{Reconnect: r.f.reconnect, Logf: r.logf})
	for _, o := range sup.Failed() {
		fmt.Fprintf(r.stderr, "livecam: %s: FAILED: %s\n", o.Name, shownErr(o.Err))
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(r.stderr, "livecam: %s on %s, %s\n", plural(len(setups)-len(sup.Failed()), "camera"), r.modelName, workersText(r.f))
	ctx, ctl := runctl.Start(context.Background(), runctl.Options{Logf: r.logf})
	outs := sup.Run(ctx)
	defer r.endRun(ctl)()
	return r.reportCameras(outs, len(sup.Failed()), len(setups), ctl.Interrupted())
}

// openShared opens what the cameras share: the viewer, with every camera
// on its page from the start (in order, those not open yet as "no frame
// yet"), and one connection per broker (one client, one availability, the
// events of all in one ordered queue). closeAll closes them; its error
// is the messages a broker never took.
func (r *runner) openShared(setups []cameraSetup, pool *pipeline.Pool) (sh shared, closeAll func() error, err error) {
	sh = shared{pool: pool, mu: &sync.Mutex{}, views: map[string]*viewer.Camera{}, pubs: map[string]pipeline.Publisher{}}
	var closers []func() error
	closeAll = func() error {
		var errs []error
		for i := len(closers) - 1; i >= 0; i-- {
			errs = append(errs, closers[i]())
		}
		return errors.Join(errs...)
	}
	fail := func(err error) (shared, func() error, error) {
		closeAll()
		return shared{}, nil, err
	}
	if r.f.serve != "" {
		if sh.view, sh.metrics, err = r.listenViewer(); err != nil {
			return fail(err)
		}
		closers = append(closers, func() error { sh.view.Close(); return nil })
		for _, s := range setups {
			if _, err := sh.viewCamera(s.name); err != nil {
				return fail(err)
			}
		}
	}
	if r.f.mqtt != "" {
		if sh.mqtt, err = connectMQTT(r.f, "", r.logf); err != nil {
			return fail(err)
		}
		closers = append(closers, sh.mqtt.Close)
	}
	if r.f.nats != "" {
		if sh.nats, err = natsjs.Connect(natsjs.Options{URL: r.f.nats, NATS: r.f.natsAuth.options(r.f.nats), Logf: r.logf}); err != nil {
			return fail(err)
		}
		closers = append(closers, sh.nats.Close)
	}
	return sh, closeAll, nil
}

// supervised are the cameras for the supervisor: each opens its source
// and outputs with prepare; a camera, stream or GStreamer pipeline that
// is away at the start is tried again, like one lost while running.
func (r *runner) supervised(setups []cameraSetup, sh shared) []supervisor.Camera[*camRun] {
	cams := make([]supervisor.Camera[*camRun], len(setups))
	for i, s := range setups {
		cams[i] = supervisor.Camera[*camRun]{Name: s.name, Live: source.IsLive(s.j.source),
			Open: func() (*camRun, error) { return r.prepare(s.name, s.j, s.f, s.results, sh) }}
	}
	return cams
}

// Run runs the camera's pipeline: a camRun is the supervisor's Runner.
func (c *camRun) Run(ctx context.Context) error { return c.p.Run(ctx) }

// reportCameras prints each camera's statistics and finishes its outputs
// (failed counts the cameras that failed at the start, of total). It
// returns how the run ended: some cameras failed; a file camera cut
// short by a signal (a *stopError: exit 130); or nil.
func (r *runner) reportCameras(outs []supervisor.Outcome[*camRun], failed, total int, interrupted bool) error {
	cut := 0
	for _, o := range outs {
		if !o.Opened {
			failed++
			fmt.Fprintf(r.stderr, "livecam: %s: FAILED: never opened: %s\n", o.Name, shownErr(o.Err))
			continue
		}
		r.cameraStats(o.Runner, o.Took)
		if err := r.finish(o.Runner, o.Err, interrupted); err != nil {
			var se *stopError
			if errors.As(err, &se) {
				cut++ // finish said where it stopped and where the partial outputs are
				continue
			}
			failed++
			fmt.Fprintf(r.stderr, "livecam: %s: FAILED: %s\n", o.Name, shownErr(err))
		}
	}
	if interrupted && cut == 0 {
		r.logf("stopped by signal; outputs are complete")
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d cameras failed", failed, total)
	}
	if cut > 0 {
		return &stopError{} // exit 130: a file camera was cut short
	}
	return nil
}

// cameraStats prints one camera's line of statistics.
func (r *runner) cameraStats(c *camRun, took time.Duration) {
	s := c.p.Metrics().Snapshot()
	fmt.Fprintf(r.stderr, "livecam: %s: %d in, %d out, %d dropped, %d inferences (%.1f/s) in %.1fs", c.name, s.In, s.Out, s.Dropped, s.Inferences, float64(s.Inferences)/max(took.Seconds(), 1e-9), took.Seconds())
	if s.Reconnects > 0 {
		fmt.Fprintf(r.stderr, ", %d reconnects", s.Reconnects)
	}
	fmt.Fprintf(r.stderr, "; capture-to-overlay p95 %.1f ms\n", s.Phases[pipeline.PhaseEndToEnd].P95)
}

// shownErr is a camera's error as the log shows it: the credentials of
// any URL in it redacted, control characters escaped.
func shownErr(err error) string {
	return escape.Control(redact.Text(err.Error()))
}

// workersText says how the forward passes are shared.
func workersText(f *runFlags) string {
	if f.workers == 0 {
		return "one shared inference worker per core"
	}
	return "shared inference workers: " + strconv.Itoa(f.workers)
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return strconv.Itoa(n) + " " + what + "s"
}
