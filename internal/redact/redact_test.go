package redact

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

func TestURL(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		// User information.
		{"rtsp://admin:SECRET@cam.lan:554/live", "rtsp://admin:xxxxx@cam.lan:554/live"},
		{"https://SECRET@api.example.com/v1", "https://xxxxx@api.example.com/v1"},
		{"rtsp://admin:p@ss@cam.lan/live", "rtsp://admin:xxxxx@cam.lan/live"},
		{"mqtt://:SECRET@broker:1883", "mqtt://:xxxxx@broker:1883"},
		// Every name in the list, in any case.
		{"http://h/a?pwd=SECRET", "http://h/a?pwd=xxxxx"},
		{"http://h/a?PASS=SECRET", "http://h/a?PASS=xxxxx"},
		{"http://h/a?Password=SECRET", "http://h/a?Password=xxxxx"},
		{"http://h/a?passwd=SECRET", "http://h/a?passwd=xxxxx"},
		{"http://h/a?token=SECRET", "http://h/a?token=xxxxx"},
		{"http://h/a?KEY=SECRET", "http://h/a?KEY=xxxxx"},
		{"http://h/a?secret=SECRET", "http://h/a?secret=xxxxx"},
		{"http://h/a?auth=SECRET", "http://h/a?auth=xxxxx"},
		{"http://h/a?sig=SECRET", "http://h/a?sig=xxxxx"},
		{"http://h/a?Signature=SECRET", "http://h/a?Signature=xxxxx"},
		// Names ending in one of them.
		{"http://h/a?access_token=SECRET", "http://h/a?access_token=xxxxx"},
		{"http://h/a?api_key=SECRET&apiKey=SECRET", "http://h/a?api_key=xxxxx&apiKey=xxxxx"},
		{"https://b.s3.amazonaws.com/k?X-Amz-Credential=AKIA%2F2024&X-Amz-Signature=SECRET&X-Amz-Security-Token=SECRET",
			"https://b.s3.amazonaws.com/k?X-Amz-Credential=AKIA%2F2024&X-Amz-Signature=xxxxx&X-Amz-Security-Token=xxxxx"},
		{"http://h/a?pass%77ord=SECRET", "http://h/a?pass%77ord=xxxxx"},
		// The IP-camera forms: only the secret goes, the rest byte for byte.
		{"http://127.0.0.1:8080/cam.mjpg?usr=admin&pwd=SECRET", "http://127.0.0.1:8080/cam.mjpg?usr=admin&pwd=xxxxx"},
		{"http://h/a?b=%20x+y&pwd=SECRET&c=1;d=2&e", "http://h/a?b=%20x+y&pwd=xxxxx&c=1;d=2&e"},
		{"http://h/cgi?pwd=SE/CR=ET#frag", "http://h/cgi?pwd=xxxxx#frag"},
		{"rtsp://192.168.1.10:554/user=admin&password=SECRET&channel=1&stream=0.sdp?", "rtsp://192.168.1.10:554/user=admin&password=xxxxx&channel=1&stream=0.sdp?"},
		{"https://h/cb#access_token=SECRET&state=1", "https://h/cb#access_token=xxxxx&state=1"},
		{"rtsp://u:SECRET@h/a?token=SECRET&x=1", "rtsp://u:xxxxx@h/a?token=xxxxx&x=1"},
		// Passwords with the characters that end an authority, quotes,
		// white space and "@": everything up to the last "@" goes.
		{"nats://admin:se/cret@127.0.0.1:4222", "nats://admin:xxxxx@127.0.0.1:4222"},
		{"mqtt://user:se/cret@127.0.0.1:1883", "mqtt://user:xxxxx@127.0.0.1:1883"},
		{"rtsp://admin:se/cret@127.0.0.1:1/live", "rtsp://admin:xxxxx@127.0.0.1:1/live"},
		{"rtsp://admin:se#cret@cam.lan/live", "rtsp://admin:xxxxx@cam.lan/live"},
		{"rtsp://admin:se?cret@cam.lan/live", "rtsp://admin:xxxxx@cam.lan/live"},
		{"rtsp://admin:se cret@cam.lan/live", "rtsp://admin:xxxxx@cam.lan/live"},
		{`rtsp://admin:se"c'ret@cam.lan/live`, "rtsp://admin:xxxxx@cam.lan/live"},
		{"rtsp://admin:a@b/c#d?e@cam.lan/live", "rtsp://admin:xxxxx@cam.lan/live"},
		{"rtsp://se/cret@cam.lan/live", "rtsp://xxxxx@cam.lan/live"},
		// An "@" in the query: more goes than the password.
		{"http://h/a?mail=a@b.example", "http://xxxxx@b.example"},
		// More names, PHP's [] and JSON's \u0026.
		{"http://h/a?pw=SECRET", "http://h/a?pw=xxxxx"},
		{"http://h/a?passwort=SECRET&kennwort=SECRET", "http://h/a?passwort=xxxxx&kennwort=xxxxx"},
		{"http://h/a?password[]=SECRET&pwd%5B%5D=SECRET", "http://h/a?password[]=xxxxx&pwd%5B%5D=xxxxx"},
		{`http://h/a?user=admin\u0026pwd=SECRET\u0026x=1`, `http://h/a?user=admin\u0026pwd=xxxxx\u0026x=1`},
		{`rtsp://h/user=admin\u0026password=SECRET\u0026channel=1`, `rtsp://h/user=admin\u0026password=xxxxx\u0026channel=1`},
		{"http://h/a?user=admin&amp;pwd=SECRET&amp;x=1", "http://h/a?user=admin&amp;pwd=xxxxx&amp;x=1"},
		// Nothing to redact: kept as it was.
		{"http://h/a?usr=admin&channel=1", "http://h/a?usr=admin&channel=1"},
		{"http://h/a?pwd=&x=1", "http://h/a?pwd=&x=1"},
		{"http://h/monkey/a?b=c%2Fd&&x", "http://h/monkey/a?b=c%2Fd&&x"},
		{"rtsp://cam.lan/live", "rtsp://cam.lan/live"},
		// Not URLs.
		{"", ""},
		{"videos/door.mp4", "videos/door.mp4"},
		{"0", "0"},
		{"user:pass@host", "user:pass@host"},
		// Not starting with a URL: its URLs redacted as Text does.
		{"see http://u:p@h/", "see http://u:xxxxx@h/"},
		{"videotestsrc ! appsink", "videotestsrc ! appsink"},
	} {
		if got := URL(tc.in); got != tc.want {
			t.Errorf("URL(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestText(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`Get "rtsp://admin:SECRET@cam.lan/live?pwd=SECRET": dial tcp 10.0.0.2:554: connect: refused`,
			`Get "rtsp://admin:xxxxx@cam.lan/live?pwd=xxxxx": dial tcp 10.0.0.2:554: connect: refused`},
		{"nats: no servers available for connection (nats://admin:SECRET@127.0.0.1:4222, tls://t:SECRET@h:1)",
			"nats: no servers available for connection (nats://admin:xxxxx@127.0.0.1:4222, tls://t:xxxxx@h:1)"},
		{"a http://h/x?token=SECRET\nb http://h/y?key=SECRET'", "a http://h/x?token=xxxxx\nb http://h/y?key=xxxxx'"},
		{"http://u:SECRET@h", "http://u:xxxxx@h"},
		{"no URL here: user:pass@host ?pwd=x", "no URL here: user:pass@host ?pwd=x"},
		// Passwords that used to end the URL early.
		{"NATS server nats://admin:se/cret@127.0.0.1:4222: not a URL", "NATS server nats://admin:xxxxx@127.0.0.1:4222: not a URL"},
		{`parse "rtsp://admin:se/cret@127.0.0.1:1/live": invalid port ":se" after host`, `parse "rtsp://admin:xxxxx@127.0.0.1:1/live": invalid port ":se" after host`},
		{`mqtt "mqtt://user:se#c?ret@h:1883": bad`, `mqtt "mqtt://user:xxxxx@h:1883": bad`},
		// Go's %q of a password with a quote in it.
		{`open "rtsp://admin:se\"cret@cam/live": refused`, `open "rtsp://admin:xxxxx@cam/live": refused`},
		{`'rtsp://admin:se'cret@cam/live' x`, `'rtsp://admin:xxxxx@cam/live' x`},
		// JSON written by Go.
		{`{"source":"http://h/cam?user=admin\u0026pwd=SECRET\u0026ch=1","x":1}`, `{"source":"http://h/cam?user=admin\u0026pwd=xxxxx\u0026ch=1","x":1}`},
		{`<a href="http://h/cam?user=admin&amp;pwd=SECRET">`, `<a href="http://h/cam?user=admin&amp;pwd=xxxxx">`},
		// Two URLs with nothing between them: over-redacted, no secret.
		{"(nats://a:SECRET@h:1,nats://b:SECRET@h:2)", "(nats://a:xxxxx@h:2)"},
		{"", ""},
	} {
		if got := Text(tc.in); got != tc.want {
			t.Errorf("Text(%q)\n = %q\nwant %q", tc.in, got, tc.want)
		}
	}
}

