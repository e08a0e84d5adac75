package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/livecam/livecam/fleet"
	"github.com/livecam/livecam/internal/cliflag"
	"github.com/livecam/livecam/internal/mainjob"
	"github.com/livecam/livecam/sink/segment"
	"github.com/livecam/livecam/sink/video"
	"github.com/livecam/livecam/track"
)

// defineRunFlags declares the main job's flags, in the groups -h shows
// (one function per group, in -h's order).
func defineRunFlags(stdout, stderr io.Writer) (*cliflag.Set, *mainjob.Settings) {
	fs := newFlags("", "[SOURCE...]", stdout, stderr)
	d := mainjob.Defaults()
	f := &d
	for _, define := range []func(*cliflag.Set, *mainjob.Settings){
		defineInput, defineModel, defineOutput, defineResults, defineDetection,
		defineViewer, defineBrokers, defineNATSAuth, defineTuning, defineDiagnostics,
	} {
		define(fs, f)
	}
	return fs, f
}

// defineInput declares the "input" group: what to read, and how.
func defineInput(fs *cliflag.Set, f *mainjob.Settings) {
	fs.Multi("source", "camera index, video file, folder of videos, glob, stream URL or GStreamer pipeline: the `SRC` to label (repeatable; sources may also follow the flags)", func(v string) error { f.Sources = append(f.Sources, v); return nil })
	fs.StringVar(&f.Config, "config", "", "run the cameras listed in this YAML `FILE` (see README: many cameras)")
	fs.BoolVar(&f.Realtime, "realtime", false, "pace a video file at its own frame rate and run live (drop stale frames)")
	fs.BoolVar(&f.Loop, "loop", false, "play a video file again from the start when it ends, until interrupted")
	fs.DurationVar(&f.Reconnect, "reconnect", f.Reconnect, "reopen a lost camera or stream, backing off up to `INTERVAL` between attempts (0: stop instead; at most 1h)")
	fs.Float64Var(&f.MaxFPS, "fps", 0, "at most `N` forward passes per second (0: no cap; at most 1000)")
	fs.IntVar(&f.Every, "every", f.Every, "classify every `K`-th frame, carrying the result to the frames between")
	fs.Group("input", "source", "config", "realtime", "loop", "reconnect", "fps", "every")
}

// defineModel declares the "model" group.
func defineModel(fs *cliflag.Set, f *mainjob.Settings) {
	fs.StringVar(&f.Model, "model", "", modelFlagHelp)
	fs.StringVar(&f.Labels, "labels", "", "labels `FILE` (metadata.json, index/wnid/label TSV, or one per line)")
	fs.Group("model", "model", "labels")
}

// defineOutput declares the "output" group: the files a run writes.
func defineOutput(fs *cliflag.Set, f *mainjob.Settings) {
	fs.StringVar(&f.Out, "out", "", "write the annotated video to `FILE` (.mp4, .mov, .m4v, .mkv: H.264; .webm: VP9; .avi: Motion JPEG)")
	fs.StringVar(&f.OutDir, "out-dir", "", "for each source, write NAME.mp4 (annotated), NAME.jsonl (results) and NAME.html (report) into `DIR`")
	fs.StringVar(&f.Results, "results", "", "write one JSON line per frame to `FILE` (- for standard output)")
	fs.StringVar(&f.Events, "events", "", "write one JSON line per \"label entered / left\" event to `FILE` (- for standard output)")
	fs.StringVar(&f.Report, "report", "", "write an HTML report of the run to `FILE` (needs -results FILE)")
	fs.StringVar(&f.Codec, "codec", "", "video `CODEC`: "+strings.Join(video.Codecs, ", ")+" (default: the extension's)")
	fs.StringVar(&f.Quality, "quality", f.Quality, "video `QUALITY`: "+strings.Join(video.Qualities, ", "))
	fs.BoolVar(&f.Overwrite, "overwrite", false, "replace output files that exist (default: refuse)")
	fs.BoolVar(&f.NoAudio, "no-audio", false, "leave the source's audio out of the annotated video (kept only for files read whole)")
	fs.DurationVar(&f.Segment, "segment", f.Segment, "record a live camera in -out-dir as `LENGTH` segments: DIR/NAME/DATE/HH-MM-SS.mp4")
	fs.Func("keep", "delete each camera's segments and clips older than `AGE` (7d, 12h; default: all kept)", func(v string) (err error) { f.Keep, err = segment.ParseAge(v); return err })
	fs.Func("keep-size", "keep each camera's segments and clips within `SIZE` (20GB, 500MB), the oldest deleted first", func(v string) (err error) { f.KeepSize, err = segment.ParseSize(v); return err })
	fs.DurationVar(&f.Clips, "clips", 0, "keep a clip and a snapshot of each event, from `DURATION` before it to DURATION after: NAME/clips/DATE/ (a camera), NAME.clips/ (a file)")
	fs.Group("output", "out", "out-dir", "results", "events", "report", "codec", "quality", "overwrite", "no-audio", "segment", "keep", "keep-size", "clips")
}

