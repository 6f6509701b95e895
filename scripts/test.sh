#!/usr/bin/env bash
# Installs what the tests need and runs every test, lint and format check.
# Works on a fresh Debian machine with Rust; CI (.ci/run) calls exactly this script.
set -euo pipefail
cd "$(dirname "$0")/.."

# System packages the tests use: a C toolchain for ring, a real registry (distribution 2.8)
# htpasswd for its basic-auth tests, openssl for test certificates, curl for the registry
# benchmark.
need=()
command -v cc >/dev/null 2>&1 || need+=(gcc libc6-dev)
command -v docker-registry >/dev/null 2>&1 || need+=(docker-registry)
command -v htpasswd >/dev/null 2>&1 || need+=(apache2-utils)
command -v openssl >/dev/null 2>&1 || need+=(openssl)
command -v curl >/dev/null 2>&1 || need+=(curl)
if [ ${#need[@]} -gt 0 ]; then
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  $sudo_cmd env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}"
fi

if [ -d "${RATIFY_INTEROP_DIR:-../shared/interop}" ]; then
  echo "interop data: ${RATIFY_INTEROP_DIR:-../shared/interop}"
else
  echo "*** interop data not found at ${RATIFY_INTEROP_DIR:-../shared/interop}: interop tests will SKIP ***"
fi

echo "== format"
cargo fmt --all -- --check
echo "== build (once; tests reuse target/)"
cargo build --workspace --all-targets --locked
echo "== clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings
echo "== tests"
cargo test --workspace --locked
echo "== README example"
./target/debug/ratify verify --oci-layout -s testdata/layout:v1 -c testdata/config.json -o text
if ./target/debug/ratify verify --oci-layout -s testdata/layout:unsigned -c testdata/config.json -o text; then
  echo "the unsigned example was not denied" >&2
  exit 1
fi
echo "all checks passed"
