package cameras_test

import (
	"fmt"

	"github.com/livecam/livecam/cameras"
)

func ExampleParse() {
	file := []byte(`cameras:
  - name: door
    source: rtsp://door.lan/stream
    fps: 2
  - name: yard
    source: "0"
    fsp: 5
`)
	_, err := cameras.Parse("cameras.yaml", file)
	fmt.Println(err)
	// Output:
	// cameras.yaml: [7:5] unknown field "fsp"
}
