package clips

import "testing"

// The ffprobe used is the one beside the ffmpeg given.
func TestFFprobeBesideFFmpeg(t *testing.T) {
	for _, c := range []struct{ ffmpeg, want string }{
		{"ffmpeg", "ffprobe"},
		{"/opt/ff/bin/ffmpeg", "/opt/ff/bin/ffprobe"},
		{"ffmpeg-6", "ffprobe-6"},
		{"/usr/local/bin/ffmpeg.exe", "/usr/local/bin/ffprobe.exe"},
		{"/tmp/wrap/myffmpeg", "/tmp/wrap/ffprobe"},
	} {
		if got := ffprobe(c.ffmpeg); got != c.want {
			t.Errorf("ffprobe(%q) = %q; want %q", c.ffmpeg, got, c.want)
		}
	}
}

// A clip's name has the label's short name, made safe for a file name.
func TestFileLabel(t *testing.T) {
	for _, c := range []struct{ label, want string }{
		{"sports car, sport car", "sports_car"},
		{"snow leopard, ounce, Panthera uncia", "snow_leopard"},
		{"dining table", "dining_table"},
		{"dog", "dog"},
		{"a/b, c", "a_b"},
	} {
		if got := fileLabel(c.label); got != c.want {
			t.Errorf("fileLabel(%q) = %q; want %q", c.label, got, c.want)
		}
	}
}
