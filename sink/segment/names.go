package segment

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/livecam/livecam/sink/outfile"
)

// ClipsDir is the folder, in the camera's folder (Recorder.Dir), of
// its events' clips and snapshots (package clips): ClipsDir/DATE/NAME.
// Retention counts and deletes them with the segments.
const ClipsDir = "clips"

const (
	dayLayout  = "2006-01-02"
	timeLayout = "15-04-05"
	ext        = ".mp4"
	cutMark    = ".cut"
	resultsExt = ".results.jsonl" // a segment's results sidecar
	eventsExt  = ".events.jsonl"  // a segment's events sidecar
)

var (
	// segmentName matches a finished segment's file: HH-MM-SS[-N][.cut]
	// and .mp4 (the video), .results.jsonl or .events.jsonl (its sidecars).
	segmentName = regexp.MustCompile(`^(\d\d-\d\d-\d\d)(?:-([1-9][0-9]{0,8}))?(\.cut)?(\.mp4|\.results\.jsonl|\.events\.jsonl)$`)
	// partialName matches a segment's file being written, or left by a
	// run that stopped (outfile's partial names): the video's
	// HH-MM-SS[-N].partial-RANDOM.mp4, or a sidecar's
	// HH-MM-SS[-N].results.partial-RANDOM.jsonl (.events. likewise).
	partialName = regexp.MustCompile(`^(\d\d-\d\d-\d\d(?:-[1-9][0-9]{0,8})?)(?:\.partial-[0-9]+\.mp4|(\.results|\.events)\.partial-[0-9]+\.jsonl)$`)
	// clipName matches an event's clip or snapshot (package clips):
	// HH-MM-SS.LABEL[-ID][-N].mp4 or .jpg, LABEL made of letters, digits,
	// '_' and '-' (a partial file has one more dot).
	clipName = regexp.MustCompile(`^(\d\d-\d\d-\d\d)\.[A-Za-z0-9_-]+\.(?:mp4|jpg)$`)
	dayName  = regexp.MustCompile(`^\d\d\d\d-\d\d-\d\d$`)
)

// folderName returns the camera's folder name: camera made safe for a
// path by outfile.SafeName. A name with nothing usable in it ("", ".",
// "..", "///") is an error.
func folderName(camera string) (string, error) {
	safe := outfile.SafeName(camera)
	if strings.Trim(strings.Map(func(r rune) rune {
		if r == '_' {
			return -1
		}
		return r
	}, safe), ". ") == "" || safe == outfile.FallbackName && camera != outfile.FallbackName {
		return "", fmt.Errorf("camera name %q: has nothing that can name a folder (use letters or digits)", camera)
	}
	return safe, nil
}

// parseSegment reads a finished segment's file name (in date folder
// day): its start time, its number within that second, whether it is
// cut, and its kind (ext, resultsExt or eventsExt); ok is false for any
// other name.
func parseSegment(day, name string) (start time.Time, n int, cut bool, kind string, ok bool) {
	m := segmentName.FindStringSubmatch(name)
	if m == nil {
		return time.Time{}, 0, false, "", false
	}
	start, err := time.ParseInLocation(dayLayout+" "+timeLayout, day+" "+m[1], time.Local)
	if err != nil {
		return time.Time{}, 0, false, "", false
	}
	if m[2] != "" {
		n, _ = strconv.Atoi(m[2])
	}
	return start, n, m[3] != "", m[4], true
}

// freeStem returns the first of base, base-1, base-2... that no entry of
// the folder dir starts with (followed by a dot): neither a segment, nor
// a cut or partial one, nor anything else of that name.
func freeStem(dir, base string) (string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil && !os.IsNotExist(err) {
		return "", err
	}
	for n := 0; n < 1e6; n++ {
		stem := base
		if n > 0 {
			stem = base + "-" + strconv.Itoa(n)
		}
		taken := false
		for _, e := range entries {
			if strings.HasPrefix(e.Name(), stem+".") {
				taken = true
				break
			}
		}
		if !taken {
			return stem, nil
		}
	}
	return "", fmt.Errorf("%s: no free name for a segment starting at %s", dir, base)
}

// dayDir returns the date folder of a segment starting at t.
func (r *Recorder) dayDir(t time.Time) string {
	return filepath.Join(r.dir, t.Local().Format(dayLayout))
}
