// Package bench compares livecam's forward pass with the runtimes people
// would pick instead, measured in one run and interleaved so that the
// noise of a shared machine hits every contender alike:
//
//   - OpenCV 4.6 DNN through GoCV, on ../shared/models/mobilenet_v1_0.75_224.onnx;
//   - ONNX Runtime 1.30 (npm onnxruntime-node, CPU) in a Node process
//     driven over a pipe by ort_peer.js.
//
// Run it with
//
//	(cd bench && ONNXRUNTIME_NODE_INSTALL=skip npm install)
//	go test ./bench -run '^$' -bench Peers -benchtime 20x
//
// BENCHMARKS.md records the figures.
package bench

// #cgo pkg-config: opencv4
// #cgo CXXFLAGS: -std=c++11
// #include "cvthreads.h"
import "C"

// SetOpenCVThreads sets the number of threads OpenCV's parallel loops use
// (cv::setNumThreads), which gocv v0.31 does not expose.
func SetOpenCVThreads(n int) { C.livecam_cv_set_num_threads(C.int(n)) }

// OpenCVThreads returns cv::getNumThreads().
func OpenCVThreads() int { return int(C.livecam_cv_get_num_threads()) }
