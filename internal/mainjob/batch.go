package mainjob

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/livecam/livecam/internal/batch"
	"github.com/livecam/livecam/pipeline"
	"github.com/livecam/livecam/sink/jsonl"
)

// Batch runs each job in turn (batch.RunEach): a line per source, a
// failed one skipped; a stop signal or a full disk ends the batch, and a
// table of how each source ended closes it (none under -quiet: no end
// summary). Without Settings.Overwrite, the jobs whose outputs are done
// (batch.Inspect) are skipped ("4 already done, 1 new"), those whose
// source ended early before named ("corrupt.mp4 ended early at 0:04.9
// of 0:24.0: damaged file; -overwrite redoes it"), and those whose
// outputs exist unfinished are refused. A source that ended early, in
// this run or in the one that did a job skipped, makes it return
// batch.ErrCutShort (exit status 3).
func (r *Runner) Batch(jobs []Job) error {
	r.inBatch = true
	r.inputs = Inputs(jobs, nil)
	logf := func(format string, a ...any) { fmt.Fprintf(r.stderr, "livecam: "+format+"\n", a...) }
	var table io.Writer = r.stderr
	if r.f.Quiet {
		table = nil
	}
	return batch.RunEach(jobs, r.one, batch.Options{Logf: logf, Explain: WithHint, Resume: !r.f.Overwrite, Table: table})
}

// endedEarly says where and why source src, whose run's last frame was
// at last, ended early: a regular file is a damaged one (it ended before
// the frames its header declares), anything else a stream that ended.
func endedEarly(src string, info pipeline.SourceInfo, last time.Duration) jsonl.Ending {
	e := jsonl.Ending{Early: true, At: last, Reason: "stream ended"}
	if st, err := os.Stat(src); err == nil && st.Mode().IsRegular() {
		e.Reason = "damaged file"
	}
	if info.Frames > 0 && info.FPS > 0 {
		e.Of = time.Duration(float64(info.Frames) / info.FPS * float64(time.Second))
	}
	return e
}
