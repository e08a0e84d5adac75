// Package pipeline moves video frames from a source to a classifier and on
// to the sinks that show or store the results.
//
// This first piece is the preprocessing stage: Preprocessor turns a BGR
// frame (a gocv.Mat owned by the caller) into the NHWC float32 tensor that
// package net reads, in a buffer the caller owns, reusing its own Mats
// from frame to frame.
package pipeline
