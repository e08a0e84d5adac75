package mainjob

import (
	"errors"
	"fmt"

	"github.com/livecam/livecam/internal/batch"
	"github.com/livecam/livecam/internal/cliflag"
)

// Plan expands s's sources (package batch: a folder to its videos, a
// pattern to its matches) and names each one's outputs: s's Out,
// Results, Events and Report for a single source, files named after
// each source in OutDir for several. checkMany, when not nil, is the
// caller's check of s for several sources (its flags that name one
// output), called before their outputs are named. Refusals wrap
// cliflag.ErrUsage.
func Plan(s *Settings, checkMany func() error) ([]Job, error) {
	sources, many, err := batch.Expand(s.Sources)
	if err != nil {
		return nil, asUsage(err)
	}
	if len(sources) == 1 && !many && s.OutDir == "" {
		return []Job{{Source: sources[0], Out: s.Out, Results: s.Results, Events: s.Events, Report: s.Report}}, nil
	}
	if s.OutDir == "" {
		return nil, fmt.Errorf("%w: %d sources: give -out-dir DIR for their outputs", cliflag.ErrUsage, len(sources))
	}
	if checkMany != nil {
		if err := checkMany(); err != nil {
			return nil, err
		}
	}
	ext := ".mp4"
	if s.Codec == "vp9" {
		ext = ".webm"
	}
	jobs, err := batch.Name(sources, s.OutDir, ext)
	return jobs, asUsage(err)
}

// asUsage marks batch's refusals (batch.ErrUsage) as the caller's misuse
// (cliflag.ErrUsage: exit status 2), their messages kept.
func asUsage(err error) error {
	if errors.Is(err, batch.ErrUsage) {
		return misuse{err}
	}
	return err
}

// misuse is an error that errors.Is takes for cliflag.ErrUsage.
type misuse struct{ error }

// Is reports whether target is cliflag.ErrUsage.
func (m misuse) Is(target error) bool { return target == cliflag.ErrUsage }

// Unwrap returns batch's refusal.
func (m misuse) Unwrap() error { return m.error }
