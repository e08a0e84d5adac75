package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/livecam/livecam/cameras"
	"github.com/livecam/livecam/classify"
	"github.com/livecam/livecam/internal/escape"
	"github.com/livecam/livecam/internal/redact"
	"github.com/livecam/livecam/internal/runctl"
	"github.com/livecam/livecam/pipeline"
	"github.com/livecam/livecam/sink/natsjs"
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
	set := map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { set[fl.Name] = true })
	apply := func(name string, v *string, from string) {
		if !set[name] && from != "" {
			*v = from
		}
	}
	apply("model", &f.model, file.Model)
	apply("serve", &f.serve, file.Serve)
	apply("out-dir", &f.outDir, file.OutDir)
	if !set["out-dir"] && file.OutDir != "" && !isDir(file.OutDir) { // named as in the file, not as -out-dir
		return nil, fmt.Errorf("%w: -config %s: line %d: out_dir %s: not a folder (create it first)", errUsage, f.config, file.Line("$.out_dir"), file.OutDir)
	}
	if file.Workers != nil && !set["workers"] {
		f.workers = *file.Workers
	}
	if m := file.MQTT; m != nil {
		apply("mqtt", &f.mqtt, m.Broker)
		apply("mqtt-prefix", &f.mqttPrefix, m.Prefix)
		apply("mqtt-user", &f.mqttUser, m.User)
		apply("mqtt-password-file", &f.mqttPasswordFile, m.PasswordFile)
		apply("mqtt-discovery", &f.mqttDiscovery, m.Discovery)
		apply("mqtt-ca", &f.mqttCA, m.CA)
		apply("mqtt-cert", &f.mqttCert, m.Cert)
		apply("mqtt-key", &f.mqttKey, m.Key)
		if !set["mqtt-results"] {
			f.mqttResults = f.mqttResults || m.Results
		}
	}
	if n := file.NATS; n != nil {
		apply("nats", &f.nats, n.URL)
		if !set["nats-results"] {
			f.natsResults = f.natsResults || n.Results
		}
	}
	return file.Cameras, nil
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
		f.sources = []string{c.Source}
		if c.Realtime != nil {
			f.realtime = *c.Realtime
		}
		if c.Loop != nil {
			f.loop = *c.Loop
		}
		if c.FPS != nil {
			f.maxFPS = *c.FPS
		}
		if c.Every != nil {
			f.every = *c.Every
		}
		if c.TopK != nil {
			f.topk = *c.TopK
		}
		if c.MinScore != nil {
			f.minScore = *c.MinScore
		}
		if c.Smooth != nil {
			f.smooth = *c.Smooth
		}
		if c.Allow != nil {
			f.allow = c.Allow
		}
		if c.Deny != nil {
			f.deny = c.Deny
		}
		j := job{source: c.Source, out: c.Out, results: c.Results, eventsOut: c.Events}
		if f.outDir != "" {
			base := filepath.Join(f.outDir, c.Name)
			if j.out == "" {
				j.out = base + ".mp4"
			}
			if j.results == "" {
				j.results = base + ".jsonl"
			}
			if j.eventsOut == "" {
				j.eventsOut = base + ".events.jsonl"
			}
		}
		for _, path := range []string{j.out, j.results, j.eventsOut} {
			if path == "" || path == "-" {
				continue
			}
			abs, _ := filepath.Abs(path)
			if other, dup := writers[abs]; dup {
				return nil, fmt.Errorf("%w: cameras %s and %s would both write %s", errUsage, other, c.Name, path)
			}
			writers[abs] = c.Name
		}
		if c.Zones != nil {
			f.det.zones = c.Zones
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
	sh := shared{pool: pool, mu: &sync.Mutex{}, views: map[string]*viewer.Camera{}, pubs: map[string]pipeline.Publisher{}}
	if r.f.serve != "" {
		if sh.view, sh.metrics, err = r.listenViewer(); err != nil {
			return err
		}
		defer sh.view.Close()
		// Every camera on the page from the start, in order, those
		// not open yet as "no frame yet".
		for _, s := range setups {
			if _, err := sh.viewCamera(s.name); err != nil {
				return err
			}
		}
	}
	if r.f.mqtt != "" {
		// One connection for every camera: one client, one
		// availability, the events of all in one ordered queue.
		if sh.mqtt, err = connectMQTT(r.f, "", r.logf); err != nil {
			return err
		}
		defer func() {
			// Messages the broker never took fail the run.
			result = errors.Join(result, sh.mqtt.Close())
		}()
	}
	if r.f.nats != "" {
		if sh.nats, err = natsjs.Connect(natsjs.Options{URL: r.f.nats, NATS: r.f.natsAuth.options(r.f.nats), Logf: r.logf}); err != nil {
			return err
		}
		defer func() {
			result = errors.Join(result, sh.nats.Close())
		}()
	}
	type camResult struct {
		c    *camRun
		err  error
		took time.Duration
	}
	results := make([]*camResult, len(setups)) // by camera; nil: never opened
	lastErr := make([]error, len(setups))
	var mu sync.Mutex
	var first []*camRun // opened at once, by camera (nil: not)
	var retry []int     // live cameras to open again
	failed, cut := 0, 0
	for i, s := range setups {
		c, err := r.prepare(s.name, s.j, s.f, s.results, sh)
		first = append(first, c)
		switch {
		case err == nil:
		case isLive(s.j.source) && r.f.reconnect > 0:
			// A camera that is away when livecam starts is tried
			// again, like one lost while running.
			fmt.Fprintf(r.stderr, "livecam: %s: cannot open yet: %s; trying again, backing off up to %v\n", s.name, shownErr(err), r.f.reconnect)
			retry = append(retry, i)
			lastErr[i] = err
		default:
			failed++
			fmt.Fprintf(r.stderr, "livecam: %s: FAILED: %s\n", s.name, shownErr(err))
		}
	}
	if failed == len(setups) {
		return errors.New("no camera could be opened")
	}
	fmt.Fprintf(r.stderr, "livecam: %s on %s, %s\n", plural(len(setups)-failed, "camera"), r.modelName, workersText(r.f))
	ctx, ctl := runctl.Start(context.Background(), runctl.Options{Logf: r.logf})
	var wg sync.WaitGroup
	run := func(i int, c *camRun) {
		start := time.Now()
		err := c.p.Run(ctx)
		mu.Lock()
		results[i] = &camResult{c: c, err: err, took: time.Since(start)}
		mu.Unlock()
	}
	for i, c := range first {
		if c != nil {
			wg.Add(1)
			go func() {
				defer wg.Done()
				run(i, c)
			}()
		}
	}
	for _, i := range retry {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := setups[i]
			wait := 250 * time.Millisecond
			for attempt := 2; ; attempt++ {
				wait = min(2*wait, r.f.reconnect)
				t := time.NewTimer(wait)
				select {
				case <-ctx.Done():
					t.Stop()
					return
				case <-t.C:
				}
				c, err := r.prepare(s.name, s.j, s.f, s.results, sh)
				if err == nil {
					r.logf("%s: opened (attempt %d)", s.name, attempt)
					run(i, c)
					return
				}
				mu.Lock()
				lastErr[i] = err
				mu.Unlock()
				r.logf("%s: still cannot open (attempt %d): %s", s.name, attempt, shownErr(err))
			}
		}()
	}
	wg.Wait()
	defer r.endRun(ctl)()
	for i, res := range results {
		if res == nil {
			if lastErr[i] != nil {
				failed++
				fmt.Fprintf(r.stderr, "livecam: %s: FAILED: never opened: %s\n", setups[i].name, shownErr(lastErr[i]))
			}
			continue
		}
		c := res.c
		s := c.p.Metrics().Snapshot()
		fmt.Fprintf(r.stderr, "livecam: %s: %d in, %d out, %d dropped, %d inferences (%.1f/s) in %.1fs", c.name, s.In, s.Out, s.Dropped, s.Inferences, float64(s.Inferences)/max(res.took.Seconds(), 1e-9), res.took.Seconds())
		if s.Reconnects > 0 {
			fmt.Fprintf(r.stderr, ", %d reconnects", s.Reconnects)
		}
		fmt.Fprintf(r.stderr, "; capture-to-overlay p95 %.1f ms\n", s.Phases[pipeline.PhaseEndToEnd].P95)
		if err := r.finish(c, res.err, ctl.Interrupted()); err != nil {
			var se *stopError
			if errors.As(err, &se) {
				cut++ // finish said where it stopped and where the partial outputs are
				continue
			}
			failed++
			fmt.Fprintf(r.stderr, "livecam: %s: FAILED: %s\n", c.name, shownErr(err))
		}
	}
	if ctl.Interrupted() && cut == 0 {
		r.logf("stopped by signal; outputs are complete")
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d cameras failed", failed, len(setups))
	}
	if cut > 0 {
		return &stopError{} // exit 130: a file camera was cut short
	}
	return nil
}

// shownErr is a camera's error as the log shows it: the credentials of
// any URL in it redacted, control characters escaped.
func shownErr(err error) string {
	return escape.Control(redact.Text(err.Error()))
}

// isLive reports whether a source is a camera, a stream or a GStreamer
// pipeline (which may come back), not a file.
func isLive(src string) bool {
	if _, err := os.Stat(src); err == nil {
		return false
	}
	if strings.Contains(src, "://") || strings.Contains(src, "!") {
		return true
	}
	_, err := strconv.Atoi(src)
	return err == nil
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
