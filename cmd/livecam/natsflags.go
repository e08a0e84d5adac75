package main

import (
	"errors"
	"fmt"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/livecam/livecam/fleet"
)

// natsAuthFlags are the NATS credentials and TLS flags that submit,
// worker, jobs and a run's -nats share: fleet.Auth's fields. Secrets come
// from files or the environment, never from the command line.
type natsAuthFlags struct{ auth fleet.Auth }

// natsAuthFlagNames are the flags define registers, for usage groups.
var natsAuthFlagNames = []string{"nats-creds", "nats-nkey", "nats-user", "nats-password-file", "nats-token-file", "nats-ca", "nats-cert", "nats-key"}

// define registers the flags on fs.
func (a *natsAuthFlags) define(fs *flagSet) {
	fs.StringVar(&a.auth.CredsFile, "nats-creds", "", "NATS credentials: a .creds `FILE` (user JWT and NKey seed)")
	fs.StringVar(&a.auth.NkeyFile, "nats-nkey", "", "NATS credentials: an NKey seed `FILE`")
	fs.StringVar(&a.auth.User, "nats-user", "", "NATS user `NAME`; the password from $"+fleet.EnvPassword+" or -nats-password-file")
	fs.StringVar(&a.auth.PasswordFile, "nats-password-file", "", "read the NATS user's password from `FILE`")
	fs.StringVar(&a.auth.TokenFile, "nats-token-file", "", "NATS credentials: a token read from `FILE` (or $"+fleet.EnvToken+")")
	fs.StringVar(&a.auth.CAFile, "nats-ca", "", "connect to NATS over TLS, trusting the certificates in `FILE`")
	fs.StringVar(&a.auth.CertFile, "nats-cert", "", "the client certificate `FILE` for NATS over TLS (with -nats-key)")
	fs.StringVar(&a.auth.KeyFile, "nats-key", "", "the client key `FILE` for NATS over TLS (with -nats-cert)")
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

// build checks url and reads the secrets (fleet.Auth.Resolve).
func (a *natsAuthFlags) build(url string) ([]nats.Option, error) {
	if err := fleet.CheckURL(url); err != nil {
		return nil, err
	}
	return a.auth.Options()
}

// connect connects a fleet command to the server at url.
func (a *natsAuthFlags) connect(url, name string) (*nats.Conn, jetstream.JetStream, error) {
	opts, err := a.build(url)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %v", errUsage, err)
	}
	return fleet.Connect(url, name, opts...)
}
