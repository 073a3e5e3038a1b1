#!/bin/sh
# Installs every Debian 12 package fwguard needs to build, test, fuzz and
# benchmark.  Run as root (or with sudo) on a fresh Debian 12 machine.
#   scripts/install-deps.sh          build + test dependencies
#   scripts/install-deps.sh --bench  also the peer tools used by bench/
set -eu

build_pkgs="build-essential meson ninja-build pkg-config clang libclang-rt-14-dev
  libssl-dev liblzma-dev libbrotli-dev zlib1g-dev libjansson-dev libcmocka-dev"
# Real firmware samples and the oracle the tests compare against.
test_pkgs="openssl python3 brotli ovmf qemu-efi-aarch64 qemu-efi-arm seabios ipxe-qemu uefitool-cli"
bench_pkgs="binwalk hyperfine time"

pkgs="$build_pkgs $test_pkgs"
[ "${1:-}" = "--bench" ] && pkgs="$pkgs $bench_pkgs"

SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
# shellcheck disable=SC2086
$SUDO apt-get install -y -q --no-install-recommends $pkgs
