# Developer entry points. `make test` is what CI runs (via .ci/run).
.PHONY: all build fmt fmt-check lint test bench catalogue
all: fmt-check lint test

build:
	cargo run --release -- build

fmt:
	cargo fmt --all

fmt-check:
	cargo fmt --all -- --check

lint:
	cargo clippy --all-targets -- -D warnings
	cargo clippy --no-default-features --all-targets -- -D warnings

test:
	./scripts/test.sh

bench:
	cargo bench

catalogue:
	./scripts/gen-catalogue.sh
