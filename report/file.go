package report

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/livecam/livecam/sink/jsonl/endline"
	"github.com/livecam/livecam/sink/outfile"
	"github.com/livecam/livecam/timeline"
)

// FileOptions are WriteFile's settings; a nil *FileOptions is the zero
// value.
type FileOptions struct {
	// Flag names out in messages: the flag the user gave it with
	// ("-report", "-o"); "" names the path alone.
	Flag string
	// Overwrite replaces an existing out (default: refuse, with an
	// error wrapping outfile.ErrExists).
	Overwrite bool
	// Settings are the run's settings, shown in a table.
	Settings []Setting
	// Merge and Threshold build the segments (timeline.Options'
	// MinDuration and MinScore).
	Merge     time.Duration
	Threshold float32
	// Gap, when positive, makes frames that stop for longer than it (a
	// live camera's outage) a "(no signal)" segment (timeline.Options).
	Gap time.Duration
}

// WriteFile makes the report page of a results file (with a thumbnail of
// each segment from video, when video is not "") and writes it to out:
// a new file moved into place once whole (outfile.Create). out may be
// neither results nor video, whatever Overwrite says (outfile.ErrIsInput).
// A results file whose last line was cut short gets a note saying so;
// one whose closing line says its source ended early (a damaged file)
// says where and why at the top ("ended at 0:04.9 of 0:24.0: damaged
// file"), whenever the page is made.
func WriteFile(results, video, out string, o *FileOptions) error {
	if o == nil {
		o = &FileOptions{}
	}
	inputs := []string{results}
	if video != "" {
		inputs = append(inputs, video)
	}
	if err := outfile.Check(inputs, []outfile.Target{{Path: out, Flag: o.Flag}}, o.Overwrite); err != nil {
		return err
	}
	d, err := fileData(results, video, o)
	if err != nil {
		return err
	}
	f, err := outfile.Create(out, o.Overwrite)
	if err != nil {
		return err
	}
	if err := Write(f, d); err != nil {
		f.Discard()
		return fmt.Errorf("%s: %v", out, err)
	}
	return f.Commit()
}

// fileData reads results and builds the page's data.
func fileData(results, video string, o *FileOptions) (*Data, error) {
	in, err := os.Open(results)
	if err != nil {
		return nil, err
	}
	frames, cut, err := ReadResults(in, results)
	in.Close()
	if err != nil {
		return nil, err
	}
	d := &Data{Title: filepath.Base(results[:len(results)-len(filepath.Ext(results))]), Results: results, Video: video, Settings: o.Settings, Frames: frames, Created: time.Now()}
	d.Segments = Build(frames, timeline.Options{MinDuration: o.Merge, MinScore: o.Threshold, Gap: o.Gap})
	if cut != nil {
		d.Settings = append(d.Settings[:len(d.Settings):len(d.Settings)], Setting{Name: "note", Value: "the last line was cut short and is left out: " + cut.Error()})
	}
	if end, err := endline.ReadEnd(results); err == nil {
		d.Ended = end.Ended.String() // the closing line says how the source ended
	}
	if video != "" {
		if d.Thumbnails, err = Thumbnails(video, d.Segments, 96); err != nil {
			return nil, err
		}
	}
	return d, nil
}
