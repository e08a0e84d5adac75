// Package fleet spreads recorded video over many machines through NATS
// JetStream: a work queue of jobs (one video each), any number of workers
// that pull them one at a time, a results stream that holds every frame's
// result of every job, a dead-letter stream for the jobs that cannot be
// done, and a key-value bucket with each job's state.
//
//	livecam.jobs              LIVECAM_JOBS, work queue: one message per job,
//	                          message id = job id (a double submit is one job)
//	livecam.results.JOB       LIVECAM_RESULTS: every frame's result, in
//	                          batches (below), and the job's summary
//	livecam.summary.JOB       (id JOB/summary)
//	livecam.dead.JOB          LIVECAM_DEAD: jobs given up, with the reason
//	livecam_jobs (KV)         JOB -> State: queued, running (worker,
//	                          progress), done, failed
//	livecam_outputs (KV)      hash of an output -> the job that writes it
//	livecam_workers (KV)      WORKER -> WorkerState: waiting, working,
//	                          not taking jobs (and why)
//
// A job's results travel in batches (Results): one message per second of
// video or per 30 frames, whichever comes first (Options.BatchDuration,
// BatchFrames). A batch's data is its frames' result lines, package
// wire's (wire.AppendResult), joined by '\n' (no newline at the end);
// its header Livecam-Frames (FramesHeader) lists its frames, one per
// line, in increasing order, as numbers and runs ("0-29", "30 32-40");
// its message id is JOB/FIRST-LAST, its first and last frame. The same
// frames make the same batches, so a batch sent again, or a job done again
// after its worker died, is dropped by the stream's one-hour duplicate
// window; ReadResults (and a reader that keeps, per job, the last frame it
// stored) gives each frame once, in order, whatever the window kept.
// SplitBatch reads one batch. Streams and buckets take a replica count
// for a JetStream cluster (Options.Replicas).
//
// A worker acknowledges a job only once its outputs are whole under their
// final names and its results and summary are stored; while it works it
// tells the server so (in-progress acknowledgements), and a worker that
// dies has its job delivered again to another after the ack wait. A job
// that fails for a reason of its own (an unreadable video) is retried a
// bounded number of times, then dead-lettered with the reason; a job that
// is not even a job (malformed) is dead-lettered at once.
//
// A job message is hostile until checked: a worker is given Limits (the
// folders it may read and write, and whether it takes URLs), and a job
// that names anything else (a GStreamer pipeline, a device, a file out of
// the roots, an output on an input or through a link) is dead-lettered at
// once with the reason (ErrRefused). A worker's own faults (an output
// root it cannot write, a full disk) are not charged to the job: the
// worker hands it back and takes no job until it can write again; a job
// delivered more than MaxDeliveries times without an outcome (it kills
// its workers) is dead-lettered. Submit refuses a job whose outputs are
// those of another job still queued or running (CheckSubmitSource
// refuses before that what every worker would). A Process runs a job on
// its JobFiles (Limits.OpenJob): the source and output folders opened
// once and checked as opened, a locked workspace, and outputs that move
// into place together. Auth carries the credentials of a deployment with
// users and permissions, its secrets read from files or the environment
// (see internal/testrig/natstest.Authorization for the recommended server
// configuration); WriteStates prints the jobs' and workers' states.
package fleet

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/livecam/livecam/internal/redact"
)

// The streams, subjects, consumer and bucket the fleet uses.
const (
	JobsStream    = "LIVECAM_JOBS"
	JobsSubject   = "livecam.jobs"
	ResultsStream = "LIVECAM_RESULTS"
	DeadStream    = "LIVECAM_DEAD"
	Consumer      = "livecam-workers"
	StateBucket   = "livecam_jobs"
	// OutputBucket maps a hash of each output of a queued or running job
	// to that job's id, so that two jobs never write one file unless
	// the second was submitted with -overwrite.
	OutputBucket = "livecam_outputs"
	// WorkerBucket holds each worker's state (waiting, working, or not
	// taking jobs and why), kept for WorkerStateMaxAge.
	WorkerBucket = "livecam_workers"
)

// WorkerStateMaxAge is how long a worker's state is kept without news:
// a worker that is gone drops out of the list after it.
const WorkerStateMaxAge = 5 * time.Minute

// ResultsSubject is where a job's per-frame results go.
func ResultsSubject(job string) string { return "livecam.results." + job }

// SummarySubject is where a job's summary goes when it is done.
func SummarySubject(job string) string { return "livecam.summary." + job }

// DeadSubject is where a job given up goes.
func DeadSubject(job string) string { return "livecam.dead." + job }

