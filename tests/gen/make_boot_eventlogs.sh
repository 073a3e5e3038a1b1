#!/usr/bin/env bash
# Makes REAL TPM 2.0 measured-boot event logs for fwguard's event-log parser,
# PCR replay and policy tests: Debian's OVMF boots Debian's kernel in
# qemu-system-x86_64 (TCG) with swtpm as the TPM 2.0, and a tiny busybox
# initramfs (bootlog_init.sh) prints the firmware log and tpm2_pcrread's YAML
# of the same TPM, in the same boot, on the serial console.
#
#   make_boot_eventlogs.sh OUTDIR [SCENARIO...]   generate (all scenarios if none given)
#   make_boot_eventlogs.sh --key                  print the cache key and exit
#
# Scenarios: plain secureboot cmdline optionrom.  Per scenario OUTDIR/<name>/:
#   binary_bios_measurements        the firmware event log (securityfs, crypto-agile)
#   pcrs.yaml                       tpm2_pcrread YAML of every active bank, from the guest
#   ima_binary_runtime_measurements the kernel IMA log (IMA extends PCR10, not the firmware)
#   tpm2_eventlog.yaml              tpm2_eventlog's reading of the log, as an oracle
#   console.log                     the whole serial console (CRs removed)
#   provenance.json                 QEMU argv, package versions, hashes, timing, facts
# OUTDIR/stamp holds the cache key (sha256 of these scripts and the versions of
# the packages that shape the logs) and the scenarios made under it: when the
# key matches and covers the requested scenarios, nothing runs and exit is 0.
#
# Environment: BOOTLOG_KERNEL (default: newest /boot/vmlinuz-*),
# BOOTLOG_TIMEOUT seconds per boot (default 300), BOOTLOG_KEEP=1 keeps the
# temporary work directory (consoles, swtpm logs) for debugging.  Needs swtpm, swtpm-tools,
# tpm2-tools, qemu-system-x86, ovmf, ipxe-qemu, busybox-static, sbsigntool,
# cpio, python3.  Made to run as root (CI); nothing needs KVM.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
self=$here/$(basename "${BASH_SOURCE[0]}")
init_script=$here/bootlog_init.sh
all_scenarios=(plain secureboot cmdline optionrom)
boot_timeout=${BOOTLOG_TIMEOUT:-300}
ovmf_dir=/usr/share/OVMF
snakeoil_key=/usr/share/ovmf/PkKek-1-snakeoil.key
snakeoil_cert=/usr/share/ovmf/PkKek-1-snakeoil.pem
optionrom=/usr/lib/ipxe/qemu/efi-virtio.rom
# The same command line for every scenario but "cmdline", which appends one word.
base_append="console=ttyS0 panic=-1 quiet"
cmdline_extra="fwguard.test=1"
mem_mb=512

die() {
	echo "make_boot_eventlogs: $*" >&2
	exit 1
}

usage() {
	echo "usage: $0 OUTDIR [SCENARIO...] | --key   (scenarios: ${all_scenarios[*]})" >&2
	exit 2
}

kernel=${BOOTLOG_KERNEL:-}
if [[ -z $kernel ]]; then
	kernel=$(find /boot -maxdepth 1 -name 'vmlinuz-*' | sort -V | tail -n 1)
fi
[[ -n $kernel && -f $kernel ]] || die "no kernel image (install linux-image-amd64 or set BOOTLOG_KERNEL)"

# Versions of everything that changes the bytes of the logs or the PCRs.
package_versions() {
	local kpkg
	kpkg=$(dpkg-query -S "$kernel" 2>/dev/null | cut -d: -f1 || true)
	dpkg-query -W ovmf qemu-system-x86 swtpm swtpm-tools linux-image-amd64 tpm2-tools \
		busybox-static ipxe-qemu sbsigntool ${kpkg:+"$kpkg"}
}

cache_key() {
	{
		sha256sum "$self" "$init_script" | cut -d' ' -f1
		package_versions
		echo "kernel $kernel"
	} | sha256sum | cut -d' ' -f1
}

