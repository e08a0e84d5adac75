package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/livecam/livecam/detect"
	"github.com/livecam/livecam/track"
)

// The main job's detector flags (the detector's model comes from -model).
type detectFlags struct {
	zones     []string
	minArea   int
	snapshots string
	noTrack   bool
	maxLost   int
	minHits   int
}

// define declares the detector's flags in fs.
func (d *detectFlags) define(fs *flagSet) {
	fs.multi("zone", "with a detector, a named zone `NAME=x1,y1,x2,y2,x3,y3,...` in pixels, or fractions of the frame when every value is within 0-1; an object is in it when its box's bottom centre is (repeatable)", func(v string) error {
		if _, err := track.ParseZone(v); err != nil {
			return errors.New(strings.TrimPrefix(err.Error(), "track: "))
		}
		d.zones = append(d.zones, v)
		return nil
	})
	fs.IntVar(&d.minArea, "min-area", 0, "with a detector, leave out objects whose box is smaller than N pixels²")
	fs.StringVar(&d.snapshots, "snapshots", "", "with a detector, write a JPEG of each tracked object's best frame into `DIR` (CAMERA-RUN-ID-LABEL.jpg, RUN the run's start) when it leaves")
	fs.BoolVar(&d.noTrack, "no-track", false, "with a detector, do not track objects: no ids, no enter and leave events")
	fs.IntVar(&d.maxLost, "track-max-lost", 15, "with a detector, inferred frames a track may go unseen before its object leaves")
	fs.IntVar(&d.minHits, "track-min-hits", 3, "with a detector, inferred frames an object must be seen before it enters and gets an id")
}

// detectFlagNames are the detector's flags, for -h's groups.
var detectFlagNames = []string{"zone", "min-area", "snapshots", "no-track", "track-max-lost", "track-min-hits"}

// validate checks the detector's flags.
func (d *detectFlags) validate() error {
	err := firstError(intIn("min-area", d.minArea, 0, 1<<30), intIn("track-max-lost", d.maxLost, 1, 100_000),
		intIn("track-min-hits", d.minHits, 1, 1000))
	if err == nil && d.noTrack && (d.snapshots != "" || len(d.zones) > 0) {
		err = errors.New("-no-track: -snapshots and -zone need tracking (each object's best frame, each object's zones)")
	}
	return err
}

// onlyWithDetector refuses the detector's flags in a classifier's run.
func onlyWithDetector(fs *flagSet) error {
	for _, name := range detectFlagNames {
		if isSet(fs, name) {
			return fmt.Errorf("%w: -%s is for a detection model (-model %s); this run classifies", errUsage, name, defaultDetector)
		}
	}
	return nil
}

// objectFilter is a run's (or a camera's) detect.Filter: -min-score,
// -min-area, -allow and -deny by label name.
func objectFilter(f *runFlags) detect.Filter {
	return detect.Filter{MinScore: float32(f.minScore), MinArea: f.det.minArea, Allow: f.allow, Deny: f.deny}
}

// trackConfig is a run's tracking: nil with -no-track.
func trackConfig(f *runFlags) (*track.Config, error) {
	if f.det.noTrack {
		return nil, nil
	}
	cfg := &track.Config{MaxLost: f.det.maxLost, MinHits: f.det.minHits}
	for _, spec := range f.det.zones {
		z, err := track.ParseZone(spec)
		if err != nil {
			return nil, err
		}
		cfg.Zones = append(cfg.Zones, z)
	}
	return cfg, nil
}
