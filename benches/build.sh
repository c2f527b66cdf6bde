#!/usr/bin/env bash
# Times `rolesmith build` on a generated project of N modules (default 200):
# each shipped module copied under new ids. Usage: benches/build.sh [N]
# Uses $ROLESMITH if set, else builds and uses target/release/rolesmith.
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-200}"
bin="${ROLESMITH:-}"
if [ -z "$bin" ]; then
  cargo build --release --no-default-features --quiet
  bin=target/release/rolesmith
fi
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT
mkdir -p "$dir/modules"
cp rolesmith.yaml "$dir/"
srcs=(modules/*.yaml)
for i in $(seq 1 "$n"); do
  src="${srcs[$(( (i - 1) % ${#srcs[@]} ))]}"
  id="m$i-$(basename "$src" .yaml)"
  id="${id:0:40}"
  sed "s/^module: .*/module: $id/" "$src" > "$dir/modules/$id.yaml"
done
echo "project: $n modules in $dir"
time "$bin" build --config "$dir/rolesmith.yaml"
time "$bin" build --check --config "$dir/rolesmith.yaml"
