package segment

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Segments lists the camera's finished segments that have a video,
// oldest first, with their sidecars (the one being written is not among
// them).
func (r *Recorder) Segments() ([]Segment, error) {
	all, err := scan(r.dir)
	if err != nil {
		return nil, err
	}
	segs := all[:0]
	for _, s := range all {
		if s.Path != "" {
			segs = append(segs, s)
		}
	}
	return segs, nil
}

// scan lists the finished segments under the camera folder dir: regular
// files named like segments or their sidecars, in date folders, one
// Segment for the files of a name (a segment whose video is missing, a
// sidecar left alone, has Path ""); oldest first.
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
		at := map[string]int{} // the name without its kind -> its index in segs
		for _, f := range files {
			if !f.Type().IsRegular() {
				continue
			}
			start, n, cut, kind, ok := parseSegment(d.Name(), f.Name())
			if !ok {
				continue
			}
			info, err := f.Info()
			if err != nil {
				continue // gone meanwhile
			}
			key := strings.TrimSuffix(f.Name(), kind)
			i, seen := at[key]
			if !seen {
				i = len(segs)
				at[key] = i
				segs = append(segs, Segment{Start: start, Cut: cut, n: n})
			}
			path := filepath.Join(dir, d.Name(), f.Name())
			switch kind {
			case ext:
				segs[i].Path = path
			case resultsExt:
				segs[i].Results = path
			case eventsExt:
				segs[i].Events = path
			}
			segs[i].Size += info.Size()
		}
	}
	slices.SortFunc(segs, func(a, b Segment) int {
		if c := a.Start.Compare(b.Start); c != 0 {
			return c
		}
		if c := a.n - b.n; c != 0 {
			return c
		}
		switch {
		case a.Cut == b.Cut:
			return 0
		case a.Cut:
			return -1
		}
		return 1
	})
	return segs, nil
}

// prune deletes the finished segments, clips and snapshots beyond the
// retention rules, oldest first: those that started more than Keep ago,
// then while they and the current segment take more than KeepBytes.
// With keepNewest, the newest finished segment (the one that just
// closed) is kept whatever its size. It refreshes the Recorder's list of
// what it may delete.
func (r *Recorder) prune(keepNewest bool) error {
	added := r.added.Load() // counted by the scan below from now on
	segs, err := scan(r.dir)
	if err != nil {
		return err
	}
	clips, err := scanClips(filepath.Join(r.dir, ClipsDir))
	if err != nil {
		return err
	}
	r.added.Add(-added)
	if len(clips) > 0 {
		segs = append(segs, clips...)
		slices.SortStableFunc(segs, func(a, b Segment) int { return a.Start.Compare(b.Start) })
	}
	var total int64
	for _, s := range segs {
		total += s.Size
	}
	var newest *Segment
	if keepNewest {
		for i := len(segs) - 1; i >= 0; i-- {
			if !segs[i].clip {
				newest = &Segment{}
				*newest = segs[i]
				segs = slices.Delete(segs, i, i+1)
				break
			}
		}
	}
	if r.opts.Keep > 0 {
		now := r.opts.Now()
		for len(segs) > 0 && expired(segs[0].Start, now, r.opts.Keep) {
			r.remove(segs[0])
			total -= segs[0].Size
			segs = segs[1:]
		}
	}
	if r.opts.KeepBytes > 0 {
		cur := int64(0)
		if r.recording() {
			cur = r.curSize()
		}
		for len(segs) > 0 && total+cur > r.opts.KeepBytes {
			r.remove(segs[0])
			total -= segs[0].Size
			segs = segs[1:]
		}
	}
	if newest != nil {
		i, _ := slices.BinarySearchFunc(segs, newest.Start, func(s Segment, t time.Time) int { return s.Start.Compare(t) })
		segs = slices.Insert(segs, i, *newest)
	}
	r.segs, r.finished = segs, total
	return nil
}

