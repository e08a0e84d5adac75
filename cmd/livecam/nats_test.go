package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/livecam/livecam/fleet"
	"github.com/livecam/livecam/internal/testrig/natstest"
	"github.com/livecam/livecam/sink/natsjs"
)

// TestNATSRunCredentials: a run's -nats takes the camera user's
// credentials from -nats-user and the environment, against the
// recommended server configuration, and stores its events; credentials
// in the URL are refused and not shown.
func TestNATSRunCredentials(t *testing.T) {
	useSharedModels(t)
	srv := natstest.StartSecure(t)
	video := "../../testdata/videos/shapes_320x240.avi"
	stdout, errOut, code := livecam(t, "-quiet", "-source", video, "-nats", "nats://camera:"+srv.Password("camera")+"@"+strings.TrimPrefix(srv.URL(), "nats://"))
	if code == 0 || !strings.Contains(errOut, "credentials in the URL are refused") || strings.Contains(stdout+errOut, srv.Password("camera")) {
		t.Errorf("credentials in the URL: exit %d:\n%s%s", code, stdout, errOut)
	}
	t.Setenv("LIVECAM_NATS_PASSWORD", srv.Password("camera"))
	if stdout, errOut, code := livecam(t, "-quiet", "-source", video, "-nats", srv.URL(), "-nats-user", "camera"); code != 0 {
		t.Fatalf("exit %d:\n%s%s", code, stdout, errOut)
	}
	// The camera user may look at its stream's state (and nothing else).
	opts, err := fleet.Auth{User: "camera", Password: srv.Password("camera")}.Options()
	if err != nil {
		t.Fatal(err)
	}
	nc, js, err := fleet.Connect(srv.URL(), "test", append(opts, nats.ErrorHandler(func(*nats.Conn, *nats.Subscription, error) {}))...)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	st, err := js.Stream(ctx, natsjs.Stream)
	if err != nil {
		t.Fatal(err)
	}
	info, err := st.Info(ctx, jetstream.WithSubjectFilter("livecam.cameras.>"))
	if err != nil {
		t.Fatal(err)
	}
	if info.State.Msgs == 0 {
		t.Errorf("nothing stored: %+v", info.State)
	}
	// The camera user cannot touch the fleet.
	sctx, scancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer scancel()
	if _, err := fleet.Submit(sctx, js, []fleet.Job{fleet.NewJob("/x.mp4", "", "/x.jsonl")}); err == nil {
		t.Error("the camera user could submit a job")
	}
}

// TestNATSTLSAndToken: a server that speaks only TLS, with a certificate
// from a private CA, and asks for a token: submit (token from
// $LIVECAM_NATS_TOKEN) and jobs (token from -nats-token-file) connect
// with -nats-ca; without it, or with a wrong token, they are refused and
// the token is never shown.
func TestNATSTLSAndToken(t *testing.T) {
	srv := natstest.StartTLS(t)
	in, out := t.TempDir(), t.TempDir()
	copyFile(t, "../../testdata/videos/shapes_320x240.avi", filepath.Join(in, "v.avi"))
	tokenFile := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tokenFile, []byte(srv.Password("token")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("LIVECAM_NATS_TOKEN", srv.Password("token"))
	if stdout, errOut, code := livecam(t, "submit", "-nats", srv.URL(), "-nats-ca", srv.CA(), "-out-dir", out, in); code != 0 || !strings.Contains(stdout, "queued") {
		t.Fatalf("submit over TLS: exit %d:\n%s%s", code, stdout, errOut)
	}
	t.Setenv("LIVECAM_NATS_TOKEN", "")
	if stdout, errOut, code := livecam(t, "jobs", "-nats", srv.URL(), "-nats-ca", srv.CA(), "-nats-token-file", tokenFile); code != 0 || !strings.Contains(stdout, "1 queued") {
		t.Errorf("jobs over TLS: exit %d:\n%s%s", code, stdout, errOut)
	}
	if stdout, errOut, code := livecam(t, "jobs", "-nats", srv.URL(), "-nats-token-file", tokenFile); code == 0 || strings.Contains(stdout+errOut, srv.Password("token")) {
		t.Errorf("jobs without the CA: exit %d:\n%s%s", code, stdout, errOut)
	}
	wrong := filepath.Join(t.TempDir(), "wrong")
	os.WriteFile(wrong, []byte("tkWrongToken99\n"), 0o600)
	if stdout, errOut, code := livecam(t, "jobs", "-nats", srv.URL(), "-nats-ca", srv.CA(), "-nats-token-file", wrong); code == 0 || !strings.Contains(errOut, "refused the credentials") || strings.Contains(stdout+errOut, "WrongToken") {
		t.Errorf("jobs with a wrong token: exit %d:\n%s%s", code, stdout, errOut)
	}
}
