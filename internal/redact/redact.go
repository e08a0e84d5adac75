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
//     name, lowercased and without a trailing "[]", is or ends with one
//     of pw, pwd, pass, passwd, password, passwort, kennwort, passphrase,
//     token, key, secret, auth, sig, signature: "pwd", "password[]",
//     "access_token", "api_key", "apiKey", "X-Amz-Signature",
//     "X-Amz-Security-Token". Its value is replaced; a name that merely
//     ends so ("bypass") is redacted too, which costs nothing but a
//     value on a page. Pairs are separated by & ; (and / ? # where they
//     end a path or a name), and by \u0026, as JSON written by Go spells &.
//
// A password may hold any character: everything from the scheme's "://"
// to the last "@" is user information, redacted (in free text, the last
// "@" before white space); a URL with an "@" in its path or query loses
// more than its password, never less.
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
var secretWords = []string{"pw", "pwd", "pass", "passwd", "password", "passwort", "kennwort", "passphrase", "token", "key", "secret", "auth", "sig", "signature"}

// IsSecretName reports whether a parameter named name holds a credential:
// its name, lowercased, without a trailing "[...]" (PHP's password[]), is
// or ends with pw, pwd, pass, passwd, password, passwort, kennwort,
// passphrase, token, key, secret, auth, sig or signature.
func IsSecretName(name string) bool {
	if u, err := url.QueryUnescape(name); err == nil {
		name = u
	}
	n := strings.ToLower(strings.TrimSpace(name))
	if strings.HasSuffix(n, "]") {
		if j := strings.LastIndexByte(n, '['); j >= 0 {
			n = n[:j]
		}
	}
	for _, w := range secretWords {
		if strings.HasSuffix(n, w) {
			return true
		}
	}
	return false
}

// URL returns s, one URL, with its credentials replaced by "xxxxx" (see
// the package's documentation for what counts as one); the user
// information runs to the last "@" of s, so that a password with "/",
// "#", "?", quotes, white space or "@" in it is redacted whole. A string
// that does not start with SCHEME:// is returned as Text returns it: as
// it is, but for the URLs inside it.
func URL(s string) string {
	loc := scheme.FindStringIndex(s)
	if loc == nil || loc[0] != 0 {
		return Text(s)
	}
	return redactURL(s, loc[1])
}

// parts splits a URL whose authority starts at i (just after "://") into
// the user information (without its "@"; hasUser false when there is
// none), the host and port, and the rest (path, query, fragment).
//
// A password may hold any character, "/", "?", "#", "@" and quotes
// included (rtsp://admin:se/cret@cam): when there is an "@" after i, the
// user information runs to the LAST one, and the host starts after it.
// A URL whose path or query holds an "@" (http://h/a?mail=a@b) loses
// more than its user information: over-redaction shows less, never a
// secret.
func parts(s string, i int) (user string, hasUser bool, host, rest string) {
	start := i
	if at := strings.LastIndexByte(s[i:], '@'); at >= 0 {
		user, hasUser, start = s[i:i+at], true, i+at+1
	}
	end := len(s)
	if j := strings.IndexAny(s[start:], "/?#"); j >= 0 {
		end = start + j
	}
	return user, hasUser, s[start:end], s[end:]
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

// Parameter separators. In a path a NAME=VALUE pair ends at & ; / ? #,
// in a query or fragment at & ; # (a name also ends at ?). Text written
// as JSON by Go or as HTML spells & as \u0026 or &amp; (the ";" of
// "&amp;" separates already): \u0026 separates as & does.
const (
	pathNameEnd   = "&;/?#"
	pathValueEnd  = "&;/?#"
	queryNameEnd  = "&;?#"
	queryValueEnd = "&;#"
	jsonAmp       = `\u0026`
)

// redactRest redacts the values of credential parameters in the path,
// query and fragment of a URL.
func redactRest(rest string) string {
	path, query := rest, ""
	if j := strings.IndexAny(rest, "?#"); j >= 0 {
		path, query = rest[:j], rest[j:]
	}
	return redactParams(path, pathNameEnd, pathValueEnd) + redactParams(query, queryNameEnd, queryValueEnd)
}

// sepAt returns the length of the separator at s[i:] (a byte of seps, or
// \u0026 in any case), 0 when there is none.
func sepAt(s string, i int, seps string) int {
	if strings.IndexByte(seps, s[i]) >= 0 {
		return 1
	}
	if s[i] == '\\' && len(s)-i >= len(jsonAmp) && strings.EqualFold(s[i:i+len(jsonAmp)], jsonAmp) {
		return len(jsonAmp)
	}
	return 0
}

// redactParams replaces the values of the NAME=VALUE pairs of s whose
// names are credentials' (IsSecretName). A name runs from the start or a
// separator to "=", and ends at any byte of nameEnd; a value runs to a
// byte of valueEnd. Everything else is kept byte for byte.
func redactParams(s, nameEnd, valueEnd string) string {
	if !strings.Contains(s, "=") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	i := 0
	for i < len(s) {
		// A name, at the start or after a separator.
		j := i
		for j < len(s) && s[j] != '=' && sepAt(s, j, nameEnd) == 0 {
			j++
		}
		if j == len(s) || s[j] != '=' {
			b.WriteString(s[i:j])
			if j < len(s) {
				n := sepAt(s, j, nameEnd)
				b.WriteString(s[j : j+n])
				j += n
			}
			i = j
			continue
		}
		name := s[i:j]
		k := j + 1
		for k < len(s) && sepAt(s, k, valueEnd) == 0 {
			k++
		}
		b.WriteString(s[i : j+1])
		if name != "" && k > j+1 && IsSecretName(name) {
			b.WriteString(Mask)
		} else {
			b.WriteString(s[j+1 : k])
		}
		i = k
		if k < len(s) {
			n := sepAt(s, k, valueEnd)
			b.WriteString(s[k : k+n])
			i = k + n
		}
	}
	return b.String()
}

// urlEnd ends a URL inside free text: white space, quotes and angle
// brackets (Go's %q, JSON, HTML and e-mail quote URLs with them).
const urlEnd = " \t\r\n\"'`<>"

// space ends the run of text in which Text looks for a URL's "@".
const space = " \t\r\n\v\f"

// Text returns s with every URL in it (SCHEME://..., up to white space, a
// quote or an angle bracket) redacted as URL redacts it: for error
// messages of libraries that quote the address they were given
// (`Get "rtsp://admin:pw@cam/": dial tcp ...`). A password may hold
// quotes, slashes and the like: when an "@" follows the scheme before any
// white space, everything up to the last such "@" is the URL's user
// information, redacted, and the URL ends at the first white space,
// quote or angle bracket after it (which over-redacts a URL followed,
// with no space between, by text with an "@" in it). A password with
// white space in it is not found in free text: URL and Name, given the
// URL alone, find it.
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
		from := loc[1]
		run := s[from:]
		if j := strings.IndexAny(run, space); j >= 0 {
			run = run[:j]
		}
		if at := strings.LastIndexByte(run, '@'); at >= 0 {
			from += at + 1
		}
		end := len(s)
		if j := strings.IndexAny(s[from:], urlEnd); j >= 0 {
			end = from + j
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
	return host + redactParams(rest, pathNameEnd, pathValueEnd)
}
