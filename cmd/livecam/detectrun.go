package main

import (
	"fmt"

	"github.com/livecam/livecam/classify"
	"github.com/livecam/livecam/events"
	"github.com/livecam/livecam/internal/outputs"
	"github.com/livecam/livecam/pipeline"
)

// detectorConfig turns cfg, made for a classifier, into a detector run's
// with f's settings (a camera's own): its filter, tracking and zones, and
// the per-object events to out.
func (r *runner) detectorConfig(cfg *pipeline.Config, f *runFlags, out *outputs.Set) error {
	cfg.ModelName = r.modelName
	cfg.Classes, cfg.OnEvent, cfg.Events = classify.Options{}, nil, events.Options{}
	cfg.Filter = objectFilter(f)
	if err := r.det.CheckFilter(cfg.Filter); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	tc, err := trackConfig(f)
	if err != nil || tc == nil {
		return err
	}
	cfg.Track = tc
	cfg.OnObjectEvent = out.OnObjectEvent()
	cfg.OnBestFrame = out.OnBestFrame()
	return nil
}
