#!/usr/bin/env bash
# Soak test: livecam on a looping source in live mode for a while, sampling
# its resident memory every 10 s and computing the p99 capture-to-overlay
# latency per minute from the per-frame results, then stopping it with
# SIGINT. Usage: bench/soak.sh [MINUTES] (default 10). Needs bin/livecam
# (make build) and LIVECAM_MODELS (or the model in the user cache).
set -euo pipefail
minutes=${1:-10}
video=${SOAK_VIDEO:-../shared/videos/slideshow_720p.mp4}
out=$(mktemp -d)
bin/livecam -source "$video" -loop -realtime -results "$out/results.jsonl" -out "$out/out.mp4" 2> "$out/stderr.txt" &
pid=$!
trap 'kill -INT $pid 2>/dev/null || true' EXIT
end=$((SECONDS + minutes * 60))
echo "seconds rss_kib" > "$out/rss.txt"
start=$SECONDS
while [ $SECONDS -lt $end ] && kill -0 $pid 2>/dev/null; do
	sleep 10
	rss=$(awk '/^VmRSS:/ {print $2}' /proc/$pid/status)
	echo "$((SECONDS - start)) $rss" >> "$out/rss.txt"
done
kill -INT $pid
wait $pid || true
trap - EXIT
echo "== RSS (KiB), sampled every 10 s"
awk 'NR > 1 { t[NR] = $1; r[NR] = $2; n = NR }
	NR > 1 && $1 >= 60 && !w { w = $2; wt = $1 }
	END { printf "after warm-up (%d s): %d KiB; at the end (%d s): %d KiB; growth %.2f%%; max %d KiB\n", wt, w, t[n], r[n], 100 * (r[n] - w) / w, max(r) }
	function max(a,   k, m) { m = 0; for (k in a) if (a[k] > m) m = a[k]; return m }' "$out/rss.txt"
echo "== capture-to-overlay latency per minute (ms)"
# results.jsonl: one object per frame with pts_ms and latency_ms.
awk -F'"latency_ms":' '{ split($2, a, ","); lat = a[1] + 0
	match($0, /"pts_ms":[0-9.]+/); pts = substr($0, RSTART + 9, RLENGTH - 9) + 0
	m = int(pts / 60000); v[m, ++c[m]] = lat; if (m > mx) mx = m }
	END { for (m = 0; m <= mx; m++) { n = c[m]; delete s; for (i = 1; i <= n; i++) s[i] = v[m, i]
		asort(s); printf "minute %2d: %5d frames, p50 %6.2f, p99 %6.2f, max %6.2f\n", m + 1, n, s[int(n * 0.5) + 1], s[int(n * 0.99) + 1], s[n] } }' "$out/results.jsonl"
echo "== livecam's own summary"
tail -n 9 "$out/stderr.txt"
echo "(files in $out)"
