package pipeline_test

import (
	"context"
	"slices"
	"testing"

	"github.com/livecam/livecam/classify"
	"github.com/livecam/livecam/internal/randweights"
	"github.com/livecam/livecam/models"
	"github.com/livecam/livecam/net/mobilenet"
	"github.com/livecam/livecam/pipeline"
)

// TestAllClasses: Config.Classes may ask for any number of classes (here
// every one, more than the 10 a Result holds in itself): OnResult sees
// them all, ranked, with their labels, and every copy on the Results
// channel keeps its own, though the next frames are ranked into the same
// buffers.
func TestAllClasses(t *testing.T) {
	net, err := randweights.Model(mobilenet.Config{Alpha: 0.25, Size: 128, Classes: 30}, 1)
	if err != nil {
		t.Fatal(err)
	}
	m, classes := models.FromClassifier(net), net.Classes()
	const frames = 12
	var seen [][]classify.Prediction
	p, err := pipeline.New(pipeline.Config{Source: &synthSource{n: frames, w: 32, h: 24}, Model: m, Workers: 1,
		Classes:  classify.Options{MaxResults: classify.AllResults},
		OnResult: func(r *pipeline.Result) { seen = append(seen, slices.Clone(r.Top())) }})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(seen) != frames {
		t.Fatalf("%d results, want %d", len(seen), frames)
	}
	labels := m.Classifier.Labels()
	for i, top := range seen {
		if len(top) != classes {
			t.Fatalf("frame %d: %d classes, want all %d", i, len(top), classes)
		}
		for j, c := range top {
			if c.Label != labels.Name(c.Class) || (j > 0 && c.Score > top[j-1].Score) {
				t.Fatalf("frame %d: class %d is %+v: unranked or misnamed", i, j, c)
			}
		}
	}
	n := 0
	for r := range p.Results() {
		if !slices.Equal(r.Top(), seen[r.Frame]) {
			t.Errorf("frame %d on the Results channel: %v, OnResult saw %v", r.Frame, r.Top()[:3], seen[r.Frame][:3])
		}
		n++
	}
	if n != frames {
		t.Errorf("%d results on the channel, want %d", n, frames)
	}
}

// TestPoolModelChecked: NewPool refuses a nil model or one without its
// network, and a pipeline on a pool may leave Config.Model nil (it takes
// the pool's) or give another wrapper of the same network, but not
// another network.
func TestPoolModelChecked(t *testing.T) {
	for name, m := range map[string]*models.Model{"nil": nil, "hollow": {Name: "hollow", Task: models.Classify}} {
		if pool, err := pipeline.NewPool(m, 1, 1); err == nil {
			pool.Close()
			t.Errorf("NewPool accepted a %s model", name)
		}
	}
	m := smallModel(t)
	pool, err := pipeline.NewPool(m, 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	if _, err := pipeline.NewPool(m, -1, 1); err == nil {
		t.Error("NewPool accepted -1 workers")
	}
	for name, cm := range map[string]*models.Model{"nil": nil, "the same network": models.FromClassifier(m.Classifier)} {
		if _, err := pipeline.New(pipeline.Config{Source: &synthSource{n: 1, w: 8, h: 8}, Model: cm, Pool: pool}); err != nil {
			t.Errorf("Model %s on the pool: %v", name, err)
		}
	}
	if _, err := pipeline.New(pipeline.Config{Source: &synthSource{n: 1, w: 8, h: 8}, Model: smallModel(t), Pool: pool}); err == nil {
		t.Error("another network was accepted on the pool")
	}
}
