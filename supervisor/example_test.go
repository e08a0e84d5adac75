package supervisor_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/livecam/livecam/supervisor"
)

// camera stands for a program's own run of one camera (a
// *pipeline.Pipeline and its outputs, say).
type camera struct{ frames int }

func (c *camera) Run(ctx context.Context) error {
	c.frames = 100 // until ctx ends, or the source does
	return nil
}

// Two cameras: the door opens at once; the yard is away at the start and
// answers on the third attempt (250 ms, then 500 ms later). A camera
// that is not live (a file) and cannot be opened would be in Failed.
func Example() {
	away := 2
	cams := []supervisor.Camera[*camera]{
		{Name: "door", Open: func() (*camera, error) { return &camera{}, nil }},
		{Name: "yard", Live: true, Open: func() (*camera, error) {
			if away > 0 {
				away--
				return nil, errors.New("rtsp://admin:secret@10.0.0.7/live: connection refused")
			}
			return &camera{}, nil
		}},
	}
	logf := func(format string, args ...any) { fmt.Printf(format+"\n", args...) }
	s, err := supervisor.Start(cams, supervisor.Options{Reconnect: 5 * time.Second, Logf: logf})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, o := range s.Run(context.Background()) {
		fmt.Printf("%s: %d attempts, %d frames, error %v\n", o.Name, o.Attempts, o.Runner.frames, o.Err)
	}
	// Output:
	// yard: cannot open yet: rtsp://admin:xxxxx@10.0.0.7/live: connection refused; trying again, backing off up to 5s
	// yard: still cannot open (attempt 2): rtsp://admin:xxxxx@10.0.0.7/live: connection refused
	// yard: opened (attempt 3)
	// door: 1 attempts, 100 frames, error <nil>
	// yard: 3 attempts, 100 frames, error <nil>
}
