// Package mainjob carries out livecam's main job from plain settings: one
// source (Runner.One), a batch of files one after another (Runner.Batch),
// many cameras at once (Runner.Cameras) or a fleet worker's jobs
// (Runner.Process). It opens each source and its outputs, builds the
// pipeline (a classifier's or a detector's, with its stages, brokers,
// viewer and progress bar), runs it under package runctl's stop policy,
// and finishes the outputs (package outputs) and the report.
//
// It is cmd/livecam's own package: Settings are the command's flags as
// plain fields, and its error messages name those flags ("-allow: ...",
// "-snapshots: ..."), since they are what a user of the command can
// change. The command only parses the flags, opens the model and calls
// New.
package mainjob