// Job is one video to label.
type Job struct {
	// ID names the job; NewJob derives it from the source and outputs.
	ID string `json:"id"`
	// Source is the video: a path on storage every worker shares, or a
	// URL.
	Source string `json:"source"`
	// Out is the annotated video to write ("" for none); Results the
	// JSON lines of the results.
	Out     string `json:"out,omitempty"`
	Results string `json:"results"`
	// TopK is how many classes each result reports (0: 3).
	TopK int `json:"topk,omitempty"`
	// Every classifies every K-th frame (0: every frame).
	Every int `json:"every,omitempty"`
	// Overwrite lets the job replace outputs that exist (submit
	// -overwrite); without it an existing output fails the job.
	Overwrite bool `json:"overwrite,omitempty"`
}

// NewJob makes the job of one video; its id is the same for the same
// source and outputs, so submitting it twice makes one job. Workers take
// only jobs whose id is the one NewJob makes of them, so a job message
// cannot take the id (and the state, results and outputs record) of
// another.
func NewJob(source, out, results string) Job {
	h := sha256.New()
	for _, s := range []string{source, out, results} {
		abs, err := filepath.Abs(s)
		if err != nil || s == "" || IsURL(s) {
			abs = s
		}
		h.Write([]byte(abs))
		h.Write([]byte{0})
	}
	return Job{ID: hex.EncodeToString(h.Sum(nil))[:16], Source: source, Out: out, Results: results}
}

// check reports what makes a job impossible to run.
func (j Job) check() error {
	switch {
	case j.ID == "" || len(j.ID) > 64:
		return errors.New("no job id (or a longer one than 64 characters)")
	case j.Source == "":
		return errors.New("no source")
	case j.Results == "":
		return errors.New("no results file")
	case j.TopK < 0 || j.TopK > 10 || j.Every < 0:
		return errors.New("options out of range")
	}
	for _, r := range j.ID {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return fmt.Errorf("job id %q: letters, digits, '-' and '_' only", j.ID)
		}
	}
	return nil
}

// The states of a job.
const (
	Queued  = "queued"
	Running = "running"
	Done    = "done"
	Failed  = "failed"
)

// State is what the state bucket holds of a job.
type State struct {
	Job      Job     `json:"job"`
	State    string  `json:"state"`
	Worker   string  `json:"worker,omitempty"`
	Progress float64 `json:"progress,omitempty"` // 0 to 1, while running
	Attempts int     `json:"attempts,omitempty"` // deliveries so far
	// Failures counts the tries that failed for a reason of the job's
	// own; HandedBack the deliveries a worker gave back for a fault of
	// its own (stopping, an output root it cannot write): those are not
	// charged to the job.
	Failures   int       `json:"failures,omitempty"`
	HandedBack int       `json:"handed_back,omitempty"`
	Error      string    `json:"error,omitempty"`  // the last failure
	Frames     int       `json:"frames,omitempty"` // when done
	Updated    time.Time `json:"updated"`
}

// Redacted returns a copy of the state with the credentials of its
// source (a URL's password, a token parameter) and of the URLs in its
// error replaced by "xxxxx".
func (s State) Redacted() State {
	s.Job.Source = redact.URL(s.Job.Source)
	s.Error = redact.Text(s.Error)
	return s
}

// Summary is what a worker publishes when a job is done.
type Summary struct {
	Job     string   `json:"job"`
	Source  string   `json:"source"`
	Worker  string   `json:"worker"`
	Frames  int      `json:"frames"`
	Seconds float64  `json:"seconds"`
	Outputs []string `json:"outputs"`
	// Labels are the labels seen, in order, with changes shorter than a
	// second merged.
	Labels []string `json:"labels,omitempty"`
}

// Options tune the streams and the consumer.
type Options struct {
	// AckWait is how long a job may go without news from its worker
	// before it is delivered to another (default 30 s); workers send
	// news every third of it.
	AckWait time.Duration
	// ResultsMaxAge bounds how long results are kept (default 7 days).
	ResultsMaxAge time.Duration
	// Replicas is how many servers of a JetStream cluster keep each
	// stream and bucket the fleet makes (1 to 5; 0: 1). Streams and
	// buckets that exist must have as many, unless Replicas is 0 (a
	// submitter, livecam jobs: whatever they have).
	Replicas int
	// BatchFrames and BatchDuration bound a results batch: a message
	// per BatchDuration of video or per BatchFrames frames, whichever
	// comes first (defaults DefaultBatchFrames, DefaultBatchDuration);
	// a batch also stays under MaxBatchBytes.
	BatchFrames   int
	BatchDuration time.Duration
}

// MaxReplicas is the most replicas JetStream keeps of a stream.
const MaxReplicas = 5

