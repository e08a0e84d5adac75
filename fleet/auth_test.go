package fleet

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCheckURL: a server URL with credentials in it is refused as such,
// whatever characters the password holds, and the message never shows
// the password.
func TestCheckURL(t *testing.T) {
	for _, tc := range []struct {
		url   string
		creds bool // refused for its credentials
		ok    bool
	}{
		{"nats://127.0.0.1:4222", false, true},
		{"nats://a:4222,nats://b:4222", false, true},
		{"nats://admin:SECRET@127.0.0.1:4222", true, false},
		{"nats://admin:SE/CRET@127.0.0.1:4222", true, false},
		{"nats://admin:SE#C?RET@127.0.0.1:4222", true, false},
		{"nats://a:4222,nats://admin:SECRET@b:4222", true, false},
		{"nats://TOKENSECRET@127.0.0.1:4222", true, false},
	} {
		err := CheckURL(tc.url)
		if (err == nil) != tc.ok || errors.Is(err, ErrCredentialsInURL) != tc.creds {
			t.Errorf("CheckURL(%q) = %v", tc.url, err)
		}
		if err != nil && strings.Contains(err.Error(), "CRET") {
			t.Errorf("CheckURL(%q) shows the secret: %v", tc.url, err)
		}
	}
}

// secretFile writes content into a new file and returns its path.
func secretFile(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestAuthResolve: the secrets come from files first (their first line,
// trimmed), then from $LIVECAM_NATS_PASSWORD for a user without a
// password and $LIVECAM_NATS_TOKEN when nothing else says who the process
// is; what does not fit together is refused, and no error shows a
// secret.
func TestAuthResolve(t *testing.T) {
	t.Setenv(EnvPassword, "envPa55")
	t.Setenv(EnvToken, "envT0ken")
	long := strings.Repeat("fileS3cret", 7000)
	for _, c := range []struct {
		name                 string
		in                   Auth
		password, token, err string
	}{
		{"user, password from the environment", Auth{User: "u"}, "envPa55", "", ""},
		{"user, password file first", Auth{User: "u", PasswordFile: secretFile(t, "  fileS3cret \nnext line\n")}, "fileS3cret", "", ""},
		{"user with a password", Auth{User: "u", Password: "given"}, "given", "", ""},
		{"nothing else: token from the environment", Auth{}, "", "envT0ken", ""},
		{"token file first", Auth{TokenFile: secretFile(t, "fileT0ken\n")}, "", "fileT0ken", ""},
		{"a user takes no token from the environment", Auth{User: "u", Password: "p"}, "p", "", ""},
		{"creds take no token from the environment", Auth{CredsFile: "/x.creds"}, "", "", ""},
		{"an nkey takes no token from the environment", Auth{NkeyFile: "/x.nk"}, "", "", ""},
		{"a password file without a user", Auth{PasswordFile: secretFile(t, "fileS3cret")}, "", "", "-nats-password-file without -nats-user"},
		{"a password and its file", Auth{User: "u", Password: "p", PasswordFile: secretFile(t, "fileS3cret")}, "", "", "not both"},
		{"a token and its file", Auth{Token: "t", TokenFile: secretFile(t, "fileS3cret")}, "", "", "not both"},
		{"an empty file", Auth{User: "u", PasswordFile: secretFile(t, "\n  \n")}, "", "", "empty"},
		{"a long file", Auth{TokenFile: secretFile(t, long)}, "", "", "longer than 64 KiB"},
		{"a missing file", Auth{TokenFile: "/no/such/token"}, "", "", "-nats-token-file: open /no/such/token: no such file"},
	} {
		got, err := c.in.Resolve()
		switch {
		case c.err != "":
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%s: %v; want %q", c.name, err, c.err)
			} else if strings.Contains(err.Error(), "S3cret") {
				t.Errorf("%s: the error shows the secret: %v", c.name, err)
			}
		case err != nil || got.Password != c.password || got.Token != c.token || got.PasswordFile != "" || got.TokenFile != "":
			t.Errorf("%s: %+v, %v; want password %q, token %q, no files", c.name, got, err, c.password, c.token)
		default:
			if again, err := got.Resolve(); err != nil || again != got {
				t.Errorf("%s: resolved again: %v, %v", c.name, again, err)
			}
		}
	}
}

// TestOptionsResolves: Options reads the secrets' files itself.
func TestOptionsResolves(t *testing.T) {
	if _, err := (Auth{User: "u", PasswordFile: secretFile(t, "p\n")}).Options(); err != nil {
		t.Errorf("a user with a password file: %v", err)
	}
}

// TestAuthNeverShowsSecrets: an Auth printed any way, and the errors of
// Options, show neither the password nor the token.
func TestAuthNeverShowsSecrets(t *testing.T) {
	a := Auth{User: "u", Password: "Pa55word", Token: "T0ken", CAFile: "/ca.pem"}
	for _, format := range []string{"%v", "%+v", "%#v", "%s"} {
		if s := fmt.Sprintf(format, a); strings.Contains(s, "Pa55word") || strings.Contains(s, "T0ken") || !strings.Contains(s, "/ca.pem") {
			t.Errorf("%s: %s", format, s)
		}
	}
	if _, err := a.Options(); err == nil || strings.Contains(err.Error(), "Pa55word") || strings.Contains(err.Error(), "T0ken") {
		t.Errorf("a user and a token: %v; want refused, without the secrets", err)
	}
}
