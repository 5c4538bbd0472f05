#!/usr/bin/env bash
# Builds and starts scramjetd in the foreground. With no arguments it runs the embedded
# default (one in-memory namespace `test` on 127.0.0.1:3000); any arguments are passed on,
# e.g. `scripts/start.sh --config-file scramjet.conf` or `scripts/start.sh --port 3100`.
set -euo pipefail
cd "$(dirname "$0")/.."
exec cargo run --release --locked --bin scramjetd -- "$@"
