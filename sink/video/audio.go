package video

import (
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/livecam/livecam/internal/ffmpeg"
)

// audioTrack is the source's audio as the video carries it, decided once
// by ffprobe when the sink is created.
type audioTrack struct {
	path   string // the file it comes from
	stream int    // its index in the file
	// lead is the file's time of its first decodable video frame, which
	// livecam's file source gives PTS 0: the audio is taken from lead +
	// the first written frame's PTS on (see inputArgs).
	lead  time.Duration
	codec string   // the source's codec
	args  []string // ffmpeg's output arguments for the audio
	// desc says what happens to it: "aac, copied", "opus, converted to
	// aac".
	desc string
}

// audioProbe is the part of ffprobe's JSON the audio needs.
type audioProbe struct {
	Streams []struct {
		Index      int    `json:"index"`
		CodecType  string `json:"codec_type"`
		CodecName  string `json:"codec_name"`
		StartTime  string `json:"start_time"`
		SampleRate string `json:"sample_rate"`
		Channels   int    `json:"channels"`
	} `json:"streams"`
	Packets []struct {
		StreamIndex int    `json:"stream_index"`
		PTSTime     string `json:"pts_time"`
		Flags       string `json:"flags"`
	} `json:"packets"`
}

// probePackets is how many packets from the file's start ffprobe lists
// to find the first video keyframe: a GOP of 2 s with its audio.
const probePackets = 256

// probeAudio finds the first audio stream of src with one ffprobe call
// and decides how the output out carries it. It returns nil and no
// note for a file without audio, and nil and a note saying why when
// the file has audio that cannot be kept (or cannot be read at all).
func probeAudio(src, out string) (*audioTrack, string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var stderr ffmpeg.Tail
	cmd := exec.CommandContext(ctx, "ffprobe", append(append([]string{"-v", "error"}, ffmpeg.InputLimits...),
		"-read_intervals", "%+#"+strconv.Itoa(probePackets),
		"-show_entries", "stream=index,codec_type,codec_name,start_time,sample_rate,channels:packet=stream_index,pts_time,flags",
		"-of", "json", "file:"+src)...)
	cmd.Stderr = &stderr
	b, err := cmd.Output()
	if err != nil {
		return nil, fmt.Sprintf("%s: the video has no audio: ffprobe cannot read %s (%s)", out, src, ffmpeg.LastLine(stderr.String()))
	}
	var p audioProbe
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, fmt.Sprintf("%s: the video has no audio: ffprobe on %s: %v", out, src, err)
	}
	var a *audioTrack
	var lead time.Duration
	video := -1
	for _, s := range p.Streams {
		switch {
		case s.CodecType == "video" && video < 0:
			video, lead = s.Index, seconds(s.StartTime)
		case s.CodecType == "audio" && a == nil:
			rate, _ := strconv.Atoi(s.SampleRate)
			if s.CodecName == "" || s.CodecName == "none" || rate <= 0 || s.Channels <= 0 {
				what := "a codec ffmpeg does not know"
				if s.CodecName != "" && s.CodecName != "none" {
					what = s.CodecName + " without a sample rate or channels"
				}
				return nil, fmt.Sprintf("%s: the video has no audio: ffmpeg cannot read the audio of %s (%s)", out, src, what)
			}
			a = &audioTrack{path: src, stream: s.Index, codec: s.CodecName}
			a.args, a.desc = audioCodecArgs(out, s.CodecName, s.Channels)
		}
	}
	if a == nil {
		return nil, ""
	}
	// The decoder's first frame is the first keyframe's (a file cut in
	// the middle of a group of pictures, as a recorded stream may be),
	// or the stream's start when an edit list leaves out the start of
	// the first group (a phone's editor cuts so).
	for _, k := range p.Packets {
		if k.StreamIndex == video && strings.HasPrefix(k.Flags, "K") {
			lead = max(lead, seconds(k.PTSTime))
			break
		}
	}
	a.lead = lead
	return a, ""
}

// seconds parses ffprobe's seconds ("N/A" and the like are 0).
func seconds(s string) time.Duration {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0
	}
	return time.Duration(v * float64(time.Second))
}