// defineResults declares the "results" group: the classes reported, and
// when a label enters and leaves.
func defineResults(fs *cliflag.Set, f *mainjob.Settings) {
	fs.IntVar(&f.TopK, "topk", f.TopK, fmt.Sprintf("`N` classes per frame (1-%d)", mainjob.MaxTopK))
	fs.Float64Var(&f.MinScore, "min-score", 0, "leave out classes scoring below `P` (0-1) from results, events and the overlay")
	fs.Multi("allow", "report only this `CLASS`: an index, a WordNet id or a label's first name (repeatable)", func(v string) error { f.Allow = append(f.Allow, v); return nil })
	fs.Multi("deny", "never report this `CLASS` (repeatable; same forms as -allow)", func(v string) error { f.Deny = append(f.Deny, v); return nil })
	fs.Float64Var(&f.Smooth, "smooth", 0, "`WEIGHT` of the newest frame in a moving average of the probabilities (0: off; at most 1)")
	fs.Float64Var(&f.EventEnter, "event-enter", f.EventEnter, "`SCORE` at which a class enters (-events)")
	fs.Float64Var(&f.EventLeave, "event-leave", f.EventLeave, "`SCORE` below which an entered class leaves (-events; at most -event-enter)")
	fs.DurationVar(&f.EventMin, "event-min", 0, "how long (`DURATION`) a class must stay before it has entered (-events)")
	fs.DurationVar(&f.EventCooldown, "event-cooldown", 0, "how long (`DURATION`) after leaving a class cannot enter again (-events)")
	fs.DurationVar(&f.Merge, "merge", f.Merge, "in the end summary and report, merge label changes shorter than `DURATION` into their neighbours")
	fs.Group("results", "topk", "min-score", "allow", "deny", "smooth", "merge", "event-enter", "event-leave", "event-min", "event-cooldown")
}

// defineDetection declares the detector's group (detectflags.go).
func defineDetection(fs *cliflag.Set, f *mainjob.Settings) {
	defineDetector(fs, f)
	fs.Group("detection (-model coco_ssd_mobilenet_v1; -min-score, -allow and -deny filter objects by label)", detectFlagNames...)
}

// defineViewer declares the "viewer" group: the window, the HTTP viewer
// and the overlay.
func defineViewer(fs *cliflag.Set, f *mainjob.Settings) {
	fs.BoolVar(&f.Display, "display", false, "show the annotated stream in a window (needs a display)")
	fs.StringVar(&f.Serve, "serve", "", "serve the annotated stream and labels over HTTP on `ADDR` (e.g. 127.0.0.1:8080), with /healthz and Prometheus /metrics")
	fs.StringVar(&f.ServeToken, "serve-token", os.Getenv("LIVECAM_SERVE_TOKEN"), "bearer `TOKEN` the viewer requires (default $LIVECAM_SERVE_TOKEN)")
	fs.IntVar(&f.MaxViewers, "serve-max-viewers", f.MaxViewers, "`N` simultaneous viewers of -serve (1-100)")
	fs.StringVar(&f.ServeHosts, "serve-host", "", "comma-separated host names (`HOSTS`) the viewer answers to without a token, besides IP addresses and localhost")
	fs.Float64Var(&f.Threshold, "threshold", f.Threshold, "below this top score `P` (0-1) the overlay says it is not sure, and the summary counts the time as unsure")
	fs.StringVar(&f.Font, "font", "", "TrueType or OpenType font `FILE` for the overlay (default: Go Regular; labels in Chinese need e.g. DroidSansFallbackFull.ttf)")
	fs.Group("viewer", "display", "serve", "serve-token", "serve-max-viewers", "serve-host", "threshold", "font")
}

