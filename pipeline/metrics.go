package pipeline

import (
	"fmt"
	"io"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"gonum.org/v1/gonum/stat"
)

// Phase names the parts of a frame's trip that Metrics times.
type Phase int

// The timed phases.
const (
	PhaseCapture    Phase = iota // reading and decoding a frame
	PhaseQueue                   // waiting for a worker
	PhasePreprocess              // crop, resize, colour, scale
	PhaseInference               // the forward pass
	PhaseOutput                  // smoothing, overlay and sinks
	PhaseEndToEnd                // capture to overlay drawn

	// NumPhases is the number of timed phases: Snapshot.Phases and
	// Snapshot.Histograms hold one entry per phase.
	NumPhases
)

var phaseNames = [NumPhases]string{"capture", "queue", "preprocess", "inference", "output", "capture-to-overlay"}

// String returns the phase's name as the statistics table prints it.
func (s Phase) String() string { return phaseNames[s] }

// window is how many recent samples per phase the quantiles cover.
const window = 1 << 14

// LatencyBuckets are the upper bounds, in seconds, of the latency
// histograms Metrics keeps per phase since the start (for Prometheus and
// the like): 0.5 ms to 2.5 s, plus everything above.
var LatencyBuckets = [...]float64{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5}

// Histogram counts one phase's latencies since the start.
type Histogram struct {
	// Counts[i] is the number of latencies at most LatencyBuckets[i]
	// (cumulative, as Prometheus wants them).
	Counts [len(LatencyBuckets)]uint64
	Count  uint64  // all latencies
	Sum    float64 // their sum, in seconds
}

// Metrics collects per-phase latencies (a window of the most recent
// samples, and a histogram since the start) and frame counts. Recording
// allocates nothing; Snapshot and Write do. It is safe for concurrent
// use.
type Metrics struct {
	// The frame counts, each an atomic counter of its own: the
	// goroutines that count never wait for one another, and a reader
	// sees each count as it was at one moment (several counts read
	// while frames go by need not add up; after Run they do).
	in         atomic.Int64 // frames read from the source
	out        atomic.Int64 // frames delivered to the sinks
	dropped    atomic.Int64 // frames read but not processed
	inferences atomic.Int64 // forward passes
	reconnects atomic.Int64 // times a lost live source came back

	start time.Time // immutable

	mu      sync.Mutex           // guards the latencies below
	samples [NumPhases][]float64 // ring buffers, milliseconds
	hist    [NumPhases]Histogram // bucket counts not yet cumulative
	n       [NumPhases]int64
}

func newMetrics() *Metrics {
	m := &Metrics{start: time.Now()}
	for i := range m.samples {
		m.samples[i] = make([]float64, window)
	}
	return m
}

func (m *Metrics) record(s Phase, d time.Duration) {
	sec := d.Seconds()
	b := 0
	for b < len(LatencyBuckets) && sec > LatencyBuckets[b] {
		b++
	}
	m.mu.Lock()
	m.samples[s][m.n[s]%window] = sec * 1e3
	m.n[s]++
	h := &m.hist[s]
	if b < len(h.Counts) {
		h.Counts[b]++
	}
	h.Count++
	h.Sum += sec
	m.mu.Unlock()
}

// Quantiles are latency quantiles of one phase, in milliseconds.
type Quantiles struct {
	P50, P95, P99, Max float64
	N                  int64 // samples recorded in all
}

// Snapshot is a copy of the metrics at one moment.
type Snapshot struct {
	Elapsed    time.Duration
	In, Out    int64 // frames read, frames delivered
	Dropped    int64 // frames read but dropped (live mode)
	Inferences int64
	Reconnects int64   // times a lost live source came back
	FPS        float64 // frames delivered per second
	// Phases holds each phase's latency quantiles over the recent
	// window, indexed by Phase.
	Phases [NumPhases]Quantiles
	// Histograms holds each phase's latencies since the start, in the
	// buckets of LatencyBuckets, indexed by Phase.
	Histograms [NumPhases]Histogram
}

// Snapshot computes the quantiles over the recent window (gonum's stat).
func (m *Metrics) Snapshot() Snapshot {
	s := Snapshot{Elapsed: time.Since(m.start), In: m.in.Load(), Out: m.out.Load(), Dropped: m.dropped.Load(),
		Inferences: m.inferences.Load(), Reconnects: m.reconnects.Load()}
	if sec := s.Elapsed.Seconds(); sec > 0 {
		s.FPS = float64(s.Out) / sec
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for i, h := range m.hist {
		cum := uint64(0)
		for b, c := range h.Counts {
			cum += c
			h.Counts[b] = cum
		}
		s.Histograms[i] = h
	}
	for i := range s.Phases {
		n := int(min(m.n[i], window))
		if n == 0 {
			continue
		}
		x := slices.Clone(m.samples[i][:n])
		slices.Sort(x)
		s.Phases[i] = Quantiles{
			P50: stat.Quantile(0.50, stat.Empirical, x, nil),
			P95: stat.Quantile(0.95, stat.Empirical, x, nil),
			P99: stat.Quantile(0.99, stat.Empirical, x, nil),
			Max: x[n-1],
			N:   m.n[i],
		}
	}
	return s
}

// Write prints the snapshot as a small table.
func (s Snapshot) Write(w io.Writer) {
	fmt.Fprintf(w, "frames: %d in, %d out, %d dropped, %d inferences in %.1fs (%.1f fps)",
		s.In, s.Out, s.Dropped, s.Inferences, s.Elapsed.Seconds(), s.FPS)
	if s.Reconnects > 0 {
		fmt.Fprintf(w, ", %d reconnects", s.Reconnects)
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "%-20s %9s %9s %9s %9s\n", "phase (ms)", "p50", "p95", "p99", "max")
	for i, q := range s.Phases {
		if q.N == 0 {
			continue
		}
		fmt.Fprintf(w, "%-20s %9.2f %9.2f %9.2f %9.2f\n", Phase(i), q.P50, q.P95, q.P99, q.Max)
	}
}

// Counts returns the frames read, delivered and dropped so far, without
// the cost of a Snapshot.
func (m *Metrics) Counts() (in, out, dropped int64) {
	return m.in.Load(), m.out.Load(), m.dropped.Load()
}

// fps is the rate of frames delivered since the start.
func (m *Metrics) fps() float64 {
	if sec := time.Since(m.start).Seconds(); sec > 0 {
		return float64(m.out.Load()) / sec
	}
	return 0
}
