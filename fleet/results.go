package fleet

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// FramesHeader is the header of a results batch that lists its frames,
// in order: decimal frame numbers and runs of them ("0-29", "30 32-40"),
// separated by spaces, one frame per line of the batch.
const FramesHeader = "Livecam-Frames"

// The batching of results when Options leave it unset.
const (
	DefaultBatchFrames   = 30
	DefaultBatchDuration = time.Second
)

// MaxBatchBytes bounds a batch's data, far under NATS's 1 MB default
// payload limit: a frame whose line would take a batch past it starts
// the next one.
const MaxBatchBytes = 512 << 10

// Results sends a job's per-frame results to its subject of the results
// stream in batches: a message per BatchDuration of video or per
// BatchFrames frames, whichever comes first (Options). A batch holds its
// frames' result lines (package wire's), joined by '\n', its frames in
// the FramesHeader header, and the message id JOB/FIRST-LAST (its first
// and last frame): the same frames make the same batches, so a batch sent
// again, or a job done again after its worker died, is dropped by the
// stream's duplicate window, and ReadResults stores each frame once
// whatever the window kept. A batch's data stays under MaxBatchBytes. The video time of a frame is its line's
// "pts_ms"; a line without one is counted only. Publish keeps the frames
// of the batch under way (a reused buffer: it allocates nothing but when
// it sends a batch); Flush sends them, which the worker does once its
// Process has returned. A Results is used by one goroutine.
type Results struct {
	js        jetstream.JetStream
	job       string
	subject   string
	maxFrames int
	span      time.Duration

	frames   int     // results given to Publish
	stored   int     // results of the batches sent
	buf      []byte  // the batch's lines
	batch    []int64 // the batch's frames
	firstPTS time.Duration
	hasPTS   bool // the batch's first line has a pts_ms
	last     int64
	started  bool // a frame was given
	hdr      []byte
	msg      nats.Msg
}

// NewResults makes the results of job, sent through js in batches of the
// default size (a Process is given those of its job; tests make their
// own).
func NewResults(js jetstream.JetStream, job string) *Results {
	return NewResultsWith(js, job, Options{})
}

// NewResultsWith makes the results of job, batched as opts say
// (BatchFrames, BatchDuration).
func NewResultsWith(js jetstream.JetStream, job string, opts Options) *Results {
	n, span := opts.BatchFrames, opts.BatchDuration
	if n <= 0 {
		n = DefaultBatchFrames
	}
	if span <= 0 {
		span = DefaultBatchDuration
	}
	return &Results{js: js, job: job, subject: ResultsSubject(job), maxFrames: n, span: span,
		buf: make([]byte, 0, min(n, 64)*256), batch: make([]int64, 0, min(n, 1024)), hdr: make([]byte, 0, 64)}
}

// Publish adds one frame's result, msg (in the wire format:
// wire.AppendResult, without a newline), to the batch under way, and
// sends the batch when it is full (waiting through a server restart, up
// to a minute). Frames come in increasing order.
func (r *Results) Publish(ctx context.Context, frame int64, msg []byte) error {
	if r.started && frame <= r.last {
		return fmt.Errorf("results of job %s: frame %d after frame %d: results go in frame order", r.job, frame, r.last)
	}
	if bytes.IndexByte(msg, '\n') >= 0 {
		return fmt.Errorf("results of job %s, frame %d: a result line holds a newline", r.job, frame)
	}
	pts, hasPTS := linePTS(msg)
	if len(r.batch) > 0 && (r.hasPTS && hasPTS && pts-r.firstPTS >= r.span || len(r.buf)+1+len(msg) > MaxBatchBytes) {
		if err := r.Flush(ctx); err != nil {
			return err
		}
	}
	if len(r.batch) == 0 {
		r.firstPTS, r.hasPTS = pts, hasPTS
	} else {
		r.buf = append(r.buf, '\n')
	}
	r.buf = append(r.buf, msg...)
	r.batch = append(r.batch, frame)
	r.last, r.started = frame, true
	r.frames++
	if len(r.batch) >= r.maxFrames {
		return r.Flush(ctx)
	}
	return nil
}

// Flush sends the batch under way, if any (waiting through a server
// restart, up to a minute).
func (r *Results) Flush(ctx context.Context) error {
	if len(r.batch) == 0 {
		return nil
	}
	first, last := r.batch[0], r.batch[len(r.batch)-1]
	r.hdr = appendFrames(r.hdr[:0], r.batch)
	r.msg = nats.Msg{Subject: r.subject, Data: r.buf, Header: nats.Header{FramesHeader: []string{string(r.hdr)}}}
	id := r.job + "/" + strconv.FormatInt(first, 10) + "-" + strconv.FormatInt(last, 10)
	err := publishMsgRetrying(ctx, r.js, &r.msg, id, time.Minute)
	r.msg = nats.Msg{}
	if err != nil {
		return fmt.Errorf("results of job %s, frames %d to %d: %w", r.job, first, last, err)
	}
	r.stored += len(r.batch)
	r.buf, r.batch = r.buf[:0], r.batch[:0]
	return nil
}

// Count returns how many results were given to Publish (those of the
// batch under way are sent by Flush).
func (r *Results) Count() int { return r.frames }

