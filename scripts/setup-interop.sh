#!/usr/bin/env bash
# Install the third-party JOSE libraries the interop tests run: PyJWT (+cryptography) in a venv,
# and the npm `jose` package, both inside crates/vouchsafe-cli/tests/interop/ (git-ignored).
set -euo pipefail
cd "$(dirname "$0")/../crates/vouchsafe-cli/tests/interop"
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/pip install --quiet --disable-pip-version-check -r requirements.txt
npm ci --no-audit --no-fund --loglevel=error