func TestName(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"rtsp://admin:SECRET@cam.lan:554/live?pwd=SECRET#x", "cam.lan/live"},
		{"http://127.0.0.1:8080/cam.mjpg?usr=admin&pwd=SECRET", "127.0.0.1:8080/cam.mjpg"},
		{"rtsp://192.168.1.10/user=admin&password=SECRET&channel=1", "192.168.1.10/user=admin&password=xxxxx&channel=1"},
		{"https://SECRET@h", "h"},
		{"videos/door.mp4", "videos/door.mp4"},
		{"rtspsrc location=rtsp://admin:SECRET@cam/live ! decodebin ! appsink", "rtspsrc location=rtsp://admin:xxxxx@cam/live ! decodebin ! appsink"},
		// No user information in a name, whatever the password holds.
		{"rtsp://admin:SE/CRET@cam.lan/live", "cam.lan/live"},
		{"rtsp://admin:SE#CRET@cam.lan/live", "cam.lan/live"},
		{"rtsp://admin:SE?CRET@cam.lan/live", "cam.lan/live"},
		{"rtsp://admin:SE CRET@cam.lan/live", "cam.lan/live"},
		{`rtsp://admin:SE"'CRET@cam.lan/live`, "cam.lan/live"},
		{"rtsp://admin:SE@CRET@cam.lan:554/live", "cam.lan/live"},
		{"rtsp://SE/CRET@cam.lan/live", "cam.lan/live"},
		{`rtsp://h/user=admin\u0026pw=SECRET\u0026channel=1`, `h/user=admin\u0026pw=xxxxx\u0026channel=1`},
	} {
		if got := Name(tc.in); got != tc.want {
			t.Errorf("Name(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if strings.Contains(Name(tc.in), "SECRET") || strings.Contains(Name(tc.in), "CRET") {
			t.Errorf("Name(%q) shows the secret", tc.in)
		}
	}
}

