package pipeline_test

import (
	"context"
	"io"
	"sync"
	"testing"
	"time"

	"gocv.io/x/gocv"

	"github.com/livecam/livecam/internal/randweights"
	"github.com/livecam/livecam/models"
	"github.com/livecam/livecam/net/mobilenet"
	"github.com/livecam/livecam/pipeline"
)

// liveSynth is a camera-like source: a new frame every interval (0: as
// fast as it is read), until the context of the test ends it.
type liveSynth struct {
	name     string
	interval time.Duration
	next     time.Time
	stop     chan struct{}
	once     sync.Once
	i        int
}

func newLiveSynth(name string, interval time.Duration) *liveSynth {
	return &liveSynth{name: name, interval: interval, stop: make(chan struct{})}
}

func (s *liveSynth) Info() pipeline.SourceInfo {
	return pipeline.SourceInfo{Name: s.name, Width: 64, Height: 48, FPS: 25, Live: true}
}

func (s *liveSynth) Read(dst *gocv.Mat) (pipeline.Frame, error) {
	if s.next.IsZero() {
		s.next = time.Now()
	}
	s.next = s.next.Add(s.interval)
	select {
	case <-s.stop:
		return pipeline.Frame{}, io.EOF
	case <-time.After(max(time.Until(s.next), 100*time.Microsecond)):
	}
	if dst.Rows() != 48 || dst.Cols() != 64 {
		dst.Close()
		*dst = gocv.NewMatWithSize(48, 64, gocv.MatTypeCV8UC3)
	}
	dst.SetTo(gocv.NewScalar(float64(s.i%256), 80, 160, 0))
	s.i++
	return pipeline.Frame{PTS: time.Duration(s.i) * time.Millisecond}, nil
}

func (s *liveSynth) Interrupt()   { s.once.Do(func() { close(s.stop) }) }
func (s *liveSynth) Close() error { s.Interrupt(); return nil }

// runInPool runs one pipeline per source on a shared pool of one worker
// until ctx ends, and returns their metrics.
func runInPool(t *testing.T, ctx context.Context, pool *pipeline.Pool, sources ...pipeline.Source) []pipeline.Snapshot {
	t.Helper()
	var wg sync.WaitGroup
	ps := make([]*pipeline.Pipeline, len(sources))
	errs := make([]error, len(sources))
	for i, src := range sources {
		p, err := pipeline.New(pipeline.Config{Source: src, Model: pool.Model(), Pool: pool})
		if err != nil {
			t.Fatal(err)
		}
		ps[i] = p
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = p.Run(ctx)
		}()
	}
	wg.Wait()
	snaps := make([]pipeline.Snapshot, len(ps))
	for i, p := range ps {
		if errs[i] != nil {
			t.Errorf("%s: %v", sources[i].Info().Name, errs[i])
		}
		snaps[i] = p.Metrics().Snapshot()
	}
	return snaps
}

// TestPoolServesCamerasInTurn: four cameras share one worker whose
// forward pass (an 0.5@160 network, several milliseconds) is much slower
// than three of them deliver frames (one a millisecond), while the
// fourth delivers one every 100 ms. The fast ones get the same number of
// forward passes within 10% (a worker that scanned the cameras from the
// first every time would favour one of them), and the slow one is never
// starved: it gets a forward pass for most of its frames.
func TestPoolServesCamerasInTurn(t *testing.T) {
	m, err := randweights.Model(mobilenet.Config{Alpha: 0.5, Size: 160, Classes: 10}, 1)
	if err != nil {
		t.Fatal(err)
	}
	pool, err := pipeline.NewPool(models.FromClassifier(m), 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	snaps := runInPool(t, ctx, pool,
		newLiveSynth("fast-a", time.Millisecond), newLiveSynth("fast-b", time.Millisecond), newLiveSynth("fast-c", time.Millisecond),
		newLiveSynth("slow", 100*time.Millisecond))
	lo, hi := snaps[0].Inferences, snaps[0].Inferences
	for i, s := range snaps {
		t.Logf("camera %d: %d in, %d out, %d dropped, %d inferences", i, s.In, s.Out, s.Dropped, s.Inferences)
		if s.In != s.Out+s.Dropped {
			t.Errorf("camera %d: %d in != %d out + %d dropped", i, s.In, s.Out, s.Dropped)
		}
		if i < 3 {
			lo, hi = min(lo, s.Inferences), max(hi, s.Inferences)
		}
	}
	if lo < 10 || float64(hi-lo) > 0.1*float64(hi) {
		t.Errorf("fast cameras got %d to %d forward passes: want at least 10, within 10%%", lo, hi)
	}
	if slow := snaps[3]; float64(slow.Inferences) < 0.8*float64(slow.In) {
		t.Errorf("the slow camera got %d forward passes for %d frames: starved", slow.Inferences, slow.In)
	}
}

// TestPoolFileModeEveryFrame: two files share a pool of two workers; each
// pipeline still classifies every frame and delivers them in order.
func TestPoolFileModeEveryFrame(t *testing.T) {
	pool, err := pipeline.NewPool(smallModel(t), 2, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	var mu sync.Mutex
	frames := map[string][]int64{}
	var wg sync.WaitGroup
	for _, name := range []string{"a", "b"} {
		src := &synthSource{n: 60, w: 64, h: 48}
		p, err := pipeline.New(pipeline.Config{Source: src, Model: pool.Model(), Pool: pool,
			OnResult: func(r *pipeline.Result) {
				mu.Lock()
				frames[name] = append(frames[name], r.Frame)
				mu.Unlock()
				if !r.Inferred {
					t.Errorf("%s: frame %d not classified", name, r.Frame)
				}
			}})
		if err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := p.Run(context.Background()); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	for name, got := range frames {
		if len(got) != 60 {
			t.Errorf("%s: %d frames delivered, want 60", name, len(got))
		}
		for i, f := range got {
			if f != int64(i) {
				t.Errorf("%s: frame %d delivered at position %d", name, f, i)
				break
			}
		}
	}
}

// TestPoolRefusesOtherModel: a pipeline cannot use a pool that runs
// another model.
func TestPoolRefusesOtherModel(t *testing.T) {
	pool, err := pipeline.NewPool(smallModel(t), 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	if _, err := pipeline.New(pipeline.Config{Source: &synthSource{n: 1, w: 8, h: 8}, Model: smallModel(t), Pool: pool}); err == nil {
		t.Error("a pool of another model was accepted")
	}
}

// TestPoolClosedUnderRunningPipeline: closing the pool while a camera
// still runs ends that run instead of leaving it waiting forever.
func TestPoolClosedUnderRunningPipeline(t *testing.T) {
	pool, err := pipeline.NewPool(smallModel(t), 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	p, err := pipeline.New(pipeline.Config{Source: newLiveSynth("cam", 5*time.Millisecond), Model: pool.Model(), Pool: pool})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- p.Run(context.Background()) }()
	time.Sleep(200 * time.Millisecond)
	pool.Close()
	select {
	case err := <-done:
		if err != nil {
			t.Error(err)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("Run still running 3 s after the pool closed")
	}
}
