package track_test

import (
	"fmt"
	"time"

	"github.com/livecam/livecam/track"
)

// A person walks across a 640x360 camera's view, through the driveway
// (the lower left quarter, given as fractions of the frame), and out at
// the right edge; a bird shows up for one frame only. Frames come at 10
// a second.
func Example() {
	driveway, err := track.ParseZone("driveway=0,0.5,0.5,0.5,0.5,1,0,1")
	if err != nil {
		fmt.Println(err)
		return
	}
	tr, err := track.New(track.Config{Zones: []track.Zone{driveway}, Filter: track.Filter{MinScore: 0.5}}, 640, 360)
	if err != nil {
		fmt.Println(err)
		return
	}
	var objs []track.Object
	var evs []track.Event
	show := func(evs []track.Event) {
		for _, e := range evs {
			where := "the view"
			if e.Zone != "" {
				where = e.Zone
			}
			fmt.Printf("%v: %s #%d %s %s, since %v", e.Time, e.Label, e.ID, e.Type, where, e.Start)
			if e.Type == track.Leave {
				fmt.Printf(", last seen there %v", e.End)
			}
			fmt.Printf(", zones %v\n", e.Zones)
		}
	}
	for f := 0; f < 40; f++ {
		at := time.Duration(f) * 100 * time.Millisecond
		var dets []track.Detection
		if x := float64(20 * f); x+20 <= 640 { // seen while its centre is in the frame
			dets = append(dets, track.Detection{Class: 0, Label: "person", Score: 0.8, Box: track.Box{X: x, Y: 150, W: 40, H: 100}})
		}
		if f == 5 {
			dets = append(dets, track.Detection{Class: 15, Label: "bird", Score: 0.9, Box: track.Box{X: 500, Y: 20, W: 30, H: 20}})
		}
		objs, evs = tr.Update(at, dets, objs, evs)
		show(evs)
		if f == 10 && len(objs) > 0 {
			o := objs[0]
			fmt.Printf("frame 10: #%d %s at %v in %v\n", o.ID, o.Label, o.Box, o.Zones)
		}
	}
	show(tr.Flush(4*time.Second, evs))
	// Output:
	// 200ms: person #1 enter the view, since 0s, zones [driveway]
	// 200ms: person #1 enter driveway, since 0s, zones [driveway]
	// frame 10: #1 person at {200 150 40 100} in [driveway]
	// 1.7s: person #1 leave driveway, since 0s, last seen there 1.5s, zones []
	// 3.2s: person #1 leave the view, since 0s, last seen there 3.1s, zones []
}
