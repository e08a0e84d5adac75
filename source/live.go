package source

import (
	"errors"
	"io/fs"
	"os"
	"strings"
)

// IsLive reports whether Open reads spec as a live source that may come
// back after it is lost or absent: a camera index, a stream URL or a
// GStreamer pipeline. A file is not (even one named "0" or "Wow!.mp4":
// an existing file wins, as in Open), nor is a spelling Open refuses.
func IsLive(spec string) bool {
	if _, err := os.Stat(spec); spec == "" || err == nil || !errors.Is(err, fs.ErrNotExist) {
		return false
	}
	stream := strings.Contains(spec, "://") && !strings.ContainsAny(spec, " \t\r\n")
	return isIndex(spec) || stream || strings.Contains(spec, "!")
}
