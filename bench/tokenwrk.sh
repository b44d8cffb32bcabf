#!/bin/sh
# tokenwrk.sh measures Berth's token endpoint and cesanta/docker_auth's side
# by side with wrk on loopback: a license key against docker_auth's static
# user with a bcrypt cost-5 password, both signing ES256, 8 connections,
# 2 threads, rounds interleaved (Berth, docker_auth, Berth, ...). It
# fetches and builds nothing: build docker_auth's auth_server and write its
# configuration first, as bench/README.md describes.
#
#   bench/tokenwrk.sh /tmp/docker_auth/auth_server_bin /tmp/da/auth.yml [rounds] [seconds]
set -eu
auth_server=$1 auth_config=$2 rounds=${3:-3} seconds=${4:-15}
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
go build -o "$tmp/tokenload" ./bench/tokenload
"$tmp/tokenload" -serve -addr localhost:5080 >"$tmp/berth.out" 2>&1 &
berth=$!
"$auth_server" "$auth_config" >"$tmp/docker_auth.log" 2>&1 &
peer=$!
trap 'kill $berth $peer 2>/dev/null; rm -rf "$tmp"' EXIT
until grep -q '^wrk ' "$tmp/berth.out"; do sleep 0.2; done
sleep 1
berth_auth=$(sed -n "s/^wrk .*-H 'Authorization: \([^']*\)'.*/\1/p" "$tmp/berth.out")
berth_url=$(sed -n "s/^wrk .* '\(http[^']*\)'$/\1/p" "$tmp/berth.out")
peer_auth="Basic $(printf 'test:123' | base64)"
peer_url='http://127.0.0.1:5001/auth?service=registry&scope=repository:bench/app:pull'
run() { # name, authorization, url
	wrk -t2 -c8 -d"${seconds}s" --latency -H "Authorization: $2" "$3" >"$tmp/wrk.out"
	printf '%s\t%s tokens/s\tp50 %s\tp99 %s\t%s\n' "$1" \
		"$(awk '/^Requests\/sec/ {print $2}' "$tmp/wrk.out")" \
		"$(awk '$1 == "50%" {print $2}' "$tmp/wrk.out")" \
		"$(awk '$1 == "99%" {print $2}' "$tmp/wrk.out")" \
		"$(grep -o 'Non-2xx or 3xx responses: [0-9]*' "$tmp/wrk.out" || echo 'all 200')"
}
i=1
while [ "$i" -le "$rounds" ]; do
	echo "round $i (load average $(cut -d' ' -f1 /proc/loadavg))"
	run berth "$berth_auth" "$berth_url"
	run docker_auth "$peer_auth" "$peer_url"
	i=$((i + 1))
done
