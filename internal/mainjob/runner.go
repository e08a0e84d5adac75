package mainjob

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/nats-io/nats.go"

	"github.com/livecam/livecam/classify"
	"github.com/livecam/livecam/detect"
	"github.com/livecam/livecam/fleet"
	"github.com/livecam/livecam/internal/batch"
	"github.com/livecam/livecam/internal/cliflag"
	"github.com/livecam/livecam/internal/escape"
	"github.com/livecam/livecam/internal/outputs"
	"github.com/livecam/livecam/internal/redact"
	"github.com/livecam/livecam/internal/runctl"
	"github.com/livecam/livecam/internal/topicname"
	"github.com/livecam/livecam/models"
	"github.com/livecam/livecam/net/mobilenet"
	"github.com/livecam/livecam/overlay"
	"github.com/livecam/livecam/report"
	"github.com/livecam/livecam/sink/mqtt"
	"github.com/livecam/livecam/sink/outfile"
	"github.com/livecam/livecam/sink/progress"
)

// resultOptions turns -topk, -min-score, -allow and -deny into the
// classes each result reports.
func resultOptions(m *mobilenet.Model, f *Settings) (classify.Options, error) {
	opts := classify.Options{MaxResults: f.TopK, MinScore: float32(f.MinScore)}
	for _, spec := range f.Allow {
		if _, err := classify.ParseClass(m.Labels(), spec); err != nil {
			return opts, fmt.Errorf("%w: -allow: %v", cliflag.ErrUsage, err)
		}
		opts.Allow = append(opts.Allow, spec)
	}
	for _, spec := range f.Deny {
		if _, err := classify.ParseClass(m.Labels(), spec); err != nil {
			return opts, fmt.Errorf("%w: -deny: %v", cliflag.ErrUsage, err)
		}
		opts.Deny = append(opts.Deny, spec)
	}
	return opts, nil
}

// overlayFont loads -font, or warns when the labels use letters the
// default font lacks.
func overlayFont(path string, labels *mobilenet.Labels, stderr io.Writer) (*overlay.Font, error) {
	if path != "" {
		font, err := overlay.LoadFont(path)
		if err != nil {
			return nil, fmt.Errorf("%w: -font: %v", cliflag.ErrUsage, err)
		}
		return font, nil
	}
	font := overlay.DefaultFont()
	for i := range labels.Len() {
		if r, missing := font.Missing(labels.Name(i)); missing {
			fmt.Fprintf(stderr, "livecam: warning: the labels use letters the overlay's font lacks (%q in %q); pass -font with a font that has them\n", r, labels.Name(i))
			break
		}
	}
	return font, nil
}

// Runner runs jobs with one model and one set of settings (New). Call
// one of its methods at a time: One, Batch and Cameras each run to the
// end of their job (Cameras runs its cameras concurrently itself), and
// the fleet.Process of Process takes one job at a time, as a
// fleet.Worker gives them.
type Runner struct {
	f            *Settings
	model        *models.Model    // the model, a classifier or a detector
	m            *mobilenet.Model // the classifier, or nil
	det          *detect.Model    // the detector, or nil
	modelName    string
	modelFiles   []string // the model's files: no output may be one
	kernels      string
	results      classify.Options
	font         *overlay.Font
	stdout       io.Writer
	stderr       io.Writer
	showProgress bool
	inBatch      bool // one of several sources: shorter messages
	// inputs are every source of the run (all of a batch's, every
	// camera's): no output may be one of them, -overwrite or not.
	inputs []string
	// scratch says the outputs are written in a folder that the caller
	// removes when the run fails, or moves them out of (a fleet job's
	// workspace): finish then names none of them, since they will not
	// be there.
	scratch bool
}

// logf prints one line of the run's log, escaped.
func (r *Runner) logf(format string, a ...any) {
	fmt.Fprintf(r.stderr, "livecam: %s\n", escape.Control(fmt.Sprintf(format, a...))) // no name rewrites the terminal
}

