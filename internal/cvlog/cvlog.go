// Package cvlog sets how much OpenCV logs to standard error (its
// "[ WARN:0@0.08] global ... can't open camera by index" lines). OpenCV
// reads $OPENCV_LOG_LEVEL once, before a program's main can set it, so
// the level is set through OpenCV's own call instead. Quiet also keeps
// off the lines of the libraries OpenCV relays: FFmpeg's ("[tcp @ 0x...]
// Connection to tcp://... failed") and GStreamer's.
package cvlog

// #cgo pkg-config: opencv4
// #cgo CXXFLAGS: --std=c++11
// #include "cvlog.h"
import "C"

import "os"

// Level is an OpenCV log level.
type Level int

// OpenCV's levels (cv::utils::logging::LogLevel).
const (
	Silent Level = iota
	Fatal
	Error
	Warning
	Info
	Debug
	Verbose
)

// Set sets OpenCV's log level for the whole process.
func Set(l Level) { C.livecam_cv_set_log_level(C.int(l)) }

// Get returns OpenCV's log level.
func Get() Level { return Level(C.livecam_cv_log_level()) }

// FFmpegQuiet is FFmpeg's AV_LOG_QUIET, the level Quiet gives FFmpeg
// through $OPENCV_FFMPEG_LOGLEVEL.
const FFmpegQuiet = "-8"

// Quiet keeps the native libraries' own lines off standard error: OpenCV's
// (Set(Silent)); FFmpeg's, which OpenCV's FFmpeg backend lets through at
// its error level unless $OPENCV_FFMPEG_LOGLEVEL says otherwise (OpenCV
// sets FFmpeg's level from it each time it opens a capture, so FFmpeg's
// own av_log_set_level would not last); and GStreamer's ($GST_DEBUG 0).
// A variable the user has set is left as it is. Call it before the first
// capture opens, once, at the start of a run.
func Quiet() {
	Set(Silent)
	for name, value := range map[string]string{"OPENCV_FFMPEG_LOGLEVEL": FFmpegQuiet, "GST_DEBUG": "0"} {
		if _, set := os.LookupEnv(name); !set {
			os.Setenv(name, value)
		}
	}
}
