#!/usr/bin/env bash
# End-to-end batch throughput: `rolesmith simulate --batch` vs the reference
# evaluator's batch runner (tests/reference/simulate-batch.cjs), whole process
# vs whole process, on the same deterministic file of 40,000 requests.
# Usage: benches/simulate-vs-reference.sh [COUNT] [SEED]
# Needs: node, `npm ci` in tests/reference, GNU time (`/usr/bin/time`, for
# peak memory). Builds rolesmith in release mode unless ROLESMITH names a binary.
set -euo pipefail
cd "$(dirname "$0")/.."
COUNT=${1:-40000}
SEED=${2:-40000}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

[ -d tests/reference/node_modules ] || (cd tests/reference && npm ci --no-audit --no-fund --silent)
if [ -z "${ROLESMITH:-}" ]; then
  cargo build --release --no-default-features --quiet
fi
BIN=${ROLESMITH:-target/release/rolesmith}

node tests/reference/gen-requests.cjs "$SEED" "$COUNT" > "$WORK/requests.jsonl"
echo "requests: $COUNT (seed $SEED), $(wc -c < "$WORK/requests.jsonl") bytes"

# Wall time and CPU time (user + sys) of each whole process; on a shared,
# loaded machine the CPU time is the steadier figure.
TIMEFORMAT='%R %U %S'
ours_t=$( { time "$BIN" simulate --batch "$WORK/requests.jsonl" > "$WORK/ours.jsonl"; } 2>&1 )
ref_t=$( { time node tests/reference/simulate-batch.cjs "$WORK/requests.jsonl" > "$WORK/ref.jsonl"; } 2>&1 )

awk -v o="$ours_t" -v r="$ref_t" -v n="$COUNT" 'BEGIN {
  split(o, a, " "); split(r, b, " ")
  ow = a[1]; oc = a[2] + a[3]; rw = b[1]; rc = b[2] + b[3]
  printf "rolesmith: wall %.3f s (%.0f requests/s), cpu %.3f s\n", ow, n / ow, oc
  printf "reference: wall %.3f s (%.0f requests/s), cpu %.3f s\n", rw, n / rw, rc
  printf "speed-up:  wall %.1fx, cpu %.1fx\n", rw / ow, rc / oc
}'

# Same decisions, or the comparison means nothing.
if ! cmp -s <(grep -o '"decision":"[A-Za-z]*"' "$WORK/ours.jsonl") <(grep -o '"decision":"[A-Za-z]*"' "$WORK/ref.jsonl"); then
  echo "decisions differ between rolesmith and the reference" >&2
  exit 1
fi
echo "decisions: identical on all $COUNT requests"

# Peak memory (maximum resident set) of each whole process.
ours_kb=$(/usr/bin/time -f %M "$BIN" simulate --batch "$WORK/requests.jsonl" 2>&1 >/dev/null | tail -1)
ref_kb=$(/usr/bin/time -f %M node tests/reference/simulate-batch.cjs "$WORK/requests.jsonl" 2>&1 >/dev/null | tail -1)
echo "peak memory: rolesmith $((ours_kb / 1024)) MiB, reference $((ref_kb / 1024)) MiB"

# Worst case for the document cache: every request has its own policy.
python3 benches/gen_distinct.py "$COUNT" > "$WORK/distinct.jsonl"
distinct=$(/usr/bin/time -f '%e %M' "$BIN" simulate --batch "$WORK/distinct.jsonl" 2>&1 >/dev/null | tail -1)
echo "distinct documents ($(wc -c < "$WORK/distinct.jsonl") bytes): rolesmith $(echo "$distinct" | awk '{printf "%.2f s, %d MiB peak", $1, $2 / 1024}')"