// New returns the runner of s's jobs with model, a classifier or a
// detector (models.Open's). It checks s's classes (or the detector's
// labels) and loads the overlay's font; it writes its lines to stderr,
// and standard output's results to stdout.
func New(model *models.Model, s Settings, stdout, stderr io.Writer) (*Runner, error) {
	r := &Runner{f: &s, model: model, stdout: stdout, stderr: stderr, modelName: model.Name, modelFiles: model.Files()}
	r.showProgress = !s.Quiet && (s.Progress || progress.IsTerminal(stderr))
	var labels *mobilenet.Labels
	var err error
	if model.Task == models.Detect {
		if r.det, err = detect.NewModel(model, detect.Filter{}); err != nil {
			return nil, err
		}
		if err := r.det.CheckFilter(objectFilter(&s)); err != nil {
			return nil, fmt.Errorf("%w: %v", cliflag.ErrUsage, err)
		}
		r.kernels = model.Graph.KernelName()
		labels = &mobilenet.Labels{Names: model.Labels}
	} else {
		m := model.Classifier
		if r.results, err = resultOptions(m, &s); err != nil {
			return nil, err
		}
		r.m, r.kernels, labels = m, m.KernelName(), m.Labels()
	}
	r.font, err = overlayFont(s.Font, labels, stderr)
	return r, err
}

// One runs one job: the pipeline from its source to its outputs, then
// the summary of what was seen and the report. A run cut short by a stop
// signal returns a *runctl.StopError; a source that ended early (a
// damaged file: its outputs are written, with a warning) returns
// batch.EndedEarly's error, exit status 3, as in a batch.
func (r *Runner) One(j Job) error {
	sum, err := r.one(j)
	if err == nil {
		err = batch.EndedEarly(j.Source, sum.Ended)
	}
	return err
}

// one is One, saying what the run did for a batch's end table.
func (r *Runner) one(j Job) (sum batch.Summary, result error) {
	var sh shared
	if r.f.Serve != "" {
		view, metrics, err := r.listenViewer()
		if err != nil {
			return sum, err
		}
		sh.view, sh.metrics = view, metrics
	}
	c, err := r.prepare("", j, r.f, r.results, sh)
	if err != nil {
		if sh.view != nil {
			sh.view.Close()
		}
		return sum, err
	}
	defer func() {
		var errs []error
		if c.mqtt != nil {
			errs = append(errs, c.mqtt.Close())
		}
		if c.nats != nil {
			errs = append(errs, c.nats.Close())
		}
		// Messages a broker never took: the run did not do all it
		// was asked, and does not end as if it had.
		result = errors.Join(result, errors.Join(errs...))
	}()
	ctx, ctl := runctl.Start(context.Background(), runctl.Options{Logf: c.logf})
	runErr := c.p.Run(ctx)
	defer ctl.Finishing()() // a signal while the reports are written lets them finish
	return r.summarize(c, runErr, ctl.Interrupted())
}

// finish reports how one camera's run went: its statistics, the frames
// written, the story of what was seen, then its report. What becomes of
// the outputs is outputs.Set.Finish's to decide: a whole run's move into
// place; a run that failed, or a file source that a stop signal cut
// short, keeps them under their partial names and returns an error (a
// *runctl.StopError for a signal), so that nothing cut short passes for
// whole. A live source stopped by a signal has no "whole": its recording
// is committed.
func (r *Runner) finish(c *camRun, runErr error, interrupted bool) error {
	_, err := r.summarize(c, runErr, interrupted)
	return err
}

// summarize is finish, saying what the run did (batch.Summary): its
// frames, the time of the source they cover, what was seen most, and
// where a source that ended early (a damaged file) ended.
func (r *Runner) summarize(c *camRun, runErr error, interrupted bool) (batch.Summary, error) {
	f := c.f
	c.bar.Finish(runErr == nil && !interrupted)
	s := c.p.Metrics().Snapshot()
	if (!r.inBatch && c.name == "") || f.Verbose {
		var sb strings.Builder
		s.Write(&sb)
		fmt.Fprint(r.stderr, sb.String())
	}
	warning, err := runctl.Outcome(runErr, s.Out)
	if warning != nil {
		c.logf("warning: %s", escape.Control(warning.Error()))
	}
	short := ""
	if interrupted || warning != nil {
		short = outputs.CutShort(c.j.Source, c.info, f.Loop, s.In, c.out.Last())
	}
	sum := batch.Summary{Frames: c.out.Frames(), Duration: c.out.Duration(), Seen: c.out.Seen()}
	if warning != nil && !interrupted {
		sum.Ended, short = endedEarly(c.j.Source, c.info, c.out.Last()), "" // the warning above says why
	}
	_, err = c.out.Finish(outputs.Outcome{Err: err, CutShort: short, Interrupted: interrupted, Scratch: r.scratch, Settings: r.settings(c.j, f), Source: c.j.Source, Ended: sum.Ended})
	return sum, err
}

