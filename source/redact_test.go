package source

import (
	"strings"
	"testing"
)

// TestErrorsHideSecrets: a stream, a GStreamer pipeline and a spelling
// that is neither, each with credentials in a URL, fail to open with
// errors that do not show them.
func TestErrorsHideSecrets(t *testing.T) {
	for _, spec := range []string{
		"rtsp://admin:SECRET@127.0.0.1:1/live?pwd=SECRET",
		"http://127.0.0.1:1/cam.mjpg?usr=admin&pwd=SECRET",
		"nosuchelement location=rtsp://admin:SECRET@127.0.0.1:1/live ! appsink", // fails at once
		"no-such-dir/rtsp://admin:SECRET@127.0.0.1:1/live",
		// Passwords with the characters that used to end the user
		// information, or the URL.
		"rtsp://admin:SE/CRET@127.0.0.1:1/live",
		"rtsp://admin:SE#C?RET@127.0.0.1:1/live",
		"rtsp://admin:SE CRET@127.0.0.1:1/live", // white space: not a stream, and said so
		"http://127.0.0.1:1/cam.mjpg?user=admin&pw=SECRET&passwort=SECRET",
	} {
		src, err := Open(spec, Options{})
		if err == nil {
			src.Close()
			t.Errorf("%s: opened", spec)
			continue
		}
		if strings.Contains(err.Error(), "RET") || !strings.Contains(err.Error(), "127.0.0.1") {
			t.Errorf("%s: %v", spec, err)
		}
		// A pipeline is a pipeline, whatever URL it holds.
		if strings.Contains(spec, " ! ") && !strings.Contains(err.Error(), "GStreamer") {
			t.Errorf("%s: not tried as a GStreamer pipeline: %v", spec, err)
		}
	}
}
