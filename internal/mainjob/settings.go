package mainjob

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/livecam/livecam/cameras"
	"github.com/livecam/livecam/fleet"
	"github.com/livecam/livecam/internal/batch"
	"github.com/livecam/livecam/internal/cliflag"
	"github.com/livecam/livecam/sink/segment"
	"github.com/livecam/livecam/sink/video"
)

// MaxWorkers bounds Workers and Threads: each worker holds a Runner's
// scratch memory (about 4 MB), and more than this many gains nothing.
const MaxWorkers = 64

// MaxTopK bounds TopK: classes per frame, on screen and in every message.
const MaxTopK = 10

// Job is one source and the outputs made from it ("" leaves one out,
// "-" is standard output).
type Job = batch.Job

// Settings are the main job's settings: one field per flag of the
// command (named after it), the zero value of each meaning what the
// flag's zero means. The command binds its flags straight to them.
type Settings struct {
	Sources    []string      // -source: cameras, files, folders, globs, URLs, GStreamer pipelines
	Config     string        // -config: the cameras' YAML file
	Realtime   bool          // -realtime: pace a file at its frame rate, live
	Loop       bool          // -loop: play a file again when it ends
	Reconnect  time.Duration // -reconnect: most time between attempts to reopen a lost source (0: stop)
	MaxFPS     float64       // -fps: at most this many forward passes a second (0: no cap)
	Every      int           // -every: classify every K-th frame
	Model      string        // -model: the model's name, folder or file ("" the default)
	Labels     string        // -labels: a labels file
	Out        string        // -out: the annotated video
	OutDir     string        // -out-dir: each source's outputs, named after it, in this folder
	Results    string        // -results: a JSON line per frame
	Events     string        // -events: a JSON line per event
	Report     string        // -report: the HTML report (needs Results)
	Codec      string        // -codec: the video codec ("" the extension's)
	Quality    string        // -quality: the video quality
	Overwrite  bool          // -overwrite: replace outputs that exist
	NoAudio    bool          // -no-audio: leave the source's audio out of the annotated video
	Segment    time.Duration // -segment: length of a live camera's recorded segments (cameras with OutDir)
	Keep       time.Duration // -keep: delete recorded segments older than this (0: keep all)
	KeepSize   int64         // -keep-size: each camera's recordings within this many bytes (0: no limit)
	Clips      time.Duration // -clips: a clip of each event, from this long before it to this long after, cut from the recording (0: none)
	TopK       int           // -topk: classes per frame
	MinScore   float64       // -min-score: leave out classes (or objects) scoring below this
	Allow      []string      // -allow: report only these classes (or labels)
	Deny       []string      // -deny: never report these classes (or labels)
	Smooth     float64       // -smooth: weight of the newest frame in a moving average (0: off)
	Merge      time.Duration // -merge: label changes shorter than this merge into their neighbours
	Display    bool          // -display: a window
	Serve      string        // -serve: the HTTP viewer's address
	ServeToken string        // -serve-token: the token the viewer requires
	ServeHosts string        // -serve-host: host names the viewer answers without a token (comma-separated)
	MaxViewers int           // -serve-max-viewers: simultaneous viewers
	Threshold  float64       // -threshold: below this top score the overlay and summary say unsure
	Font       string        // -font: the overlay's font file

	EventEnter    float64       // -event-enter: score at which a class enters
	EventLeave    float64       // -event-leave: score below which it leaves
	EventMin      time.Duration // -event-min: how long a class stays before it has entered
	EventCooldown time.Duration // -event-cooldown: how long after leaving it cannot enter again

	Zones        []string // -zone: a detector's named zones (track.ParseZone)
	MinArea      int      // -min-area: leave out smaller objects (pixels²)
	Snapshots    string   // -snapshots: each tracked object's best frame into this folder
	NoTrack      bool     // -no-track: no tracking
	TrackMaxLost int      // -track-max-lost: inferred frames a track may go unseen
	TrackMinHits int      // -track-min-hits: inferred frames an object is seen before it enters

	MQTT             string     // -mqtt: the MQTT broker's URL
	MQTTPrefix       string     // -mqtt-prefix: the topics' first part
	MQTTUser         string     // -mqtt-user
	MQTTPasswordFile string     // -mqtt-password-file (else $LIVECAM_MQTT_PASSWORD)
	MQTTDiscovery    string     // -mqtt-discovery: Home Assistant's discovery prefix
	MQTTResults      bool       // -mqtt-results: every frame's result too
	MQTTCA           string     // -mqtt-ca
	MQTTCert         string     // -mqtt-cert
	MQTTKey          string     // -mqtt-key
	NATS             string     // -nats: the NATS server's URL
	NATSResults      bool       // -nats-results: every frame's result too
	NATSAuth         fleet.Auth // -nats-user, -nats-creds...: credentials and TLS

	Workers  int    // -workers: inference workers (0: one per core)
	Threads  int    // -threads: threads per forward pass
	Progress bool   // -progress: the bar even when standard error is no terminal
	Quiet    bool   // -quiet: no bar, no end summary
	Verbose  bool   // -v: statistics every few seconds
	Profile  string // -profile: cpu, mem, block, mutex or trace
}

