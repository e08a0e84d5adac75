// Package cvlog sets how much OpenCV logs to standard error (its
// "[ WARN:0@0.08] global ... can't open camera by index" lines). OpenCV
// reads $OPENCV_LOG_LEVEL once, before a program's main can set it, so
// the level is set through OpenCV's own call instead.
package cvlog

// #cgo pkg-config: opencv4
// #cgo CXXFLAGS: --std=c++11
// #include "cvlog.h"
import "C"

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
