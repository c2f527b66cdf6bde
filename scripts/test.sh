#!/usr/bin/env bash
# The whole test suite, from a fresh machine: installs the test tools it
# needs (pinned), starts moto on loopback, runs lint + every test, and
# lints every generated template with cfn-lint.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/test-env.sh
make fmt-check lint
run_tests