// Validate checks the values of s, one flag at a time; its messages name
// the flags.
func (s *Settings) Validate() error {
	in, fin, din := cliflag.IntIn, cliflag.FloatIn, cliflag.DurationIn
	err := cliflag.FirstError(
		in("every", s.Every, 1, 1_000_000), fin("fps", s.MaxFPS, 0, 1000), in("topk", s.TopK, 1, MaxTopK),
		fin("min-score", s.MinScore, 0, 1), fin("event-enter", s.EventEnter, 0, 1), fin("event-leave", s.EventLeave, 0, s.EventEnter),
		din("event-min", s.EventMin, 0, 24*time.Hour), din("event-cooldown", s.EventCooldown, 0, 24*time.Hour),
		din("merge", s.Merge, 0, 24*time.Hour), in("workers", s.Workers, 0, MaxWorkers), in("threads", s.Threads, 1, MaxWorkers),
		fin("smooth", s.Smooth, 0, 1), fin("threshold", s.Threshold, 0, 1), in("serve-max-viewers", s.MaxViewers, 1, 100),
		din("reconnect", s.Reconnect, 0, time.Hour), in("min-area", s.MinArea, 0, 1<<30),
		in("track-max-lost", s.TrackMaxLost, 1, 100_000), in("track-min-hits", s.TrackMinHits, 1, 1000),
		din("segment", s.Segment, time.Second, 24*time.Hour), din("keep", s.Keep, 0, 100*365*24*time.Hour), din("clips", s.Clips, 0, time.Hour),
	)
	switch {
	case err != nil:
		return err
	case s.NoTrack && (s.Snapshots != "" || len(s.Zones) > 0):
		return errors.New("-no-track: -snapshots and -zone need tracking (each object's best frame, each object's zones)")
	case s.Codec != "" && !slices.Contains(video.Codecs, s.Codec):
		return fmt.Errorf("-codec %q: want %s", s.Codec, strings.Join(video.Codecs, ", "))
	case !slices.Contains(video.Qualities, s.Quality):
		return fmt.Errorf("-quality %q: want %s", s.Quality, strings.Join(video.Qualities, ", "))
	case s.Results == "-" && s.Events == "-":
		return errors.New("-results and -events cannot both be standard output")
	case s.Report != "" && (s.Results == "" || s.Results == "-"):
		return errors.New("-report needs -results FILE (the report is made from the results file)")
	case s.Progress && s.Quiet:
		return errors.New("-progress and -quiet contradict each other")
	}
	return nil
}

// Inputs lists every source of a run (each job's, each camera's), for
// the check that no output of the run replaces any of them.
func Inputs(jobs []Job, cams []cameras.Camera) []string {
	var in []string
	for _, j := range jobs {
		in = append(in, j.Source)
	}
	for _, c := range cams {
		in = append(in, c.Source)
	}
	return in
}

// Defaults are the settings of a run given no flag: the command's flags
// default to them.
func Defaults() Settings {
	return Settings{Reconnect: 10 * time.Second, Every: 1, Quality: "medium", TopK: 3, EventEnter: 0.5, EventLeave: 0.3,
		Merge: time.Second, MaxViewers: 4, Threshold: 0.2, MQTTPrefix: "livecam", Threads: 1, TrackMaxLost: 15, TrackMinHits: 3, Segment: segment.DefaultLength}
}
