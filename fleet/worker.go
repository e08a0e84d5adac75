package fleet

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/livecam/livecam/internal/backoff"
	"github.com/livecam/livecam/internal/escape"
	"github.com/livecam/livecam/internal/redact"
)

// Process does one job: it writes the job's outputs, whole, under their
// final names, sends each frame's result to results (in frame order; the
// worker sends the last batch, Results.Flush, once Process returned), and
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
	// Limits are what the worker may touch; Run refuses to start
	// without an input root and an output root, and a job that breaks
	// them is dead-lettered at once with the reason.
	Limits Limits
	// MaxAttempts is how many times a job that fails for a reason of
	// its own is tried before it is dead-lettered (default 3).
	MaxAttempts int
	// MaxDeliveries bounds how often a job is delivered without an
	// outcome (its workers died in it), hand-backs not counted; past
	// it the job is dead-lettered (default MaxAttempts+7).
	MaxDeliveries int
	// Options set up the streams; AckWait, when positive, is set on the
	// consumer.
	Options Options
	// Logf reports each job and each problem (default: nothing).
	Logf func(format string, args ...any)

	// Ready, when set, is called once the streams are set up, before
	// the first job is taken.
	Ready func()

	// ProbeInterval is how often a worker that cannot write its output
	// roots looks again (default 2 s).
	ProbeInterval time.Duration
	// HealthyProbeInterval is how often a worker whose output roots
	// were writable looks again, before taking a job (default 30 s): a
	// probe writes a file in every output root, shared storage.
	HealthyProbeInterval time.Duration
	// FaultPause is how long a worker takes no job after handing one
	// back for a fault of its own (default 15 s): a full disk that a
	// job's removed partial freed again is still a full disk.
	FaultPause time.Duration

	kv, workers jetstream.KeyValue
	results     jetstream.Stream
	lastProbe   time.Time    // the last probe that found every root writable
	probes      atomic.Int64 // probes made, for tests
	passes      atomic.Int64 // loop passes made, for tests
	pauseUntil  time.Time
	pauseWhy    string
	outputs     jetstream.KeyValue
	status      WorkerState
}

// WorkerState is what the worker bucket holds of a worker.
type WorkerState struct {
	Name string `json:"name"`
	// State is "waiting", "working" or "not taking jobs".
	State string `json:"state"`
	// Job is the job in hand, while working.
	Job string `json:"job,omitempty"`
	// Note says why a worker takes no jobs.
	Note    string    `json:"note,omitempty"`
	Updated time.Time `json:"updated"`
}

// The states of a worker.
const (
	WorkerWaiting = "waiting"
	WorkerWorking = "working"
	WorkerBroken  = "not taking jobs"
)

// Run pulls and processes jobs until stop is closed (the job in hand is
// finished first) or ctx ends (the job in hand is abandoned and handed
// back to the queue at once). It returns nil then; an error only when
// the server cannot be set up or the limits are not usable. A worker
// that cannot write one of its output roots takes no job until it can
// again, and says so in its log and its state.
func (w *Worker) Run(ctx context.Context, stop <-chan struct{}) error {
	if w.MaxAttempts <= 0 {
		w.MaxAttempts = 3
	}
	if w.MaxDeliveries <= 0 {
		w.MaxDeliveries = w.MaxAttempts + 7
	}
	if w.ProbeInterval <= 0 {
		w.ProbeInterval = 2 * time.Second
	}
	if w.HealthyProbeInterval <= 0 {
		w.HealthyProbeInterval = 30 * time.Second
	}
	if w.FaultPause <= 0 {
		w.FaultPause = 15 * time.Second
	}
	if w.Logf == nil {
		w.Logf = func(string, ...any) {}
	}
	limits, err := w.Limits.Resolved()
	if err != nil {
		return err
	}
	w.Limits = limits
	cons, kv, err := w.setup(ctx)
	if err != nil {
		return err
	}
	w.kv = kv
	w.workers, _ = w.JS.KeyValue(ctx, WorkerBucket)
	w.outputs, _ = w.JS.KeyValue(ctx, OutputBucket)
	if w.results, err = w.JS.Stream(ctx, ResultsStream); err != nil {
		return fmt.Errorf("stream %s: %w", ResultsStream, err)
	}
	// Whether a job is done is read from its summary: a worker that
	// may not read them would hand every job back.
	gctx, gcancel := context.WithTimeout(ctx, 10*time.Second)
	_, err = w.results.GetLastMsgForSubject(gctx, SummarySubject("_"))
	gcancel()
	if err != nil && !errors.Is(err, jetstream.ErrMsgNotFound) {
		return fmt.Errorf("reading the jobs' summaries (%w): a worker needs the permission to publish on $JS.API.STREAM.MSG.GET.%s (see the README's server configuration)", err, ResultsStream)
	}
	if w.Ready != nil {
		w.Ready()
	}
	info := cons.CachedInfo()
	ackWait := 30 * time.Second
	if info != nil && info.Config.AckWait > 0 {
		ackWait = info.Config.AckWait
	}
	broken := ""
	for {
		select {
		case <-stop:
			return nil
		case <-ctx.Done():
			return nil
		default:
		}
		w.passes.Add(1)
		var err error
		if broken != "" || time.Since(w.lastProbe) >= w.HealthyProbeInterval {
			if err = w.probe(); err == nil {
				w.lastProbe = time.Now()
			}
		}
		if err == nil && time.Now().Before(w.pauseUntil) {
			err = fmt.Errorf("paused until %s after a fault of its own: %s", w.pauseUntil.UTC().Format(time.TimeOnly), w.pauseWhy)
		}
		if err != nil {
			if err.Error() != broken {
				w.Logf("taking no jobs: %v", err)
				broken = err.Error()
			}
			w.setStatus(ctx, WorkerBroken, "", err.Error())
			if !sleep(ctx, stop, w.ProbeInterval) {
				return nil
			}
			continue
		}
		if broken != "" {
			w.Logf("the output roots are writable again: taking jobs")
			broken = ""
		}
		w.setStatus(ctx, WorkerWaiting, "", "")
		batch, err := cons.Fetch(1, jetstream.FetchMaxWait(time.Second))
		if err != nil {
			// The server is away (restarting): Connect reconnects.
			if !sleep(ctx, stop, 250*time.Millisecond) {
				return nil
			}
			continue
		}
		for msg := range batch.Messages() {
			w.handle(ctx, msg, ackWait)
		}
	}
}