// audioCopied lists, by output container, the audio codecs copied as
// they are: those the container holds and its players play (for .mp4
// and .webm, browsers).
var audioCopied = map[string][]string{
	"mp4":      {"aac", "mp3", "opus"},
	"mov":      {"aac", "mp3", "alac", "pcm_s16le", "pcm_s16be", "pcm_s24le"},
	"matroska": {"aac", "mp3", "opus", "vorbis", "flac", "ac3", "eac3", "dts", "alac", "mp2", "truehd", "pcm_s16le", "pcm_s24le", "pcm_s32le", "pcm_f32le"},
	"webm":     {"opus", "vorbis"},
	"avi":      {"mp3", "ac3", "mp2", "pcm_s16le"},
}

// audioConverted is the codec each container gets when the source's
// cannot be copied: AAC where browsers and phones expect it, Opus for
// Matroska and WebM (small, plays everywhere that reads them), MP3 for
// AVI.
var audioConverted = map[string][2]string{ // name, ffmpeg arguments
	"mp4":      {"aac", "-c:a aac -b:a 128k"},
	"mov":      {"aac", "-c:a aac -b:a 128k"},
	"matroska": {"opus", "-c:a libopus -b:a 96k"},
	"webm":     {"opus", "-c:a libopus -b:a 96k"},
	"avi":      {"mp3", "-c:a libmp3lame -b:a 128k"},
}

// audioCodecArgs returns ffmpeg's arguments for carrying audio of the
// given codec into the file out (whose extension codecArgs accepted),
// and what they do.
func audioCodecArgs(out, codec string, channels int) ([]string, string) {
	format := containerOf(out)
	if slices.Contains(audioCopied[format], codec) {
		// Copied packets before the output's start are dropped (ffmpeg
		// keeps them by default, and would then move the video later).
		args := []string{"-c:a", "copy", "-copypriorss:a", "0"}
		if codec == "aac" && format != "avi" {
			// AAC from MPEG-TS comes with ADTS headers, which MP4 and
			// Matroska want as extradata (the filter passes other AAC
			// through).
			args = append(args, "-bsf:a", "aac_adtstoasc")
		}
		return args, codec + ", copied"
	}
	to := audioConverted[format]
	// Converted, the audio is cut to the sample where the video begins
	// (see inputArgs).
	args := append(strings.Fields(to[1]), "-af", "atrim=start=0")
	if channels > 2 {
		args = append(args, "-ac", "2") // surround layouts some encoders refuse
	}
	return args, codec + ", converted to " + to[0]
}

// containerOf is ffmpeg's muxer for the file's extension ("" for one
// the sink does not write).
func containerOf(path string) string {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".mp4", ".m4v":
		return "mp4"
	case ".mov":
		return "mov"
	case ".mkv":
		return "matroska"
	case ".webm":
		return "webm"
	case ".avi":
		return "avi"
	}
	return ""
}

// inputArgs are ffmpeg's arguments for the audio's input (the second),
// for a video whose first frame has the source's PTS first. ffmpeg runs
// with -copyts (outputArgs), so that the file's times are its own (not
// moved by the start of its earliest stream, which ffmpeg and ffprobe
// may see differently).
//
// The audio's timeline moves back by lead + first (-itsoffset), so that
// the source's first written frame and the sound at its time are both at
// 0; what comes before 0 is left out: whole packets when the audio is
// copied (-copypriorss 0), to the sample when it is converted (atrim),
// both in the output's arguments (audioCodecArgs). The file is not seeked (-ss): a seek lands on a video
// keyframe, and the audio before it would be lost.
func (a *audioTrack) inputArgs(first time.Duration) []string {
	args := slices.Clone(ffmpeg.InputLimits)
	if skip := a.lead + first; skip != 0 {
		args = append(args, "-itsoffset", strconv.FormatFloat(-skip.Seconds(), 'f', 6, 64))
	}
	return append(args, "-i", "file:"+a.path)
}

// outputArgs map the video from the pipe and the audio from the file,
// keep the file's timestamps (see inputArgs), and end the output with the
// video.
func (a *audioTrack) outputArgs() []string {
	args := []string{"-copyts", "-map", "0:v:0", "-map", "1:" + strconv.Itoa(a.stream)}
	args = append(args, a.args...)
	return append(args, "-shortest")
}