func TestIsSecretName(t *testing.T) {
	for name, want := range map[string]bool{"pwd": true, "PWD": true, "user_password": true, "X-Amz-Signature": true, "usr": false, "user": false, "channel": false, "stream": false, "X-Amz-Credential": false,
		"pw": true, "PW": true, "passwort": true, "Kennwort": true, "password[]": true, "pwd[0]": true, "password%5B%5D": true, "channel[]": false} {
		if got := IsSecretName(name); got != want {
			t.Errorf("IsSecretName(%q) = %v", name, got)
		}
	}
}

// TestPasswordsAnyCharacter: a password holding any of the characters
// that end a URL's authority, a URL in text, or a parameter is shown by
// none of URL, Text (the URL alone, quoted by %q, in JSON) and Name.
func TestPasswordsAnyCharacter(t *testing.T) {
	for _, pw := range []string{"se/cret", "se#cret", "se?cret", "se@cret", `se"cret`, "se'cret", "se`cret", "se<cr>et", "se/c#r?e@t", "se cret", "se&cret=1"} {
		secret := "XY" + pw + "ZW"
		for _, u := range []string{
			"rtsp://admin:" + secret + "@cam.lan:554/live",
			"nats://admin:" + secret + "@127.0.0.1:4222",
			"mqtt://" + secret + "@broker",
		} {
			shown := map[string]string{"URL": URL(u), "Name": Name(u)}
			if !strings.Contains(pw, " ") { // in free text, a URL ends at white space
				shown["Text"] = Text("error: " + u + ": refused")
				shown["Text %q"] = Text(fmt.Sprintf("open %q: refused", u))
				js, _ := json.Marshal(map[string]string{"source": u})
				shown["Text JSON"] = Text(string(js))
			}
			for how, s := range shown {
				if strings.Contains(s, "XY") || strings.Contains(s, "ZW") {
					t.Errorf("%s(%q) = %q: shows the password", how, u, s)
				}
			}
		}
	}
}
