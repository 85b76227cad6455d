#!/usr/bin/env bash
# Times akslint and (when installed) checkov over the same generated Terraform
# plan and ARM template estates, so users can see the difference themselves.
#
#   bench/compare-peers.sh [--clusters N] [--install]
#
# --install creates .venv and pip-installs checkov into it (slow: minutes).
# Without it, checkov is used only if .venv/bin/checkov or `checkov` on PATH exists.
# Timings are wall-clock of one run each on whatever machine this is; on a busy
# machine they are noisy.
set -euo pipefail

cd "$(dirname "$0")/.."
clusters=200
install=0
while [ $# -gt 0 ]; do
  case "$1" in
    --clusters) clusters="$2"; shift 2 ;;
    --install) install=1; shift ;;
    *) echo "usage: $0 [--clusters N] [--install]" >&2; exit 2 ;;
  esac
done

if [ "$install" = 1 ] && [ ! -x .venv/bin/checkov ]; then
  python3 -m venv .venv
  .venv/bin/pip install --quiet checkov
fi
checkov=""
if [ -x .venv/bin/checkov ]; then checkov=.venv/bin/checkov
elif command -v checkov >/dev/null 2>&1; then checkov=$(command -v checkov)
fi

cargo build --release --quiet --bin akslint
cargo build --release --quiet --example gen
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
./target/release/examples/gen --family tf-plan --clusters "$clusters" --seed 7 --out "$work/tf-plan"
./target/release/examples/gen --family arm --clusters "$clusters" --seed 7 --out "$work/arm"

seconds() { # runs "$@", prints wall seconds; the tool's exit code is ignored (findings are expected)
  local t0 t1
  t0=$(date +%s.%N)
  "$@" >/dev/null 2>&1 || true
  t1=$(date +%s.%N)
  echo "$t1 - $t0" | bc
}

printf '%-10s %-10s %s\n' input tool seconds
for family in tf-plan arm; do
  printf '%-10s %-10s %s\n' "$family" akslint "$(seconds ./target/release/akslint check "$work/$family")"
  if [ -n "$checkov" ]; then
    if [ "$family" = tf-plan ]; then fw=terraform_plan; else fw=arm; fi
    printf '%-10s %-10s %s\n' "$family" checkov \
      "$(seconds "$checkov" --quiet --compact --framework "$fw" -f "$work/$family"/*.json)"
  else
    printf '%-10s %-10s %s\n' "$family" checkov "not installed (run with --install)"
  fi
done