// Stored returns how many results the stream has taken.
func (r *Results) Stored() int { return r.stored }

// appendFrames appends frames (increasing) as FramesHeader writes them.
func appendFrames(b []byte, frames []int64) []byte {
	for i := 0; i < len(frames); {
		j := i
		for j+1 < len(frames) && frames[j+1] == frames[j]+1 {
			j++
		}
		if i > 0 {
			b = append(b, ' ')
		}
		b = strconv.AppendInt(b, frames[i], 10)
		if j > i {
			b = append(b, '-')
			b = strconv.AppendInt(b, frames[j], 10)
		}
		i = j + 1
	}
	return b
}

// parseFrames reads a FramesHeader value.
func parseFrames(s string) ([]int64, error) {
	var out []int64
	for _, f := range strings.Fields(s) {
		a, b, isRun := strings.Cut(f, "-")
		lo, err := strconv.ParseInt(a, 10, 64)
		if err != nil || lo < 0 {
			return nil, fmt.Errorf("frame %q is not a frame number", f)
		}
		hi := lo
		if isRun {
			if hi, err = strconv.ParseInt(b, 10, 64); err != nil || hi < lo || hi-lo > 1<<20 {
				return nil, fmt.Errorf("frames %q are not a run of frames", f)
			}
		}
		if len(out) > 0 && lo <= out[len(out)-1] {
			return nil, fmt.Errorf("frame %d after frame %d: not in order", lo, out[len(out)-1])
		}
		for n := lo; n <= hi; n++ {
			out = append(out, n)
		}
	}
	return out, nil
}

var ptsKey = []byte(`"pts_ms":`)

// linePTS reads the "pts_ms" of a result line (milliseconds with a
// fraction) without allocating.
func linePTS(line []byte) (time.Duration, bool) {
	i := bytes.Index(line, ptsKey)
	if i < 0 {
		return 0, false
	}
	p := line[i+len(ptsKey):]
	neg := len(p) > 0 && p[0] == '-'
	if neg {
		p = p[1:]
	}
	var ns int64
	digits := 0
	for ; digits < len(p) && p[digits] >= '0' && p[digits] <= '9'; digits++ {
		ns = ns*10 + int64(p[digits]-'0')
	}
	if digits == 0 || digits > 12 {
		return 0, false
	}
	ns *= int64(time.Millisecond)
	if digits < len(p) && p[digits] == '.' {
		scale := int64(time.Millisecond / 10)
		for _, c := range p[digits+1:] {
			if c < '0' || c > '9' {
				break
			}
			ns += int64(c-'0') * scale
			scale /= 10
		}
	}
	if neg {
		ns = -ns
	}
	return time.Duration(ns), true
}

// ReadResults reads what the results stream holds of a job's frames and
// calls each with every frame's result line, in frame order, each frame
// once: a batch stored twice (a job done again after its worker died,
// past the duplicate window, or with other batch sizes) gives its frames
// once. It reads the messages one by one with the stream's message get
// ($JS.API.STREAM.MSG.GET.LIVECAM_RESULTS, which a worker may use) and
// returns the number of frames given to each. A message that is not a
// batch (no FramesHeader, or not as many lines as frames) is an error
// naming its sequence number. line is valid only during the call.
func ReadResults(ctx context.Context, js jetstream.JetStream, job string, each func(frame int64, line []byte) error) (int, error) {
	st, err := js.Stream(ctx, ResultsStream)
	if err != nil {
		return 0, fmt.Errorf("stream %s: %w", ResultsStream, err)
	}
	subject := ResultsSubject(job)
	n, last := 0, int64(-1)
	for seq := uint64(1); ; {
		m, err := st.GetMsg(ctx, seq, jetstream.WithGetMsgSubject(subject))
		if errors.Is(err, jetstream.ErrMsgNotFound) {
			return n, nil
		}
		if err != nil {
			return n, fmt.Errorf("results of job %s from message %d of %s: %w", job, seq, ResultsStream, err)
		}
		seq = m.Sequence + 1
		frames, lines, err := SplitBatch(m.Header.Get(FramesHeader), m.Data)
		if err != nil {
			return n, fmt.Errorf("results of job %s: message %d of %s: %w", job, m.Sequence, ResultsStream, err)
		}
		for i, f := range frames {
			if f <= last {
				continue // stored before
			}
			if err := each(f, lines[i]); err != nil {
				return n, err
			}
			last = f
			n++
		}
	}
}

// SplitBatch reads a results batch: its frames, from its FramesHeader
// header's value, and as many result lines, from its data (the lines
// share data's memory). A batch whose frames are not in increasing
// order, or not as many as its lines, is an error.
func SplitBatch(header string, data []byte) ([]int64, [][]byte, error) {
	if header == "" {
		return nil, nil, fmt.Errorf("not a results batch (no %s header)", FramesHeader)
	}
	frames, err := parseFrames(header)
	if err != nil {
		return nil, nil, fmt.Errorf("%s header: %w", FramesHeader, err)
	}
	lines := bytes.Split(data, []byte{'\n'})
	if len(lines) != len(frames) {
		return nil, nil, fmt.Errorf("%d lines for %d frames (%s)", len(lines), len(frames), header)
	}
	return frames, lines, nil
}
