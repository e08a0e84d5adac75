package mainjob

import (
	"fmt"

	"github.com/livecam/livecam/internal/batch"
)

// Batch runs each job in turn (batch.Run): a line per source, a failed
// one skipped; a stop signal or a full disk ends the batch.
func (r *Runner) Batch(jobs []Job) error {
	r.inBatch = true
	r.inputs = Inputs(jobs, nil)
	logf := func(format string, a ...any) { fmt.Fprintf(r.stderr, "livecam: "+format+"\n", a...) }
	return batch.Run(jobs, r.One, batch.Options{Logf: logf, Explain: WithHint})
}
