#!/usr/bin/env bash
# Soak test: livecam on a looping source in live mode for a while, sampling
# its resident memory every 10 s and computing the capture-to-overlay
# latency per minute from the per-frame results, then stopping it with
# SIGINT. Usage: bench/soak.sh [MINUTES] (default 10). Needs bin/livecam
# (make build) and LIVECAM_MODELS (or the model in the user cache).
#
# Memory growth is the mean RSS of the last minute over the mean RSS of the
# second minute (the first is warm-up); single samples swing by a few MB
# as the Go collector and the C allocator (OpenCV, FFmpeg) cycle.
set -euo pipefail
minutes=${1:-10}
video=${SOAK_VIDEO:-../shared/videos/slideshow_720p.mp4}
out=$(mktemp -d)
# SOAK_VIDEO_OUT=0 leaves out the video output (whose container index grows
# in memory with every frame) to tell its memory from the pipeline's.
video_out=(-out "$out/out.mp4")
[ "${SOAK_VIDEO_OUT:-1}" = 0 ] && video_out=()
bin/livecam -source "$video" -loop -realtime -results "$out/results.jsonl" "${video_out[@]}" 2> "$out/stderr.txt" &
pid=$!
trap 'kill -INT $pid 2>/dev/null || true' EXIT
end=$((SECONDS + minutes * 60))
start=$SECONDS
: > "$out/rss.txt"
while [ $SECONDS -lt $end ] && kill -0 $pid 2>/dev/null; do
	sleep 10
	echo "$((SECONDS - start)) $(awk '/^VmRSS:/ {print $2}' /proc/$pid/status)" >> "$out/rss.txt"
done
kill -INT $pid
wait $pid || true
trap - EXIT

echo "== resident memory, mean per minute (MiB)"
awk '{ m = int(($1 - 1) / 60); s[m] += $2; n[m]++; if (m > mx) mx = m }
	END { for (m = 0; m <= mx; m++) printf "minute %2d: %7.1f\n", m + 1, s[m] / n[m] / 1024
		printf "growth from minute 2 to minute %d: %+.2f%%\n", mx + 1, 100 * (s[mx] / n[mx] - s[1] / n[1]) / (s[1] / n[1]) }' "$out/rss.txt"

echo "== capture-to-overlay latency per minute (ms)"
sed -E 's/.*"pts_ms":([0-9.]+).*"latency_ms":([0-9.]+).*/\1 \2/' "$out/results.jsonl" |
	awk '{ print int($1 / 60000), $2 }' | sort -k1,1n -k2,2n |
	awk '{ v[$1, ++c[$1]] = $2; if ($1 > mx) mx = $1 }
		END { for (m = 0; m <= mx; m++) { n = c[m]
			printf "minute %2d: %5d frames, p50 %6.2f, p99 %6.2f, max %6.2f\n", m + 1, n, v[m, int(n * 0.5) + 1], v[m, int(n * 0.99) + 1], v[m, n] } }'
echo "== livecam's summary"
tail -n 9 "$out/stderr.txt"
echo "(files in $out)"
