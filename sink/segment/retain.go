package segment

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"
)

// Segments lists the camera's finished segments, oldest first (the one
// being written is not among them).
func (r *Recorder) Segments() ([]Segment, error) {
	return scan(r.dir)
}

// scan lists the finished segments under the camera folder dir: regular
// files named like segments, in date folders; oldest first.
func scan(dir string) ([]Segment, error) {
	days, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", dir, unwrapPath(err))
	}
	var segs []Segment
	for _, d := range days {
		if !d.IsDir() || !dayName.MatchString(d.Name()) {
			continue // a symbolic link is not a folder here
		}
		files, err := os.ReadDir(filepath.Join(dir, d.Name()))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", filepath.Join(dir, d.Name()), unwrapPath(err))
		}
		for _, f := range files {
			if !f.Type().IsRegular() {
				continue
			}
			start, n, cut, ok := parseSegment(d.Name(), f.Name())
			if !ok {
				continue
			}
			info, err := f.Info()
			if err != nil {
				continue // gone meanwhile
			}
			segs = append(segs, Segment{Path: filepath.Join(dir, d.Name(), f.Name()), Start: start, Size: info.Size(), Cut: cut, n: n})
		}
	}
	slices.SortFunc(segs, func(a, b Segment) int {
		if c := a.Start.Compare(b.Start); c != 0 {
			return c
		}
		return a.n - b.n
	})
	return segs, nil
}

// prune deletes the finished segments beyond the retention rules, oldest
// first: those that started more than Keep ago, then while the finished
// segments and the current one take more than KeepBytes. With keepNewest,
// the newest finished segment (the one that just closed) is kept whatever
// its size. It refreshes the Recorder's list of finished segments.
func (r *Recorder) prune(keepNewest bool) error {
	segs, err := scan(r.dir)
	if err != nil {
		return err
	}
	var total int64
	for _, s := range segs {
		total += s.Size
	}
	floor := 0
	if keepNewest {
		floor = 1
	}
	if r.opts.Keep > 0 {
		now := r.opts.Now()
		for len(segs) > floor && expired(segs[0].Start, now, r.opts.Keep) {
			r.remove(segs[0])
			total -= segs[0].Size
			segs = segs[1:]
		}
	}
	if r.opts.KeepBytes > 0 {
		cur := int64(0)
		if r.cur != nil {
			cur = r.curSize()
		}
		for len(segs) > floor && total+cur > r.opts.KeepBytes {
			r.remove(segs[0])
			total -= segs[0].Size
			segs = segs[1:]
		}
	}
	r.segs, r.finished = segs, total
	return nil
}

// remove deletes a finished segment, and its date folder when that is
// left empty (and is not the current segment's).
func (r *Recorder) remove(s Segment) {
	if err := os.Remove(s.Path); err != nil && !os.IsNotExist(err) {
		r.logf("cannot delete the old segment %s: %v", s.Path, err)
		return
	}
	if day := filepath.Dir(s.Path); day != r.curDir || r.cur == nil {
		os.Remove(day) // only when empty
	}
}

// keepStale keeps the segments a stopped run left under partial names as
// cut segments (fragmented MP4 plays up to its last fragment), and
// removes the empty ones.
func (r *Recorder) keepStale() error {
	days, err := os.ReadDir(r.dir)
	if err != nil {
		return fmt.Errorf("%s: %w", r.dir, unwrapPath(err))
	}
	for _, d := range days {
		if !d.IsDir() || !dayName.MatchString(d.Name()) {
			continue
		}
		dir := filepath.Join(r.dir, d.Name())
		files, err := os.ReadDir(dir)
		if err != nil {
			return fmt.Errorf("%s: %w", dir, unwrapPath(err))
		}
		for _, f := range files {
			m := partialName.FindStringSubmatch(f.Name())
			if m == nil || !f.Type().IsRegular() {
				continue
			}
			path := filepath.Join(dir, f.Name())
			if info, err := f.Info(); err == nil && info.Size() == 0 {
				os.Remove(path)
				r.logf("removed %s, an empty segment left by a run that stopped", path)
				continue
			}
			to, err := moveFree(path, dir, m[1], cutMark+ext)
			if err != nil {
				r.logf("left %s, a segment a run that stopped did not finish: %v", path, err)
				continue
			}
			r.logf("kept %s, a segment a run that stopped did not finish, as %s (it plays up to where it stopped)", path, filepath.Base(to))
		}
		os.Remove(dir) // only when empty
	}
	return nil
}

// expired reports whether a segment that started at start is older than
// keep at now.
func expired(start, now time.Time, keep time.Duration) bool {
	return keep > 0 && start.Before(now.Add(-keep))
}
