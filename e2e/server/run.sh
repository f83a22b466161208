#!/usr/bin/env bash
# Starts `rlvrworld serve` on a free loopback port with a temporary notebooks
# folder and a known token, runs the @jupyterlab/services end-to-end tests
# against it, and stops it (also on failure or Ctrl-C).
set -euo pipefail
bin=${1:-bin/rlvrworld}
dir=$(mktemp -d -t rlvrworld-e2e-XXXXXX)
log=$dir.log
token=e2e-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')
"$bin" serve --addr 127.0.0.1:0 --notebooks "$dir" --token "$token" --no-browser >"$log" 2>&1 &
pid=$!
cleanup() {
	kill -TERM "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	rm -rf "$dir" "$log"
}
trap cleanup EXIT INT TERM
url=
for _ in $(seq 1 300); do
	url=$(grep -o 'http://127\.0\.0\.1:[0-9]*/' "$log" | head -1 || true)
	[ -n "$url" ] && break
	kill -0 "$pid" 2>/dev/null || { cat "$log"; echo "serve exited early" >&2; exit 1; }
	sleep 0.1
done
[ -n "$url" ] || { cat "$log"; echo "serve printed no URL" >&2; exit 1; }
RLVRWORLD_URL=$url RLVRWORLD_TOKEN=$token node --test e2e/server/ || { echo "--- serve log"; cat "$log"; exit 1; }
