package prom

import (
	"context"
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/livecam/livecam/internal/randweights"
	"github.com/livecam/livecam/models"
	"github.com/livecam/livecam/pipeline"
	"github.com/livecam/livecam/source"
)

// TestLabelHidesSecrets: a camera named by a URL with credentials (the
// IP-camera form ?usr=admin&pwd=...) is labelled with them redacted.
func TestLabelHidesSecrets(t *testing.T) {
	m, err := randweights.Model(randweights.Small, 1)
	if err != nil {
		t.Fatal(err)
	}
	src, err := source.Open("../testdata/videos/shapes_320x240.avi", source.Options{})
	if err != nil {
		t.Fatal(err)
	}
	p, err := pipeline.New(pipeline.Config{Source: src, Model: models.FromClassifier(m)})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	c := NewCollector(Info{Model: m.Name(), Kernels: "test"})
	c.Add("http://admin:SECRET@127.0.0.1:8080/cam.mjpg?usr=admin&pwd=SECRET", p.Metrics())
	// Passwords with the characters that used to end the user
	// information ("/", "#", "?") or the URL (white space, quotes).
	c.Add("rtsp://admin:SE/C#R?ET@cam.lan/a", p.Metrics())
	c.Add(`rtsp://admin:SE "C'RET@cam.lan/b`, p.Metrics())
	srv := httptest.NewServer(Handler(c))
	defer srv.Close()
	resp, err := srv.Client().Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	body := string(b)
	if strings.Contains(body, "SE/C") || strings.Contains(body, "C'RET") || strings.Contains(body, `C\"RET`) || !strings.Contains(body, `camera="rtsp://admin:xxxxx@cam.lan/b"`) {
		t.Errorf("the metrics show a password with / or a space in it:\n%s", body)
	}
	if strings.Contains(body, "SECRET") || !strings.Contains(body, `livecam_frames_in_total{camera="http://admin:xxxxx@127.0.0.1:8080/cam.mjpg?usr=admin&pwd=xxxxx"} 45`) {
		t.Errorf("the metrics show the secret, or not the camera:\n%s", body)
	}
}
