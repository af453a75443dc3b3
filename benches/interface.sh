#!/usr/bin/env bash
# The interface as an operator meets it, on the database of DATABASE_URL (the scale fixture of
# benches/scale.rs, or a real one): start-up to the first frame and the first complete frame,
# the memory after visiting every pane, and again after the hidden panes released their rows.
#
#   cargo build --release && DATABASE_URL=postgres://… benches/interface.sh [runs]
#
# Needs tmux. Prints one line per run and the medians.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${DATABASE_URL:?set DATABASE_URL to the database to measure}"
runs="${1:-5}"
bin=target/release/backupchecks
[ -x "$bin" ] || { echo "build first: cargo build --release" >&2; exit 1; }
work=$(mktemp -d)
trap 'tmux -L bcbench kill-server 2>/dev/null || true; rm -rf "$work"' EXIT

rss() { awk '/^VmRSS/ {print int($2/1024)}' "/proc/$1/status"; }
wait_for() { # file pattern seconds
  for _ in $(seq 1 $(( $3 * 10 ))); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
  return 1
}
for i in $(seq 1 "$runs"); do
  log="$work/run$i.log"
  tmux -L bcbench new-session -d -x 160 -y 48 \
    "${BENCH_ENV:-} BACKUPCHECKS_LOG_FILE=$log BACKUPCHECKS_LOG=info $bin"
  wait_for "$log" "first complete frame" 60 || { echo "no complete frame; see $log" >&2; cat "$log" >&2; exit 1; }
  pid=$(pgrep -n -f "^$bin\$" || pgrep -n backupchecks)
  first=$(grep -o 'first frame drawn [0-9]* ms' "$log" | grep -o '[0-9]*' | head -1)
  complete=$(grep -o 'first complete frame.* drawn [0-9]* ms' "$log" | grep -o '[0-9]* ms' | grep -o '[0-9]*' | tail -1)
  start_rss=$(rss "$pid")
  for key in 1 2 4 5 6 7 8 9 0 3; do
    tmux -L bcbench send-keys "$key"; sleep 2
  done
  visited_rss=$(rss "$pid")
  # Out of sight for longer than RELEASE_AFTER (30 s), the hidden panes drop their rows.
  sleep 32
  released_rss=$(rss "$pid")
  tmux -L bcbench send-keys q; sleep 0.5; tmux -L bcbench send-keys q 2>/dev/null || true
  sleep 1; tmux -L bcbench kill-server 2>/dev/null || true
  echo "run $i: first frame ${first} ms, complete ${complete} ms, RSS at start ${start_rss} MB, after every pane ${visited_rss} MB, after release ${released_rss} MB"
  echo "$first $complete $start_rss $visited_rss $released_rss" >> "$work/all"
done
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
for col in 1 2 3 4 5; do
  vals[$col]=$(cut -d' ' -f$col "$work/all" | median)
done
echo "median: first frame ${vals[1]} ms, complete ${vals[2]} ms, RSS start ${vals[3]} MB, every pane ${vals[4]} MB, after release ${vals[5]} MB"
