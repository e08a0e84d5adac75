package topicname

import (
	"regexp"
	"strings"
	"testing"
)

var safe = regexp.MustCompile(`^[a-zA-Z0-9_-]{1,64}$`)

func TestSafe(t *testing.T) {
	for in, want := range map[string]string{
		"door":                    "door",
		"Door-2_b":                "Door-2_b",
		"door#1+.mp4":             "door_1__mp4",
		"a/b c.d*e>f":             "a_b_c_d_e_f",
		"127.0.0.1:8080/cam.mjpg": "127_0_0_1_8080_cam_mjpg",
		"tür":                     "t_r",
		"a\x1b[2Jb\nc":            "a__2Jb_c",
	} {
		if got := Safe(in); got != want {
			t.Errorf("Safe(%q) = %q, want %q", in, got, want)
		}
	}
	empty, hashes, dots := Safe(""), Safe("##"), Safe("..")
	for _, s := range []string{empty, hashes, dots} {
		if !safe.MatchString(s) || !strings.HasPrefix(s, "x") {
			t.Errorf("fallback %q", s)
		}
	}
	if empty == hashes || hashes == dots {
		t.Errorf("two names all replaced share a fallback: %q %q %q", empty, hashes, dots)
	}
	long := strings.Repeat("a", 100)
	if got := Safe(long); !safe.MatchString(got) || got == Safe(long+"b") {
		t.Errorf("long names: %q, %q", got, Safe(long+"b"))
	}
}
