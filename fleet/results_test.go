package fleet

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/livecam/livecam/internal/testrig/natstest"
)

// line is a frame's result line as wire writes it, at fps frames a
// second.
func line(frame int64, fps float64) []byte {
	return fmt.Appendf(nil, `{"frame":%d,"pts_ms":%.1f,"top":[],"inferred":true}`, frame, float64(frame)*1000/fps)
}

// storedBatch is one message of the results stream.
type storedBatch struct {
	id     string
	frames []int64
	lines  []string
}

// storedBatches reads every message of job's results subject, as stored.
func storedBatches(t *testing.T, js jetstream.JetStream, job string) []storedBatch {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	st, err := js.Stream(ctx, ResultsStream)
	if err != nil {
		t.Fatal(err)
	}
	var out []storedBatch
	for seq := uint64(1); ; {
		m, err := st.GetMsg(ctx, seq, jetstream.WithGetMsgSubject(ResultsSubject(job)))
		if errors.Is(err, jetstream.ErrMsgNotFound) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		seq = m.Sequence + 1
		frames, lines, err := SplitBatch(m.Header.Get(FramesHeader), m.Data)
		if err != nil {
			t.Fatalf("message %d: %v", m.Sequence, err)
		}
		b := storedBatch{id: m.Header.Get("Nats-Msg-Id"), frames: frames}
		for _, l := range lines {
			b.lines = append(b.lines, string(l))
		}
		out = append(out, b)
	}
}

// checkOnce fails the test unless the stream holds frames 0 to n-1 of
// job, each once at the stream level (no batch stored twice), and
// ReadResults gives them once, in order, with their lines.
func checkOnce(t *testing.T, js jetstream.JetStream, job string, n int, fps float64) {
	t.Helper()
	seen := map[int64]int{}
	for _, b := range storedBatches(t, js, job) {
		for i, f := range b.frames {
			seen[f]++
			if b.lines[i] != string(line(f, fps)) {
				t.Errorf("job %s frame %d: line %s", job, f, b.lines[i])
			}
		}
	}
	for f := range int64(n) {
		if seen[f] != 1 {
			t.Errorf("job %s: frame %d stored %d times, want once", job, f, seen[f])
		}
	}
	if len(seen) != n {
		t.Errorf("job %s: %d frames stored, want %d", job, len(seen), n)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	want := int64(0)
	got, err := ReadResults(ctx, js, job, func(f int64, l []byte) error {
		if f != want || string(l) != string(line(f, fps)) {
			return fmt.Errorf("frame %d (%s), want frame %d", f, l, want)
		}
		want++
		return nil
	})
	if err != nil || got != n {
		t.Errorf("job %s: ReadResults gave %d frames, %v; want %d", job, got, err, n)
	}
}

// TestResultsBatches: a batch closes at a second of video or at 30
// frames, whichever comes first; its id names the job and its first and
// last frame; the last batch waits for Flush.
func TestResultsBatches(t *testing.T) {
	srv := natstest.Start(t)
	js := connectAs(t, srv, "")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, _, err := Setup(ctx, js, Options{}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		job  string
		fps  float64
		want []string // the batches' ids
	}{
		{"at25fps", 25, []string{"at25fps/0-24", "at25fps/25-49", "at25fps/50-74", "at25fps/75-99"}},
		{"at60fps", 60, []string{"at60fps/0-29", "at60fps/30-59", "at60fps/60-89", "at60fps/90-99"}},
	} {
		r := NewResults(js, c.job)
		for f := range int64(100) {
			if err := r.Publish(ctx, f, line(f, c.fps)); err != nil {
				t.Fatal(err)
			}
		}
		if r.Count() != 100 || r.Stored() != 90 && r.Stored() != 75 {
			t.Errorf("%s before Flush: %d given, %d stored", c.job, r.Count(), r.Stored())
		}
		if err := r.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, b := range storedBatches(t, js, c.job) {
			ids = append(ids, b.id)
		}
		if strings.Join(ids, " ") != strings.Join(c.want, " ") {
			t.Errorf("%s: batches %v, want %v", c.job, ids, c.want)
		}
		checkOnce(t, js, c.job, 100, c.fps)
	}
	big := NewResults(js, "big")
	pad := strings.Repeat("x", 200<<10)
	for f := range int64(5) {
		if err := big.Publish(ctx, f, fmt.Appendf(nil, `{"frame":%d,"pad":"%s"}`, f, pad)); err != nil {
			t.Fatal(err)
		}
	}
	if err := big.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, b := range storedBatches(t, js, "big") {
		ids = append(ids, b.id)
	}
	if strings.Join(ids, " ") != "big/0-1 big/2-3 big/4-4" {
		t.Errorf("batches of 200 KB lines: %v, want two lines a batch", ids)
	}
	r := NewResults(js, "order")
	if err := r.Publish(ctx, 5, line(5, 25)); err != nil {
		t.Fatal(err)
	}
	if err := r.Publish(ctx, 5, line(5, 25)); err == nil || !strings.Contains(err.Error(), "frame order") {
		t.Errorf("a frame twice: %v", err)
	}
}

// TestReadResultsOverlap: a job's results stored twice over, in batches
// of other sizes (a rerun past the duplicate window, by workers with
// other settings), are read once each, in order; a message that is not
// a batch is an error that names it.
func TestReadResultsOverlap(t *testing.T) {
	srv := natstest.Start(t)
	js := connectAs(t, srv, "")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, _, err := Setup(ctx, js, Options{}); err != nil {
		t.Fatal(err)
	}
	publish := func(opts Options, from, to int64, flush bool) {
		r := NewResultsWith(js, "j", opts)
		for f := from; f < to; f++ {
			if err := r.Publish(ctx, f, line(f, 30)); err != nil {
				t.Fatal(err)
			}
		}
		if flush {
			if err := r.Flush(ctx); err != nil {
				t.Fatal(err)
			}
		}
	}
	publish(Options{BatchFrames: 7}, 0, 40, false)  // a worker that died at frame 40: 0-34 stored
	publish(Options{BatchFrames: 11}, 0, 60, false) // another that died at 60: 0-54
	publish(Options{}, 0, 80, true)                 // the one that finished
	n := int64(0)
	got, err := ReadResults(ctx, js, "j", func(f int64, l []byte) error {
		if f != n || string(l) != string(line(f, 30)) {
			return fmt.Errorf("frame %d, want %d", f, n)
		}
		n++
		return nil
	})
	if err != nil || got != 80 {
		t.Errorf("ReadResults: %d frames, %v; want 80", got, err)
	}
	if _, err := js.Publish(ctx, ResultsSubject("j"), []byte(`{"frame":80}`)); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadResults(ctx, js, "j", func(int64, []byte) error { return nil }); err == nil || !strings.Contains(err.Error(), "message ") || !strings.Contains(err.Error(), "not a results batch") {
		t.Errorf("a message that is not a batch: %v", err)
	}
}

// TestResultsPublishAllocs: adding a frame to the batch under way
// allocates nothing.
func TestResultsPublishAllocs(t *testing.T) {
	r := NewResultsWith(nil, "j", Options{BatchFrames: 4000, BatchDuration: time.Hour})
	lines := make([][]byte, 4000)
	for f := range lines {
		lines[f] = line(int64(f), 30)
	}
	ctx := context.Background()
	for f := range 2000 { // the buffers grow to their size
		if err := r.Publish(ctx, int64(f), lines[f]); err != nil {
			t.Fatal(err)
		}
	}
	r.buf, r.batch, r.started = r.buf[:0], r.batch[:0], false
	f := 0
	allocs := testing.AllocsPerRun(1000, func() {
		if err := r.Publish(ctx, int64(f), lines[f]); err != nil {
			t.Fatal(err)
		}
		f++
	})
	if allocs != 0 {
		t.Errorf("%v allocations per frame, want 0", allocs)
	}
}

func TestSplitBatchErrors(t *testing.T) {
	for _, c := range []struct{ header, data, want string }{
		{"", "{}", "no Livecam-Frames header"},
		{"0-1", "{}", "1 lines for 2 frames"},
		{"3 2", "{}\n{}", "not in order"},
		{"x", "{}", "not a frame number"},
		{"5-2", "{}", "not a run"},
	} {
		if _, _, err := SplitBatch(c.header, []byte(c.data)); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("SplitBatch(%q, %q): %v, want %q", c.header, c.data, err, c.want)
		}
	}
	if got, ok := linePTS([]byte(`{"frame":1,"pts_ms":1438906.5,"x":1}`)); !ok || got != 1438906500*time.Microsecond {
		t.Errorf("linePTS: %v %v", got, ok)
	}
	if _, ok := linePTS([]byte(`{"frame":1}`)); ok {
		t.Error("linePTS of a line without one")
	}
}

