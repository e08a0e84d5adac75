package fleet

import (
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/nats-io/nats.go"

	"github.com/livecam/livecam/internal/redact"
)

// Auth is how a process proves who it is to the NATS server, the way a
// real deployment does: at most one of a .creds file (JWT and NKey
// seed), an NKey seed file, a user with a password, or a token; and the
// TLS settings. Secrets come from files or the environment, never from
// the command line or the URL.
type Auth struct {
	// CredsFile is a .creds file (a user JWT and its NKey seed).
	CredsFile string
	// NkeyFile holds an NKey seed ("SU...").
	NkeyFile string
	// User and Password are a user's name and password.
	User, Password string
	// Token is an authorization token.
	Token string
	// CAFile holds the certificates that sign the server's: set, the
	// connection uses TLS and trusts them.
	CAFile string
	// CertFile and KeyFile are the client's certificate and key, for a
	// server that asks for one.
	CertFile, KeyFile string
}

// ErrCredentialsInURL is CheckURL's reason for refusing a URL.
var ErrCredentialsInURL = errors.New("credentials in the URL are refused (others can read a command line): give -nats-user with $LIVECAM_NATS_PASSWORD or -nats-password-file, $LIVECAM_NATS_TOKEN or -nats-token-file, -nats-nkey or -nats-creds")

// CheckURL refuses a server URL with credentials in it: a command line
// can be read by every user of the machine, and a URL ends up in logs.
func CheckURL(u string) error {
	if u == "" {
		return errors.New("no NATS server URL")
	}
	for _, one := range strings.Split(u, ",") {
		p, err := url.Parse(strings.TrimSpace(one))
		if err != nil {
			if redact.URL(one) != one {
				// A password with '/', '?' or '#' in it: not a URL
				// Go parses, but credentials all the same.
				return fmt.Errorf("NATS server %s: %w", redact.URL(one), ErrCredentialsInURL)
			}
			return fmt.Errorf("NATS server %s: not a URL", redact.URL(one))
		}
		if p.User != nil {
			return fmt.Errorf("NATS server %s: %w", redact.URL(p.Redacted()), ErrCredentialsInURL)
		}
	}
	return nil
}

// Options returns the nats.go options that carry these credentials and
// TLS settings, or an error naming what does not fit together.
func (a Auth) Options() ([]nats.Option, error) {
	var opts []nats.Option
	given := 0
	for _, set := range []bool{a.CredsFile != "", a.NkeyFile != "", a.User != "", a.Token != ""} {
		if set {
			given++
		}
	}
	if given > 1 {
		return nil, errors.New("NATS credentials: give one of a .creds file, an NKey seed, a user and password, or a token")
	}
	switch {
	case a.CredsFile != "":
		opts = append(opts, nats.UserCredentials(a.CredsFile))
	case a.NkeyFile != "":
		o, err := nats.NkeyOptionFromSeed(a.NkeyFile)
		if err != nil {
			return nil, fmt.Errorf("NATS NKey seed %s: %w", a.NkeyFile, err)
		}
		opts = append(opts, o)
	case a.User != "":
		if a.Password == "" {
			return nil, fmt.Errorf("NATS user %s: no password (set $LIVECAM_NATS_PASSWORD or give -nats-password-file)", a.User)
		}
		opts = append(opts, nats.UserInfo(a.User, a.Password))
	case a.Token != "":
		opts = append(opts, nats.Token(a.Token))
	case a.Password != "":
		return nil, errors.New("NATS password without a user: give -nats-user too")
	}
	if a.CAFile != "" {
		opts = append(opts, nats.RootCAs(a.CAFile))
	}
	if (a.CertFile == "") != (a.KeyFile == "") {
		return nil, errors.New("NATS client certificate: give both the certificate and its key")
	}
	if a.CertFile != "" {
		opts = append(opts, nats.ClientCert(a.CertFile, a.KeyFile))
	}
	return opts, nil
}

// ConnectError describes a failure to reach or use the server at u, with
// the URL's credentials redacted wherever the error repeats it.
func ConnectError(u string, err error) error {
	msg := err.Error()
	if shown := redact.URL(u); shown != u {
		msg = strings.ReplaceAll(msg, u, shown)
	}
	hint := ""
	if errors.Is(err, nats.ErrAuthorization) || strings.Contains(strings.ToLower(msg), "authorization violation") {
		hint = " (the server refused the credentials: check -nats-user and its password, -nats-creds or -nats-nkey)"
	}
	return &connectError{msg: fmt.Sprintf("nats %s: %s%s", redact.URL(u), msg, hint), err: err}
}

type connectError struct {
	msg string
	err error
}

func (e *connectError) Error() string { return e.msg }
func (e *connectError) Unwrap() error { return e.err }
