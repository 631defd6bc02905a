#!/usr/bin/env bash
# A rolling restart of nanoQ subscribers, every side in its own process:
# builds nqbench and bench/cmd/rolling into a temp dir and runs rolling
# (arguments go to it), e.g.
#
#   bench/rolling.sh                                   # 1,000 streams, 200 k msgs/s, 12 s, every 2 s
#   bench/rolling.sh -streams 300 -rate 50000 -duration 6s -every 1s
#   bench/rolling.sh -streams 30 -rate 50000 -duration 8s -every 2s -warm 1s
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bin="$(mktemp -d)"
trap 'rm -rf "$bin"' EXIT
(cd "$root" && go build -o "$bin/nqbench" ./bench/cmd/nqbench && go build -o "$bin/rolling" ./bench/cmd/rolling)
"$bin/rolling" -nqbench "$bin/nqbench" "$@"
