package fleet

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/livecam/livecam/internal/escape"
	"github.com/livecam/livecam/internal/redact"
)

// ErrCollision marks a job refused at submit because another job still
// queued or running writes one of its outputs.
var ErrCollision = errors.New("output of another job")

// OutputKey is an output's key in the output bucket: a hash of its
// absolute path, its folder's links resolved where it exists.
func OutputKey(path string) string {
	abs, err := filepath.Abs(path)
	if err != nil {
		abs = path
	}
	if dir, err := filepath.EvalSymlinks(filepath.Dir(abs)); err == nil {
		abs = filepath.Join(dir, filepath.Base(abs))
	}
	h := sha256.Sum256([]byte(abs))
	return hex.EncodeToString(h[:16])
}

// claimOutput records that job j writes output o, unless another job
// still queued or running does (then ErrCollision, unless j may
// overwrite).
func claimOutput(ctx context.Context, states, outputs jetstream.KeyValue, j Job, o string) error {
	key := OutputKey(o)
	for range 5 {
		e, err := outputs.Get(ctx, key)
		switch {
		case errors.Is(err, jetstream.ErrKeyNotFound):
			if _, err := outputs.Create(ctx, key, []byte(j.ID)); err == nil {
				return nil
			} else if !errors.Is(err, jetstream.ErrKeyExists) {
				return fmt.Errorf("output %s: %w", o, err)
			}
			continue // another submit was quicker: look again
		case err != nil:
			return fmt.Errorf("output %s: %w", o, err)
		}
		other := string(e.Value())
		if other != j.ID && !j.Overwrite {
			if s, ok, err := getState(ctx, states, other); err == nil && ok && (s.State == Queued || s.State == Running) {
				return fmt.Errorf("%w: %s is an output of job %s (%s, %s); this job (%s) would replace it: submit it with -overwrite to run both, in either order",
					ErrCollision, escape.Control(o), other, escape.Control(redact.URL(s.Job.Source)), s.State, escape.Control(redact.URL(j.Source)))
			}
		}
		if _, err := outputs.Update(ctx, key, []byte(j.ID), e.Revision()); err == nil {
			return nil
		} else if !errors.Is(err, jetstream.ErrKeyExists) {
			return fmt.Errorf("output %s: %w", o, err)
		}
	}
	return fmt.Errorf("output %s: the output bucket keeps changing; try again", o)
}

// Submitted says what became of a job given to Submit.
type Submitted struct {
	Job Job
	// Duplicate is true when the job was already queued, running or done:
	// it was not queued again.
	Duplicate bool
	// Previous is its state then.
	Previous string
}

// Submit queues jobs. A job already queued, running or done (the same
// source and outputs) is not queued again; one that failed is. A job that
// would write an output of another job still queued or running is
// refused (ErrCollision) unless it has Overwrite set; the jobs before it
// stay queued.
func Submit(ctx context.Context, js jetstream.JetStream, jobs []Job) ([]Submitted, error) {
	return SubmitWith(ctx, js, jobs, Options{})
}

// SubmitWith is Submit with the streams and buckets it may create made
// as opts say (Replicas: a submitter that comes first in a cluster makes
// them as the workers will want them).
func SubmitWith(ctx context.Context, js jetstream.JetStream, jobs []Job, opts Options) ([]Submitted, error) {
	kv, err := setupStreams(ctx, js, opts)
	if err != nil {
		return nil, err
	}
	outputs, err := js.KeyValue(ctx, OutputBucket)
	if err != nil {
		return nil, fmt.Errorf("bucket %s: %w", OutputBucket, err)
	}
	var out []Submitted
	for _, j := range jobs {
		if err := j.check(); err != nil {
			return out, fmt.Errorf("job %s (%s): %w", j.ID, escape.Control(redact.URL(j.Source)), err)
		}
		prev, ok, err := getState(ctx, kv, j.ID)
		if err != nil {
			return out, err
		}
		if ok && prev.State != Failed {
			out = append(out, Submitted{Job: j, Duplicate: true, Previous: prev.State})
			continue
		}
		for _, o := range []string{j.Out, j.Results} {
			if o == "" {
				continue
			}
			if err := claimOutput(ctx, kv, outputs, j, o); err != nil {
				return out, err
			}
		}
		b, err := json.Marshal(j)
		if err != nil {
			return out, err
		}
		// The state first: a worker that takes the job at once finds it.
		if err := putState(ctx, kv, State{Job: j, State: Queued}); err != nil {
			return out, err
		}
		msgID := j.ID
		if ok { // a failed job again: a new message id, past the duplicate window
			msgID = fmt.Sprintf("%s-%d", j.ID, prev.Updated.UnixNano())
		}
		ack, err := js.Publish(ctx, JobsSubject, b, jetstream.WithMsgID(msgID))
		if err != nil {
			return out, fmt.Errorf("job %s: %w", j.ID, err)
		}
		out = append(out, Submitted{Job: j, Duplicate: ack.Duplicate, Previous: prev.State})
	}
	return out, nil
}