// probe checks that every output root takes a new file with some data in
// it: a read-only, missing or full output root is the worker's fault,
// not its jobs'.
func (w *Worker) probe() error {
	w.probes.Add(1)
	for _, root := range w.Limits.OutputRoots {
		if err := probeRoot(root); err != nil {
			return fmt.Errorf("output root %s is not writable: %w", root, unwrapPath(err))
		}
	}
	return nil
}

func probeRoot(root string) error {
	f, err := os.CreateTemp(root, ".livecam-probe-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	_, err = f.Write(make([]byte, 64<<10))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// ErrWorkerFault marks an error of a Process that is the worker's fault,
// not the job's (its disk is full): the job is handed back without
// being charged an attempt, and the worker pauses.
var ErrWorkerFault = errors.New("a fault of the worker's")

// workerFault reports whether err is the worker's fault rather than the
// job's: its output roots cannot be written (read-only, gone, full), the
// disk or quota is full, or Process said so (ErrWorkerFault).
func (w *Worker) workerFault(err error) (string, bool) {
	if perr := w.probe(); perr != nil {
		w.lastProbe = time.Time{}
		return perr.Error(), true
	}
	if errors.Is(err, ErrWorkerFault) {
		return strings.TrimPrefix(err.Error(), ErrWorkerFault.Error()+": "), true
	}
	for _, e := range []error{syscall.ENOSPC, syscall.EROFS, syscall.EDQUOT} {
		if errors.Is(err, e) {
			return e.Error(), true
		}
	}
	return "", false
}

// faultText says a worker's fault once: why, and the error's own words
// when they say more.
func faultText(why string, err error) string {
	detail := strings.TrimPrefix(err.Error(), ErrWorkerFault.Error()+": ")
	if strings.Contains(detail, why) {
		return detail
	}
	return why + " (" + detail + ")"
}

// setStatus records the worker's state when it changes, and at least
// every minute so that it does not expire while the worker lives.
func (w *Worker) setStatus(ctx context.Context, state, job, note string) {
	if w.workers == nil {
		return
	}
	s := WorkerState{Name: w.Name, State: state, Job: job, Note: note}
	if s.State == w.status.State && s.Job == w.status.Job && s.Note == w.status.Note && time.Since(w.status.Updated) < time.Minute {
		return
	}
	s.Updated = time.Now().UTC()
	b, err := json.Marshal(s)
	if err != nil {
		return
	}
	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if _, err := w.workers.Put(pctx, WorkerKey(w.Name), b); err == nil {
		w.status = s
	}
}

// WorkerKey is a worker's key in the worker bucket: its name with every
// character a key may not hold replaced by '_'.
func WorkerKey(name string) string {
	k := []byte(name)
	for i, c := range k {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			k[i] = '_'
		}
	}
	if len(k) == 0 {
		return "_"
	}
	return string(k)
}

// setup waits for the server, then sets up the streams.
func (w *Worker) setup(ctx context.Context) (jetstream.Consumer, jetstream.KeyValue, error) {
	for attempt := 1; ; attempt++ {
		sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		cons, kv, err := Setup(sctx, w.JS, w.Options)
		cancel()
		if err == nil || ctx.Err() != nil || attempt == 5 || errors.Is(err, ErrStreamSettings) {
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
// dead-lettered), refused (dead-lettered at once), or handed back.
func (w *Worker) handle(ctx context.Context, msg jetstream.Msg, ackWait time.Duration) {
	kv := w.kv
	delivered := 1
	if md, err := msg.Metadata(); err == nil {
		delivered = int(md.NumDelivered)
	}
	var job Job
	if err := json.Unmarshal(msg.Data(), &job); err != nil || job.check() != nil {
		reason := "malformed job"
		if err != nil {
			reason += ": " + err.Error()
		} else {
			reason += ": " + job.check().Error()
		}
		w.Logf("%s; dead-lettered", escape.Control(reason))
		w.deadLetter(ctx, "malformed", msg.Data(), reason, delivered)
		msg.Term()
		return
	}
	shown := escape.Control(redact.URL(job.Source))
	prev, _, _ := getState(ctx, kv, job.ID)
	st := State{Job: job, Attempts: delivered, Failures: prev.Failures, HandedBack: prev.HandedBack}
	bg := context.Background() // the outcome is recorded even while stopping
	giveUp := func(reason string) {
		st.State, st.Error, st.Worker = Failed, reason, w.Name
		w.recordState(bg, kv, st)
		w.deadLetter(bg, job.ID, msg.Data(), reason, delivered)
		msg.Term()
		w.releaseOutputs(bg, job)
		w.Logf("job %s: %s; dead-lettered", job.ID, escape.Control(reason))
	}
	// Done is what the job's summary says (only workers may publish
	// one), not its state (which submitters may write): done, and the
	// acknowledgement was lost, or the summary stored and the worker
	// gone before it acknowledged: nothing to do again.
	switch done, err := w.summarised(ctx, job.ID, msg); {
	case err != nil:
		msg.NakWithDelay(time.Second)
		w.Logf("job %s: whether it is done already is not known (%v); handed back", job.ID, err)
		return
	case done:
		if prev.State != Done {
			st.State, st.Worker, st.Progress, st.Error = Done, w.Name, 1, ""
			w.recordState(bg, kv, st)
		}
		w.releaseOutputs(bg, job)
		msg.Term()
		w.Logf("job %s: %s: done already", job.ID, shown)
		return
	}
	if n := delivered - prev.HandedBack; n > w.MaxDeliveries {
		giveUp(fmt.Sprintf("delivered %d times without finishing: it may be killing its workers", n))
		return
	}
	if prev.HandedBack > 2*w.MaxDeliveries {
		giveUp(fmt.Sprintf("handed back %d times by workers that could not do it (last: %s)", prev.HandedBack, prev.Error))
		return
	}
	run, err := w.Limits.Check(job)
	if err != nil {
		giveUp(err.Error())
		return
	}
	w.Logf("job %s: %s (attempt %d)", job.ID, shown, delivered)
	st.State, st.Worker = Running, w.Name
	putState(ctx, kv, st)
	w.setStatus(ctx, WorkerWorking, job.ID, "")

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
				s := st
				s.Progress = progress
				mu.Unlock()
				putState(jobCtx, kv, s)
			}
		}
	}()
	results := NewResultsWith(w.JS, job.ID, w.Options)
	start := time.Now()
	sum, err := w.Process(jobCtx, run, results, func(p float64) {
		mu.Lock()
		progress = p
		mu.Unlock()
	})
	cancel()
	<-beat
	st.Worker = ""
	switch {
	case ctx.Err() != nil:
		// Stopped now: hand the job back for another worker.
		st.State, st.HandedBack, st.Error = Queued, st.HandedBack+1, "handed back by "+w.Name+" (stopped)"
		w.recordState(bg, kv, st)
		msg.Nak()
		w.Logf("job %s: handed back", job.ID)
		return
	case err != nil && errors.Is(err, ErrRefused):
		giveUp(err.Error())
		return
	case err != nil:
		if why, mine := w.workerFault(err); mine {
			st.State, st.HandedBack, st.Error = Queued, st.HandedBack+1, "handed back by "+w.Name+": "+why
			w.recordState(bg, kv, st)
			msg.Nak()
			w.pauseUntil, w.pauseWhy = time.Now().Add(w.FaultPause), why
			w.Logf("job %s: handed back, the fault is this worker's: %s", job.ID, escape.Control(faultText(why, err)))
			return
		}
		st.Failures++
		if st.Failures < w.MaxAttempts {
			st.State, st.Error = Queued, err.Error()
			w.recordState(bg, kv, st)
			msg.NakWithDelay(time.Second)
			w.Logf("job %s: failed (attempt %d of %d): %v", job.ID, st.Failures, w.MaxAttempts, escape.Control(err.Error()))
			return
		}
		giveUp(fmt.Sprintf("failed %d times: %v", st.Failures, err))
		return
	}
	if ferr := results.Flush(bg); ferr != nil {
		msg.Nak()
		w.Logf("job %s: its last results could not be stored (%v); handed back", job.ID, ferr)
		return
	}
	sum.Job, sum.Source, sum.Worker = job.ID, redact.URL(job.Source), w.Name
	sum.Seconds = time.Since(start).Seconds()
	b, _ := json.Marshal(sum)
	if perr := publishRetrying(bg, w.JS, SummarySubject(job.ID), b, job.ID+"/summary", time.Minute); perr != nil {
		msg.Nak()
		w.Logf("job %s: the summary could not be stored (%v); handed back", job.ID, perr)
		return
	}
	st.State, st.Worker, st.Progress, st.Frames, st.Error = Done, w.Name, 1, sum.Frames, ""
	w.recordState(bg, kv, st)
	w.releaseOutputs(bg, job)
	actx, acancel := context.WithTimeout(bg, 10*time.Second)
	aerr := msg.DoubleAck(actx)
	acancel()
	if aerr != nil {
		w.Logf("job %s: done, but the acknowledgement was lost (%v): it may be delivered again, and is then skipped", job.ID, aerr)
		return
	}
	w.Logf("job %s: done: %d frames in %.1fs", job.ID, sum.Frames, sum.Seconds)
}

// summarised reports whether the results stream holds a summary of job
// id published since the job's message was (a job submitted again after
// its state was cleared is done again).
func (w *Worker) summarised(ctx context.Context, id string, msg jetstream.Msg) (bool, error) {
	gctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	m, err := w.results.GetLastMsgForSubject(gctx, SummarySubject(id))
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if md, err := msg.Metadata(); err == nil && m.Time.Before(md.Timestamp) {
		return false, nil
	}
	return true, nil
}

// releaseOutputs forgets the outputs of a job that ended, where they are
// still recorded as its own.
func (w *Worker) releaseOutputs(ctx context.Context, job Job) {
	if w.outputs == nil {
		return
	}
	for _, o := range []string{job.Out, job.Results} {
		if o == "" {
			continue
		}
		key := OutputKey(o)
		if e, err := w.outputs.Get(ctx, key); err == nil && string(e.Value()) == job.ID {
			w.outputs.Delete(ctx, key, jetstream.LastRevision(e.Revision()))
		}
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

// recordState records a job's state once the job has an outcome (done,
// failed, handed back), trying again for up to 10 s while the server
// cannot take it (a cluster electing a new leader after losing a node):
// a state left "running" would say so of a job long finished.
func (w *Worker) recordState(ctx context.Context, kv jetstream.KeyValue, s State) {
	deadline := time.Now().Add(10 * time.Second)
	for retry := 1; ; retry++ {
		pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		err := putState(pctx, kv, s)
		cancel()
		if err == nil || errors.Is(err, nats.ErrConnectionClosed) {
			return
		}
		if time.Now().After(deadline) || !backoff.Sleep(ctx, backoff.Resend.Delay(retry), nil) {
			w.Logf("job %s: its state (%s) could not be recorded: %v", s.Job.ID, s.State, err)
			return
		}
	}
}

// publishRetrying publishes until the server stores the message (a
// server restarting answers nothing for a while), at most for limit.
func publishRetrying(ctx context.Context, js jetstream.JetStream, subject string, data []byte, msgID string, limit time.Duration) error {
	return publishMsgRetrying(ctx, js, &nats.Msg{Subject: subject, Data: data}, msgID, limit)
}

// publishMsgRetrying is publishRetrying of a message with headers.
func publishMsgRetrying(ctx context.Context, js jetstream.JetStream, m *nats.Msg, msgID string, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	var opts []jetstream.PublishOpt
	if msgID != "" {
		opts = append(opts, jetstream.WithMsgID(msgID))
	}
	for retry := 1; ; retry++ {
		pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		_, err := js.PublishMsg(pctx, m, opts...)
		cancel()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) || !backoff.Sleep(ctx, backoff.Resend.Delay(retry), nil) {
			return err
		}
	}
}

// ErrStopped is what a Process returns when its context ended.
var ErrStopped = errors.New("stopped")
