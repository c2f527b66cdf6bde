# Sourced by scripts/test.sh: installs pinned test tools and defines run_tests.
# Tools live in .venv (Python) and tests/reference/node_modules (npm).

VENV=.venv
PY_PINS=scripts/requirements-test.txt

ensure_venv() {
  if [ ! -x "$VENV/bin/python" ]; then python3 -m venv "$VENV"; fi
  if ! cmp -s "$PY_PINS" "$VENV/.pins" 2>/dev/null; then
    "$VENV/bin/pip" install --quiet --disable-pip-version-check -r "$PY_PINS"
    cp "$PY_PINS" "$VENV/.pins"
  fi
}

# Headless Chromium renders the review pages in tests (Debian's package; CI runs as root).
ensure_chromium() {
  if [ ! -x /usr/bin/chromium ]; then
    apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium
  fi
}

# The policy evaluator's differential tests run the pinned npm reference.
ensure_reference() {
  (cd tests/reference && npm ci --no-audit --no-fund --silent)
}

run_tests() {
  ensure_venv
  ensure_chromium
  ensure_reference
  cargo test
  "$VENV/bin/cfn-lint" --format parseable generated/*/*/template.json generated/vendor/template.json
  # The shipped versions are released at compiler generation 1; a new
  # version compiles at the latest one: lint the starter project's too.
  local starter
  starter=$(mktemp -d)
  cargo run -q -- init "$starter/p" >/dev/null
  cargo run -q -- build --config "$starter/p/rolesmith.yaml" >/dev/null
  grep -q RolesmithSelfAuditBoundary "$starter"/p/generated/example/1.0.0/template.json
  "$VENV/bin/cfn-lint" --format parseable "$starter"/p/generated/*/*/template.json
  rm -rf "$starter"
  echo "cfn-lint: no errors, no warnings"
}
