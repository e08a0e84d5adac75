package mainjob

import (
	"fmt"

	"github.com/livecam/livecam/internal/batch"
)

// Batch runs each job in turn (batch.RunEach): a line per source, a
// failed one skipped; a stop signal or a full disk ends the batch, and a
// table of how each source ended closes it. Without Settings.Overwrite,
// the jobs whose outputs are done (batch.Inspect) are skipped ("4
// already done, 1 new"), and those whose outputs exist unfinished are
// refused; a source that ended early makes it return batch.ErrCutShort.
func (r *Runner) Batch(jobs []Job) error {
	r.inBatch = true
	r.inputs = Inputs(jobs, nil)
	logf := func(format string, a ...any) { fmt.Fprintf(r.stderr, "livecam: "+format+"\n", a...) }
	return batch.RunEach(jobs, r.one, batch.Options{Logf: logf, Explain: WithHint, Resume: !r.f.Overwrite, Table: r.stderr})
}