// Connect connects to a NATS server and keeps reconnecting for as long as
// the connection lives; opts carry the credentials and TLS settings
// (Auth.Options builds them). Errors name the server with its
// credentials redacted.
func Connect(url, name string, opts ...nats.Option) (*nats.Conn, jetstream.JetStream, error) {
	all := append([]nats.Option{nats.Name(name), nats.MaxReconnects(-1), nats.ReconnectWait(250 * time.Millisecond),
		nats.RetryOnFailedConnect(false), nats.Timeout(5 * time.Second)}, opts...)
	nc, err := nats.Connect(url, all...)
	if err != nil {
		return nil, nil, ConnectError(url, err)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		return nil, nil, ConnectError(url, err)
	}
	return nc, js, nil
}

// Setup creates the streams, the consumer and the buckets, or checks they
// exist; it is safe to call from every process. A positive AckWait also
// updates the consumer's. Streams and buckets that exist are left as they
// are (a submitter needs no right to change them).
func Setup(ctx context.Context, js jetstream.JetStream, opts Options) (jetstream.Consumer, jetstream.KeyValue, error) {
	kv, err := setupStreams(ctx, js, opts)
	if err != nil {
		return nil, nil, err
	}
	cons, err := js.Consumer(ctx, JobsStream, Consumer)
	if err != nil || opts.AckWait > 0 {
		wait := opts.AckWait
		if wait <= 0 {
			wait = 30 * time.Second
		}
		cons, err = js.CreateOrUpdateConsumer(ctx, JobsStream, jetstream.ConsumerConfig{Durable: Consumer,
			AckPolicy: jetstream.AckExplicitPolicy, AckWait: wait, MaxDeliver: -1, MaxAckPending: 1000,
			Description: "livecam workers"})
		if err != nil {
			return nil, nil, fmt.Errorf("consumer %s: %w", Consumer, err)
		}
	}
	return cons, kv, nil
}

// setupStreams creates the streams and buckets that do not exist yet and
// returns the state bucket.
func setupStreams(ctx context.Context, js jetstream.JetStream, opts Options) (jetstream.KeyValue, error) {
	if opts.ResultsMaxAge <= 0 {
		opts.ResultsMaxAge = 7 * 24 * time.Hour
	}
	if opts.Replicas < 0 || opts.Replicas > MaxReplicas {
		return nil, fmt.Errorf("%d replicas: a stream has 1 to %d", opts.Replicas, MaxReplicas)
	}
	replicas := max(opts.Replicas, 1)
	streams := []jetstream.StreamConfig{
		{Name: JobsStream, Subjects: []string{JobsSubject}, Retention: jetstream.WorkQueuePolicy, Storage: jetstream.FileStorage,
			Duplicates: 24 * time.Hour, Replicas: replicas, Description: "livecam jobs: one message per video"},
		{Name: ResultsStream, Subjects: []string{"livecam.results.>", "livecam.summary.>"}, Storage: jetstream.FileStorage,
			Duplicates: time.Hour, MaxAge: opts.ResultsMaxAge, Replicas: replicas, Description: "livecam results: every frame of every job (in batches), and each job's summary"},
		{Name: DeadStream, Subjects: []string{"livecam.dead.>"}, Storage: jetstream.FileStorage, Replicas: replicas, Description: "livecam jobs given up, with the reason"},
	}
	for _, cfg := range streams {
		if st, err := js.Stream(ctx, cfg.Name); err == nil {
			if err := checkStream(cfg, st.CachedInfo().Config, opts.Replicas); err != nil {
				return nil, err
			}
			continue
		} else if !errors.Is(err, jetstream.ErrStreamNotFound) {
			return nil, fmt.Errorf("stream %s: %w", cfg.Name, err)
		}
		// A user without the right to create it (a submitter, for the
		// results and the dead letters) has no answer: do not wait long.
		cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		_, err := js.CreateStream(cctx, cfg)
		cancel()
		if errors.Is(err, jetstream.ErrStreamNameAlreadyInUse) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("stream %s does not exist and could not be created (%w): a worker creates the fleet's streams when it starts (or an admin does); a submitter may not create them all", cfg.Name, err)
		}
	}
	var state jetstream.KeyValue
	for _, cfg := range []jetstream.KeyValueConfig{
		{Bucket: StateBucket, Storage: jetstream.FileStorage, History: 1, Replicas: replicas, Description: "livecam: each job's state"},
		{Bucket: OutputBucket, Storage: jetstream.FileStorage, History: 1, Replicas: replicas, Description: "livecam: the outputs of queued and running jobs"},
		{Bucket: WorkerBucket, Storage: jetstream.FileStorage, History: 1, TTL: WorkerStateMaxAge, Replicas: replicas, Description: "livecam: each worker's state"},
	} {
		kv, err := js.KeyValue(ctx, cfg.Bucket)
		if err == nil && opts.Replicas > 0 {
			if err := checkBucketReplicas(ctx, kv, cfg.Bucket, opts.Replicas); err != nil {
				return nil, err
			}
		}
		if errors.Is(err, jetstream.ErrBucketNotFound) {
			kv, err = js.CreateKeyValue(ctx, cfg)
			if errors.Is(err, jetstream.ErrBucketExists) || errors.Is(err, jetstream.ErrStreamNameAlreadyInUse) {
				kv, err = js.KeyValue(ctx, cfg.Bucket)
			}
		}
		if err != nil {
			return nil, fmt.Errorf("bucket %s: %w", cfg.Bucket, err)
		}
		if cfg.Bucket == StateBucket {
			state = kv
		}
	}
	return state, nil
}

