package fleet

import (
	"context"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/livecam/livecam/internal/testrig/natstest"
)

// TestNakWithDelayCountsDeliveries: the bound on deliveries (MaxDeliveries)
// counts on the server's NumDelivered growing with every redelivery,
// those after NakWithDelay (a failed attempt) and Nak (a hand-back)
// included, with the worker's one-second fetches.
func TestNakWithDelayCountsDeliveries(t *testing.T) {
	srv := natstest.Start(t)
	js := connectAs(t, srv, "")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cons, _, err := Setup(ctx, js, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := js.Publish(ctx, JobsSubject, []byte("x")); err != nil {
		t.Fatal(err)
	}
	want := uint64(1)
	for want <= 4 && ctx.Err() == nil {
		b, err := cons.Fetch(1, jetstream.FetchMaxWait(time.Second))
		if err != nil {
			t.Fatal(err)
		}
		for m := range b.Messages() {
			md, err := m.Metadata()
			if err != nil {
				t.Fatal(err)
			}
			if md.NumDelivered != want {
				t.Fatalf("delivery %d: NumDelivered %d", want, md.NumDelivered)
			}
			if want%2 == 1 {
				m.NakWithDelay(300 * time.Millisecond)
			} else {
				m.Nak()
			}
			want++
		}
	}
	if want <= 4 {
		t.Fatalf("only %d deliveries before the deadline", want-1)
	}
}
