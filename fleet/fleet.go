// Package fleet spreads recorded video over many machines through NATS
// JetStream: a work queue of jobs (one video each), any number of workers
// that pull them one at a time, a results stream that holds every frame's
// result of every job, a dead-letter stream for the jobs that cannot be
// done, and a key-value bucket with each job's state.
//
//	livecam.jobs              LIVECAM_JOBS, work queue: one message per job,
//	                          message id = job id (a double submit is one job)
//	livecam.results.JOB       LIVECAM_RESULTS: every frame's result (JSON
//	livecam.summary.JOB       line, id JOB/FRAME) and the job's summary
//	livecam.dead.JOB          LIVECAM_DEAD: jobs given up, with the reason
//	livecam_jobs (KV)         JOB -> State: queued, running (worker,
//	                          progress), done, failed
//
// A worker acknowledges a job only once its outputs are whole under their
// final names and its results and summary are stored; while it works it
// tells the server so (in-progress acknowledgements), and a worker that
// dies has its job delivered again to another after the ack wait. A job
// that fails for a reason of its own (an unreadable video) is retried a
// bounded number of times, then dead-lettered with the reason; a job that
// is not even a job (malformed) is dead-lettered at once.
package fleet

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// The streams, subjects, consumer and bucket the fleet uses.
const (
	JobsStream    = "LIVECAM_JOBS"
	JobsSubject   = "livecam.jobs"
	ResultsStream = "LIVECAM_RESULTS"
	DeadStream    = "LIVECAM_DEAD"
	Consumer      = "livecam-workers"
	StateBucket   = "livecam_jobs"
)

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
}

// NewJob makes the job of one video; its id is the same for the same
// source and outputs, so submitting it twice makes one job.
func NewJob(source, out, results string) Job {
	h := sha256.New()
	for _, s := range []string{source, out, results} {
		abs, err := filepath.Abs(s)
		if err != nil || s == "" {
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
	Job      Job       `json:"job"`
	State    string    `json:"state"`
	Worker   string    `json:"worker,omitempty"`
	Progress float64   `json:"progress,omitempty"` // 0 to 1, while running
	Attempts int       `json:"attempts,omitempty"` // deliveries so far
	Error    string    `json:"error,omitempty"`    // the last failure
	Frames   int       `json:"frames,omitempty"`   // when done
	Updated  time.Time `json:"updated"`
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
}

// Connect connects to a NATS server and keeps reconnecting for as long as
// the connection lives.
func Connect(url, name string) (*nats.Conn, jetstream.JetStream, error) {
	nc, err := nats.Connect(url, nats.Name(name), nats.MaxReconnects(-1), nats.ReconnectWait(250*time.Millisecond),
		nats.RetryOnFailedConnect(false), nats.Timeout(5*time.Second))
	if err != nil {
		return nil, nil, fmt.Errorf("nats %s: %w", url, err)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		return nil, nil, fmt.Errorf("nats %s: %w", url, err)
	}
	return nc, js, nil
}

// Setup creates the streams, the consumer and the state bucket, or
// checks they exist; it is safe to call from every process. A positive
// AckWait also updates the consumer's.
func Setup(ctx context.Context, js jetstream.JetStream, opts Options) (jetstream.Consumer, jetstream.KeyValue, error) {
	if opts.ResultsMaxAge <= 0 {
		opts.ResultsMaxAge = 7 * 24 * time.Hour
	}
	streams := []jetstream.StreamConfig{
		{Name: JobsStream, Subjects: []string{JobsSubject}, Retention: jetstream.WorkQueuePolicy, Storage: jetstream.FileStorage,
			Duplicates: 24 * time.Hour, Description: "livecam jobs: one message per video"},
		{Name: ResultsStream, Subjects: []string{"livecam.results.>", "livecam.summary.>"}, Storage: jetstream.FileStorage,
			Duplicates: time.Hour, MaxAge: opts.ResultsMaxAge, Description: "livecam results: every frame of every job, and each job's summary"},
		{Name: DeadStream, Subjects: []string{"livecam.dead.>"}, Storage: jetstream.FileStorage, Description: "livecam jobs given up, with the reason"},
	}
	for _, cfg := range streams {
		if _, err := js.CreateOrUpdateStream(ctx, cfg); err != nil {
			return nil, nil, fmt.Errorf("stream %s: %w", cfg.Name, err)
		}
	}
	kv, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: StateBucket, Storage: jetstream.FileStorage, History: 1,
		Description: "livecam: each job's state"})
	if err != nil {
		return nil, nil, fmt.Errorf("bucket %s: %w", StateBucket, err)
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

// putState records a job's state.
func putState(ctx context.Context, kv jetstream.KeyValue, s State) error {
	s.Updated = time.Now().UTC()
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