// settings lists the run's settings for the report.
func (r *Runner) settings(j Job, f *Settings) []report.Setting {
	s := []report.Setting{
		{Name: "source", Value: redact.URL(j.Source)}, {Name: "model", Value: r.modelName},
		{Name: "classes per frame", Value: fmt.Sprint(f.TopK)},
		{Name: "classify every", Value: fmt.Sprintf("%d frame(s)", f.Every)},
		{Name: "threshold", Value: fmt.Sprint(f.Threshold)},
		{Name: "merge", Value: f.Merge.String()},
		{Name: "kernels", Value: r.kernels},
	}
	if f.MinScore > 0 {
		s = append(s, report.Setting{Name: "min score", Value: fmt.Sprint(f.MinScore)})
	}
	if f.Smooth > 0 {
		s = append(s, report.Setting{Name: "smoothing", Value: fmt.Sprint(f.Smooth)})
	}
	if len(f.Allow) > 0 {
		s = append(s, report.Setting{Name: "allow", Value: strings.Join(f.Allow, ", ")})
	}
	if len(f.Deny) > 0 {
		s = append(s, report.Setting{Name: "deny", Value: strings.Join(f.Deny, ", ")})
	}
	if j.Out != "" {
		s = append(s, report.Setting{Name: "video", Value: fmt.Sprintf("%s (%s, quality %s)", j.Out, cmp.Or(f.Codec, "codec of the extension"), f.Quality)})
	}
	return s
}

// splitList splits a comma-separated flag value, dropping empty items.
func splitList(s string) []string {
	var items []string
	for _, item := range strings.Split(s, ",") {
		if item = strings.TrimSpace(item); item != "" {
			items = append(items, item)
		}
	}
	return items
}

// WithHint adds the flag that would allow replacing an existing output,
// once (an error already hinted is returned as it is); an output that is
// an input gets no hint: no flag allows that.
func WithHint(err error) error {
	var h hinted
	if errors.Is(err, outfile.ErrExists) && !errors.Is(err, outfile.ErrIsInput) && !errors.As(err, &h) {
		return hinted{err}
	}
	return err
}

// hinted is an error with WithHint's hint added.
type hinted struct{ err error }

// Error is the error's message with the hint.
func (h hinted) Error() string { return h.err.Error() + "; pass -overwrite to replace it" }

// Unwrap returns the error without the hint.
func (h hinted) Unwrap() error { return h.err }

// natsSubjectName makes a camera's name fit a NATS subject token: the
// rule MQTT topics and Home Assistant ids follow too (topicname.Safe).
func natsSubjectName(name string) string { return topicname.Safe(name) }

// connectMQTT connects the -mqtt publisher for one camera; the password
// comes from -mqtt-password-file or $LIVECAM_MQTT_PASSWORD, never from
// the command line (which other users can read).
func connectMQTT(f *Settings, camera string, logf func(string, ...any)) (*mqtt.Publisher, error) {
	password := os.Getenv("LIVECAM_MQTT_PASSWORD")
	if f.MQTTPasswordFile != "" {
		b, err := os.ReadFile(f.MQTTPasswordFile)
		if err != nil {
			return nil, fmt.Errorf("-mqtt-password-file: %v", err)
		}
		password = strings.TrimSpace(string(b))
	}
	opts := mqtt.Options{Broker: f.MQTT, Prefix: f.MQTTPrefix, Camera: camera, Username: f.MQTTUser, Password: password, Discovery: f.MQTTDiscovery, Logf: logf}
	if f.MQTTCA != "" || f.MQTTCert != "" || f.MQTTKey != "" {
		cfg, err := mqtt.TLSConfig(f.MQTTCA, f.MQTTCert, f.MQTTKey)
		if err != nil {
			return nil, err
		}
		opts.TLS = cfg
	}
	return mqtt.Connect(opts)
}

// natsOptions returns the nats.go options for a connection to url with
// auth; a problem (credentials in the URL, a missing file) becomes an
// option that fails the connection with the reason, so that callers need
// no other path.
func natsOptions(auth fleet.Auth, url string) []nats.Option {
	err := fleet.CheckURL(url)
	if errors.Is(err, fleet.ErrCredentialsInURL) {
		err = fleet.ErrCredentialsInURL // the caller names the server
	}
	opts, aerr := auth.Options()
	if err = cmp.Or(err, aerr); err != nil {
		return []nats.Option{func(*nats.Options) error { return err }}
	}
	return opts
}
