package fleet

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"

	"github.com/nats-io/nats.go/jetstream"
)

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
// source and outputs) is not queued again; one that failed is.
func Submit(ctx context.Context, js jetstream.JetStream, jobs []Job) ([]Submitted, error) {
	_, kv, err := Setup(ctx, js, Options{})
	if err != nil {
		return nil, err
	}
	var out []Submitted
	for _, j := range jobs {
		if err := j.check(); err != nil {
			return out, fmt.Errorf("job %s (%s): %w", j.ID, j.Source, err)
		}
		prev, ok, err := getState(ctx, kv, j.ID)
		if err != nil {
			return out, err
		}
		if ok && prev.State != Failed {
			out = append(out, Submitted{Job: j, Duplicate: true, Previous: prev.State})
			continue
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
