package mainjob

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/livecam/livecam/cameras"
	"github.com/livecam/livecam/classify"
	"github.com/livecam/livecam/detect"
	"github.com/livecam/livecam/events"
	"github.com/livecam/livecam/internal/cliflag"
	"github.com/livecam/livecam/internal/escape"
	"github.com/livecam/livecam/internal/redact"
	"github.com/livecam/livecam/internal/runctl"
	"github.com/livecam/livecam/pipeline"
	"github.com/livecam/livecam/sink/natsjs"
	"github.com/livecam/livecam/sink/segment"
	"github.com/livecam/livecam/sink/video"
	"github.com/livecam/livecam/source"
	"github.com/livecam/livecam/supervisor"
	"github.com/livecam/livecam/track"
	"github.com/livecam/livecam/viewer"
)

// cameraSetup is one camera's job and settings, ready to prepare.
type cameraSetup struct {
	name    string
	j       Job
	f       *Settings
	results classify.Options
}

// setups applies each camera's own settings over the command line's and
// names its outputs.
func (r *Runner) setups(cams []cameras.Camera) ([]cameraSetup, error) {
	var out []cameraSetup
	writers := map[string]string{} // output file -> camera
	for i, c := range cams {
		if err := r.checkOwnClasses(i, c); err != nil {
			return nil, err
		}
		f := *r.f
		applyCamera(&f, c)
		j := cameraJob(c, f.OutDir)
		if err := distinctOutputs(writers, c.Name, j); err != nil {
			return nil, err
		}
		if err := clipsNeed(c.Name, j, &f); err != nil {
			return nil, err
		}
		var results classify.Options
		if r.m != nil {
			var err error
			if results, err = resultOptions(r.m, &f); err != nil {
				return nil, fmt.Errorf("camera %s: %w", c.Name, err)
			}
		} else if err := r.det.CheckFilter(objectFilter(&f)); err != nil {
			return nil, fmt.Errorf("%w: camera %s: %v", cliflag.ErrUsage, c.Name, err)
		}
		out = append(out, cameraSetup{name: c.Name, j: j, f: &f, results: results})
	}
	return out, nil
}

// CameraError is a mistake in a setting of a camera's own in a cameras
// file: it names the camera and the setting's key as the file spells it,
// never the command-line flag the file's user did not give; Path says
// where it is for cameras.Config.Line, which the command adds with the
// file's name.
type CameraError struct {
	Index int    // the camera's place in the file, from 0
	Name  string // the camera's name
	Key   string // the key, with its item: "allow[1]"
	Err   error
}

// Error is "camera NAME: KEY: ERR".
func (e *CameraError) Error() string { return fmt.Sprintf("camera %s: %s: %v", e.Name, e.Key, e.Err) }

// Unwrap returns the mistake.
func (e *CameraError) Unwrap() error { return e.Err }

// Path is the setting's YAML path ("$.cameras[2].allow[1]").
func (e *CameraError) Path() string { return fmt.Sprintf("$.cameras[%d].%s", e.Index, e.Key) }

// checkOwnClasses checks the classes camera c (the i-th) allows and
// denies itself against the model's labels: a *CameraError for the first
// that is none of them.
func (r *Runner) checkOwnClasses(i int, c cameras.Camera) error {
	for _, own := range []struct {
		key   string
		specs []string
	}{{"allow", c.Allow}, {"deny", c.Deny}} {
		for k, spec := range own.specs {
			var err error
			if r.m != nil {
				_, err = classify.ParseClass(r.m.Labels(), spec)
			} else {
				err = r.det.CheckFilter(detect.Filter{Allow: []string{spec}})
			}
			if err != nil {
				return fmt.Errorf("%w: %w", cliflag.ErrUsage, &CameraError{Index: i, Name: c.Name, Key: fmt.Sprintf("%s[%d]", own.key, k), Err: err})
			}
		}
	}
	return nil
}

