// Package source opens a pipeline.Source from the way a user names it on
// a command line: a file, a camera index, a stream URL or a GStreamer
// pipeline. The sources themselves live in the packages below it:
//
//	videofile  video files, decoded by an ffmpeg child process
//	capture    cameras, streams, GStreamer, and files without ffmpeg (OpenCV)
//	push       frames the application pushes, with its own timestamps
package source

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"strings"

	"github.com/livecam/livecam/internal/redact"
	"github.com/livecam/livecam/pipeline"
	"github.com/livecam/livecam/source/capture"
	"github.com/livecam/livecam/source/videofile"
)

// Options adjust Open.
type Options struct {
	// Realtime paces a file at its frame rate and makes it live, as a
	// camera would deliver it.
	Realtime bool
	// Loop plays a file again from the start when it ends, for ever (for
	// demonstrations and soak tests). Frame numbers and times continue.
	Loop bool
}

// Open opens a source from its command-line spelling:
//
//	a path that exists     a video file (whatever its name looks like)
//	0, 1, ...              a camera by index
//	rtsp://..., http://... a network stream (OpenCV's FFmpeg backend)
//	"... ! appsink"        a GStreamer pipeline (live; its end ends the run),
//	                       which may hold URLs (rtspsrc location=rtsp://...)
//
// An existing file always wins: a file named "2024" or "Wow!.mp4" is read
// as a file. A spelling that is none of these is an error saying so.
// Cameras, streams and GStreamer pipelines are live; files are not unless
// opts.Realtime is set.
func Open(spec string, opts Options) (pipeline.Source, error) {
	st, statErr := os.Stat(spec)
	switch {
	case spec == "":
		return nil, &pipeline.SourceError{Source: "(none)", Err: errors.New("no source given")}
	case statErr == nil || !errors.Is(statErr, fs.ErrNotExist):
		// A file (or one we may not read): files win over every
		// other spelling.
	case isIndex(spec):
		idx, _ := strconv.Atoi(spec)
		c, err := capture.Camera(idx)
		if err != nil {
			return nil, &pipeline.SourceError{Source: "camera " + spec, Err: fmt.Errorf("no such camera, or it cannot be opened (and there is no file named %s)", spec)}
		}
		return c, nil
	case strings.Contains(spec, "://") && !strings.ContainsAny(spec, " \t\r\n"):
		// Named with the credentials of every URL in it redacted.
		return opened(capture.Stream(spec, redact.URL(spec)))
	case strings.Contains(spec, "!"):
		// A pipeline may name a camera by its URL, with its
		// credentials (rtspsrc location=rtsp://...).
		return opened(redactErr(capture.GStreamer(spec)))
	default:
		return nil, &pipeline.SourceError{Source: redact.URL(spec), Err: errors.New("no such file (nor a camera index, stream URL or GStreamer pipeline)")}
	}
	if statErr != nil {
		return nil, &pipeline.SourceError{Source: spec, Err: pathCause(statErr)}
	}
	if st.IsDir() {
		return nil, &pipeline.SourceError{Source: spec, Err: errors.New("is a directory, not a video file")}
	}
	if !st.Mode().IsRegular() && st.Mode()&fs.ModeDevice == 0 {
		return nil, &pipeline.SourceError{Source: spec, Err: fmt.Errorf("not a regular file (%v)", st.Mode().Type())}
	}
	// The decoders say only "cannot open": find out whether we may read it.
	f, err := os.Open(spec)
	if err != nil {
		return nil, &pipeline.SourceError{Source: spec, Err: pathCause(err)}
	}
	f.Close()
	if st.Mode().IsRegular() && videofile.Installed() {
		return opened(videofile.Open(spec, videofile.Options{Realtime: opts.Realtime, Loop: opts.Loop}))
	}
	return opened(capture.File(spec, capture.FileOptions{Realtime: opts.Realtime, Loop: opts.Loop}))
}

// opened returns a source as a pipeline.Source, and a nil interface (not
// a nil pointer in one) with an error.
func opened[S pipeline.Source](s S, err error) (pipeline.Source, error) {
	if err != nil {
		return nil, err
	}
	return s, nil
}

// redactErr redacts the URLs in the source a SourceError names.
func redactErr[S any](s S, err error) (S, error) {
	var se *pipeline.SourceError
	if errors.As(err, &se) {
		se.Source = redact.Text(se.Source)
	}
	return s, err
}

func isIndex(s string) bool {
	_, err := strconv.Atoi(s)
	return err == nil && !strings.HasPrefix(s, "-")
}

// RedactURL returns s with the credentials of a URL (user information,
// and parameters named like pwd, token, key...) replaced by "xxxxx", for
// messages, pages and logs; anything that does not start with a URL is
// returned with the URLs inside it redacted. It is how livecam's own
// packages show a source (they call internal/redact, which this calls
// too), for applications that show or log the sources they open.
func RedactURL(s string) string { return redact.URL(s) }

// pathCause strips the path from an *os.PathError: SourceError names the
// source already.
func pathCause(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
