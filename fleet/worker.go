package fleet

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Process does one job: it writes the job's outputs, whole, under their
// final names, sends each frame's result to results (in frame order), and
// reports progress (0 to 1) now and then. It returns what the summary
// says, or why the job failed. When ctx ends it stops as soon as it can,
// leaving nothing under the final names, and returns ctx's error.
type Process func(ctx context.Context, job Job, results *Results, progress func(float64)) (Summary, error)

// Worker pulls jobs one at a time and runs Process on each.
type Worker struct {
	JS jetstream.JetStream
	// Name identifies the worker in the jobs' states and summaries.
	Name    string
	Process Process
	// MaxAttempts is how many times a job that fails for a reason of
	// its own is tried before it is dead-lettered (default 3).
	MaxAttempts int
	// Options set up the streams; AckWait, when positive, is set on the
	// consumer.
	Options Options
	// Logf reports each job and each problem (default: nothing).
	Logf func(format string, args ...any)
}

// Run pulls and processes jobs until stop is closed (the job in hand is
// finished first) or ctx ends (the job in hand is abandoned and handed
// back to the queue at once). It returns nil then; an error only when
// the server cannot be set up.
func (w *Worker) Run(ctx context.Context, stop <-chan struct{}) error {
	if w.MaxAttempts <= 0 {
		w.MaxAttempts = 3
	}
	if w.Logf == nil {
		w.Logf = func(string, ...any) {}
	}
	cons, kv, err := w.setup(ctx)
	if err != nil {
		return err
	}
	info := cons.CachedInfo()
	ackWait := 30 * time.Second
	if info != nil && info.Config.AckWait > 0 {
		ackWait = info.Config.AckWait
	}
	for {
		select {
		case <-stop:
			return nil
		case <-ctx.Done():
			return nil
		default:
		}
		batch, err := cons.Fetch(1, jetstream.FetchMaxWait(time.Second))
		if err != nil {
			// The server is away (restarting): Connect reconnects.
			if !sleep(ctx, stop, 250*time.Millisecond) {
				return nil
			}
			continue
		}
		for msg := range batch.Messages() {
			w.handle(ctx, kv, msg, ackWait)
		}
	}
}

// setup waits for the server, then sets up the streams.
func (w *Worker) setup(ctx context.Context) (jetstream.Consumer, jetstream.KeyValue, error) {
	for attempt := 1; ; attempt++ {
		sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		cons, kv, err := Setup(sctx, w.JS, w.Options)
		cancel()
		if err == nil || ctx.Err() != nil || attempt == 5 {
			return cons, kv, err
		}
		w.Logf("setting up the streams: %v; trying again", err)
		time.Sleep(time.Second)
	}
}

func sleep(ctx context.Context, stop <-chan struct{}, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	case <-stop:
		return false
	}
}

