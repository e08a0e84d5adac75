package mainjob

import (
	"bytes"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/livecam/livecam/internal/batch"
	"github.com/livecam/livecam/sink/jsonl"
)

// TestOneEndedEarly: one damaged file run alone (livecam -source
// cut.mp4 -out x.mp4) writes what it could read, warns, and ends as it
// would in a batch: batch.ErrCutShort, exit status 3, naming where and
// why; a whole file ends with nil.
func TestOneEndedEarly(t *testing.T) {
	if testing.Short() {
		t.Skip("two videos through the real model")
	}
	whole, cut := makeVideos(t, t.TempDir())
	var stderr bytes.Buffer
	r := newRunner(t, Defaults(), &stderr)
	out := t.TempDir()
	for _, src := range []string{cut, whole} {
		base := filepath.Join(out, strings.TrimSuffix(filepath.Base(src), ".mp4"))
		stderr.Reset()
		err := r.One(Job{Source: src, Out: base + ".mp4", Results: base + ".jsonl"})
		end, rerr := jsonl.ReadEnd(base + ".jsonl")
		if rerr != nil {
			t.Fatalf("%s: the closing line: %v:\n%s", src, rerr, stderr.String())
		}
		if src == whole {
			if err != nil || end.Ended.Early {
				t.Errorf("%s: One = %v, closing line %+v; want nil, whole", src, err, end)
			}
			continue
		}
		var st interface{ ExitStatus() int }
		if !errors.Is(err, batch.ErrCutShort) || !errors.As(err, &st) || st.ExitStatus() != 3 ||
			!strings.Contains(err.Error(), "cut.mp4 ended early at ") || !strings.Contains(err.Error(), "of 0:06.0: damaged file") {
			t.Errorf("%s: One = %v, want ErrCutShort (exit 3) saying where:\n%s", src, err, stderr.String())
		}
		if !end.Ended.Early || !strings.Contains(stderr.String(), "warning:") {
			t.Errorf("%s: closing line %+v, stderr:\n%s", src, end, stderr.String())
		}
	}
}
