package fleet

import (
	"errors"
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
