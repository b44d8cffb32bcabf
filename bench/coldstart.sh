#!/usr/bin/env bash
# Builds the release binary and measures berth serve --demo on loopback:
# an empty data dir to ready (three times), then a restart to ready (three times).
set -u
cd "$(dirname "$0")/.."
bin=$(mktemp -d)/berth
go build -trimpath -ldflags='-s -w' -o "$bin" ./cmd/berth
ls -l "$bin" | awk '{print "binary size: " $5 " bytes"}'
dir=$(mktemp -d)
measure() {
  "$bin" serve --demo --data-dir "$dir" --addr localhost:18080 --registry-addr localhost:15000 --log-level error >/dev/null 2>&1 &
  pid=$!
  s=$(date +%s.%N)
  for _ in $(seq 6000); do curl -fs localhost:18080/readyz >/dev/null 2>&1 && break; sleep 0.01; done
  e=$(date +%s.%N)
  echo "$1 ready after $(echo "$e - $s" | bc) s"
  kill $pid; wait $pid
}
for i in 1 2 3; do rm -rf "$dir"; mkdir -p "$dir"; measure "cold+demo"; done
for i in 1 2 3; do measure "restart"; done
rm -rf "$dir"