// scanClips lists the clips and snapshots in dir (the camera's
// ClipsDir): regular files named like them in date folders, each a
// Segment of its own (Path only), oldest first; none when dir is
// missing.
func scanClips(dir string) ([]Segment, error) {
	days, err := os.ReadDir(dir)
	if os.IsNotExist(err) {
		return nil, nil
	} else if err != nil {
		return nil, fmt.Errorf("%s: %w", dir, unwrapPath(err))
	}
	var clips []Segment
	for _, d := range days {
		if !d.IsDir() || !dayName.MatchString(d.Name()) {
			continue
		}
		files, err := os.ReadDir(filepath.Join(dir, d.Name()))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", filepath.Join(dir, d.Name()), unwrapPath(err))
		}
		for _, f := range files {
			m := clipName.FindStringSubmatch(f.Name())
			if m == nil || !f.Type().IsRegular() {
				continue
			}
			start, err := time.ParseInLocation(dayLayout+" "+timeLayout, d.Name()+" "+m[1], time.Local)
			info, ierr := f.Info()
			if err != nil || ierr != nil {
				continue
			}
			clips = append(clips, Segment{Path: filepath.Join(dir, d.Name(), f.Name()), Start: start, Size: info.Size(), clip: true})
		}
	}
	slices.SortStableFunc(clips, func(a, b Segment) int { return a.Start.Compare(b.Start) })
	return clips, nil
}

// Added tells the Recorder that a file of size bytes was written in its
// ClipsDir (a clip, a snapshot), so that the size budget counts it from
// the next frame on, before the next rotation lists it. It is safe to
// call from any goroutine.
func (r *Recorder) Added(size int64) { r.added.Add(size) }

// remove deletes a finished segment, its video and its sidecars, and
// its date folder when that is left empty (and is not the current
// segment's).
func (r *Recorder) remove(s Segment) {
	day := ""
	for _, path := range []string{s.Path, s.Results, s.Events} {
		if path == "" {
			continue
		}
		day = filepath.Dir(path)
		if err := os.Remove(path); err != nil && !os.IsNotExist(err) {
			r.logf("cannot delete the old segment %s: %v", path, err)
			return
		}
	}
	if day != "" && (day != r.curDir || !r.recording()) {
		os.Remove(day) // only when empty
	}
}

// keepStale keeps the segments a stopped run left under partial names
// (their videos and sidecars) as cut segments (fragmented MP4 plays up to
// its last fragment, a JSON lines file up to its last line), and removes
// the empty ones.
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
		var stems []string
		parts := map[string][]part{} // stem -> its partial files
		for _, f := range files {
			m := partialName.FindStringSubmatch(f.Name())
			if m == nil || !f.Type().IsRegular() {
				continue
			}
			path := filepath.Join(dir, f.Name())
			if info, err := f.Info(); err == nil && info.Size() == 0 {
				os.Remove(path)
				r.logf("removed %s, an empty file left by a run that stopped", path)
				continue
			}
			kind := ext
			if m[2] != "" {
				kind = m[2] + ".jsonl"
			}
			if parts[m[1]] == nil {
				stems = append(stems, m[1])
			}
			parts[m[1]] = append(parts[m[1]], part{path, kind})
		}
		for _, stem := range stems {
			ps := parts[stem]
			slices.SortFunc(ps, func(a, b part) int { return kindRank(a.kind) - kindRank(b.kind) }) // the video first
			to, err := moveSet(dir, stem, cutMark, ps)
			if err != nil {
				r.logf("left the files of %s, a segment a run that stopped did not finish: %v", filepath.Join(dir, stem), err)
				continue
			}
			r.logf("kept %s, a segment a run that stopped did not finish, as %s (it plays up to where it stopped)", filepath.Join(dir, stem), strings.TrimSuffix(filepath.Base(to), ps[0].kind)+".*")
		}
		os.Remove(dir) // only when empty
	}
	return nil
}

// kindRank orders a segment's files: its video, its results, its events.
func kindRank(kind string) int {
	switch kind {
	case ext:
		return 0
	case resultsExt:
		return 1
	}
	return 2
}

// expired reports whether a segment that started at start is older than
// keep at now.
func expired(start, now time.Time, keep time.Duration) bool {
	return keep > 0 && start.Before(now.Add(-keep))
}
