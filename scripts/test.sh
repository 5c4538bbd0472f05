#!/usr/bin/env bash
# Runs every test: the Rust unit tests, then the end-to-end suite that starts the real
# scramjetd and drives it with the official Aerospike Python client (from PyPI, in .venv).
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --release --locked --bin scramjetd
cargo test --release --locked --workspace

if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check -r tests/e2e/requirements.txt
.venv/bin/python -m pytest tests/e2e "$@"
