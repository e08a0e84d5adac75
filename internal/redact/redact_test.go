package redact

import (
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
		{"see http://u:p@h/", "see http://u:p@h/"},
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
	} {
		if got := Name(tc.in); got != tc.want {
			t.Errorf("Name(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if strings.Contains(Name(tc.in), "SECRET") {
			t.Errorf("Name(%q) shows the secret", tc.in)
		}
	}
}

func TestIsSecretName(t *testing.T) {
	for name, want := range map[string]bool{"pwd": true, "PWD": true, "user_password": true, "X-Amz-Signature": true, "usr": false, "user": false, "channel": false, "stream": false, "X-Amz-Credential": false} {
		if got := IsSecretName(name); got != want {
			t.Errorf("IsSecretName(%q) = %v", name, got)
		}
	}
}
