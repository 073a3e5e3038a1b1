#!/usr/bin/env python3
"""Measured boot on real logs made by booting OVMF with swtpm (issue 6).

tests/gen/make_boot_eventlogs.sh boots Debian's OVMF in QEMU with swtpm as
the TPM 2.0 and Debian's kernel with a busybox initramfs that dumps the
firmware log and runs tpm2_pcrread inside the guest, in four scenarios
(plain, secureboot, cmdline, optionrom).  The logs are generated once per
run into CACHE (the generator skips work when its cache key matches).

Checks:
- fwguard's replay equals the PCRs tpm2-tools read from the same swtpm in
  the same boot, in every bank (all PCRs but 10, which the kernel's IMA
  extends outside the firmware log);
- a reference learned from the plain boot passes the plain boot and
  explains each other scenario with the rules that name its difference;
- a log edited after the boot fails against the TPM's PCRs.

usage: eventlog_boot_test.py FWGUARD GENERATOR CACHE
"""
import json
import os
import subprocess
import sys
import tempfile

FWG, GEN, CACHE = sys.argv[1], sys.argv[2], sys.argv[3]
failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)


def run(*args):
    return subprocess.run([FWG, *args], capture_output=True, text=True)


gen = subprocess.run(["bash", GEN, CACHE], capture_output=True, text=True)
if gen.returncode != 0:
    print(gen.stdout[-3000:], gen.stderr[-3000:])
    sys.exit("the boot-log generator failed")

scenarios = ["plain", "secureboot", "cmdline", "optionrom"]
log = {s: os.path.join(CACHE, s, "binary_bios_measurements") for s in scenarios}
pcrs = {s: os.path.join(CACHE, s, "pcrs.yaml") for s in scenarios}
not_ima = "0-9,11-23"

# 1. Replay equals tpm2_pcrread of the same boot, in every bank.
for s in scenarios:
    r = run("eventlog", "replay", log[s], "--pcrs", pcrs[s], "--pcr-list", not_ima, "--format", "json")
    check(r.returncode == 0, f"{s}: replay matches tpm2_pcrread (exit {r.returncode}) {r.stderr.strip()}")
    doc = json.loads(r.stdout) if r.stdout else {}
    banks = sorted(doc.get("pcrs", {}))
    check(banks == ["sha1", "sha256", "sha384", "sha512"], f"{s}: every bank replayed: {banks}")
    pairs = doc.get("compared", {}).get("pairs", 0)
    check(pairs == 4 * 23, f"{s}: all 4 banks x 23 PCRs compared ({pairs})")

# 2. The plain boot as the reference; each scenario explained against it.
work = tempfile.mkdtemp()
ref = os.path.join(work, "ovmf.ref.json")
r = run("eventlog", "baseline", "--model", "qemu-ovmf", "-o", ref, log["plain"])
check(r.returncode == 0, f"baseline from the plain boot: {r.stderr.strip()}")


def findings(s, *extra):
    r = run("eventlog", "check", log[s], "--ref", ref, "--format", "json", *extra)
    doc = json.loads(r.stdout)
    for f in doc["findings"]:
        for key in ("rule", "severity", "pcr", "event", "phase", "message"):
            if key not in f:
                check(False, f"{s}: finding lacks {key}: {f}")
    return r.returncode, doc


rc, doc = findings("plain", "--pcrs", pcrs["plain"])
check(rc == 0 and doc["verdict"] == "pass", f"plain passes against its own reference ({rc})")
check(doc["known_pcrs"], "plain: PCRs 0-7 equal a known-good boot")

expect = {
    # Secure Boot on with snakeoil keys (and the SMM build of OVMF).
    "secureboot": {"secureboot.state_changed", "secureboot.pk_changed", "secureboot.kek_changed",
                   "secureboot.db_changed", "secureboot.unknown_authority"},
    # One more word on the kernel command line: the EFI stub's LoadOptions tag in PCR 9.
    "cmdline": {"loader.cmdline_changed"},
    # A virtio NIC whose iPXE EFI option ROM OVMF loads and measures in PCR 2.
    "optionrom": {"boot.unknown_option_rom"},
}
for s, rules in expect.items():
    rc, doc = findings(s, "--pcrs", pcrs[s])
    got = {f["rule"] for f in doc["findings"] if f["severity"] != "low"}
    check(rc == 1 and doc["verdict"] == "fail", f"{s}: fails against the plain reference ({rc})")
    check(rules <= got, f"{s}: explained by {sorted(rules)} (got {sorted(got)})")
    check("log.replay_mismatch" not in got, f"{s}: its own TPM PCRs match its log")
    for f in doc["findings"]:
        if f["rule"] in rules:
            check(f["pcr"] is not None and f["event"] is not None and f["phase"],
                  f"{s}: {f['rule']} names PCR {f['pcr']}, event {f['event']}, phase {f['phase']}")
            break
# The option ROM finding names where the ROM came from (its device path).
rc, doc = findings("optionrom")
rom = [f for f in doc["findings"] if f["rule"] == "boot.unknown_option_rom"]
check(rom and rom[0]["pcr"] == 2 and "Pci(" in rom[0]["message"],
      f"optionrom: PCR 2 and the device path named: {rom[0]['message'] if rom else None}")

# 3. A log edited after the boot: one digest byte of the option ROM event.
with open(log["plain"], "rb") as f:
    data = bytearray(f.read())
# Find the first EV_EFI_BOOT_SERVICES_APPLICATION (0x80000003) event header
# in PCR 4 and flip a byte of its first digest.
needle = (4).to_bytes(4, "little") + (0x80000003).to_bytes(4, "little")
at = data.find(needle)
check(at > 0, "plain: found the boot application event to tamper with")
data[at + 8 + 4 + 2] ^= 0x01
tampered = os.path.join(work, "tampered.bin")
with open(tampered, "wb") as f:
    f.write(data)
r = run("eventlog", "check", tampered, "--ref", ref, "--pcrs", pcrs["plain"], "--format", "json")
doc = json.loads(r.stdout)
got = {(f["rule"], f["pcr"]) for f in doc["findings"]}
check(r.returncode == 1 and ("log.replay_mismatch", 4) in got,
      f"tampered: replay mismatch in PCR 4 reported ({sorted(got)})")
r = run("eventlog", "replay", tampered, "--pcrs", pcrs["plain"])
check(r.returncode == 1, f"tampered: replay exits 1 ({r.returncode})")

print(f"{len(failures)} failure(s)")
sys.exit(1 if failures else 0)
