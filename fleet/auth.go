package fleet

import (
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"

	"github.com/nats-io/nats.go"

	"github.com/livecam/livecam/internal/redact"
)

// Auth is how a process proves who it is to the NATS server, the way a
// real deployment does: at most one of a .creds file (JWT and NKey
// seed), an NKey seed file, a user with a password, or a token; and the
// TLS settings. Secrets come from files or the environment, never from
// the command line or the URL (Resolve reads them). Printed with %v or
// %+v, an Auth shows its secrets as "xxxxx".
type Auth struct {
	// CredsFile is a .creds file (a user JWT and its NKey seed).
	CredsFile string
	// NkeyFile holds an NKey seed ("SU...").
	NkeyFile string
	// User and Password are a user's name and password.
	User, Password string
	// PasswordFile holds the user's password (its first line), for
	// Resolve to read instead of $LIVECAM_NATS_PASSWORD.
	PasswordFile string
	// Token is an authorization token.
	Token string
	// TokenFile holds the token (its first line), for Resolve to read
	// instead of $LIVECAM_NATS_TOKEN.
	TokenFile string
	// CAFile holds the certificates that sign the server's: set, the
	// connection uses TLS and trusts them.
	CAFile string
	// CertFile and KeyFile are the client's certificate and key, for a
	// server that asks for one.
	CertFile, KeyFile string
}

// The environment variables Resolve reads the secrets from when no file
// holds them.
const (
	// EnvPassword is the password of Auth.User.
	EnvPassword = "LIVECAM_NATS_PASSWORD"
	// EnvToken is a token, for an Auth that names no other credentials.
	EnvToken = "LIVECAM_NATS_TOKEN"
)

// maxSecret bounds a password or token file: anything longer is not a
// secret but a file given by mistake.
const maxSecret = 64 << 10

// Resolve returns the credentials with their secrets read, files first:
// the password from PasswordFile (which needs a User), else, for a User
// without a password, from $LIVECAM_NATS_PASSWORD; the token from
// TokenFile, else, when nothing else says who the process is, from
// $LIVECAM_NATS_TOKEN. A file's secret is its first line, trimmed. The
// result names no file (resolving it again changes nothing). Errors name
// the file and the problem, never the secret.
func (a Auth) Resolve() (Auth, error) {
	var err error
	switch {
	case a.PasswordFile != "" && a.User == "":
		return a, errors.New("-nats-password-file without -nats-user")
	case a.PasswordFile != "" && a.Password != "":
		return a, errors.New("NATS password: give it or its file, not both")
	case a.PasswordFile != "":
		if a.Password, err = readSecret("nats-password-file", a.PasswordFile); err != nil {
			return a, err
		}
	case a.User != "" && a.Password == "":
		a.Password = os.Getenv(EnvPassword)
	}
	switch {
	case a.TokenFile != "" && a.Token != "":
		return a, errors.New("NATS token: give it or its file, not both")
	case a.TokenFile != "":
		if a.Token, err = readSecret("nats-token-file", a.TokenFile); err != nil {
			return a, err
		}
	case a.Token == "" && a.CredsFile == "" && a.NkeyFile == "" && a.User == "":
		a.Token = os.Getenv(EnvToken)
	}
	a.PasswordFile, a.TokenFile = "", ""
	return a, nil
}

// readSecret reads a password or token file (given with -flag): its
// first line, trimmed.
func readSecret(flag, path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("-%s: %w", flag, err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxSecret+1))
	if err != nil {
		return "", fmt.Errorf("-%s %s: %w", flag, path, err)
	}
	if len(b) > maxSecret {
		return "", fmt.Errorf("-%s %s: longer than 64 KiB, not a secret", flag, path)
	}
	s, _, _ := strings.Cut(string(b), "\n")
	if s = strings.TrimSpace(s); s == "" {
		return "", fmt.Errorf("-%s %s: empty", flag, path)
	}
	return s, nil
}

// String shows the credentials with the password and the token as
// "xxxxx", for logs and %v.
func (a Auth) String() string {
	type fields Auth // no methods: no String again
	f := fields(a)
	for _, s := range []*string{&f.Password, &f.Token} {
		if *s != "" {
			*s = "xxxxx"
		}
	}
	return fmt.Sprintf("%+v", f)
}

// GoString is String, for %#v.
func (a Auth) GoString() string { return "fleet.Auth" + a.String() }

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
// TLS settings (Resolved first), or an error naming what does not fit
// together.
func (a Auth) Options() ([]nats.Option, error) {
	a, err := a.Resolve()
	if err != nil {
		return nil, err
	}
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
