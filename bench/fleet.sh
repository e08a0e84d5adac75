#!/usr/bin/env bash
# The fleet on one machine: JOBS copies of a video labelled (results only)
# by a plain `livecam` run per file, one after the other, and by the fleet
# (livecam submit, then 1, 2 and 3 `livecam worker` processes on a
# nats-server with JetStream started for the run), in interleaved rounds.
# Prints, per round and as medians: wall time, jobs per minute, frames per
# second, and the fleet's overhead per job against the plain runs.
#
# Usage: bench/fleet.sh [JOBS] [ROUNDS] [VIDEO]
#   JOBS    videos per run (default 6)
#   ROUNDS  (default 2)
#   VIDEO   (default ../shared/videos/slideshow_480p_noisy.mkv, 320 frames)
# Needs bin/livecam (make build), nats-server, and LIVECAM_MODELS (or the
# model in the user cache). Each worker runs one inference worker
# (-workers 1), as one machine's share would.
set -euo pipefail
jobs=${1:-6}
rounds=${2:-2}
video=${3:-../shared/videos/slideshow_480p_noisy.mkv}
out=$(mktemp -d)
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
url=nats://127.0.0.1:$port
frames=$(ffprobe -v error -count_packets -select_streams v:0 -show_entries stream=nb_read_packets -of csv=p=0 "$video")
mkdir -p "$out/in"
for i in $(seq 1 "$jobs"); do cp "$video" "$out/in/v$i.${video##*.}"; done

nats-server -js -sd "$out/store" -a 127.0.0.1 -p "$port" 2> "$out/nats.log" &
nats=$!
trap 'kill $nats 2>/dev/null || true; pkill -P $$ livecam 2>/dev/null || true' EXIT
sleep 1

now() { date +%s.%N; }

plain() { # every file in turn, each its own livecam
	local dir=$out/plain.$1 start
	mkdir -p "$dir"
	start=$(now)
	for f in "$out"/in/*; do
		bin/livecam -quiet -workers 1 -source "$f" -results "$dir/$(basename "$f").jsonl" 2>> "$out/plain.log"
	done
	echo "$(now) - $start" | bc
}

fleet() { # fleet ROUND WORKERS
	local dir=$out/fleet.$1.$2 start pids=() w
	mkdir -p "$dir"
	start=$(now)
	bin/livecam submit -nats "$url" -out-dir "$dir" -no-video "$out/in" > /dev/null
	for w in $(seq 1 "$2"); do
		bin/livecam worker -nats "$url" -input-root "$out/in" -output-root "$dir" -name "w$w" -workers 1 2>> "$out/workers.log" &
		pids+=($!)
	done
	# Done: outputs in place, summary stored, job acknowledged.
	until [ "$(bin/livecam jobs -nats "$url" -json | grep -c "\"results\":\"$dir/[^\"]*\".*\"state\":\"done\"")" -ge "$jobs" ]; do
		sleep 0.2
	done
	echo "$(now) - $start" | bc
	kill -TERM "${pids[@]}"
	for w in "${pids[@]}"; do wait "$w" || true; done
}

echo "== $jobs jobs of $(basename "$video") ($frames frames) per run, $rounds rounds, $(nproc) cores"
: > "$out/times"
for r in $(seq 1 "$rounds"); do
	configs=(plain 1 2 3)
	[ $((r % 2)) = 0 ] && configs=(3 2 1 plain)
	for c in "${configs[@]}"; do
		if [ "$c" = plain ]; then t=$(plain "$r"); else t=$(fleet "$r" "$c"); fi
		echo "$c $t" >> "$out/times"
		printf "round %d  %-6s %6.1f s  %5.1f jobs/min  %6.1f frames/s\n" "$r" "$c" "$t" "$(echo "60 * $jobs / $t" | bc -l)" "$(echo "$frames * $jobs / $t" | bc -l)"
	done
done
median() { sort -n | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
echo "== medians"
base=$(awk '$1 == "plain" {print $2}' "$out/times" | median)
for c in plain 1 2 3; do
	t=$(awk -v c="$c" '$1 == c {print $2}' "$out/times" | median)
	label=$c; [ "$c" = plain ] || label="$c worker(s)"
	printf "%-12s %6.1f s  %5.1f jobs/min  %6.1f frames/s  %+.2f s per job against plain\n" "$label" "$t" "$(echo "60 * $jobs / $t" | bc -l)" "$(echo "$frames * $jobs / $t" | bc -l)" "$(echo "($t - $base) / $jobs" | bc -l)"
done
echo "(logs in $out)"
