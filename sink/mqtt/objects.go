package mqtt

import (
	"encoding/json"
	"strconv"
	"sync"

	"github.com/livecam/livecam/internal/relay"
	"github.com/livecam/livecam/internal/topicname"
	"github.com/livecam/livecam/pipeline"
	"github.com/livecam/livecam/track"
	"github.com/livecam/livecam/wire"
)

// objectCounts are a camera's objects in view, from its object events:
// per label (zone "") and per zone and label, by topic level.
type objectCounts struct {
	mu     sync.Mutex
	counts map[countKey]int
	// labels are the labels of the view's counts seen so far, by topic
	// level, with the name they first came with: each is announced to
	// Home Assistant as a sensor (on its first enter, and again on
	// every connection).
	labels map[string]string
	order  []string // labels' keys in the order they came
}

// countKey names one count: topic levels, zone "" for the whole view.
type countKey struct{ zone, label string }

// add applies an enter (+1) or a leave (-1, never below 0) to k's
// count and returns the new count, and whether k's label is one the view
// had not counted before (for Home Assistant).
func (c *objectCounts) add(k countKey, name string, typ track.EventType) (n int, newLabel bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.counts == nil {
		c.counts, c.labels = map[countKey]int{}, map[string]string{}
	}
	n = c.counts[k]
	switch typ {
	case track.Enter:
		n++
	case track.Leave:
		n = max(n-1, 0)
	}
	c.counts[k] = n
	if _, seen := c.labels[k.label]; k.zone == "" && !seen {
		c.labels[k.label] = name
		c.order = append(c.order, k.label)
		newLabel = true
	}
	return n, newLabel
}

// each calls f with every count (in no particular order).
func (c *objectCounts) each(f func(k countKey, n int)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, n := range c.counts {
		f(k, n)
	}
}

// announced returns the view's labels seen so far: topic level and name.
func (c *objectCounts) announced() [][2]string {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([][2]string, len(c.order))
	for i, l := range c.order {
		out[i] = [2]string{l, c.labels[l]}
	}
	return out
}

// ObjectLevel returns the topic level of a label or a zone name in the
// count topics (see CountTopic): the name made safe for a topic level
// by topicname.Safe, as a camera's is ("dining table" is "dining_table",
// "a/b#" is "a_b_"), and a name that would land on one of the camera's
// own topics ("top", "events", "results", "availability") followed by
// "_". Two names that differ only where Safe replaces characters share a
// topic, and one count.
func ObjectLevel(name string) string {
	l := topicname.Safe(name)
	switch l {
	case "top", "events", "results", "availability":
		l += "_"
	}
	return l
}

// CountTopic returns the retained topic that holds how many objects of
// label are in view now, PREFIX/CAMERA/LABEL, or, for a zone,
// PREFIX/CAMERA/ZONE/LABEL, label and zone made safe by ObjectLevel.
func (p *Publisher) CountTopic(zone, label string) string {
	if zone == "" {
		return p.Topic(ObjectLevel(label))
	}
	return p.Topic(ObjectLevel(zone)) + "/" + ObjectLevel(label)
}

// ObjectEvent publishes a detector's per-object event (package track) to
// PREFIX/CAMERA/events (wire.AppendObjectEvent, with the camera's name),
// at QoS 1; then the count it
// changes, retained: the number of objects of its label in view
// (CountTopic(e.Zone, e.Label)), one more on an enter, one fewer on a
// leave, as a decimal number. With Options.Discovery, the first enter of
// a label announces its count to Home Assistant as a sensor (see
// CountDiscoveryTopic). Counts start at 0 with the Publisher: a count
// retained by an earlier run stays until that label enters or leaves
// again (the tracker's last events of a run, every object leaving, bring
// each count back to 0).
func (p *Publisher) ObjectEvent(e track.Event) {
	p.queue.Put(relay.Message{Subject: p.eventsTopic, Payload: wire.AppendObjectEvent(p.buffers.Get(), p.camera, e)})
	if e.Type != track.Enter && e.Type != track.Leave {
		return
	}
	k := countKey{label: ObjectLevel(e.Label)}
	if e.Zone != "" {
		k.zone = ObjectLevel(e.Zone)
	}
	p.stateMu.Lock() // the count and its message, in order with republish
	defer p.stateMu.Unlock()
	n, newLabel := p.objects.add(k, e.Label, e.Type)
	if newLabel && p.opts.Discovery != "" {
		p.queue.Put(relay.Message{Subject: p.countDiscoveryTopic(k.label), Payload: p.countDiscoveryConfig(k.label, e.Label), Retained: true})
	}
	p.putCount(k, n)
}

// putCount queues count k's retained message, n.
func (p *Publisher) putCount(k countKey, n int) {
	topic := p.Topic(k.label)
	if k.zone != "" {
		topic = p.Topic(k.zone) + "/" + k.label
	}
	p.queue.Put(relay.Message{Subject: topic, Payload: strconv.AppendInt(p.buffers.Get(), int64(n), 10), Retained: true})
}

// CountDiscoveryTopic returns the topic of the Home Assistant discovery
// message of the camera's count of label:
// DISCOVERY/sensor/livecam/OBJECT_LABEL_count/config, OBJECT as in
// DiscoveryTopic and LABEL made safe by ObjectLevel.
func (p *Publisher) CountDiscoveryTopic(label string) string {
	return p.countDiscoveryTopic(ObjectLevel(label))
}

func (p *Publisher) countDiscoveryTopic(level string) string {
	return p.opts.Discovery + "/sensor/livecam/" + p.objectID() + "_" + level + "_count/config"
}

// countDiscoveryConfig describes the camera's count of one label as a
// Home Assistant sensor, on the camera's device, available as the
// camera's label sensor is. Unlike that one, it is not handed back to
// another process when this one closes.
func (p *Publisher) countDiscoveryConfig(level, name string) []byte {
	id := "livecam_" + p.objectID()
	b, _ := json.Marshal(map[string]any{
		"name":                name,
		"unique_id":           id + "_" + level + "_count",
		"state_topic":         p.Topic(level),
		"state_class":         "measurement",
		"unit_of_measurement": "objects",
		"availability":        []map[string]string{{"topic": p.availability()}, {"topic": p.instanceAvailability()}},
		"availability_mode":   "all",
		"icon":                "mdi:counter",
		"device":              map[string]any{"identifiers": []string{id}, "name": "livecam " + p.camera, "manufacturer": "livecam"},
	})
	return b
}

var _ pipeline.ObjectPublisher = (*Publisher)(nil)
