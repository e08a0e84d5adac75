package mainjob

import (
	"fmt"

	"github.com/livecam/livecam/classify"
	"github.com/livecam/livecam/detect"
	"github.com/livecam/livecam/events"
	"github.com/livecam/livecam/internal/cliflag"
	"github.com/livecam/livecam/internal/outputs"
	"github.com/livecam/livecam/pipeline"
	"github.com/livecam/livecam/track"
)

// detectorConfig turns cfg, made for a classifier, into a detector run's
// with f's settings (a camera's own): its filter, tracking and zones, and
// the per-object events to out.
func (r *Runner) detectorConfig(cfg *pipeline.Config, f *Settings, out *outputs.Set) error {
	cfg.ModelName = r.modelName
	cfg.Classes, cfg.OnEvent, cfg.Events = classify.Options{}, nil, events.Options{}
	cfg.Filter = objectFilter(f)
	if err := r.det.CheckFilter(cfg.Filter); err != nil {
		return fmt.Errorf("%w: %v", cliflag.ErrUsage, err)
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

// objectFilter is a run's (or a camera's) detect.Filter: -min-score,
// -min-area, -allow and -deny by label name.
func objectFilter(f *Settings) detect.Filter {
	return detect.Filter{MinScore: float32(f.MinScore), MinArea: f.MinArea, Allow: f.Allow, Deny: f.Deny}
}

// trackConfig is a run's tracking: nil with -no-track.
func trackConfig(f *Settings) (*track.Config, error) {
	if f.NoTrack {
		return nil, nil
	}
	cfg := &track.Config{MaxLost: f.TrackMaxLost, MinHits: f.TrackMinHits}
	for _, spec := range f.Zones {
		z, err := track.ParseZone(spec)
		if err != nil {
			return nil, err
		}
		cfg.Zones = append(cfg.Zones, z)
	}
	return cfg, nil
}
