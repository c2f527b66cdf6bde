#!/usr/bin/env bash
# End-to-end batch throughput: `rolesmith simulate --batch` vs the reference
# evaluator's batch runner (tests/reference/simulate-batch.cjs), whole process
# vs whole process, on the same deterministic file of 40,000 requests.
# Usage: benches/simulate-vs-reference.sh [COUNT] [SEED]
# Needs: node, `npm ci` in tests/reference. Builds rolesmith in release mode.
set -euo pipefail
cd "$(dirname "$0")/.."
COUNT=${1:-40000}
SEED=${2:-40000}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

[ -d tests/reference/node_modules ] || (cd tests/reference && npm ci --no-audit --no-fund --silent)
cargo build --release --no-default-features --quiet
BIN=target/release/rolesmith

node tests/reference/gen-requests.cjs "$SEED" "$COUNT" > "$WORK/requests.jsonl"
echo "requests: $COUNT (seed $SEED), $(wc -c < "$WORK/requests.jsonl") bytes"

now() { date +%s.%N; }
t0=$(now); "$BIN" simulate --batch "$WORK/requests.jsonl" > "$WORK/ours.jsonl"; t1=$(now)
node tests/reference/simulate-batch.cjs "$WORK/requests.jsonl" > "$WORK/ref.jsonl"; t2=$(now)

awk -v a="$t0" -v b="$t1" -v c="$t2" -v n="$COUNT" 'BEGIN {
  ours = b - a; ref = c - b
  printf "rolesmith: %.3f s (%.0f requests/s)\n", ours, n / ours
  printf "reference: %.3f s (%.0f requests/s)\n", ref, n / ref
  printf "speed-up:  %.1fx\n", ref / ours
}'

# Same decisions, or the comparison means nothing.
if ! cmp -s <(grep -o '"decision":"[A-Za-z]*"' "$WORK/ours.jsonl") <(grep -o '"decision":"[A-Za-z]*"' "$WORK/ref.jsonl"); then
  echo "decisions differ between rolesmith and the reference" >&2
  exit 1
fi
echo "decisions: identical on all $COUNT requests"
