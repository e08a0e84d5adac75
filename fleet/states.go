package fleet

import (
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/livecam/livecam/internal/escape"
	"github.com/livecam/livecam/internal/redact"
)

// WriteStates writes the table `livecam jobs` prints: one row per job
// (its state, worker, progress while running, attempts, source and a
// note: the frames when done, else the last failure), a count of the
// jobs by state, then, when there are any, one row per worker with how
// long ago (from now) it was heard from. Sources and notes are shown
// without credentials, and nothing is printed raw that could move a
// terminal's cursor or colour it (a job message is hostile).
func WriteStates(w io.Writer, states []State, workers []WorkerState, now time.Time) error {
	count := map[string]int{}
	tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "JOB\tSTATE\tWORKER\tPROGRESS\tATTEMPTS\tSOURCE\tNOTE")
	for _, s := range states {
		count[s.State]++
		prog := ""
		if s.State == Running {
			prog = fmt.Sprintf("%.0f%%", 100*s.Progress)
		}
		note := s.Error
		if s.State == Done {
			note = fmt.Sprintf("%d frames", s.Frames)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\t%s\n", escape.Control(s.Job.ID), escape.Control(s.State), escape.Control(s.Worker), prog, s.Attempts,
			escape.Control(redact.URL(s.Job.Source)), escape.Control(redact.Text(note)))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if _, err := fmt.Fprintf(w, "%d jobs: %d queued, %d running, %d done, %d failed\n", len(states), count[Queued], count[Running], count[Done], count[Failed]); err != nil {
		return err
	}
	if len(workers) == 0 {
		return nil
	}
	tw = tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "\nWORKER\tSTATE\tJOB\tSEEN\tNOTE")
	for _, ws := range workers {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s ago\t%s\n", escape.Control(ws.Name), escape.Control(ws.State), escape.Control(ws.Job),
			now.Sub(ws.Updated).Round(time.Second), escape.Control(ws.Note))
	}
	return tw.Flush()
}

// WriteStatesJSON writes one JSON object per job (`livecam jobs -json`),
// each State Redacted: a state recorded with credentials (by an older
// livecam, or put in the bucket by hand) is shown without them.
func WriteStatesJSON(w io.Writer, states []State) error {
	enc := json.NewEncoder(w)
	for _, s := range states {
		if err := enc.Encode(s.Redacted()); err != nil {
			return err
		}
	}
	return nil
}