// defineBrokers declares the "MQTT and NATS" group.
func defineBrokers(fs *cliflag.Set, f *mainjob.Settings) {
	fs.StringVar(&f.MQTT, "mqtt", "", "publish the current label and the events to the MQTT broker at `URL` (mqtt://HOST:PORT or mqtts://)")
	fs.StringVar(&f.MQTTPrefix, "mqtt-prefix", f.MQTTPrefix, "first part of every MQTT topic: `PREFIX`/CAMERA/...")
	fs.StringVar(&f.MQTTUser, "mqtt-user", "", "MQTT user `NAME` (the password comes from $LIVECAM_MQTT_PASSWORD or -mqtt-password-file)")
	fs.StringVar(&f.MQTTPasswordFile, "mqtt-password-file", "", "read the MQTT password from `FILE`")
	fs.StringVar(&f.MQTTDiscovery, "mqtt-discovery", "", "announce the camera's label to Home Assistant under this discovery `PREFIX` (usually homeassistant)")
	fs.BoolVar(&f.MQTTResults, "mqtt-results", false, "also publish every frame's result to PREFIX/CAMERA/results (QoS 0)")
	fs.StringVar(&f.MQTTCA, "mqtt-ca", "", "for mqtts://, trust the broker's certificate if this CA `FILE` (PEM) signed it (default: the system's roots)")
	fs.StringVar(&f.MQTTCert, "mqtt-cert", "", "for mqtts://, the client certificate `FILE` (PEM) brokers that ask for one get (with -mqtt-key)")
	fs.StringVar(&f.MQTTKey, "mqtt-key", "", "the client certificate's key `FILE` (PEM)")
	fs.StringVar(&f.NATS, "nats", "", "publish the current label and the events to NATS JetStream at `URL` (stream LIVECAM_CAMERAS, subjects livecam.cameras.CAMERA.*)")
	fs.BoolVar(&f.NATSResults, "nats-results", false, "also publish every frame's result to livecam.cameras.CAMERA.results")
	fs.Group("MQTT and NATS", "mqtt", "mqtt-prefix", "mqtt-user", "mqtt-password-file", "mqtt-discovery", "mqtt-results", "mqtt-ca", "mqtt-cert", "mqtt-key", "nats", "nats-results")
}

// defineNATSAuth declares the NATS credentials' group (natsflags.go).
func defineNATSAuth(fs *cliflag.Set, f *mainjob.Settings) {
	defineAuth(fs, &f.NATSAuth)
	fs.Group("NATS credentials (secrets from files or the environment, never the URL)", natsAuthFlagNames...)
}

// defineTuning declares the "tuning" group.
func defineTuning(fs *cliflag.Set, f *mainjob.Settings) {
	fs.IntVar(&f.Workers, "workers", 0, fmt.Sprintf("`N` inference workers (0: one per core, at most %d)", mainjob.MaxWorkers))
	fs.IntVar(&f.Threads, "threads", f.Threads, fmt.Sprintf("`N` threads per forward pass (1-%d)", mainjob.MaxWorkers))
	fs.Group("tuning", "workers", "threads")
}

// defineDiagnostics declares the "progress and diagnostics" group.
func defineDiagnostics(fs *cliflag.Set, f *mainjob.Settings) {
	fs.BoolVar(&f.Progress, "progress", false, "show the progress bar even when standard error is not a terminal")
	fs.BoolVar(&f.Quiet, "quiet", false, "no progress bar and no end summary")
	fs.BoolVar(&f.Verbose, "v", false, "print statistics every few seconds, and OpenCV's and FFmpeg's own messages")
	fs.StringVar(&f.Profile, "profile", "", "profile the run: `KIND` cpu, mem, block, mutex or trace (written to the current directory)")
	fs.Group("progress and diagnostics", "progress", "quiet", "v", "profile")
}

// isSet reports whether flag name was given.
func isSet(fs *cliflag.Set, name string) bool {
	set := false
	fs.Visit(func(fl *flag.Flag) { set = set || fl.Name == name })
	return set
}

