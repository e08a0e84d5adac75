#!/usr/bin/env bash
# Many cameras on one box: N cameras played in real time (-realtime -loop)
# for SECONDS, in one livecam process (-config: one model, one pool of
# inference workers shared by the cameras in turn), and as N livecam
# processes side by side (each with its own model and workers), in
# interleaved rounds. For each
# it prints the forward passes per second of every camera, their spread,
# the frames per second the cameras' decoders delivered (the sources are
# paced to 25 or 30 fps; fewer means the decoders did not get the CPU),
# the capture-to-overlay p95 per camera, the CPU used (user + system, all
# processes, ffmpeg decoders included) and the memory (mean of the
# resident sets of livecam and its children, sampled every 5 s).
#
# Usage: bench/cameras.sh [N] [SECONDS] [MIX] [ROUNDS]
#   N        cameras (default 8)
#   SECONDS  per run (default 60)
#   MIX      "mixed": 720p at 30 fps and 480p at 25 fps in turn (default);
#            "480": every camera the 480p video at 25 fps
#   ROUNDS   rounds of both runs, interleaved (default 3); medians are
#            printed last
# Needs bin/livecam (make build), /usr/bin/time, and LIVECAM_MODELS (or the
# model in the user cache). Extra livecam flags go in CAMERAS_FLAGS (e.g.
# "-fps 2" to cap each camera's forward passes).
set -euo pipefail
n=${1:-8}
seconds=${2:-60}
mix=${3:-mixed}
rounds=${4:-3}
shared_dir=${SHARED:-../shared}
v720=$shared_dir/videos/slideshow_720p.mp4
v480=$shared_dir/videos/slideshow_480p_noisy.mkv
flags=${CAMERAS_FLAGS:-}
out=$(mktemp -d)

video() { # the video of camera $1
	if [ "$mix" = 480 ] || [ $(($1 % 2)) = 1 ]; then echo "$v480"; else echo "$v720"; fi
}

# sample PID...: mean resident memory (MiB) of the processes and their
# children, every 5 s, until they end; written to $out/rss.$tag
sample() {
	local tag=$1; shift
	: > "$out/rss.$tag"
	while kill -0 "$@" 2>/dev/null; do
		sleep 5
		local kb=0 p
		for p in "$@" $(for q in "$@"; do pgrep -P "$q" || true; done); do
			local r
			r=$(awk '/^VmRSS:/ {print $2}' /proc/$p/status 2>/dev/null || true)
			kb=$((kb + ${r:-0}))
		done
		echo "$kb" >> "$out/rss.$tag"
	done
}

{
	echo "cameras:"
	for i in $(seq 1 "$n"); do
		echo "  - name: cam$i"
		echo "    source: $(realpath "$(video "$i")")"
		echo "    realtime: true"
		echo "    loop: true"
	done
} > "$out/cameras.yaml"

echo "== $n cameras ($mix), ${seconds}s each run, $rounds rounds, on $(nproc) cores; flags: ${flags:-none}"

# run_shared ROUND: the N cameras in one livecam process.
run_shared() {
	local r=$1
	/usr/bin/time -f "%e %U %S" -o "$out/time.shared.$r" bin/livecam -config "$out/cameras.yaml" -quiet $flags 2> "$out/shared.$r.txt" &
	local wrapper=$!
	sleep 1
	local pid
	pid=$(pgrep -P $wrapper livecam)
	sample "shared.$r" "$pid" &
	local sampler=$!
	sleep "$seconds"
	kill -INT "$pid"
	wait $wrapper || true
	wait $sampler || true
}

# run_separate ROUND: one livecam process per camera, side by side.
run_separate() {
	local r=$1 pids=() i p
	for i in $(seq 1 "$n"); do
		bin/livecam -source "$(video "$i")" -realtime -loop -quiet $flags 2> "$out/separate.$r.$i.txt" &
		pids+=($!)
	done
	sample "separate.$r" "${pids[@]}" &
	local sampler=$!
	local start
	start=$(date +%s.%N)
	sleep "$seconds"
	# CPU of the processes and their children, from /proc before the stop.
	local ticks=0
	for p in "${pids[@]}"; do
		ticks=$((ticks + $(awk '{print $14 + $15 + $16 + $17}' /proc/$p/stat)))
	done
	for p in $(for q in "${pids[@]}"; do pgrep -P "$q" || true; done); do
		local t
		t=$(awk '{print $14 + $15}' /proc/$p/stat 2>/dev/null || true)
		ticks=$((ticks + ${t:-0}))
	done
	echo "$ticks $(echo "$(date +%s.%N) - $start" | bc)" > "$out/cpu.separate.$r"
	kill -INT "${pids[@]}"
	for p in "${pids[@]}"; do wait "$p" || true; done
	wait $sampler || true
}

