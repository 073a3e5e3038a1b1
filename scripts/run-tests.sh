#!/usr/bin/env bash
# Builds fwguard from scratch and runs every test:
#   1. a normal build and the whole test suite (unit, integration, oracle);
#   2. the same suite under AddressSanitizer + UndefinedBehaviorSanitizer;
#   3. every libFuzzer target for a short smoke run, seeded from real images.
# Ends with one line "N passed, N failed" counting tests and fuzz targets.
# Environment: FWGUARD_SCHEMA_DIR (default .schemas, fetched), FUZZ_SECONDS (default 10) per target, JOBS (default nproc),
# SKIP_SANITIZERS=1 / SKIP_FUZZ=1 to shorten a local run.
set -uo pipefail
cd "$(dirname "$0")/.."
FUZZ_SECONDS=${FUZZ_SECONDS:-10}
JOBS=${JOBS:-$(nproc)}
passed=0
failed=0
log() { printf '\n=== %s\n' "$*"; }

# Adds the results of one `meson test` run from its JSON log.
count_meson() {
	local logfile=$1/meson-logs/testlog.json
	[ -f "$logfile" ] || { failed=$((failed + 1)); return; }
	local p f
	p=$(grep -c '"result": "OK"' "$logfile")
	f=$(grep -c -E '"result": "(FAIL|TIMEOUT|ERROR|UNEXPECTEDPASS)"' "$logfile")
	passed=$((passed + p))
	failed=$((failed + f))
}

run_suite() { # builddir "meson test args" [meson setup args...]
	local dir=$1 test_args=$2
	shift 2
	rm -rf "$dir"
	if ! meson setup "$dir" "$@" >"$dir.setup.log" 2>&1; then
		cat "$dir.setup.log"
		failed=$((failed + 1))
		return
	fi
	rm -f "$dir.setup.log"
	if ! ninja -C "$dir" -j "$JOBS"; then
		failed=$((failed + 1))
		return
	fi
	# shellcheck disable=SC2086
	meson test -C "$dir" --num-processes "$JOBS" --print-errorlogs $test_args
	count_meson "$dir"
}

# The official CycloneDX, SPDX and SARIF JSON schemas the sbom test
# validates against come from the npm registry (scripts/fetch-schemas.sh).
if [ -z "${FWGUARD_SCHEMA_DIR:-}" ]; then
	export FWGUARD_SCHEMA_DIR=$PWD/.schemas
	if [ ! -f "$FWGUARD_SCHEMA_DIR/sarif/sarif-2.1.0-rtm.5.json" ]; then
		log "fetch JSON schemas"
		bash scripts/fetch-schemas.sh "$FWGUARD_SCHEMA_DIR" || echo "schema fetch failed"
	fi
fi

# Measured-boot logs come from real boots (OVMF + swtpm in QEMU, about 20 s
# each): made once here and shared by both test builds.
export FWG_BOOTLOG_DIR=${FWG_BOOTLOG_DIR:-$PWD/.cache/bootlogs}
log "boot OVMF with swtpm for event logs (cached in $FWG_BOOTLOG_DIR)"
bash tests/gen/make_boot_eventlogs.sh "$FWG_BOOTLOG_DIR" || echo "boot-log generation failed (the eventlog_boot test will say why)"

log "build and test"
run_suite build "" -Dwerror=true

if [ "${SKIP_SANITIZERS:-0}" != 1 ]; then
	log "build and test under ASan + UBSan"
	export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
	export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
	# Fewer sweep mutants under the sanitizers keep the run short; the
	# peer-tool oracles compare parsing results, which the sanitizers do
	# not change, so they run once, in the normal build.
	FWG_SWEEP_CUTS=24 FWG_SWEEP_FLIPS=24 \
		run_suite build-asan "--no-suite oracle" -Db_sanitize=address,undefined -Db_lundef=false
fi

if [ "${SKIP_FUZZ:-0}" != 1 ]; then
	log "fuzz smoke (${FUZZ_SECONDS}s per target)"
	rm -rf build-fuzz
	if CC=clang meson setup build-fuzz -Dfuzzing=true -Db_sanitize=address,undefined \
		-Db_lundef=false >/dev/null && ninja -C build-fuzz -j "$JOBS"; then
		seeds=$(mktemp -d)
		# Seeds: real images and their components, extracted by fwguard.
		./build/fwguard extract /usr/share/OVMF/OVMF_VARS_4M.ms.fd -o "$seeds/x1" 2>/dev/null
		./build/fwguard extract /usr/share/qemu-efi-aarch64/QEMU_EFI.fd -o "$seeds/x2" 2>/dev/null
		# BMC-side formats: small samples made by the real tools.
		bash tests/gen/make_fuzz_seeds.sh "$seeds/bmc" >/dev/null
		for t in build-fuzz/fuzz/fuzz_*; do
			[ -f "$t" ] && [ -x "$t" ] || continue
			name=${t#build-fuzz/fuzz/fuzz_}
			corpus="$seeds/corpus_$name"
			mkdir -p "$corpus"
			find "$seeds/x1" "$seeds/x2" -type f -size -300k \
				\( -path "*_${name}*" -o -name '_raw.bin' \) 2>/dev/null |
				head -200 | while read -r f; do cp "$f" "$corpus/$(sha1sum <"$f" | cut -c1-16)"; done
			cp /usr/lib/ipxe/qemu/efi-virtio.rom "$corpus/" 2>/dev/null
			case $name in
			fv|ffs|section|flash_area|capsule*|ifd*|option_rom|pe|te|nvram*|siglist*|tiano) ;;
			vulnfeed) cp rules/vulndb/*.json "$corpus/" ;;
			eventlog | evcheck)
				# Real TCG event logs beside the checkout (or a worktree).
				for d in "${FWG_EVENTLOG_DATA:-}" ../shared/testdata/eventlogs \
					../../shared/testdata/eventlogs; do
					[ -n "$d" ] && [ -d "$d" ] || continue
					for f in "$d"/*/*.bin "$d"/*/*.log "$d"/*/binary_bios_measurements*; do
						[ -f "$f" ] && cp "$f" "$corpus/$(sha1sum <"$f" | cut -c1-16)"
					done
					break
				done ;;
			*) cp "$seeds/bmc"/* "$corpus/" 2>/dev/null ;;
			esac
			# Inputs that once crashed a target run first, every time.
			[ -d "fuzz/regressions/$name" ] && cp fuzz/regressions/"$name"/* "$corpus/"
			if "$t" -max_total_time="$FUZZ_SECONDS" -max_len=1048576 -rss_limit_mb=2048 \
				-timeout=20 -print_final_stats=1 "$corpus" >"$seeds/$name.log" 2>&1; then
				echo "fuzz $name: ok ($(grep -m1 -o 'stat::number_of_executed_units: *[0-9]*' "$seeds/$name.log" | grep -o '[0-9]*$') runs)"
				passed=$((passed + 1))
			else
				echo "fuzz $name: FAILED"
				tail -40 "$seeds/$name.log"
				failed=$((failed + 1))
			fi
		done
		rm -rf "$seeds"
	else
		echo "fuzz build failed"
		failed=$((failed + 1))
	fi
fi

echo
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
