#!/usr/bin/env bash
# Soak test: livecam on a looping 720p source in live mode (-loop
# -realtime) with every output on: the annotated video, the results and
# the HTTP viewer, watched by one client for the whole run. Every 10 s it
# samples livecam's resident memory, its open files, its threads, its
# goroutines (from the viewer's /status.json) and the memory of its ffmpeg
# children; at the end it stops livecam with SIGINT and prints per-minute
# means and the capture-to-overlay latency per minute.
# Usage: bench/soak.sh [MINUTES] (default 30). Needs bin/livecam (make
# build), curl, and LIVECAM_MODELS (or the model in the user cache).
#
# Growth is judged as the issue asks: the mean of the last 10 minutes
# against the mean of minutes 5 to 10 (the first minutes are warm-up);
# single samples swing by a few MB as the Go collector and the C
# allocator (OpenCV, FFmpeg) cycle.
set -euo pipefail
minutes=${1:-30}
video=${SOAK_VIDEO:-../shared/videos/slideshow_720p.mp4}
port=${SOAK_PORT:-18089}
out=$(mktemp -d)
bin/livecam -source "$video" -loop -realtime -results "$out/results.jsonl" -out "$out/out.mp4" \
	-serve "127.0.0.1:$port" 2> "$out/stderr.txt" &
pid=$!
trap 'kill -INT $pid 2>/dev/null || true; kill $viewer 2>/dev/null || true' EXIT
sleep 3
curl -s -o /dev/null "http://127.0.0.1:$port/stream.mjpg" &
viewer=$!
end=$((SECONDS + minutes * 60))
start=$SECONDS
: > "$out/samples.txt"
while [ $SECONDS -lt $end ] && kill -0 $pid 2>/dev/null; do
	sleep 10
	rss=$(awk '/^VmRSS:/ {print $2}' /proc/$pid/status)
	threads=$(awk '/^Threads:/ {print $2}' /proc/$pid/status)
	fds=$(ls /proc/$pid/fd | wc -l)
	gor=$(curl -s "http://127.0.0.1:$port/status.json" | sed -E 's/.*"goroutines":([0-9]+).*/\1/')
	kids=0
	for c in $(pgrep -P $pid || true); do
		kids=$((kids + $(awk '/^VmRSS:/ {print $2}' /proc/$c/status 2>/dev/null || echo 0)))
	done
	echo "$((SECONDS - start)) $rss $fds $threads $gor $kids" >> "$out/samples.txt"
done
kill $viewer 2>/dev/null || true
kill -INT $pid
wait $pid || true
trap - EXIT

echo "== per minute: means of livecam's RSS (MiB), open files, threads, goroutines, ffmpeg children's RSS (MiB)"
awk '{ m = int(($1 - 1) / 60); r[m] += $2; f[m] += $3; t[m] += $4; g[m] += $5; k[m] += $6; n[m]++; if (m > mx) mx = m }
	END {
		for (m = 0; m <= mx; m++) printf "minute %2d: rss %7.1f  files %5.1f  threads %5.1f  goroutines %5.1f  children %6.1f\n", m + 1, r[m] / n[m] / 1024, f[m] / n[m], t[m] / n[m], g[m] / n[m], k[m] / n[m] / 1024
		if (mx < 19) { print "(growth needs at least 20 minutes)"; exit }
		for (m = 4; m <= 9; m++) { br += r[m]; bf += f[m]; bg += g[m]; bn += n[m] }
		for (m = mx - 9; m <= mx; m++) { lr += r[m]; lf += f[m]; lg += g[m]; ln += n[m] }
		printf "last 10 minutes against minutes 5-10: rss %+.2f%%, open files %+.1f, goroutines %+.1f\n", 100 * (lr / ln - br / bn) / (br / bn), lf / ln - bf / bn, lg / ln - bg / bn }' "$out/samples.txt"

echo "== capture-to-overlay latency per minute (ms)"
grep '"pts_ms"' "$out/results.jsonl" | sed -E 's/.*"pts_ms":([0-9.]+).*"latency_ms":([0-9.]+).*/\1 \2/' |
	awk '{ print int($1 / 60000), $2 }' | sort -k1,1n -k2,2n |
	awk '{ v[$1, ++c[$1]] = $2; if ($1 > mx) mx = $1 }
		END { for (m = 0; m <= mx; m++) { n = c[m]
			printf "minute %2d: %5d frames, p50 %6.2f, p99 %6.2f, max %6.2f\n", m + 1, n, v[m, int(n * 0.5) + 1], v[m, int(n * 0.99) + 1], v[m, n] } }'
echo "== livecam's summary"
tail -n 9 "$out/stderr.txt"
echo "video: $(ffprobe -v error -count_packets -show_entries stream=nb_read_packets -of csv=p=0 "$out/out.mp4") frames"
echo "(files in $out)"
