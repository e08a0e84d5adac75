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
	"github.com/livecam/livecam/pipeline"
	"github.com/livecam/livecam/source/push"
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

// turn is one frame the pool's worker took, or one result delivered.
type turn struct {
	camera string
	pts    time.Duration
}

// within receives from ch, failing the test when nothing comes before
// the deadline (a hang, not a measure: the test's order is set by
// channels alone).
func within[T any](t *testing.T, ch <-chan T, deadline <-chan time.Time, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-deadline:
		t.Fatalf("no %s within a minute", what)
		panic("unreachable")
	}
}

// TestPoolServesCamerasInTurn: four live cameras share a pool of one
// worker, three that always have a frame waiting and one that has one
// now and then. The worker takes turns: once a camera has a frame
// waiting, it serves each other camera at most once before serving it
// (bounded bypass), so the slow camera is never starved and the fast
// ones are served alike. The worker is held in a hook after each take
// until the test releases it; before each release the test pushes a
// frame to every fast camera, and to the slow one every 4th release, and
// waits until each is in its pipeline's handoff (and the result of the
// take before is out, so that its slot is free again): the order of the
// turns is then set by the pool alone, no clock involved. Every slow
// frame must be taken within 3 other takes of its push, and the fast
// cameras' take counts never differ by more than 1.
func TestPoolServesCamerasInTurn(t *testing.T) {
	m, err := randweights.Model(randweights.Small, 1)
	if err != nil {
		t.Fatal(err)
	}
	queued, taken, results := make(chan string, 100), make(chan turn), make(chan turn, 100)
	release, stop := make(chan struct{}), make(chan struct{})
	remove := pipeline.SetPoolHooks(
		func(camera string) {
			select {
			case queued <- camera:
			case <-stop:
			}
		},
		func(camera string, pts time.Duration) {
			select {
			case taken <- turn{camera, pts}:
			case <-stop:
				return
			}
			select {
			case <-release:
			case <-stop:
			}
		})
	defer remove() // after pool.Close
	pool, err := pipeline.NewPool(models.FromClassifier(m), 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()

	names := []string{"fast-a", "fast-b", "fast-c", "slow"}
	const slow = 3
	cams := make([]*push.Source, len(names))
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	defer func() { close(stop); cancel(); wg.Wait() }()
	for i, name := range names {
		if cams[i], err = push.New(name, 32, 24, 0); err != nil {
			t.Fatal(err)
		}
		p, err := pipeline.New(pipeline.Config{Source: cams[i], Model: pool.Model(), Pool: pool, Workers: 2,
			OnResult: func(r *pipeline.Result) {
				select {
				case results <- turn{name, r.PTS}:
				case <-stop:
				}
			}})
		if err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := p.Run(ctx); err != nil {
				t.Error(err)
			}
		}()
	}

	deadline := time.After(time.Minute)
	rgb := make([]byte, 32*24*3)
	pts := time.Duration(0)
	var slowPTS time.Duration // the slow camera's frame waiting (0: none)
	slowPushed := 0           // the take after which it was pushed
	// give pushes a frame to every fast camera, and to the slow one too
	// when asked, and waits until each is in its handoff.
	give := func(withSlow bool, after int) {
		n := 0
		for i, cam := range cams {
			if i == slow && !withSlow {
				continue
			}
			pts += time.Millisecond
			if err := cam.PushRGB(rgb, pts); err != nil {
				t.Fatal(err)
			}
			if i == slow {
				slowPTS, slowPushed = pts, after
			}
			n++
		}
		for range n {
			within(t, queued, deadline, "frame queued")
		}
	}
	counts := map[string]int{}
	give(true, 0)
	const takes = 48
	for k := 1; k <= takes; k++ {
		tk := within(t, taken, deadline, "take")
		t.Logf("take %d: %s, frame %v", k, tk.camera, tk.pts) // shown when it fails
		counts[tk.camera]++
		if tk.camera == names[slow] {
			if tk.pts != slowPTS {
				t.Fatalf("take %d: the slow camera's frame %v, want %v (its frame pushed after take %d was replaced unserved)", k, tk.pts, slowPTS, slowPushed)
			}
			slowPTS = 0
		}
		if slowPTS != 0 && k-slowPushed >= 4 {
			t.Fatalf("take %d (%s): the slow camera's frame, waiting since take %d, was bypassed %d times", k, tk.camera, slowPushed, k-slowPushed)
		}
		lo, hi := counts[names[0]], counts[names[0]]
		for _, name := range names[:slow] {
			lo, hi = min(lo, counts[name]), max(hi, counts[name])
		}
		if hi-lo > 1 {
			t.Fatalf("after take %d (%s) the fast cameras were served %d, %d and %d times: unevenly", k, tk.camera, counts[names[0]], counts[names[1]], counts[names[2]])
		}
		if k > 1 {
			within(t, results, deadline, "result") // the take before's: its slot is free
		}
		give(k%4 == 0, k)
		release <- struct{}{}
	}
	if want := takes/4 + 1; counts[names[slow]] < want-1 {
		t.Errorf("the slow camera was served %d times for %d frames", counts[names[slow]], want)
	}
	t.Logf("takes: %v", counts)
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
	first := make(chan struct{})
	var once sync.Once
	p, err := pipeline.New(pipeline.Config{Source: newLiveSynth("cam", 5*time.Millisecond), Model: pool.Model(), Pool: pool,
		OnResult: func(*pipeline.Result) { once.Do(func() { close(first) }) }})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- p.Run(context.Background()) }()
	select { // the run is under way: the pool has served it
	case <-first:
	case <-time.After(time.Minute):
		t.Fatal("no result within a minute")
	}
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
