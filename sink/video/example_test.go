package video_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/livecam/livecam/sink/outfile"
	"github.com/livecam/livecam/sink/video"
)

// An annotated video keeps the audio of the file it was made from:
// copied into an MP4 (which holds AAC), converted to Opus for WebM.
func ExampleEncoding_audio() {
	dir, err := os.MkdirTemp("", "livecam-example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	// A phone-like video: H.264 and AAC.
	src := filepath.Join(dir, "phone.mp4")
	if out, err := exec.Command("ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=s=160x120:d=1",
		"-f", "lavfi", "-i", "sine=d=1", "-pix_fmt", "yuv420p", "-c:a", "aac", src).CombinedOutput(); err != nil {
		fmt.Println(err, string(out))
		return
	}
	for _, name := range []string{"annotated.mp4", "annotated.webm"} {
		s, err := video.CreateWith(filepath.Join(dir, name), video.Encoding{Audio: src}, outfile.Options{})
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("%s: %s\n", name, s.Audio())
		s.Close() // no frame written: no file
	}
	// Output:
	// annotated.mp4: aac, copied
	// annotated.webm: aac, converted to opus
}