// applyCamera lays camera c's own settings over the command line's.
func applyCamera(f *Settings, c cameras.Camera) {
	f.Sources = []string{c.Source}
	override(&f.Realtime, c.Realtime)
	override(&f.Loop, c.Loop)
	override(&f.MaxFPS, c.FPS)
	override(&f.Every, c.Every)
	override(&f.TopK, c.TopK)
	override(&f.MinScore, c.MinScore)
	override(&f.Smooth, c.Smooth)
	if c.Allow != nil {
		f.Allow = c.Allow
	}
	if c.Deny != nil {
		f.Deny = c.Deny
	}
	if c.Zones != nil {
		f.Zones = c.Zones
	}
}

// override sets *dst to the camera's value v, when it has one.
func override[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}

// cameraJob names camera c's outputs: the file's, and those it leaves
// out in outDir, if any: a file camera's NAME.mp4, NAME.jsonl and
// NAME.events.jsonl. A live camera's video is recorded in segments in
// NAME/ (recordsSegments), and its results and events beside each
// segment (recordOptions): none is named here, but those the camera
// gives itself.
func cameraJob(c cameras.Camera, outDir string) Job {
	j := Job{Source: c.Source, Out: c.Out, Results: c.Results, Events: c.Events}
	if outDir == "" || source.IsLive(c.Source) {
		return j
	}
	base := filepath.Join(outDir, c.Name)
	j.Out = cmp.Or(j.Out, base+".mp4")
	j.Results = cmp.Or(j.Results, base+".jsonl")
	j.Events = cmp.Or(j.Events, base+".events.jsonl")
	return j
}

// recordOptions are the options of camera c's recording in segments
// (package segment), and whether it has one: a live camera of a
// multi-camera run in an out-dir records its video in segments, with its
// results and events beside each (the segments' sidecars), or, when its
// video goes to a file of its own, its results and events alone, in
// segments all the same.
func recordOptions(c *camRun) (segment.Options, bool) {
	if c.name == "" || c.f.OutDir == "" || !source.IsLive(c.j.Source) {
		return segment.Options{}, false
	}
	return segment.Options{Dir: c.f.OutDir, Camera: c.name, Length: c.f.Segment, Keep: c.f.Keep, KeepBytes: c.f.KeepSize,
		Encoding: video.Encoding{Codec: c.f.Codec, Quality: c.f.Quality}, Logf: c.logf,
		Sidecars: true, NoVideo: !recordsSegments(c), Source: redact.URL(c.j.Source), Threshold: float32(c.f.Threshold)}, true
}

// recordingEvents hands camera c's events, as its outputs send them to
// a publisher (their clip and snapshot named), to its recording's events
// sidecars (c.rec, once open). It is an outputs.Publisher that publishes
// nothing else.
type recordingEvents struct{ c *camRun }

var _ pipeline.ObjectPublisher = recordingEvents{}

func (e recordingEvents) Write(*pipeline.Output) error  { return nil }
func (e recordingEvents) Result(*pipeline.Output) error { return nil }
func (e recordingEvents) Close() error                  { return nil }

// Event hands a label event to the recording.
func (e recordingEvents) Event(ev events.Event) {
	if e.c.rec != nil {
		e.c.rec.Event(ev)
	}
}

// ObjectEvent hands a per-object event to the recording.
func (e recordingEvents) ObjectEvent(ev track.Event) {
	if e.c.rec != nil {
		e.c.rec.ObjectEvent(ev)
	}
}

// distinctOutputs refuses a camera's output that another camera writes
// already (writers: output file -> camera) and records its own.
func distinctOutputs(writers map[string]string, name string, j Job) error {
	for _, path := range []string{j.Out, j.Results, j.Events} {
		if path == "" || path == "-" {
			continue
		}
		abs, _ := filepath.Abs(path)
		if other, dup := writers[abs]; dup {
			return fmt.Errorf("%w: cameras %s and %s would both write %s", cliflag.ErrUsage, other, name, path)
		}
		writers[abs] = name
	}
	return nil
}