// defineDetector declares the detector's flags in fs.
func defineDetector(fs *cliflag.Set, d *mainjob.Settings) {
	fs.Multi("zone", "with a detector, a named zone `NAME=x1,y1,x2,y2,x3,y3,...` in pixels, or fractions of the frame when every value is within 0-1; an object is in it when its box's bottom centre is (repeatable)", func(v string) error {
		if _, err := track.ParseZone(v); err != nil {
			return errors.New(strings.TrimPrefix(err.Error(), "track: "))
		}
		d.Zones = append(d.Zones, v)
		return nil
	})
	fs.IntVar(&d.MinArea, "min-area", 0, "with a detector, leave out objects whose box is smaller than `N` pixels²")
	fs.StringVar(&d.Snapshots, "snapshots", "", "with a detector, write a JPEG of each tracked object's best frame into `DIR` (CAMERA-RUN-ID-LABEL.jpg, RUN the run's start) when it leaves")
	fs.BoolVar(&d.NoTrack, "no-track", false, "with a detector, do not track objects: no ids, no enter and leave events")
	fs.IntVar(&d.TrackMaxLost, "track-max-lost", d.TrackMaxLost, "with a detector, inferred frames (`N`) a track may go unseen before its object leaves")
	fs.IntVar(&d.TrackMinHits, "track-min-hits", d.TrackMinHits, "with a detector, inferred frames (`N`) an object must be seen before it enters and gets an id")
}

// detectFlagNames are the detector's flags, for -h's groups.
var detectFlagNames = []string{"zone", "min-area", "snapshots", "no-track", "track-max-lost", "track-min-hits"}

// onlyWithDetector refuses the detector's flags in a classifier's run.
func onlyWithDetector(fs *cliflag.Set) error {
	for _, name := range detectFlagNames {
		if isSet(fs, name) {
			return fmt.Errorf("%w: -%s is for a detection model (-model %s); this run classifies", errUsage, name, defaultDetector)
		}
	}
	return nil
}

// natsAuthFlagNames are the NATS credentials and TLS flags that submit,
// worker, jobs and a run's -nats share (defineAuth's), for usage groups.
var natsAuthFlagNames = []string{"nats-creds", "nats-nkey", "nats-user", "nats-password-file", "nats-token-file", "nats-ca", "nats-cert", "nats-key"}

// defineAuth registers the flags of a's fields on fs. Secrets come from
// files or the environment, never from the command line.
func defineAuth(fs *cliflag.Set, a *fleet.Auth) {
	fs.StringVar(&a.CredsFile, "nats-creds", "", "NATS credentials: a .creds `FILE` (user JWT and NKey seed)")
	fs.StringVar(&a.NkeyFile, "nats-nkey", "", "NATS credentials: an NKey seed `FILE`")
	fs.StringVar(&a.User, "nats-user", "", "NATS user `NAME`; the password from $"+fleet.EnvPassword+" or -nats-password-file")
	fs.StringVar(&a.PasswordFile, "nats-password-file", "", "read the NATS user's password from `FILE`")
	fs.StringVar(&a.TokenFile, "nats-token-file", "", "NATS credentials: a token read from `FILE` (or $"+fleet.EnvToken+")")
	fs.StringVar(&a.CAFile, "nats-ca", "", "connect to NATS over TLS, trusting the certificates in `FILE`")
	fs.StringVar(&a.CertFile, "nats-cert", "", "the client certificate `FILE` for NATS over TLS (with -nats-key)")
	fs.StringVar(&a.KeyFile, "nats-key", "", "the client key `FILE` for NATS over TLS (with -nats-cert)")
}

// authOptions checks url and reads a's secrets (fleet.Auth.Options).
func authOptions(a *fleet.Auth, url string) ([]nats.Option, error) {
	if err := fleet.CheckURL(url); err != nil {
		return nil, err
	}
	return a.Options()
}

// connectNATS connects a fleet command to the server at url.
func connectNATS(a *fleet.Auth, url, name string) (*nats.Conn, jetstream.JetStream, error) {
	opts, err := authOptions(a, url)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %v", errUsage, err)
	}
	return fleet.Connect(url, name, opts...)
}
