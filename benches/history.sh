#!/usr/bin/env bash
# History benchmark (issue 12): does `build` cost grow with the number of
# releases in the ledger? Makes a large module (about 320 read actions over
# many services, PER=20 per feature; MAX_POLICIES=20 managed policies) and releases it N times (1.0.0 .. 1.N-1.0,
# each a minor step adding a feature), then times, in the same run:
#   - `build` of the next version (1.N.0) with that history,
#   - `build` of the same manifest in a project with no release history,
#   - `release` of 1.N.0 (on a copy, so every run releases).
# usage: benches/history.sh [ROLESMITH] [N]   (default: target/release/rolesmith, 6)
# RUNS=n sets hyperfine's runs per command (default 10).
# Needs hyperfine (Debian package `hyperfine`).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=$(realpath "${1:-target/release/rolesmith}")
N=${2:-6}
PER=${PER:-20}
BASE=$((16 - N))
[ "$BASE" -ge 1 ] || { echo "N must be at most 15" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
gen() { python3 benches/gen_history.py "$BIN" "$1/modules/big.yaml" "$2" "$PER" "$BASE"; }
# The shipped config, with room for a large module (MAX_POLICIES, default 20).
project() {
  mkdir -p "$1/modules"
  sed "s/^roles:\$/roles:\n  max_managed_policies: ${MAX_POLICIES:-20}/" rolesmith.yaml > "$1/rolesmith.yaml"
}

hist="$work/history"; project "$hist"
for r in $(seq 0 $((N - 1))); do
  gen "$hist" "$r"
  "$BIN" --config "$hist/rolesmith.yaml" build >/dev/null
  "$BIN" --config "$hist/rolesmith.yaml" release >/dev/null
done
gen "$hist" "$N"
"$BIN" --config "$hist/rolesmith.yaml" build >/dev/null

fresh="$work/fresh"; project "$fresh"
cp "$hist/modules/big.yaml" "$fresh/modules/"
"$BIN" --config "$fresh/rolesmith.yaml" build >/dev/null

actions=$(grep -c '^      - ' "$hist/modules/big.yaml")
echo "module: $actions actions; history: $N releases"
# One --prepare per command, in order: only `release` needs a fresh copy.
# Medians (the issue's measure) from hyperfine's JSON export.
hyperfine --warmup 2 --runs "${RUNS:-10}" --export-json "$work/times.json" \
  --prepare true --prepare true --prepare "rm -rf $work/rel && cp -r $hist $work/rel" \
  -n "build, no history" "$BIN --config $fresh/rolesmith.yaml build" \
  -n "build, $N releases" "$BIN --config $hist/rolesmith.yaml build" \
  -n "release of 1.$N.0 after $N releases" "$BIN --config $work/rel/rolesmith.yaml release"
python3 benches/medians.py "$work/times.json"
