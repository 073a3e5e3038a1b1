#!/usr/bin/env bash
# Truncation and bit-flip sweeps (test_sweep) over small samples of every
# BMC-side format, made fresh by the real tools (tests/gen/make_fuzz_seeds.sh).
#   sweep_bmc.sh TEST_SWEEP SEED_SCRIPT
set -eu
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
bash "$2" "$dir" >/dev/null
exec "$1" "$dir"/*