# Interleaved: the order alternates from round to round, so that a
# neighbour's load on the shared machine falls on both alike.
for r in $(seq 1 "$rounds"); do
	if [ $((r % 2)) = 1 ]; then run_shared "$r"; run_separate "$r"; else run_separate "$r"; run_shared "$r"; fi
done
hz=$(getconf CLK_TCK)

report() { # tag, cpu, rss, then "camera rate p95 in-rate" lines on stdin
	awk -v tag="$1" -v cpu="$2" -v rss="$3" '
		{ name[NR] = $1; rate[NR] = $2; p95[NR] = $3; sum += $2; fin += $4
		  if (NR == 1 || $2 < lo) lo = $2; if ($2 > hi) hi = $2 }
		END {
			printf "%-9s", tag
			for (i = 1; i <= NR; i++) printf " %s %.2f/s p95 %.0fms;", name[i], rate[i], p95[i]
			printf "\n%-9s total %.1f forward passes/s, per camera %.2f-%.2f (spread %.1f%% of the highest), frames delivered %.1f/s per camera, CPU %.0f%% of one core, memory %.0f MiB\n",
				tag, sum, lo, hi, 100 * (hi - lo) / hi, fin / NR, cpu, rss
		}'
}
meanrss() { awk '{ s += $1; n++ } END { if (n) printf "%.0f", s / n / 1024; else print 0 }' "$out/rss.$1"; }

for r in $(seq 1 "$rounds"); do
	read -r el us sy < "$out/time.shared.$r"
	sed -nE 's/^livecam: (cam[0-9]+): ([0-9]+) in, .* inferences \(([0-9.]+)\/s\) in ([0-9.]+)s; capture-to-overlay p95 ([0-9.]+) ms$/\1 \3 \5 \2 \4/p' "$out/shared.$r.txt" |
		awk '{ printf "%s %s %s %.2f\n", $1, $2, $3, $4 / $5 }' |
		report "shared#$r" "$(echo "100 * ($us + $sy) / $el" | bc -l)" "$(meanrss "shared.$r")"
	read -r ticks elapsed < "$out/cpu.separate.$r"
	for i in $(seq 1 "$n"); do
		f=$out/separate.$r.$i.txt
		inf=$(sed -nE 's/^frames: ([0-9]+) in, .* ([0-9]+) inferences in ([0-9.]+)s.*/\1 \2 \3/p' "$f")
		p95=$(awk '$1 == "capture-to-overlay" {print $3}' "$f")
		echo "cam$i $(echo "$inf" | awk '{ printf "%.2f", $2 / $3 }') $p95 $(echo "$inf" | awk '{ printf "%.2f", $1 / $3 }')"
	done | report "separate#$r" "$(echo "100 * $ticks / $hz / $elapsed" | bc -l)" "$(meanrss "separate.$r")"
done | tee "$out/summary.txt"
echo "== medians over $rounds rounds"
median() { sort -n | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
for mode in shared separate; do
	grep "^$mode#.* total" "$out/summary.txt" |
		sed -E 's/.*total ([0-9.]+) .*spread ([0-9.]+)%.*delivered ([0-9.]+).*CPU ([0-9]+)%.*memory ([0-9]+) MiB/\1 \2 \3 \4 \5/' > "$out/fields.$mode"
	printf "%-9s forward passes %s/s, spread %s%%, frames delivered %s/s per camera, CPU %s%%, memory %s MiB\n" "$mode" \
		"$(cut -d' ' -f1 "$out/fields.$mode" | median)" "$(cut -d' ' -f2 "$out/fields.$mode" | median)" \
		"$(cut -d' ' -f3 "$out/fields.$mode" | median)" "$(cut -d' ' -f4 "$out/fields.$mode" | median)" \
		"$(cut -d' ' -f5 "$out/fields.$mode" | median)"
done
echo "(logs in $out)"
