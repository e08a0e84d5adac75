package detect

import (
	"errors"
	"fmt"
	"strings"
)

// ErrFilter reports a Filter that cannot apply to the model: a score
// outside [0, 1], a negative area, a label the model does not have.
var ErrFilter = errors.New("detect: bad filter")

// Filter chooses which detections a Detector reports. The zero value
// reports every detection the model outputs.
type Filter struct {
	// MinScore drops objects scoring below it (livecam's default 0.5).
	MinScore float32
	// MinArea drops objects whose pixel box is smaller (in pixels²).
	MinArea int
	// Allow, when not empty, keeps only these labels; Deny drops these.
	// Labels are matched by name, ignoring case.
	Allow, Deny []string
}

// check validates the filter against the model's labels: every name in
// Allow and Deny must be one of them.
func (f Filter) check(labels []string) error {
	if f.MinScore != f.MinScore || f.MinScore < 0 || f.MinScore > 1 {
		return fmt.Errorf("%w: minimum score %v outside [0, 1]", ErrFilter, f.MinScore)
	}
	if f.MinArea < 0 {
		return fmt.Errorf("%w: negative minimum area %d", ErrFilter, f.MinArea)
	}
	for _, list := range [][]string{f.Allow, f.Deny} {
		for _, name := range list {
			if !hasLabel(labels, name) {
				return fmt.Errorf("%w: %q is not one of the model's labels", ErrFilter, name)
			}
		}
	}
	return nil
}

func hasLabel(labels []string, name string) bool {
	for _, l := range labels {
		if strings.EqualFold(l, name) {
			return true
		}
	}
	return false
}

// Keep reports whether the filter keeps o.
func (f Filter) Keep(o Object) bool {
	if o.Score < f.MinScore || o.Box.Dx()*o.Box.Dy() < f.MinArea {
		return false
	}
	if len(f.Allow) > 0 && !hasLabel(f.Allow, o.Label) {
		return false
	}
	return !hasLabel(f.Deny, o.Label)
}
