#!/bin/sh
# Installs every Debian 12 package fwguard needs to build, test, fuzz and
# benchmark.  Run as root (or with sudo) on a fresh Debian 12 machine.
#   scripts/install-deps.sh          build + test dependencies
#   scripts/install-deps.sh --bench  also the peer tools used by bench/
set -eu

build_pkgs="build-essential meson ninja-build pkg-config clang libclang-rt-14-dev
  libssl-dev liblzma-dev libbrotli-dev zlib1g-dev libjansson-dev libcmocka-dev
  libzstd-dev liblz4-dev liblzo2-dev libbz2-dev libarchive-dev libsquashfs-dev libfdt-dev
  libsqlite3-dev libyara-dev libcrypt-dev libp11-kit-dev libtss2-dev"
# Real firmware samples and the oracle the tests compare against.
test_pkgs="openssl python3 brotli ovmf qemu-efi-aarch64 qemu-efi-arm seabios ipxe-qemu uefitool-cli
  u-boot-tools u-boot-qemu device-tree-compiler squashfs-tools mtd-utils cpio tar gzip xz-utils
  zstd lz4 bzip2 lzop util-linux-extra binutils-arm-linux-gnueabihf binwalk
  gcc-arm-linux-gnueabihf gcc-aarch64-linux-gnu libc6-dev-armhf-cross libc6-dev-arm64-cross
  python3-jsonschema python3-yaml yara sqlite3 softhsm2 opensc
  swtpm swtpm-tools tpm2-tools qemu-system-x86 busybox-static linux-image-amd64 sbsigntool"
# Measured boot: OVMF boots Debian's kernel in QEMU with swtpm as its TPM;
# tpm2-tools reads the PCRs and is the event-log oracle.
# binwalk is both the agreement oracle of the BMC tests and a bench peer.
bench_pkgs="hyperfine time"

pkgs="$build_pkgs $test_pkgs"
[ "${1:-}" = "--bench" ] && pkgs="$pkgs $bench_pkgs"

SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
# shellcheck disable=SC2086
$SUDO apt-get install -y -q --no-install-recommends $pkgs
# npm fetches the official JSON schemas the SBOM/SARIF tests validate
# against (scripts/fetch-schemas.sh); Debian's npm when none is installed.
command -v npm >/dev/null || $SUDO apt-get install -y -q --no-install-recommends npm