[[ $# -ge 1 ]] || usage
if [[ $1 == --key ]]; then
	cache_key
	exit 0
fi
[[ $1 != -* ]] || usage
outdir=$1
shift
if [[ $# -gt 0 ]]; then
	requested=("$@")
else
	requested=("${all_scenarios[@]}")
fi
for s in "${requested[@]}"; do
	[[ " ${all_scenarios[*]} " == *" $s "* ]] || die "unknown scenario '$s' (known: ${all_scenarios[*]})"
done

for tool in swtpm swtpm_setup qemu-system-x86_64 tpm2_eventlog sbsign sbattach sbverify openssl cpio gzip python3 timeout; do
	command -v "$tool" >/dev/null || die "missing tool: $tool"
done
# The initramfs has no libc for busybox: it must be busybox-static's binary.
if ! [[ -x /bin/busybox ]] || ! /bin/busybox ash -c true || ldd /bin/busybox >/dev/null 2>&1; then
	die "missing busybox-static (/bin/busybox, statically linked)"
fi
[[ -x /usr/bin/tpm2 ]] || die "missing /usr/bin/tpm2 (tpm2-tools)"

key=$(cache_key)
mkdir -p "$outdir"
outdir=$(cd "$outdir" && pwd)
stamp=$outdir/stamp

# A scenario counts as made when the stamp lists it and its files are there.
scenario_complete() {
	local d=$outdir/$1 f
	for f in binary_bios_measurements pcrs.yaml console.log provenance.json tpm2_eventlog.yaml; do
		[[ -s $d/$f ]] || return 1
	done
}

done_scenarios=()
if [[ -f $stamp ]] && [[ $(sed -n 's/^key=//p' "$stamp") == "$key" ]]; then
	read -r -a done_scenarios <<<"$(sed -n 's/^scenarios=//p' "$stamp")"
else
	# Another key: every old scenario is stale, whatever is requested now.
	rm -f "$stamp"
	for s in "${all_scenarios[@]}"; do
		rm -rf "${outdir:?}/$s"
	done
fi
todo=()
for s in "${requested[@]}"; do
	if [[ " ${done_scenarios[*]} " == *" $s "* ]] && scenario_complete "$s"; then
		continue
	fi
	todo+=("$s")
done
if [[ ${#todo[@]} -eq 0 ]]; then
	echo "make_boot_eventlogs: $outdir is up to date (key $key)"
	exit 0
fi

work=$(mktemp -d /tmp/fwguard-bootlogs.XXXXXX)
swtpm_pid=
qemu_pid=
cleanup() {
	local rc=$?
	if [[ -n $qemu_pid ]] && kill -0 "$qemu_pid" 2>/dev/null; then
		kill "$qemu_pid" 2>/dev/null || true
		wait "$qemu_pid" 2>/dev/null || true
	fi
	if [[ -n $swtpm_pid ]] && kill -0 "$swtpm_pid" 2>/dev/null; then
		kill "$swtpm_pid" 2>/dev/null || true
		wait "$swtpm_pid" 2>/dev/null || true
	fi
	if [[ ${BOOTLOG_KEEP:-0} == 1 ]]; then
		echo "make_boot_eventlogs: work directory kept: $work" >&2
	else
		rm -rf "$work"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------- initramfs
# Copies a file to the same path under the initramfs root, following links.
copy_in() {
	local root=$1 src=$2
	mkdir -p "$root$(dirname "$src")"
	cp -L "$src" "$root$src"
}

# Copies an ELF and every shared library ldd names for it (and the loader).
copy_with_libs() {
	local root=$1 bin=$2 lib
	copy_in "$root" "$bin"
	while read -r lib; do
		[[ -n $lib ]] && copy_in "$root" "$lib"
	done < <(ldd "$bin" | awk '/=> \// { print $3 } /^\t\// { print $1 }')
}

build_initramfs() {
	local root=$work/initramfs out=$1 tcti
	mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,etc}
	cp /bin/busybox "$root/bin/busybox"
	install -m 0755 "$init_script" "$root/init"
	copy_with_libs "$root" /usr/bin/tpm2
	ln -s tpm2 "$root/usr/bin/tpm2_pcrread"
	ln -s tpm2 "$root/usr/bin/tpm2_getcap"
	# tctildr dlopen()s the device TCTI by name; ldd cannot see it.
	tcti=$(readlink -f /usr/lib/x86_64-linux-gnu/libtss2-tcti-device.so.0)
	copy_with_libs "$root" "$tcti"
	cp -L "$tcti" "$root/usr/lib/x86_64-linux-gnu/libtss2-tcti-device.so.0"
	ln -sf libtss2-tcti-device.so.0 "$root/usr/lib/x86_64-linux-gnu/libtss2-tcti-device.so"
	# Debian's ldd names /lib/x86_64-linux-gnu; keep /usr/lib working too.
	if [[ -d $root/lib/x86_64-linux-gnu ]]; then
		cp -a "$root/usr/lib/x86_64-linux-gnu/." "$root/lib/x86_64-linux-gnu/"
		rm -rf "$root/usr/lib/x86_64-linux-gnu"
		ln -s ../../lib/x86_64-linux-gnu "$root/usr/lib/x86_64-linux-gnu"
	fi
	# The initrd is measured by the EFI stub (PCR9): make it byte-reproducible.
	find "$root" -exec touch -h -d @0 {} +
	(cd "$root" && find . -mindepth 1 | LC_ALL=C sort |
		cpio --quiet -o -H newc --reproducible -R 0:0) | gzip -9 -n >"$out"
}
# ---------------------------------------------------------------- one boot
# Prints the lines strictly between the BEGIN and END markers of a block.
extract_block() { # NAME FILE
	awk -v b="-----BEGIN FWGUARD $1-----" -v e="-----END FWGUARD $1-----" \
		'$0 == e { f = 0; n++ } f { print } $0 == b { f = 1 } END { exit n == 1 ? 0 : 1 }' "$2"
}

marker_value() { # NAME FILE
	sed -n "s/^FWGUARD-$1 //p" "$2" | sed -n 1p
}

# bootlog_py patch SRC DST INITRD MEM_MB
#   Writes SRC with the setup-header fields QEMU 7.2's x86_load_linux() stores
#   before it hands a -kernel image to the firmware over fw_cfg (cmd_line_ptr,
#   type_of_loader, CAN_USE_HEAP, heap_end_ptr, ramdisk_image/size for a q35
#   guest of MEM_MB MiB below 4G and its 0x28000-byte ACPI area).  OVMF loads,
#   measures (PCR4) and verifies those bytes, not the file on disk.  Writing the
#   same values twice changes nothing, so a kernel signed after this patch
#   still verifies once QEMU has patched it.
# bootlog_py check SCENARIO EVENTLOG_YAML LOADED_IMAGE INITRD CMDLINE FACTS_JSON
#   Checks tpm2_eventlog's reading of the log against what was booted: one
#   EV_EFI_BOOT_SERVICES_APPLICATION in PCR4 whose sha256 is the Authenticode
#   hash of LOADED_IMAGE; the EFI stub's PCR9 tagged events (initrd = sha256 of
#   INITRD, LoadOptions = sha256 of CMDLINE in UTF-16LE with its NUL); an
#   option-ROM driver in PCR2 only for "optionrom"; a db authority in PCR7
#   only for "secureboot".  Writes what it verified to FACTS_JSON.
bootlog_py() {
	python3 - "$@" <<'PY'
import hashlib, json, os, re, struct, sys

def authenticode(path):
    d = open(path, "rb").read()
    pe = struct.unpack_from("<I", d, 0x3C)[0]
    opt = pe + 24
    magic = struct.unpack_from("<H", d, opt)[0]
    checksum = opt + 64
    secdir = opt + (112 if magic == 0x20B else 96) + 4 * 8
    cert_off, cert_size = struct.unpack_from("<II", d, secdir)
    hdr_size = struct.unpack_from("<I", d, opt + 60)[0]
    h = hashlib.sha256()
    h.update(d[:checksum])
    h.update(d[checksum + 4:secdir])
    h.update(d[secdir + 8:hdr_size])
    nsec = struct.unpack_from("<H", d, pe + 6)[0]
    table = opt + struct.unpack_from("<H", d, pe + 20)[0]
    sections = []
    for i in range(nsec):
        size, ptr = struct.unpack_from("<II", d, table + 40 * i + 16)
        if size:
            sections.append((ptr, size))
    hashed = hdr_size
    for ptr, size in sorted(sections):
        h.update(d[ptr:ptr + size])
        hashed = ptr + size
    end = len(d) - (cert_size if cert_off else 0)
    if end > hashed:
        h.update(d[hashed:end])
    return h.hexdigest()

def sha256_file(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()

def events(path):
    text = open(path).read().split("\npcrs:")[0]
    out = []
    for chunk in re.split(r"\n- EventNum:", text)[1:]:
        ev = {"pcr": int(re.search(r"PCRIndex: (\d+)", chunk).group(1)),
              "type": re.search(r"EventType: (\S+)", chunk).group(1)}
        m = re.search(r'AlgorithmId: sha256\s+Digest: "([0-9a-f]+)"', chunk)
        ev["sha256"] = m.group(1) if m else None
        m = re.search(r'\n  Event: "([0-9a-f]+)"', chunk)
        ev["data"] = m.group(1) if m else None
        m = re.search(r"UnicodeName: (\S+)", chunk)
        ev["name"] = m.group(1) if m else None
        out.append(ev)
    return out

def fail(msg):
    sys.exit("check: " + msg)

cmd = sys.argv[1]
if cmd == "patch":
    src, dst, initrd, mem_mb = sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
    d = bytearray(open(src, "rb").read())
    if d[0x202:0x206] != b"HdrS" or struct.unpack_from("<H", d, 0x206)[0] < 0x203 or not d[0x211] & 1:
        sys.exit("not a bzImage with boot protocol >= 2.03 loaded high")
    real_addr, cmdline_addr = 0x10000, 0x20000
    struct.pack_into("<I", d, 0x228, cmdline_addr)
    d[0x210] = 0xB0
    d[0x211] |= 0x80
    struct.pack_into("<H", d, 0x224, cmdline_addr - real_addr - 0x200)
    initrd_max = struct.unpack_from("<I", d, 0x22C)[0]
    top = (mem_mb << 20) - 0x28000
    if initrd_max >= top:
        initrd_max = top - 1
    size = os.path.getsize(initrd)
    struct.pack_into("<II", d, 0x218, (initrd_max - size) & ~4095, size)
    open(dst, "wb").write(d)
elif cmd == "check":
    scenario, log, image, initrd, cmdline, facts_path = sys.argv[2:8]
    evs = events(log)
    facts = {}
    apps = [e for e in evs if e["type"] == "EV_EFI_BOOT_SERVICES_APPLICATION"]
    want = authenticode(image)
    if len(apps) != 1 or apps[0]["pcr"] != 4 or apps[0]["sha256"] != want:
        fail("PCR4 application events %r, want one with the Authenticode hash %s" % (apps, want))
    facts["pcr4_kernel"] = ("EV_EFI_BOOT_SERVICES_APPLICATION sha256 = Authenticode hash %s of "
                            "the kernel as QEMU presents it (setup header patched)" % want)
    # The Linux EFI stub's EV_EVENT_TAG events: TCG_PCClientTaggedEvent
    # (u32 id, u32 size, data) with the ids of drivers/firmware/efi/libstub.
    tags = {}
    for e in evs:
        if e["type"] == "EV_EVENT_TAG" and e["data"]:
            raw = bytes.fromhex(e["data"])
            tid, size = struct.unpack_from("<II", raw)
            tags[tid] = (e, raw[8:8 + size].rstrip(b"\0").decode())
    initrd_tag, options_tag = 0x8F3B22EC, 0x8F3B22ED
    if initrd_tag not in tags or tags[initrd_tag][0]["pcr"] != 9 or \
            tags[initrd_tag][0]["sha256"] != sha256_file(initrd):
        fail("no PCR9 'Linux initrd' event with the initrd's sha256")
    facts["pcr9_initrd"] = "EV_EVENT_TAG id 0x8F3B22EC '%s' sha256 = sha256(initrd) %s" % (
        tags[initrd_tag][1], sha256_file(initrd))
    opts = hashlib.sha256((cmdline + "\0").encode("utf-16-le")).hexdigest()
    if options_tag not in tags or tags[options_tag][0]["pcr"] != 9 or \
            tags[options_tag][0]["sha256"] != opts:
        fail("no PCR9 LoadOptions event with sha256(UTF-16LE(%r + NUL))" % cmdline)
    facts["pcr9_cmdline"] = ("EV_EVENT_TAG id 0x8F3B22ED '%s' sha256 = sha256(UTF-16LE(%r) + "
                             "u16 NUL) %s; measured by the Linux EFI stub, not by OVMF"
                             % (tags[options_tag][1], cmdline, opts))
    drivers = [e for e in evs if e["type"] == "EV_EFI_BOOT_SERVICES_DRIVER"]
    if scenario == "optionrom":
        if not drivers or any(e["pcr"] != 2 for e in drivers):
            fail("no option-ROM driver event in PCR2")
        facts["pcr2_option_rom"] = "%d EV_EFI_BOOT_SERVICES_DRIVER event(s), sha256 %s" % (
            len(drivers), ", ".join(e["sha256"] for e in drivers))
    elif drivers:
        fail("unexpected EV_EFI_BOOT_SERVICES_DRIVER events")
    auth = [e for e in evs if e["type"] == "EV_EFI_VARIABLE_AUTHORITY"]
    if scenario == "secureboot":
        if not any(e["pcr"] == 7 and e["name"] == "db" for e in auth):
            fail("no PCR7 EV_EFI_VARIABLE_AUTHORITY from db: the kernel was not verified")
        facts["pcr7_authority"] = "EV_EFI_VARIABLE_AUTHORITY db (the snakeoil certificate) verified the kernel"
    elif auth:
        fail("unexpected EV_EFI_VARIABLE_AUTHORITY events")
    with open(facts_path, "w") as f:
        json.dump(facts, f)
else:
    sys.exit("bootlog_py: unknown command " + cmd)
PY
}

# Waits for swtpm's control socket (swtpm creates it before it listens).
wait_for_socket() {
	local sock=$1 _
	for _ in $(seq 1 100); do
		[[ -S $sock ]] && return 0
		kill -0 "$swtpm_pid" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

run_scenario() {
	local name=$1 initrd=$2
	local sdir=$work/$name dst=$outdir/$name
	local st=$sdir/tpmstate sock=$sdir/swtpm.sock
	local machine=q35 code=$ovmf_dir/OVMF_CODE_4M.fd vars=$ovmf_dir/OVMF_VARS_4M.fd
	local kimg=$kernel append=$base_append note
	local -a extra=(-nic none)
	mkdir -p "$sdir" "$st"

	case $name in
	plain)
		note="OVMF_CODE_4M.fd + OVMF_VARS_4M.fd (no keys enrolled, Secure Boot off)"
		;;
	secureboot)
		# Debian's secboot build needs SMM and a secure pflash; its snakeoil
		# vars enrol PK, KEK and db from PkKek-1-snakeoil.pem.  QEMU rewrites
		# setup-header fields of a -kernel image, which breaks its Authenticode
		# hash, and OVMF then quietly falls back to its legacy Linux loader,
		# unverified: so the image is signed as QEMU will present it.
		machine=q35,smm=on
		code=$ovmf_dir/OVMF_CODE_4M.secboot.fd
		vars=$ovmf_dir/OVMF_VARS_4M.snakeoil.fd
		extra+=(-global "driver=cfi.pflash01,property=secure,value=on")
		kimg=$sdir/vmlinuz.snakeoil
		note="OVMF_CODE_4M.secboot.fd (SMM, q35,smm=on, secure pflash) + OVMF_VARS_4M.snakeoil.fd"
		note+=" (PK/KEK/db = PkKek-1-snakeoil, Secure Boot enforced); kernel = $kernel without"
		note+=" Debian's signature, QEMU's setup-header fields pre-applied, sbsign'ed with"
		note+=" PkKek-1-snakeoil; OVMF verified it (db authority event in PCR7)"
		# The shipped key is encrypted with the passphrase 'snakeoil'
		# (ovmf's README.Debian); sbsign wants it in the clear.
		openssl pkey -in "$snakeoil_key" -passin pass:snakeoil -out "$sdir/snakeoil.key" ||
			die "cannot decrypt $snakeoil_key"
		# Drop Debian's own signature: only the snakeoil one is to count.
		cp "$kernel" "$sdir/vmlinuz.unsigned"
		if [[ $(sbverify --list "$sdir/vmlinuz.unsigned" 2>/dev/null) == *'signature 1'* ]]; then
			sbattach --remove "$sdir/vmlinuz.unsigned" >"$sdir/sbattach.log" 2>&1 ||
				die "sbattach --remove failed on $kernel"
		fi
		bootlog_py patch "$sdir/vmlinuz.unsigned" "$sdir/vmlinuz.unsigned" "$initrd" "$mem_mb" ||
			die "cannot pre-apply QEMU's header fields to $kernel"
		sbsign --key "$sdir/snakeoil.key" --cert "$snakeoil_cert" --output "$kimg" \
			"$sdir/vmlinuz.unsigned" >"$sdir/sbsign.log" 2>&1 || {
			cat "$sdir/sbsign.log" >&2
			die "sbsign failed"
		}
		sbverify --cert "$snakeoil_cert" "$kimg" >/dev/null 2>&1 || die "signed kernel does not verify"
		;;
	cmdline)
		append="$base_append $cmdline_extra"
		note="as plain, kernel command line + '$cmdline_extra'"
		;;
	optionrom)
		[[ -f $optionrom ]] || die "missing $optionrom (ipxe-qemu)"
		extra=(-netdev "user,id=n0" -device "virtio-net-pci,netdev=n0,romfile=$optionrom")
		note="as plain + virtio-net-pci whose option ROM $optionrom is an EFI driver (iPXE)"
		;;
	esac
	[[ -f $code && -f $vars ]] || die "missing OVMF files $code $vars"
	cp "$vars" "$sdir/vars.fd"

	swtpm_setup --tpm2 --tpmstate "$st" --pcr-banks sha1,sha256,sha384,sha512 \
		>"$sdir/swtpm_setup.log" 2>&1 || {
		cat "$sdir/swtpm_setup.log" >&2
		die "swtpm_setup failed"
	}
	swtpm socket --tpm2 --tpmstate dir="$st" --ctrl type=unixio,path="$sock" \
		--terminate --log file="$sdir/swtpm.log" &
	swtpm_pid=$!
	wait_for_socket "$sock" || die "swtpm did not start (see $sdir/swtpm.log)"

	local -a qemu=(qemu-system-x86_64
		-machine "$machine" -accel tcg -m "$mem_mb" -smp 1 -nographic -no-reboot
		-drive "if=pflash,format=raw,unit=0,readonly=on,file=$code"
		-drive "if=pflash,format=raw,unit=1,file=$sdir/vars.fd"
		-chardev "socket,id=chrtpm,path=$sock"
		-tpmdev "emulator,id=tpm0,chardev=chrtpm"
		-device "tpm-tis,tpmdev=tpm0"
		"${extra[@]}"
		-kernel "$kimg" -initrd "$initrd" -append "$append")

	echo "make_boot_eventlogs: booting $name (timeout ${boot_timeout}s)"
	local t0 t1 rc=0
	t0=$(date +%s.%N)
	timeout "$boot_timeout" "${qemu[@]}" </dev/null >"$sdir/console.raw" 2>"$sdir/qemu.stderr" &
	qemu_pid=$!
	wait "$qemu_pid" || rc=$?
	qemu_pid=
	t1=$(date +%s.%N)
	# --terminate: swtpm leaves once QEMU closes the socket.
	local _
	for _ in $(seq 1 50); do
		kill -0 "$swtpm_pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$swtpm_pid" 2>/dev/null; then
		kill "$swtpm_pid" 2>/dev/null || true
	fi
	wait "$swtpm_pid" 2>/dev/null || true
	swtpm_pid=

	tr -d '\r' <"$sdir/console.raw" >"$sdir/console.log"
	local seconds
	seconds=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
	if [[ $rc -ne 0 ]] || ! grep -qx 'FWGUARD-DONE' "$sdir/console.log"; then
		tail -n 40 "$sdir/console.log" >&2 || true
		cat "$sdir/qemu.stderr" >&2 || true
		die "$name: boot failed (exit $rc after ${seconds}s; 124 = timeout)"
	fi
	echo "make_boot_eventlogs: $name booted in ${seconds}s"

	# Cut the blocks out of the console and check them against the guest's hashes.
	extract_block EVENTLOG "$sdir/console.log" | base64 -d >"$sdir/binary_bios_measurements" ||
		die "$name: no event log block"
	local want got
	want=$(marker_value EVENTLOG-SHA256 "$sdir/console.log")
	got=$(sha256sum "$sdir/binary_bios_measurements" | cut -d' ' -f1)
	[[ $want == "$got" ]] || die "$name: event log garbled on the console ($got != $want)"
	extract_block PCRS "$sdir/console.log" >"$sdir/pcrs.yaml" || die "$name: no PCR block"
	grep -q '^  sha256:' "$sdir/pcrs.yaml" || die "$name: pcrs.yaml has no sha256 bank"
	local ima_sha=
	if extract_block IMA "$sdir/console.log" >"$sdir/ima.b64"; then
		base64 -d "$sdir/ima.b64" >"$sdir/ima_binary_runtime_measurements"
		ima_sha=$(sha256sum "$sdir/ima_binary_runtime_measurements" | cut -d' ' -f1)
		[[ $ima_sha == "$(marker_value IMA-SHA256 "$sdir/console.log")" ]] ||
			die "$name: IMA log garbled on the console"
	fi
	tpm2_eventlog "$sdir/binary_bios_measurements" >"$sdir/tpm2_eventlog.yaml" 2>"$sdir/tpm2_eventlog.err" || {
		cat "$sdir/tpm2_eventlog.err" >&2
		die "$name: tpm2_eventlog cannot read the log"
	}
	local sb cmdline
	sb=$(marker_value SECUREBOOT "$sdir/console.log")
	cmdline=$(marker_value CMDLINE "$sdir/console.log")
	if [[ $name == secureboot ]]; then
		[[ $sb == enabled ]] || die "secureboot: the guest kernel reports Secure Boot '$sb'"
	fi
	# What OVMF measured must be what was booted (see bootlog_py check).
	bootlog_py patch "$kimg" "$sdir/vmlinuz.as-loaded" "$initrd" "$mem_mb"
	bootlog_py check "$name" "$sdir/tpm2_eventlog.yaml" "$sdir/vmlinuz.as-loaded" "$initrd" \
		"$cmdline" "$sdir/facts.json" || die "$name: the log does not match what was booted"

	# Provenance, then the scenario replaces its old copy in OUTDIR.
	local stage=$outdir/.$name.new
	rm -rf "$stage"
	mkdir -p "$stage"
	cp "$sdir/binary_bios_measurements" "$sdir/pcrs.yaml" "$sdir/console.log" \
		"$sdir/tpm2_eventlog.yaml" "$stage/"
	[[ -z $ima_sha ]] || cp "$sdir/ima_binary_runtime_measurements" "$stage/"
	package_versions >"$sdir/versions.txt"
	PROV_SCENARIO=$name PROV_NOTE=$note PROV_SECONDS=$seconds PROV_SB=$sb PROV_KEY=$key \
		PROV_KERNEL=$kernel PROV_KIMG=$kimg PROV_LOADED=$sdir/vmlinuz.as-loaded \
		PROV_INITRD=$initrd PROV_CODE=$code PROV_VARS=$vars PROV_VERSIONS=$sdir/versions.txt \
		PROV_FACTS=$sdir/facts.json PROV_DIR=$stage PROV_CMDLINE=$cmdline \
		PROV_TPMDEV=$(marker_value TPMDEV "$sdir/console.log") \
		PROV_PCRSEL=$(marker_value PCRSEL "$sdir/console.log") \
		PROV_LOCKDOWN=$(marker_value LOCKDOWN "$sdir/console.log") \
		python3 - "${qemu[@]}" <<'PY'
import hashlib, json, os, sys
e = os.environ
d = e["PROV_DIR"]
def sha(p):
    with open(p, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()
versions = {}
with open(e["PROV_VERSIONS"]) as f:
    for line in f:
        pkg, _, ver = line.rstrip("\n").partition("\t")
        versions[pkg] = ver
with open(e["PROV_FACTS"]) as f:
    facts = json.load(f)
notes = {}
notes["pcr10"] = ("extended by the kernel's IMA (boot_aggregate), not by the firmware: "
                  "absent from binary_bios_measurements, so it cannot be replayed from it; "
                  "ima_binary_runtime_measurements is the IMA log of the same boot")
notes["command_line"] = (
    "OVMF's QEMU kernel loader measures no command-line event; OVMF passes the command "
    "line as the image's LoadOptions with ' initrd=initrd' appended, and the Linux 6.1 "
    "EFI stub measures those LoadOptions into PCR9 (the only event that differs between "
    "the plain and cmdline scenarios)")
files = {n: sha(os.path.join(d, n)) for n in sorted(os.listdir(d))}
prov = {
    "scenario": e["PROV_SCENARIO"],
    "description": e["PROV_NOTE"],
    "generator": "tests/gen/make_boot_eventlogs.sh",
    "cache_key": e["PROV_KEY"],
    "boot_seconds": float(e["PROV_SECONDS"]),
    "qemu_argv": sys.argv[1:],
    "note_paths": "paths under /tmp/fwguard-bootlogs.* were the generator's temporary work directory",
    "kernel": {"path": e["PROV_KERNEL"], "sha256": sha(e["PROV_KERNEL"]),
               "booted_image_sha256": sha(e["PROV_KIMG"]),
               "as_presented_by_qemu_sha256": sha(e["PROV_LOADED"])},
    "initrd_sha256": sha(e["PROV_INITRD"]),
    "ovmf_code": {"path": os.path.realpath(e["PROV_CODE"]), "sha256": sha(e["PROV_CODE"])},
    "ovmf_vars_template": {"path": e["PROV_VARS"], "sha256": sha(e["PROV_VARS"])},
    "kernel_cmdline_in_guest": e["PROV_CMDLINE"],
    "secureboot_in_guest": e["PROV_SB"],
    "lockdown_in_guest": e["PROV_LOCKDOWN"],
    "tpm": {"emulator": "swtpm socket --tpm2, fresh state per scenario", "qemu_device": "tpm-tis",
            "allocated_banks": ["sha1", "sha256", "sha384", "sha512"],
            "guest_device": e["PROV_TPMDEV"], "pcrread_selection": e["PROV_PCRSEL"]},
    "verified_facts": facts,
    "notes": notes,
    "package_versions": versions,
    "files_sha256": files,
}
with open(os.path.join(d, "provenance.json"), "w") as f:
    json.dump(prov, f, indent=2, sort_keys=True)
    f.write("\n")
PY
	rm -rf "${dst:?}"
	mv "$stage" "$dst"
}

write_stamp() {
	local tmp=$stamp.tmp
	{
		echo "key=$key"
		echo "scenarios=${done_scenarios[*]}"
	} >"$tmp"
	mv "$tmp" "$stamp"
}

echo "make_boot_eventlogs: building the initramfs"
build_initramfs "$work/initramfs.cpio.gz"
for s in "${todo[@]}"; do
	run_scenario "$s" "$work/initramfs.cpio.gz"
	if [[ " ${done_scenarios[*]} " != *" $s "* ]]; then
		done_scenarios+=("$s")
	fi
	write_stamp
done
echo "make_boot_eventlogs: done (${todo[*]}) in $outdir"