// List returns the state of every job the bucket knows, the running ones
// first, then queued, failed and done, each by source.
func List(ctx context.Context, js jetstream.JetStream) ([]State, error) {
	kv, err := js.KeyValue(ctx, StateBucket)
	if err != nil {
		return nil, fmt.Errorf("no livecam jobs on this server (%w)", err)
	}
	keys, err := kv.ListKeys(ctx)
	if err != nil {
		return nil, err
	}
	var states []State
	for k := range keys.Keys() {
		s, ok, err := getState(ctx, kv, k)
		if errors.Is(err, jetstream.ErrKeyNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if ok {
			states = append(states, s)
		}
	}
	order := map[string]int{Running: 0, Queued: 1, Failed: 2, Done: 3}
	sort.Slice(states, func(a, b int) bool {
		if order[states[a].State] != order[states[b].State] {
			return order[states[a].State] < order[states[b].State]
		}
		return states[a].Job.Source < states[b].Job.Source
	})
	return states, nil
}

// Workers returns the state of every worker heard from in the last
// WorkerStateMaxAge, by name; none when the bucket does not exist yet.
func Workers(ctx context.Context, js jetstream.JetStream) ([]WorkerState, error) {
	kv, err := js.KeyValue(ctx, WorkerBucket)
	if errors.Is(err, jetstream.ErrBucketNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	keys, err := kv.ListKeys(ctx)
	if err != nil {
		return nil, err
	}
	var out []WorkerState
	for k := range keys.Keys() {
		e, err := kv.Get(ctx, k)
		if errors.Is(err, jetstream.ErrKeyNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		var w WorkerState
		if json.Unmarshal(e.Value(), &w) == nil {
			out = append(out, w)
		}
	}
	sort.Slice(out, func(a, b int) bool { return out[a].Name < out[b].Name })
	return out, nil
}

// CheckSubmitSource refuses, before a job is queued, a source every
// worker would refuse: a job names a video, so a local source must be a
// regular file (links followed), never a folder, a FIFO or a device, and
// no source may hold '!' (it reads as a GStreamer pipeline). Whether a
// URL is taken is left to the workers (Limits.AllowURLs). Errors name
// the source with its credentials redacted.
func CheckSubmitSource(src string) error {
	shown := escape.Control(redact.URL(src))
	if IsURL(src) {
		if strings.ContainsAny(src, "!\x00") {
			return fmt.Errorf("%s: a GStreamer pipeline (or a name with '!'): a job names a video file or a URL", shown)
		}
		return nil
	}
	st, err := os.Stat(src)
	if err != nil {
		return fmt.Errorf("%s: %w", shown, unwrapPath(err))
	}
	switch {
	case st.IsDir():
		return fmt.Errorf("%s: a folder, not a video file", shown)
	case !st.Mode().IsRegular():
		return fmt.Errorf("%s: not a regular file (%v): a job names a video file", shown, st.Mode().Type())
	case strings.ContainsAny(src, "!\x00"):
		return fmt.Errorf("%s: workers refuse a source with '!' in its name (it reads as a GStreamer pipeline): rename it", shown)
	}
	return nil
}

// AbsPath makes a local path absolute, as a job names it (its workers
// run elsewhere); a URL and "" are kept as they are.
func AbsPath(p string) string {
	if p == "" || IsURL(p) {
		return p
	}
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return p
}
