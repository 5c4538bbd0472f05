#!/usr/bin/env bash
# Runs every test: the Rust unit tests, then the end-to-end suite that starts the real
# scramjetd and drives it with the official Aerospike Python client (from PyPI, in .venv), with
# our Python package (client-c-abi/python, installed into .venv) and with C and C++ programs
# built against our client library.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --release --locked --bin scramjetd
cargo build --release --locked -p scramjet-client   # libscramjet.so and .a for C, C++, Python
cargo build --release --locked -p scramjet-perf
cargo test --release --locked --workspace

if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check -r tests/e2e/requirements.txt
# Reinstalled every run so that the package holds the library just built.
.venv/bin/python -m pip install --quiet --disable-pip-version-check --force-reinstall --no-deps ./client-c-abi/python
.venv/bin/python -m pytest tests/e2e "$@"
