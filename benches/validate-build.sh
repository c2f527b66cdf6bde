#!/usr/bin/env bash
# Issue 10's figures: wall time (hyperfine medians) of `validate` and
# `build --check` on the shipped project (a temporary copy of this
# checkout's rolesmith.yaml, modules/ and generated/), and of `validate`
# and `build` on a generated project: the history benchmark's large module
# (20 actions per feature, 16 - N + N features) with N releases.
# usage: benches/validate-build.sh [ROLESMITH] [N]   (default: target/release/rolesmith, 5)
# Needs hyperfine (Debian package `hyperfine`).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=$(realpath "${1:-target/release/rolesmith}")
N=${2:-5}
PER=${PER:-20}
BASE=$((16 - N))
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

shipped="$work/shipped"
mkdir -p "$shipped"
cp -r rolesmith.yaml modules generated "$shipped/"

gen="$work/gen"
mkdir -p "$gen/modules"
sed "s/^roles:\$/roles:\n  max_managed_policies: ${MAX_POLICIES:-20}/" rolesmith.yaml > "$gen/rolesmith.yaml"
for r in $(seq 0 "$N"); do
  python3 benches/gen_history.py "$BIN" "$gen/modules/big.yaml" "$r" "$PER" "$BASE"
  "$BIN" --config "$gen/rolesmith.yaml" build >/dev/null 2>&1
  if [ "$r" -lt "$N" ]; then "$BIN" --config "$gen/rolesmith.yaml" release >/dev/null 2>&1; fi
done
actions=$(grep -c '^      - ' "$gen/modules/big.yaml")
echo "shipped: $(ls "$shipped/modules" | wc -l) modules; generated: $actions actions, $N releases"

# validate exits 1 on warnings (the generated module has broad-resource
# warnings): -i keeps hyperfine timing it.
hyperfine -i --warmup 2 --runs "${RUNS:-10}" --export-json "$work/times.json" \
  -n "validate, shipped" "$BIN --config $shipped/rolesmith.yaml validate" \
  -n "build --check, shipped" "$BIN --config $shipped/rolesmith.yaml build --check" \
  -n "validate, generated" "$BIN --config $gen/rolesmith.yaml validate" \
  -n "build, generated" "$BIN --config $gen/rolesmith.yaml build" \
  -n "build --check, generated" "$BIN --config $gen/rolesmith.yaml build --check" \
  >/dev/null
python3 benches/medians.py "$work/times.json"