// TestReplicasChecked: streams and buckets that exist with another
// replica count are refused clearly; asked for none, any is taken; a
// lone server cannot make 3.
func TestReplicasChecked(t *testing.T) {
	srv := natstest.Start(t)
	js := connectAs(t, srv, "")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, _, err := Setup(ctx, js, Options{Replicas: 1}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := Setup(ctx, js, Options{}); err != nil {
		t.Errorf("no replica count asked: %v", err)
	}
	_, _, err := Setup(ctx, js, Options{Replicas: 3})
	if !errors.Is(err, ErrStreamSettings) || !strings.Contains(err.Error(), "1 replicas (want 3)") {
		t.Errorf("3 replicas asked of streams with 1: %v", err)
	}
	if _, _, err := Setup(ctx, js, Options{Replicas: 6}); err == nil || !strings.Contains(err.Error(), "1 to 5") {
		t.Errorf("6 replicas: %v", err)
	}
	want := jetstream.StreamConfig{Name: "S", Subjects: []string{"a"}, Replicas: 3}
	if err := checkStream(want, jetstream.StreamConfig{Subjects: []string{"a"}, Replicas: 3}, 3); err != nil {
		t.Errorf("the same replicas: %v", err)
	}
	if err := checkStream(want, jetstream.StreamConfig{Subjects: []string{"a"}, Replicas: 1}, 3); err == nil || !strings.Contains(err.Error(), "--replicas 3") {
		t.Errorf("1 replica, 3 asked: %v", err)
	}
	if err := checkStream(want, jetstream.StreamConfig{Subjects: []string{"a"}, Replicas: 3}, 0); err != nil {
		t.Errorf("none asked: %v", err)
	}
	kv, err := js.KeyValue(ctx, WorkerBucket)
	if err != nil {
		t.Fatal(err)
	}
	if err := checkBucketReplicas(ctx, kv, WorkerBucket, 3); !errors.Is(err, ErrStreamSettings) || !strings.Contains(err.Error(), "bucket "+WorkerBucket) {
		t.Errorf("a bucket with 1 replica, 3 asked: %v", err)
	}
	if err := checkBucketReplicas(ctx, kv, WorkerBucket, 1); err != nil {
		t.Errorf("a bucket with 1 replica, 1 asked: %v", err)
	}
	lone := natstest.Start(t)
	if _, _, err := Setup(ctx, connectAs(t, lone, ""), Options{Replicas: 3}); err == nil {
		t.Error("a lone server made streams with 3 replicas")
	}
}