// ErrStreamSettings marks a stream that exists with settings other than
// the fleet's (made by someone else first): a worker refuses to start on
// it rather than lose jobs, results or dead letters.
var ErrStreamSettings = errors.New("not the fleet's settings")

// checkStream compares the settings of a stream that exists with those
// the fleet makes: the same subjects and retention, no limit on the
// messages or bytes it keeps (nor an age limit, but for the results),
// and as many replicas as asked (replicas 0: any).
func checkStream(want, got jetstream.StreamConfig, replicas int) error {
	var diffs []string
	if have := max(got.Replicas, 1); replicas > 0 && have != replicas {
		diffs = append(diffs, fmt.Sprintf("%d replicas (want %d)", have, replicas))
	}
	ws, gs := slices.Clone(want.Subjects), slices.Clone(got.Subjects)
	slices.Sort(ws)
	slices.Sort(gs)
	if !slices.Equal(ws, gs) {
		diffs = append(diffs, fmt.Sprintf("subjects %s (want %s)", strings.Join(gs, " "), strings.Join(ws, " ")))
	}
	if got.Retention != want.Retention {
		diffs = append(diffs, fmt.Sprintf("retention %s (want %s)", got.Retention, want.Retention))
	}
	for _, l := range []struct {
		name string
		v    int64
	}{{"max_msgs", got.MaxMsgs}, {"max_bytes", got.MaxBytes}, {"max_msgs_per_subject", got.MaxMsgsPerSubject}} {
		if l.v > 0 {
			diffs = append(diffs, fmt.Sprintf("%s %d (want no limit)", l.name, l.v))
		}
	}
	if want.MaxAge == 0 && got.MaxAge > 0 {
		diffs = append(diffs, fmt.Sprintf("max_age %v (want no limit)", got.MaxAge))
	}
	if got.Sealed {
		diffs = append(diffs, "sealed")
	}
	if len(diffs) > 0 {
		hint := fmt.Sprintf("delete it (nats stream rm %s) and let a worker create it again", want.Name)
		if len(diffs) == 1 && replicas > 0 && max(got.Replicas, 1) != replicas {
			hint = fmt.Sprintf("change it (nats stream edit %s --replicas %d) or ask for %d replicas", want.Name, replicas, max(got.Replicas, 1))
		}
		return fmt.Errorf("stream %s: %w: %s: %s", want.Name, ErrStreamSettings, strings.Join(diffs, ", "), hint)
	}
	return nil
}

// checkBucketReplicas refuses a bucket that exists with another number of
// replicas than asked.
func checkBucketReplicas(ctx context.Context, kv jetstream.KeyValue, bucket string, replicas int) error {
	st, err := kv.Status(ctx)
	if err != nil {
		return fmt.Errorf("bucket %s: %w", bucket, err)
	}
	s, ok := st.(*jetstream.KeyValueBucketStatus)
	if !ok || s.StreamInfo() == nil {
		return nil
	}
	if have := max(s.StreamInfo().Config.Replicas, 1); have != replicas {
		return fmt.Errorf("bucket %s: %w: %d replicas (want %d): delete it (nats kv rm %s) and let a worker create it again, or ask for %d",
			bucket, ErrStreamSettings, have, replicas, bucket, have)
	}
	return nil
}

// putState records a job's state, its source and error with their
// credentials redacted (every submitter reads the states).
func putState(ctx context.Context, kv jetstream.KeyValue, s State) error {
	s.Updated = time.Now().UTC()
	s = s.Redacted()
	b, err := json.Marshal(s)
	if err != nil {
		return err
	}
	_, err = kv.Put(ctx, s.Job.ID, b)
	return err
}

// getState reads a job's state; ok is false when there is none.
func getState(ctx context.Context, kv jetstream.KeyValue, id string) (s State, ok bool, err error) {
	e, err := kv.Get(ctx, id)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return s, false, nil
	}
	if err != nil {
		return s, false, err
	}
	return s, true, json.Unmarshal(e.Value(), &s)
}
