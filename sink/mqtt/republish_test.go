package mqtt

import (
	"sync"
	"testing"
	"time"

	"github.com/livecam/livecam/classify"
	"github.com/livecam/livecam/pipeline"
)

// TestRepublishCrossesSignals: reconnections to the broker (republish,
// on Paho's goroutine) cross the camera's signal going and coming back
// and its label changing (on the pipeline's goroutine). Run under -race:
// they share the camera's state safely, and the last top message the
// broker gets is the camera's state at the end, whichever came last.
func TestRepublishCrossesSignals(t *testing.T) {
	f := newFakeClient()
	p := fakePublisher(t, f)
	stop := make(chan struct{}) // no goroutine outlives the test (TestMain)
	defer close(stop)
	for _, notes := range []chan string{f.entered, f.published} {
		go func() { // the fake's notes, not looked at here
			for {
				select {
				case <-notes:
				case <-stop:
					return
				}
			}
		}()
	}
	var res [2]pipeline.Result
	res[0].SetTop([]classify.Prediction{{Class: 144, Label: "pelican", Score: 0.9}})
	res[1].SetTop([]classify.Prediction{{Class: 207, Label: "golden retriever", Score: 0.91}})
	since := time.Date(2026, 12, 2, 15, 42, 7, 0, time.UTC)
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		for i := range 100 {
			p.Signal(pipeline.Signal{Lost: i%3 == 0, Since: since, Camera: "door"})
			p.Write(&pipeline.Output{Result: &res[i%2]})
		}
		p.Signal(pipeline.Signal{Lost: true, Since: since, Camera: "door"}) // ends without signal
	}()
	go func() {
		defer wg.Done()
		for range 100 {
			p.republish()
		}
	}()
	wg.Wait()
	if unsent := p.queue.Close(10 * time.Second); unsent > 0 {
		t.Fatalf("%d messages not sent", unsent)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if want := `{"class":null,"label":null,"score":null,"no_signal_since":"2026-12-02T15:42:07.000Z"}`; string(f.top) != want {
		t.Errorf("the last top message is %s, want %s", f.top, want)
	}
	if got := p.state(); got != "offline" {
		t.Errorf("state %q, want offline", got)
	}
}
