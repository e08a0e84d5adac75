package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"time"

	"github.com/livecam/livecam/internal/cliflag"
	"github.com/livecam/livecam/internal/randweights"
	"github.com/livecam/livecam/models"
	"github.com/livecam/livecam/net/mobilenet"
)

// benchResult is one line of `livecam bench -json`.
type benchResult struct {
	Model     string  `json:"model"`
	Threads   int     `json:"threads"`
	Runs      int     `json:"runs"`
	MedianMS  float64 `json:"median_ms"`
	P90MS     float64 `json:"p90_ms"`
	MinMS     float64 `json:"min_ms"`
	Weights   string  `json:"weights"`   // "real" or "generated"
	Precision string  `json:"precision"` // "float32" or "uint8"
	Kernel    string  `json:"kernel"`    // the kernel path, such as "avx512", "avx512-vnni", "amx", "neon" or "generic"
}

// benchOptions are the flags of `livecam bench`.
type benchOptions struct {
	model         string
	alpha         float64
	size, threads int
	runs          int
	asJSON, all   bool
}

// defineBenchFlags declares the flags of `livecam bench`.
func defineBenchFlags(stdout, stderr io.Writer) (*cliflag.Set, *benchOptions) {
	fs := newFlags("bench", "", stdout, stderr)
	o := &benchOptions{}
	fs.StringVar(&o.model, "model", "", modelFlagHelp)
	fs.Float64Var(&o.alpha, "alpha", 0, "benchmark generated weights of width `A` (0.25-1) instead of a model")
	fs.IntVar(&o.size, "size", 224, "input `SIZE` with -alpha")
	fs.IntVar(&o.threads, "threads", 1, "`N` threads per forward pass (0: all cores)")
	fs.IntVar(&o.runs, "n", 200, "`N` timed forward passes (after warm-up)")
	fs.BoolVar(&o.asJSON, "json", false, "print one JSON object per model")
	fs.BoolVar(&o.all, "all", false, "benchmark all 16 published variants with generated weights")
	return fs, o
}

// runBench runs `livecam bench`: forward-pass latencies of one model, or
// of generated weights.
func runBench(args []string, stdout, stderr io.Writer) error {
	fs, o := defineBenchFlags(stdout, stderr)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if o.runs < 1 {
		return fmt.Errorf("%w: -n %d: want at least 1", errUsage, o.runs)
	}
	for i, load := range o.loaders() {
		m, kind, err := load()
		if err != nil {
			return err
		}
		if i == 0 && !o.asJSON {
			fmt.Fprintf(stdout, "%-28s %7s %6s %10s %10s %10s  %-9s %-9s %s\n", "model", "threads", "runs", "median_ms", "p90_ms", "min_ms", "weights", "precision", "kernel")
		}
		res := benchResultOf(m, kind, mobilenet.Latency(m, o.threads, o.runs))
		if o.asJSON {
			if err := json.NewEncoder(stdout).Encode(res); err != nil {
				return err
			}
			continue
		}
		fmt.Fprintf(stdout, "%-28s %7d %6d %10.3f %10.3f %10.3f  %-9s %-9s %s\n", res.Model, res.Threads, res.Runs, res.MedianMS, res.P90MS, res.MinMS, res.Weights, res.Precision, res.Kernel)
	}
	return nil
}

// benchResultOf is the line of model m's latencies l (kind: "real" or
// "generated" weights), in milliseconds to the microsecond.
func benchResultOf(m *mobilenet.Model, kind string, l mobilenet.Latencies) benchResult {
	ms := func(d time.Duration) float64 { return math.Round(float64(d.Nanoseconds())/1e3) / 1e3 }
	return benchResult{Model: m.Name(), Threads: l.Threads, Runs: l.Runs, MedianMS: ms(l.Median), P90MS: ms(l.P90),
		MinMS: ms(l.Min), Weights: kind, Precision: m.Precision(), Kernel: m.KernelName()}
}

// loaders are the models to benchmark, each opened when its turn comes:
// every float variant with -all, generated weights with -alpha, else
// -model's.
func (o *benchOptions) loaders() []func() (*mobilenet.Model, string, error) {
	var todo []func() (*mobilenet.Model, string, error)
	switch {
	case o.all:
		for _, v := range models.Variants() {
			if v.Quantized { // generated weights are float32
				continue
			}
			todo = append(todo, func() (*mobilenet.Model, string, error) { return generated(v.Config) })
		}
	case o.alpha != 0:
		cfg := mobilenet.Config{Alpha: o.alpha, Size: o.size, Classes: 1000}
		todo = append(todo, func() (*mobilenet.Model, string, error) { return generated(cfg) })
	default:
		todo = append(todo, func() (*mobilenet.Model, string, error) {
			m, err := openModel(o.model, "", models.Classify)
			if err != nil {
				return nil, "", err
			}
			return m.Classifier, "real", nil
		})
	}
	return todo
}

// generated is a model of cfg's shape with generated weights.
func generated(cfg mobilenet.Config) (*mobilenet.Model, string, error) {
	if err := cfg.Validate(); err != nil {
		return nil, "", fmt.Errorf("%w: %v", errUsage, err)
	}
	m, err := randweights.Model(cfg, 1)
	return m, "generated", err
}

// runSummary runs `livecam summary`: the paper's Table 1 for a shape.
func runSummary(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("summary", "", stdout, stderr)
	alpha := fs.Float64("alpha", 1.0, "width multiplier `A`")
	size := fs.Int("size", 224, "input `SIZE` (a multiple of 32)")
	classes := fs.Int("classes", 1000, "`N` classifier outputs")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg := mobilenet.Config{Alpha: *alpha, Size: *size, Classes: *classes}
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	cfg.WriteTable(stdout) // write errors ignored, as before: a reader gone away (| head) is no failure
	return nil
}
