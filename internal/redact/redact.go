// Package redact keeps secrets out of what livecam shows: the credentials
// in a URL (user information, and parameters whose names look like
// credentials) are replaced before a URL reaches a log, a page, a metric
// label, a topic or a message.
//
// What counts as a credential:
//
//   - the user information of a URL (scheme://USER:PASSWORD@host): the
//     password is replaced; a user given without a password is replaced
//     too, since many services and cameras take a token there
//     (https://TOKEN@host).
//   - a parameter NAME=VALUE in the query, the fragment or the path (some
//     cameras take rtsp://host/user=admin&password=SECRET&channel=1) whose
//     name, lowercased, is or ends with one of pwd, pass, passwd,
//     password, token, key, secret, auth, sig, signature: "pwd",
//     "access_token", "api_key", "apiKey", "X-Amz-Signature",
//     "X-Amz-Security-Token". Its value is replaced; a name that merely
//     ends so ("bypass") is redacted too, which costs nothing but a
//     value on a page.
//
// The rest of the URL is kept byte for byte: nothing is decoded, encoded
// or reordered. Redacted parts read "xxxxx", as net/url's Redacted has it.
package redact

import (
	"net/url"
	"regexp"
	"strings"
)

// Mask replaces each secret.
const Mask = "xxxxx"

// scheme matches the start of a URL: a scheme and "://".
var scheme = regexp.MustCompile(`[A-Za-z][A-Za-z0-9+.\-]*://`)

// secretWords are the parameter names (and endings of names) that hold
// credentials.
var secretWords = []string{"pwd", "pass", "passwd", "password", "token", "key", "secret", "auth", "sig", "signature"}

// IsSecretName reports whether a parameter named name holds a credential:
// its name, lowercased, is or ends with pwd, pass, passwd, password,
// token, key, secret, auth, sig or signature.
func IsSecretName(name string) bool {
	if u, err := url.QueryUnescape(name); err == nil {
		name = u
	}
	n := strings.ToLower(name)
	for _, w := range secretWords {
		if strings.HasSuffix(n, w) {
			return true
		}
	}
	return false
}

// URL returns s with the credentials of a URL replaced by "xxxxx" (see the
// package's documentation for what counts as one); a string that does not
// start with SCHEME:// is returned as it is.
func URL(s string) string {
	loc := scheme.FindStringIndex(s)
	if loc == nil || loc[0] != 0 {
		return s
	}
	return redactURL(s, loc[1])
}

// parts splits a URL whose authority starts at i (just after "://") into
// the user information (without its "@"; ok false when there is none),
// the host and port, and the rest (path, query, fragment).
func parts(s string, i int) (user string, hasUser bool, host, rest string) {
	end := len(s)
	if j := strings.IndexAny(s[i:], "/?#"); j >= 0 {
		end = i + j
	}
	authority, rest := s[i:end], s[end:]
	if at := strings.LastIndexByte(authority, '@'); at >= 0 {
		return authority[:at], true, authority[at+1:], rest
	}
	return "", false, authority, rest
}

func redactURL(s string, i int) string {
	user, hasUser, host, rest := parts(s, i)
	var b strings.Builder
	b.Grow(len(s))
	b.WriteString(s[:i])
	if hasUser {
		if name, _, ok := strings.Cut(user, ":"); ok {
			b.WriteString(name)
			b.WriteString(":" + Mask)
		} else if user != "" {
			b.WriteString(Mask)
		}
		b.WriteByte('@')
	}
	b.WriteString(host)
	b.WriteString(redactRest(rest))
	return b.String()
}

// pathParam and queryParam find NAME=VALUE pairs: in a path a value ends
// at & ; / ? #, in a query or fragment at & ; #.
var (
	pathParam  = regexp.MustCompile(`(^|[&;/?#])([^&;/?#=]+)=([^&;/?#]*)`)
	queryParam = regexp.MustCompile(`(^|[&;?#])([^&;?#=]+)=([^&;#]*)`)
)

// redactRest redacts the values of credential parameters in the path,
// query and fragment of a URL.
func redactRest(rest string) string {
	path, query := rest, ""
	if j := strings.IndexAny(rest, "?#"); j >= 0 {
		path, query = rest[:j], rest[j:]
	}
	return redactParams(pathParam, path) + redactParams(queryParam, query)
}

func redactParams(re *regexp.Regexp, s string) string {
	if !strings.Contains(s, "=") {
		return s
	}
	return re.ReplaceAllStringFunc(s, func(m string) string {
		sub := re.FindStringSubmatch(m)
		if sub[3] == "" || !IsSecretName(sub[2]) {
			return m
		}
		return sub[1] + sub[2] + "=" + Mask
	})
}

// urlEnd ends a URL inside free text: white space, quotes and angle
// brackets (Go's %q, JSON, HTML and e-mail quote URLs with them).
const urlEnd = " \t\r\n\"'`<>"

// Text returns s with every URL in it (SCHEME://..., up to white space, a
// quote or an angle bracket) redacted as URL redacts it: for error
// messages of libraries that quote the address they were given
// (`Get "rtsp://admin:pw@cam/": dial tcp ...`).
func Text(s string) string {
	locs := scheme.FindAllStringIndex(s, -1)
	if locs == nil {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	last := 0
	for _, loc := range locs {
		if loc[0] < last {
			continue // inside the URL before
		}
		end := len(s)
		if j := strings.IndexAny(s[loc[1]:], urlEnd); j >= 0 {
			end = loc[1] + j
		}
		b.WriteString(s[last:loc[0]])
		u := s[loc[0]:end]
		b.WriteString(redactURL(u, loc[1]-loc[0]))
		last = end
	}
	b.WriteString(s[last:])
	return b.String()
}

// defaultPorts are the ports Name leaves out.
var defaultPorts = map[string]string{"http": "80", "https": "443", "rtsp": "554", "rtsps": "322", "rtmp": "1935", "mqtt": "1883", "mqtts": "8883", "nats": "4222"}

// Name returns a display name for a source given as a URL: its host (with
// its port unless it is the scheme's usual one) and path, without user
// information, query or fragment, and with credential parameters in the
// path redacted (rtsp://admin:pw@cam.lan:554/live?pwd=x is "cam.lan/live").
// It may hold characters unfit for a file name or an MQTT topic: its
// users make it safe for theirs. A string that is not a URL is returned as
// Text returns it: as it is, but for the URLs inside it (a GStreamer
// pipeline's "rtspsrc location=rtsp://...").
func Name(s string) string {
	loc := scheme.FindStringIndex(s)
	if loc == nil || loc[0] != 0 {
		return Text(s)
	}
	_, _, host, rest := parts(s, loc[1])
	if j := strings.IndexAny(rest, "?#"); j >= 0 {
		rest = rest[:j]
	}
	sch := strings.ToLower(s[:loc[1]-3])
	if p, ok := defaultPorts[sch]; ok {
		host = strings.TrimSuffix(host, ":"+p)
	}
	return host + redactParams(pathParam, rest)
}
