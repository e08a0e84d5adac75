package runctl

import (
	"os"
	"os/signal"
)

// Finishing stops the run's control (as Stop does) once its pipelines
// have returned, and keeps listening for the stop signals while the
// caller finishes its outputs: a signal then lets the summaries and
// reports be written, instead of killing the process with a report half
// written (the default action of a signal nobody listens for), and
// counts as a stop. Call done when they are written: it stops listening
// and reports whether a stop signal arrived, during the run or since.
func (c *Control) Finishing() (done func() (stopped bool)) {
	late := make(chan os.Signal, 1)
	signal.Notify(late, c.opts.Signals...) // before Stop: no moment without a listener
	c.Stop()
	return func() bool {
		signal.Stop(late)
		return StopRequested(late) || c.Interrupted()
	}
}
