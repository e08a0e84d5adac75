package segment_test

import (
	"strings"
	"testing"
	"time"

	"github.com/livecam/livecam/sink/segment"
)

func TestParseSize(t *testing.T) {
	for in, want := range map[string]int64{
		"20GB": 20e9, "500MB": 500e6, "1.5G": 1.5e9, "2GiB": 2 << 30, "64 KiB": 64 << 10, "0": 0, "1000": 1000, " 3MB ": 3e6,
	} {
		if got, err := segment.ParseSize(in); err != nil || got != want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "GB", "twenty", "-5MB", "5XB", "1e30TB", "99999999EB"} {
		if got, err := segment.ParseSize(in); err == nil || !strings.Contains(err.Error(), "size") {
			t.Errorf("ParseSize(%q) = %d, %v; want an error", in, got, err)
		}
	}
}

func TestParseAge(t *testing.T) {
	day := 24 * time.Hour
	for in, want := range map[string]time.Duration{
		"7d": 7 * day, "12h": 12 * time.Hour, "30m": 30 * time.Minute, "1d12h": day + 12*time.Hour, "1.5d": 36 * time.Hour, "0": 0, "90s": 90 * time.Second,
	} {
		if got, err := segment.ParseAge(in); err != nil || got != want {
			t.Errorf("ParseAge(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "d", "7", "-7d", "7d-1h", "1dd", "7w", "soon", "d5h", "1e9d"} {
		if got, err := segment.ParseAge(in); err == nil || !strings.Contains(err.Error(), "age") {
			t.Errorf("ParseAge(%q) = %v, %v; want an error", in, got, err)
		}
	}
}
