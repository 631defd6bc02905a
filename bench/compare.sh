#!/usr/bin/env bash
# Compares nanoQ with its peers on this machine, over loopback only:
# ZeroMQ (libzmq PUB/SUB), NATS (core, embedded server) and plain Go
# net.Conns. Installs libzmq's headers with apt-get when missing, builds
# nqbench (main module) and the peers (bench/peers, a module of its own) into
# a temp dir, then runs bench/peers/cmd/compare, which runs every transport's
# subscriber and publisher as separate processes, row after row, and prints
# one markdown table. Every argument goes to compare, for example:
#
#   bench/compare.sh                                  # every row, 10 s each
#   bench/compare.sh -duration 2s -rows 1x100,latency -only nanoq,go
#   bench/compare.sh -out /tmp/compare.md -raw /tmp/compare.jsonl
#   bench/compare.sh -chart docs/compare               # also docs/compare-throughput.svg, -latency.svg
#   bench/compare.sh -from /tmp/compare.jsonl -chart /tmp/c   # redraw an earlier run, running nothing
#
# Rows: 1x100 100x100 1000x100 10000x100 10000x100-mem 1x64k latency latency-steady latency-1000 idle. Run with -h for all flags.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"

# cgo needs a C compiler, pkg-config and libzmq's headers (Debian names).
missing=()
command -v gcc >/dev/null 2>&1 || missing+=(gcc libc6-dev)
command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
if ! command -v pkg-config >/dev/null 2>&1 || ! pkg-config --exists libzmq; then
  missing+=(libzmq3-dev)
fi
if ((${#missing[@]})); then
  sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || { echo "compare.sh: need root to install: ${missing[*]}" >&2; exit 1; }
    sudo=(sudo)
  fi
  echo "compare.sh: installing ${missing[*]}" >&2
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
fi

bin="$(mktemp -d)"
trap 'rm -rf "$bin"' EXIT
echo "compare.sh: building into $bin" >&2
(cd "$root" && go build -o "$bin/nqbench" ./bench/cmd/nqbench)
(cd "$here/peers" && CGO_ENABLED=1 go build -o "$bin/" ./cmd/...)

"$bin/compare" -nqbench "$bin/nqbench" -bindir "$bin" "$@"
