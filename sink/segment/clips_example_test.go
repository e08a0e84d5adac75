package segment_test

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/livecam/livecam/sink/segment"
)

// The camera's clips and snapshots are kept by the same rules as its
// segments: here, a week.
func Example_clips() {
	dir, err := os.MkdirTemp("", "segment")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	clips := filepath.Join(dir, "porch", segment.ClipsDir)
	for _, name := range []string{"2026-11-20/15-42-07.dog-3.mp4", "2026-11-20/15-42-07.dog-3.jpg",
		"2026-11-30/08-00-00.cat.mp4", "2026-11-20/notes.txt"} {
		os.MkdirAll(filepath.Dir(filepath.Join(clips, name)), 0o755)
		os.WriteFile(filepath.Join(clips, name), []byte("data"), 0o644)
	}
	now := func() time.Time { return time.Date(2026, 12, 1, 12, 0, 0, 0, time.Local) }
	r, err := segment.New(segment.Options{Dir: dir, Camera: "porch", Keep: 7 * 24 * time.Hour, Now: now})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer r.Close()
	r.Added(4) // a clip the camera's Clipper wrote: counted at once
	filepath.WalkDir(clips, func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(clips, path)
			fmt.Println(rel)
		}
		return nil
	})
	// Output:
	// 2026-11-20/notes.txt
	// 2026-11-30/08-00-00.cat.mp4
}
