package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/livecam/livecam/fleet"
)

// natsAuthFlags are the NATS credentials and TLS flags that submit,
// worker, jobs and a run's -nats share. Secrets come from files or the
// environment, never from the command line.
type natsAuthFlags struct {
	creds, nkey, user, passwordFile, tokenFile, ca, cert, key string
}

// natsAuthFlagNames are the flags define registers, for usage groups.
var natsAuthFlagNames = []string{"nats-creds", "nats-nkey", "nats-user", "nats-password-file", "nats-token-file", "nats-ca", "nats-cert", "nats-key"}

// The environment variables that may hold NATS secrets.
const (
	envNATSPassword = "LIVECAM_NATS_PASSWORD"
	envNATSToken    = "LIVECAM_NATS_TOKEN"
)

// define registers the flags on fs.
func (a *natsAuthFlags) define(fs *flagSet) {
	fs.StringVar(&a.creds, "nats-creds", "", "NATS credentials: a .creds `FILE` (user JWT and NKey seed)")
	fs.StringVar(&a.nkey, "nats-nkey", "", "NATS credentials: an NKey seed `FILE`")
	fs.StringVar(&a.user, "nats-user", "", "NATS user `NAME`; the password from $"+envNATSPassword+" or -nats-password-file")
	fs.StringVar(&a.passwordFile, "nats-password-file", "", "read the NATS user's password from `FILE`")
	fs.StringVar(&a.tokenFile, "nats-token-file", "", "NATS credentials: a token read from `FILE` (or $"+envNATSToken+")")
	fs.StringVar(&a.ca, "nats-ca", "", "connect to NATS over TLS, trusting the certificates in `FILE`")
	fs.StringVar(&a.cert, "nats-cert", "", "the client certificate `FILE` for NATS over TLS (with -nats-key)")
	fs.StringVar(&a.key, "nats-key", "", "the client key `FILE` for NATS over TLS (with -nats-cert)")
}

// readSecret reads a password or token file: its first line, trimmed.
func readSecret(flag, path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("-%s: %w", flag, err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, 64<<10+1))
	if err != nil {
		return "", fmt.Errorf("-%s %s: %w", flag, path, err)
	}
	if len(b) > 64<<10 {
		return "", fmt.Errorf("-%s %s: longer than 64 KiB, not a secret", flag, path)
	}
	s, _, _ := strings.Cut(string(b), "\n")
	s = strings.TrimSpace(s)
	if s == "" {
		return "", fmt.Errorf("-%s %s: empty", flag, path)
	}
	return s, nil
}

// auth gathers the credentials: files first, then the environment.
func (a *natsAuthFlags) auth() (fleet.Auth, error) {
	au := fleet.Auth{CredsFile: a.creds, NkeyFile: a.nkey, User: a.user, CAFile: a.ca, CertFile: a.cert, KeyFile: a.key}
	var err error
	if a.passwordFile != "" {
		if a.user == "" {
			return au, fmt.Errorf("-nats-password-file without -nats-user")
		}
		if au.Password, err = readSecret("nats-password-file", a.passwordFile); err != nil {
			return au, err
		}
	} else if a.user != "" {
		au.Password = os.Getenv(envNATSPassword)
	}
	if a.tokenFile != "" {
		if au.Token, err = readSecret("nats-token-file", a.tokenFile); err != nil {
			return au, err
		}
	} else if a.creds == "" && a.nkey == "" && a.user == "" {
		au.Token = os.Getenv(envNATSToken)
	}
	return au, nil
}

// options returns the nats.go options for a connection to url; a problem
// (credentials in the URL, a missing file) becomes an option that fails
// the connection with the reason, so that callers need no other path.
func (a *natsAuthFlags) options(url string) []nats.Option {
	opts, err := a.build(url)
	if errors.Is(err, fleet.ErrCredentialsInURL) {
		err = fleet.ErrCredentialsInURL // the caller names the server
	}
	if err != nil {
		return []nats.Option{func(*nats.Options) error { return err }}
	}
	return opts
}

func (a *natsAuthFlags) build(url string) ([]nats.Option, error) {
	if err := fleet.CheckURL(url); err != nil {
		return nil, err
	}
	au, err := a.auth()
	if err != nil {
		return nil, err
	}
	return au.Options()
}

// connect connects a fleet command to the server at url.
func (a *natsAuthFlags) connect(url, name string) (*nats.Conn, jetstream.JetStream, error) {
	opts, err := a.build(url)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %v", errUsage, err)
	}
	return fleet.Connect(url, name, opts...)
}