// Cameras runs several cameras at once: one model, one pool of
// inference workers taking the cameras in turn, one viewer with a grid of
// them, each camera with its own outputs, statistics and reconnection. A
// camera that cannot be opened is reported and the others run; the exit
// status then says some failed.
func (r *Runner) Cameras(cams []cameras.Camera) (result error) {
	r.inputs = Inputs(nil, cams)
	setups, err := r.setups(cams)
	if err != nil {
		return err
	}
	r.showProgress = false
	pool, err := pipeline.NewPool(r.model, r.f.Workers, r.f.Threads)
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
	sup, err := supervisor.Start(r.supervised(setups, sh), supervisor.Options{Reconnect: r.f.Reconnect, Logf: r.logf})
	for _, o := range sup.Failed() {
		fmt.Fprintf(r.stderr, "livecam: %s: FAILED: %s\n", o.Name, shownErr(o.Err))
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(r.stderr, "livecam: %s on %s, %s\n", plural(len(setups)-len(sup.Failed()), "camera"), r.modelName, workersText(r.f))
	ctx, ctl := runctl.Start(context.Background(), runctl.Options{Logf: r.logf})
	outs := sup.Run(ctx)
	defer ctl.Finishing()()
	return r.reportCameras(outs, len(sup.Failed()), len(setups), ctl.Interrupted())
}

// openShared opens what the cameras share: the viewer, with every camera
// on its page from the start (in order, those not open yet as "no frame
// yet"), and one connection per broker (one client, one availability, the
// events of all in one ordered queue). closeAll closes them; its error
// is the messages a broker never took.
func (r *Runner) openShared(setups []cameraSetup, pool *pipeline.Pool) (sh shared, closeAll func() error, err error) {
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
	if r.f.Serve != "" {
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
	if r.f.MQTT != "" {
		if sh.mqtt, err = connectMQTT(r.f, "", r.logf); err != nil {
			return fail(err)
		}
		closers = append(closers, sh.mqtt.Close)
	}
	if r.f.NATS != "" {
		if sh.nats, err = natsjs.Connect(natsjs.Options{URL: r.f.NATS, NATS: natsOptions(r.f.NATSAuth, r.f.NATS), Logf: r.logf}); err != nil {
			return fail(err)
		}
		closers = append(closers, sh.nats.Close)
	}
	return sh, closeAll, nil
}

// supervised are the cameras for the supervisor: each opens its source
// and outputs with prepare; a camera, stream or GStreamer pipeline that
// is away at the start is tried again, like one lost while running.
func (r *Runner) supervised(setups []cameraSetup, sh shared) []supervisor.Camera[*camRun] {
	cams := make([]supervisor.Camera[*camRun], len(setups))
	for i, s := range setups {
		cams[i] = supervisor.Camera[*camRun]{Name: s.name, Live: source.IsLive(s.j.Source),
			Open: func() (*camRun, error) { return r.prepare(s.name, s.j, s.f, s.results, sh) }}
	}
	return cams
}

// Run runs the camera's pipeline: a camRun is the supervisor's Runner.
func (c *camRun) Run(ctx context.Context) error { return c.p.Run(ctx) }

// reportCameras prints each camera's statistics and finishes its outputs
// (failed counts the cameras that failed at the start, of total). It
// returns how the run ended: some cameras failed; a file camera cut
// short by a signal (a *runctl.StopError: exit 130); or nil.
func (r *Runner) reportCameras(outs []supervisor.Outcome[*camRun], failed, total int, interrupted bool) error {
	cut := 0
	for _, o := range outs {
		if !o.Opened {
			failed++
			fmt.Fprintf(r.stderr, "livecam: %s: FAILED: never opened: %s\n", o.Name, shownErr(o.Err))
			continue
		}
		r.cameraStats(o.Runner, o.Took)
		if err := r.finish(o.Runner, o.Err, interrupted); err != nil {
			var se *runctl.StopError
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
		return &runctl.StopError{} // exit 130: a file camera was cut short
	}
	return nil
}

// cameraStats prints one camera's line of statistics.
func (r *Runner) cameraStats(c *camRun, took time.Duration) {
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
func workersText(f *Settings) string {
	if f.Workers == 0 {
		return "one shared inference worker per core"
	}
	return "shared inference workers: " + strconv.Itoa(f.Workers)
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return strconv.Itoa(n) + " " + what + "s"
}
