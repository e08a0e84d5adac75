package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/livecam/livecam/sink/video"
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
	det                              detectFlags // -zone, -snapshots...: detectflags.go
}

// defineRunFlags declares the main job's flags, in the groups -h shows
// (one function per group, in -h's order).
func defineRunFlags(stdout, stderr io.Writer) (*flagSet, *runFlags) {
	fs := newFlags("", "[SOURCE...]", stdout, stderr)
	f := &runFlags{}
	for _, define := range []func(*flagSet){
		f.defineInput, f.defineModel, f.defineOutput, f.defineResults, f.defineDetection,
		f.defineViewer, f.defineBrokers, f.defineNATSAuth, f.defineTuning, f.defineDiagnostics,
	} {
		define(fs)
	}
	return fs, f
}

// defineInput declares the "input" group: what to read, and how.
func (f *runFlags) defineInput(fs *flagSet) {
	fs.multi("source", "camera index, video file, folder of videos, glob, stream URL or GStreamer pipeline: the `SRC` to label (repeatable; sources may also follow the flags)", func(v string) error { f.sources = append(f.sources, v); return nil })
	fs.StringVar(&f.config, "config", "", "run the cameras listed in this YAML `FILE` (see README: many cameras)")
	fs.BoolVar(&f.realtime, "realtime", false, "pace a video file at its own frame rate and run live (drop stale frames)")
	fs.BoolVar(&f.loop, "loop", false, "play a video file again from the start when it ends, until interrupted")
	fs.DurationVar(&f.reconnect, "reconnect", 10*time.Second, "reopen a lost camera or stream, backing off up to this interval between attempts (0: stop instead; at most 1h)")
	fs.Float64Var(&f.maxFPS, "fps", 0, "at most N forward passes per second (0: no cap; at most 1000)")
	fs.IntVar(&f.every, "every", 1, "classify every K-th frame, carrying the result to the frames between")
	fs.group("input", "source", "config", "realtime", "loop", "reconnect", "fps", "every")
}

// defineModel declares the "model" group.
func (f *runFlags) defineModel(fs *flagSet) {
	fs.StringVar(&f.model, "model", "", modelFlagHelp)
	fs.StringVar(&f.labels, "labels", "", "labels `FILE` (metadata.json, index/wnid/label TSV, or one per line)")
	fs.group("model", "model", "labels")
}

// defineOutput declares the "output" group: the files a run writes.
func (f *runFlags) defineOutput(fs *flagSet) {
	fs.StringVar(&f.out, "out", "", "write the annotated video to `FILE` (.mp4, .mov, .m4v, .mkv: H.264; .webm: VP9; .avi: Motion JPEG)")
	fs.StringVar(&f.outDir, "out-dir", "", "for each source, write NAME.mp4 (annotated), NAME.jsonl (results) and NAME.html (report) into `DIR`")
	fs.StringVar(&f.results, "results", "", "write one JSON line per frame to `FILE` (- for standard output)")
	fs.StringVar(&f.eventsOut, "events", "", "write one JSON line per \"label entered / left\" event to `FILE` (- for standard output)")
	fs.StringVar(&f.report, "report", "", "write an HTML report of the run to `FILE` (needs -results FILE)")
	fs.StringVar(&f.codec, "codec", "", "video codec: "+strings.Join(video.Codecs, ", ")+" (default: the extension's)")
	fs.StringVar(&f.quality, "quality", "medium", "video quality: "+strings.Join(video.Qualities, ", "))
	fs.BoolVar(&f.overwrite, "overwrite", false, "replace output files that exist (default: refuse)")
	fs.group("output", "out", "out-dir", "results", "events", "report", "codec", "quality", "overwrite")
}

// defineResults declares the "results" group: the classes reported, and
// when a label enters and leaves.
func (f *runFlags) defineResults(fs *flagSet) {
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
	fs.group("results", "topk", "min-score", "allow", "deny", "smooth", "merge", "event-enter", "event-leave", "event-min", "event-cooldown")
}

// defineDetection declares the detector's group (detectflags.go).
func (f *runFlags) defineDetection(fs *flagSet) {
	f.det.define(fs)
	fs.group("detection (with -model coco_ssd_mobilenet_v1; -min-score, -allow and -deny filter its objects by label)", detectFlagNames...)
}

// defineViewer declares the "viewer" group: the window, the HTTP viewer
// and the overlay.
func (f *runFlags) defineViewer(fs *flagSet) {
	fs.BoolVar(&f.display, "display", false, "show the annotated stream in a window (needs a display)")
	fs.StringVar(&f.serve, "serve", "", "serve the annotated stream and labels over HTTP on `ADDR` (e.g. 127.0.0.1:8080), with /healthz and Prometheus /metrics")
	fs.StringVar(&f.serveToken, "serve-token", os.Getenv("LIVECAM_SERVE_TOKEN"), "bearer token the viewer requires (default $LIVECAM_SERVE_TOKEN)")
	fs.IntVar(&f.maxViewers, "serve-max-viewers", 4, "simultaneous viewers of -serve (1-100)")
	fs.StringVar(&f.serveHosts, "serve-host", "", "comma-separated host names the viewer answers to without a token, besides IP addresses and localhost")
	fs.Float64Var(&f.threshold, "threshold", 0.2, "below this top score (0-1) the overlay says it is not sure, and the summary counts the time as unsure")
	fs.StringVar(&f.font, "font", "", "TrueType or OpenType font `FILE` for the overlay (default: Go Regular; labels in Chinese need e.g. DroidSansFallbackFull.ttf)")
	fs.group("viewer", "display", "serve", "serve-token", "serve-max-viewers", "serve-host", "threshold", "font")
}

// defineBrokers declares the "MQTT and NATS" group.
func (f *runFlags) defineBrokers(fs *flagSet) {
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
	fs.group("MQTT and NATS", "mqtt", "mqtt-prefix", "mqtt-user", "mqtt-password-file", "mqtt-discovery", "mqtt-results", "mqtt-ca", "mqtt-cert", "mqtt-key", "nats", "nats-results")
}

// defineNATSAuth declares the NATS credentials' group (natsflags.go).
func (f *runFlags) defineNATSAuth(fs *flagSet) {
	f.natsAuth.define(fs)
	fs.group("NATS credentials (secrets from files or the environment, never the URL)", natsAuthFlagNames...)
}

// defineTuning declares the "tuning" group.
func (f *runFlags) defineTuning(fs *flagSet) {
	fs.IntVar(&f.workers, "workers", 0, fmt.Sprintf("inference workers (0: one per core, at most %d)", maxWorkers))
	fs.IntVar(&f.threads, "threads", 1, fmt.Sprintf("threads per forward pass (1-%d)", maxWorkers))
	fs.group("tuning", "workers", "threads")
}

// defineDiagnostics declares the "progress and diagnostics" group.
func (f *runFlags) defineDiagnostics(fs *flagSet) {
	fs.BoolVar(&f.progress, "progress", false, "show the progress bar even when standard error is not a terminal")
	fs.BoolVar(&f.quiet, "quiet", false, "no progress bar and no end summary")
	fs.BoolVar(&f.verbose, "v", false, "print statistics every few seconds, and OpenCV's and FFmpeg's own messages")
	fs.StringVar(&f.prof, "profile", "", "profile the run: cpu, mem, block, mutex or trace (written to the current directory)")
	fs.group("progress and diagnostics", "progress", "quiet", "v", "profile")
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

// isSet reports whether flag name was given.
func isSet(fs *flagSet, name string) bool {
	set := false
	fs.Visit(func(fl *flag.Flag) { set = set || fl.Name == name })
	return set
}
