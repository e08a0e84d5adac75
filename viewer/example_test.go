package viewer_test

import (
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"

	"github.com/livecam/livecam/viewer"
)

// An application mounts the viewer in its own server, under /live/, and
// gives each camera's pipeline its Camera as a sink.
func ExampleNew() {
	v := viewer.New(viewer.Options{Model: "mobilenet_v1_0.75_224"})
	defer v.Close()
	for _, name := range []string{"door", "yard"} {
		cam, err := v.Camera(name)
		if err != nil {
			log.Fatal(err)
		}
		_ = cam // pipeline.Config{Sinks: []pipeline.Sink{cam}, ...}
	}
	mux := http.NewServeMux()
	mux.Handle("/live/", http.StripPrefix("/live", v))
	app := httptest.NewServer(mux)
	defer app.Close()

	resp, err := http.Get(app.URL + "/live/cameras.json")
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Println(resp.StatusCode, len(body) > 0)
	resp2, err := http.Get(app.URL + "/live/healthz")
	if err != nil {
		log.Fatal(err)
	}
	defer resp2.Body.Close()
	health, _ := io.ReadAll(resp2.Body)
	fmt.Print(resp2.StatusCode, " ", string(health))
	// Output:
	// 200 true
	// 503 door: no frame yet
	// yard: no frame yet
}