// handle runs one delivered job to its end: done, failed (retried or
// dead-lettered), or handed back.
func (w *Worker) handle(ctx context.Context, kv jetstream.KeyValue, msg jetstream.Msg, ackWait time.Duration) {
	attempts := 1
	if md, err := msg.Metadata(); err == nil {
		attempts = int(md.NumDelivered)
	}
	var job Job
	if err := json.Unmarshal(msg.Data(), &job); err != nil || job.check() != nil {
		reason := "malformed job"
		if err != nil {
			reason += ": " + err.Error()
		} else {
			reason += ": " + job.check().Error()
		}
		w.Logf("%s; dead-lettered", reason)
		w.deadLetter(ctx, "malformed", msg.Data(), reason, attempts)
		msg.Term()
		return
	}
	w.Logf("job %s: %s (attempt %d)", job.ID, job.Source, attempts)
	putState(ctx, kv, State{Job: job, State: Running, Worker: w.Name, Attempts: attempts})

	// While the job runs, the server hears from this worker every third
	// of the ack wait, and the state shows the progress.
	jobCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	var mu sync.Mutex
	progress := 0.0
	beat := make(chan struct{})
	go func() {
		defer close(beat)
		t := time.NewTicker(ackWait / 3)
		defer t.Stop()
		for {
			select {
			case <-jobCtx.Done():
				return
			case <-t.C:
				msg.InProgress()
				mu.Lock()
				p := progress
				mu.Unlock()
				putState(jobCtx, kv, State{Job: job, State: Running, Worker: w.Name, Attempts: attempts, Progress: p})
			}
		}
	}()
	results := &Results{js: w.JS, job: job.ID}
	start := time.Now()
	sum, err := w.Process(jobCtx, job, results, func(p float64) {
		mu.Lock()
		progress = p
		mu.Unlock()
	})
	cancel()
	<-beat
	bg := context.Background() // the outcome is recorded even while stopping
	switch {
	case ctx.Err() != nil:
		// Stopped now: hand the job back for another worker.
		putState(bg, kv, State{Job: job, State: Queued, Attempts: attempts, Error: "handed back by " + w.Name + " (stopped)"})
		msg.Nak()
		w.Logf("job %s: handed back", job.ID)
	case err != nil && attempts < w.MaxAttempts:
		putState(bg, kv, State{Job: job, State: Queued, Attempts: attempts, Error: err.Error()})
		msg.NakWithDelay(time.Second)
		w.Logf("job %s: failed (attempt %d of %d): %v", job.ID, attempts, w.MaxAttempts, err)
	case err != nil:
		putState(bg, kv, State{Job: job, State: Failed, Attempts: attempts, Error: err.Error()})
		w.deadLetter(bg, job.ID, msg.Data(), err.Error(), attempts)
		msg.Term()
		w.Logf("job %s: failed %d times, dead-lettered: %v", job.ID, attempts, err)
	default:
		sum.Job, sum.Source, sum.Worker = job.ID, job.Source, w.Name
		sum.Seconds = time.Since(start).Seconds()
		b, _ := json.Marshal(sum)
		if perr := publishRetrying(bg, w.JS, SummarySubject(job.ID), b, job.ID+"/summary", time.Minute); perr != nil {
			msg.Nak()
			w.Logf("job %s: the summary could not be stored (%v); handed back", job.ID, perr)
			return
		}
		putState(bg, kv, State{Job: job, State: Done, Worker: w.Name, Attempts: attempts, Progress: 1, Frames: sum.Frames})
		actx, acancel := context.WithTimeout(bg, 10*time.Second)
		aerr := msg.DoubleAck(actx)
		acancel()
		if aerr != nil {
			w.Logf("job %s: done, but the acknowledgement was lost (%v): it may be done again, with the same outputs", job.ID, aerr)
			return
		}
		w.Logf("job %s: done: %d frames in %.1fs", job.ID, sum.Frames, sum.Seconds)
	}
}

// deadRecord is what the dead-letter stream holds of a job given up.
type deadRecord struct {
	Job      json.RawMessage `json:"job,omitempty"`
	Raw      string          `json:"raw,omitempty"` // a malformed job, as sent
	Reason   string          `json:"reason"`
	Attempts int             `json:"attempts"`
	Time     time.Time       `json:"time"`
}

func (w *Worker) deadLetter(ctx context.Context, id string, data []byte, reason string, attempts int) {
	rec := deadRecord{Reason: reason, Attempts: attempts, Time: time.Now().UTC()}
	if json.Valid(data) {
		rec.Job = data
	} else {
		rec.Raw = string(data)
	}
	b, _ := json.Marshal(rec)
	if err := publishRetrying(ctx, w.JS, DeadSubject(id), b, "", time.Minute); err != nil {
		w.Logf("dead letter of %s lost: %v", id, err)
	}
}

// publishRetrying publishes until the server stores the message (a
// server restarting answers nothing for a while), at most for limit.
func publishRetrying(ctx context.Context, js jetstream.JetStream, subject string, data []byte, msgID string, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	var opts []jetstream.PublishOpt
	if msgID != "" {
		opts = append(opts, jetstream.WithMsgID(msgID))
	}
	for wait := 100 * time.Millisecond; ; wait = min(2*wait, 2*time.Second) {
		pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		_, err := js.Publish(pctx, subject, data, opts...)
		cancel()
		if err == nil {
			return nil
		}
		if ctx.Err() != nil || time.Now().After(deadline) {
			return err
		}
		time.Sleep(wait)
	}
}

// Results sends a job's per-frame results to its subject of the results
// stream, each with an id of its own (JOB/FRAME): a job done again after
// its worker died stores each frame once.
type Results struct {
	js     jetstream.JetStream
	job    string
	frames int
}

// Publish stores one frame's result line (without its newline), waiting
// through a server restart (up to a minute).
func (r *Results) Publish(ctx context.Context, frame int64, line []byte) error {
	if err := publishRetrying(ctx, r.js, ResultsSubject(r.job), line, fmt.Sprintf("%s/%d", r.job, frame), time.Minute); err != nil {
		return fmt.Errorf("results of job %s, frame %d: %w", r.job, frame, err)
	}
	r.frames++
	return nil
}

// Count returns how many results were published.
func (r *Results) Count() int { return r.frames }

// ErrStopped is what a Process returns when its context ended.
var ErrStopped = errors.New("stopped")
