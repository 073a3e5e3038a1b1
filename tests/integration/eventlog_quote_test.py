#!/usr/bin/env python3
"""eventlog_quote_test.py - quotes and PCR sources against a real software TPM.

A swtpm (TPM 2.0, TCP, started here on free ports, no QEMU) is driven with
tpm2-tools; fwguard talks to it through tpm2-tss's swtpm TCTI.  Checked:
  - PCRs through ESYS: a real event log (tpm2-tools' event-bootorder.bin,
    no StartupLocality, PCRs 0-9) is fed event by event into swtpm with
    tpm2_pcrextend, using the digests tpm2_eventlog prints (an independent
    parser); `eventlog replay LOG --tpm` then matches (exit 0).  Replaying
    another log against the TPM mismatches, and every "actual" value in
    its JSON equals what tpm2_pcrread prints, in all four banks swtpm has.
    A TCTI that cannot connect, or does not exist, is exit 3 with a message;
  - quotes from AKs made with tpm2_createak: RSA/RSASSA, RSA/RSAPSS,
    ECC P-256/ECDSA-SHA256 and ECC P-384/ECDSA-SHA384, each verified with
    the AK as TPM2B_PUBLIC and as PEM and with the PCRs from tpm2_pcrread's
    YAML and from JSON (exit 0).  The decoded fields equal tpm2_print's;
    tpm2_checkquote agrees (RSASSA, ECDSA), and for RSAPSS the openssl CLI
    does (tpm2_checkquote 5.4 wants the maximal PSS salt, swtpm uses the
    digest size);
  - refusals, exit 7: a wrong nonce; a changed value of a quoted PCR (but
    not of an unquoted one); a bank the expected values lack; a flipped
    byte anywhere in the message or the signature, and every truncation of
    the message; another AK of the same or the other key type;
  - `eventlog quote --log`: the quote of PCRs 0-9 equals the replay of the
    fed log (exit 0) and not that of another log (exit 7);
  - fwg_pcr_set_parse through `replay --pcrs`: tpm2_eventlog's own output
    ("pcrs:" section), tpm2_pcrread's YAML with and without 0x, replay's
    JSON and the bare form; broken files give exit 3 with the line number;
  - usage errors (exit 2).

Usage: eventlog_quote_test.py FWGUARD
"""
import json
import os
import re
import secrets
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time

FWGUARD = os.path.abspath(sys.argv[1])
# ../shared/testdata/eventlogs beside the repository (never copied into it)
TESTDATA = os.environ.get("FWGUARD_EVENTLOG_TESTDATA") or os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "shared", "testdata",
    "eventlogs")
if not os.path.isdir(TESTDATA):
    TESTDATA = "/work/shared/testdata/eventlogs"
FED_LOG = os.path.join(TESTDATA, "tpm2-software-tpm2-tools", "event-bootorder.bin")
OTHER_LOG = os.path.join(TESTDATA, "tpm2-software-tpm2-tools", "event.bin")
CROSS_LOGS = [
    os.path.join(TESTDATA, "tpm2-software-tpm2-tools", "event-bootorder.bin"),
    os.path.join(TESTDATA, "tpm2-software-tpm2-tools", "event-gce-ubuntu-2104-log.bin"),
    os.path.join(TESTDATA, "canonical-tcglog-parser", "binary_bios_measurements"),
    os.path.join(TESTDATA, "nsacyber-HIRS", "TpmLog.bin"),
]
BANK_SIZES = {"sha1": 20, "sha256": 32, "sha384": 48, "sha512": 64}

failures = []
checks = 0


def check(cond, what):
    global checks
    checks += 1
    if not cond:
        failures.append(what)
        print("FAIL:", what, file=sys.stderr)


def run(args, **kw):
    return subprocess.run(args, capture_output=True, text=True, **kw)


def fwg(*args):
    return run([FWGUARD] + list(args))


def fwg_json(*args):
    r = fwg(*args)
    try:
        return r, json.loads(r.stdout)
    except ValueError:
        return r, None


def free_port_pair():
    """Two consecutive free TCP ports (swtpm's server and control)."""
    for _ in range(200):
        port = 20000 + secrets.randbelow(40000)
        socks = []
        try:
            for p in (port, port + 1):
                s = socket.socket()
                socks.append(s)
                s.bind(("127.0.0.1", p))
            return port
        except OSError:
            continue
        finally:
            for s in socks:
                s.close()
    raise RuntimeError("no free port pair")


class Swtpm:
    def __init__(self, workdir):
        self.state = os.path.join(workdir, "tpmstate")
        os.makedirs(self.state)
        self.port = free_port_pair()
        self.proc = subprocess.Popen(
            ["swtpm", "socket", "--tpm2",
             "--server", "type=tcp,port=%d,bindaddr=127.0.0.1" % self.port,
             "--ctrl", "type=tcp,port=%d,bindaddr=127.0.0.1" % (self.port + 1),
             "--flags", "not-need-init,startup-clear",
             "--tpmstate", "dir=" + self.state],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.tcti = "swtpm:host=127.0.0.1,port=%d" % self.port
        deadline = time.time() + 20
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("swtpm exited with %d" % self.proc.returncode)
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        else:
            raise RuntimeError("swtpm did not start")
        # the probe connection above must not count as a client forever
        time.sleep(0.2)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


TPM = None


def tpm2(tool, *args, ok=True):
    env = dict(os.environ, TPM2TOOLS_TCTI=TPM.tcti)
    r = subprocess.run(["tpm2_" + tool] + list(args), capture_output=True, env=env)
    if ok and r.returncode != 0:
        raise RuntimeError("tpm2_%s %s: %s" % (tool, " ".join(args), r.stderr.decode()))
    # swtpm has no resource manager: free the object slots after each tool
    if tool not in ("flushcontext", "pcrread", "pcrextend", "print", "checkquote"):
        subprocess.run(["tpm2_flushcontext", "-t"], capture_output=True, env=env)
        subprocess.run(["tpm2_flushcontext", "-s"], capture_output=True, env=env)
    return r


def parse_pcr_yaml(text):
    """{bank: {pcr: bytes}} from tpm2_pcrread's output."""
    out, bank = {}, None
    for line in text.splitlines():
        m = re.match(r"^\s*(sha\d+|sm3_256):\s*$", line)
        if m:
            bank = out.setdefault(m.group(1), {})
            continue
        m = re.match(r"^\s*(\d+)\s*:\s*0x([0-9A-Fa-f]+)\s*$", line)
        if m and bank is not None:
            bank[int(m.group(1))] = bytes.fromhex(m.group(2))
    return out


def eventlog_events(path):
    """(pcr, {bank: hex}) of every extending event, as tpm2_eventlog reads it."""
    r = run(["tpm2_eventlog", path])
    if r.returncode != 0:
        raise RuntimeError("tpm2_eventlog %s: %s" % (path, r.stderr))
    events, cur, alg = [], None, None
    for line in r.stdout.splitlines():
        if line.startswith("- EventNum:"):
            cur = {"pcr": None, "type": None, "digests": {}}
            events.append(cur)
        elif cur is None:
            continue
        elif line.startswith("  PCRIndex:"):
            cur["pcr"] = int(line.split(":")[1])
        elif line.startswith("  EventType:"):
            cur["type"] = line.split(":")[1].strip()
        elif line.startswith("  - AlgorithmId:"):
            alg = line.split(":")[1].strip()
        elif line.startswith("    Digest:") and alg:
            cur["digests"][alg] = line.split(":")[1].strip().strip('"')
            alg = None
        elif line.startswith("pcrs:"):
            break
    return [(e["pcr"], e["digests"]) for e in events
            if e["type"] != "EV_NO_ACTION" and e["digests"]]


def feed_log(path):
    """Extends swtpm's PCRs with every event of a real log, in order."""
    specs = ["%d:%s" % (pcr, ",".join("%s=%s" % kv for kv in digests.items()))
             for pcr, digests in eventlog_events(path)]
    for i in range(0, len(specs), 16):
        tpm2("pcrextend", *specs[i:i + 16])
    return len(specs)


def pcr_json(values, bare=False):
    banks = {b: {str(p): v.hex() for p, v in pcrs.items()} for b, pcrs in values.items()}
    return json.dumps(banks if bare else {"pcrs": banks})


def write(path, data):
    mode = "wb" if isinstance(data, bytes) else "w"
    with open(path, mode) as f:
        f.write(data)
    return path


def read(path):
    with open(path, "rb") as f:
        return f.read()


# ---- PCRs through ESYS ------------------------------------------------------

def test_tpm_reads(work):
    fed = feed_log(FED_LOG)
    check(fed > 50, "fed %d events of %s" % (fed, FED_LOG))
    r, doc = fwg_json("eventlog", "replay", FED_LOG, "--tpm", TPM.tcti, "--format", "json")
    check(r.returncode == 0, "replay --tpm of the fed log: exit %d (%s)" % (r.returncode, r.stderr))
    cmp_ = (doc or {}).get("compared", {})
    check(cmp_.get("source") == "tpm" and cmp_.get("match") is True and cmp_.get("pairs") == 20,
          "replay --tpm compared PCRs 0-9 in sha1 and sha256: %s" % cmp_)
    r = fwg("eventlog", "replay", FED_LOG, "--tpm", TPM.tcti)
    check(r.returncode == 0 and "20 (bank, PCR) pairs, 0 differ" in r.stdout,
          "replay --tpm text: %d %s" % (r.returncode, r.stdout[-200:]))

    # PCR 16 (debug) and 23 (application) in every bank: values the log
    # does not explain
    tpm2("pcrextend", "16:" + ",".join("%s=%s" % (b, secrets.token_hex(n))
                                       for b, n in BANK_SIZES.items()))
    tpm2("pcrextend", "23:sha256=" + secrets.token_hex(32))
    pcrread = tpm2("pcrread").stdout.decode()
    write(os.path.join(work, "pcrread.yaml"), pcrread)
    actual = parse_pcr_yaml(pcrread)
    check(sorted(actual) == sorted(BANK_SIZES) and
          all(len(actual[b]) == 24 for b in actual), "tpm2_pcrread shows 4 banks of 24 PCRs")

    # another log (4 banks, PCR 0 only) over every PCR: each mismatch's
    # "actual" must be what tpm2_pcrread printed
    r, doc = fwg_json("eventlog", "replay", OTHER_LOG, "--tpm", TPM.tcti, "--pcr-list", "0-23",
                      "--format", "json")
    check(r.returncode == 1, "replay of another log --tpm mismatches: exit %d" % r.returncode)
    cmp_ = (doc or {}).get("compared", {})
    check(cmp_.get("pairs") == 96, "96 (bank, PCR) pairs compared: %s" % cmp_.get("pairs"))
    mism = cmp_.get("mismatches", [])
    seen = {(m["bank"], m["pcr"]) for m in mism}
    for m in mism:
        want = actual.get(m["bank"], {}).get(m["pcr"])
        check(want is not None and m["actual"] == want.hex(),
              "actual %s PCR %d read through ESYS equals tpm2_pcrread" % (m["bank"], m["pcr"]))
    # the fed log extended PCRs 0-9 of sha1 and sha256 only; the other log
    # PCR 0 in all four banks
    for bank in BANK_SIZES:
        fed_banks = bank in ("sha1", "sha256")
        for pcr in (list(range(10)) if fed_banks else [0]) + [16]:
            check((bank, pcr) in seen, "mismatch reported for %s PCR %d" % (bank, pcr))
    check(len(seen) == 2 * 11 + 2 * 2 + 1, "%d mismatches" % len(seen))
    check(("sha256", 23) in seen and ("sha1", 23) not in seen and ("sha1", 12) not in seen,
          "only the PCRs that differ are reported")

    # the same values from the YAML file
    r = fwg("eventlog", "replay", FED_LOG, "--pcrs", os.path.join(work, "pcrread.yaml"))
    check(r.returncode == 0, "replay --pcrs tpm2_pcrread YAML: exit %d %s" % (r.returncode, r.stderr))

    # TCTIs that cannot work
    dead = free_port_pair()
    for tcti, why in (("swtpm:host=127.0.0.1,port=%d" % dead, "no TPM answers there"),
                      ("no-such-tcti-module:x", "no such TCTI module")):
        r = fwg("eventlog", "replay", FED_LOG, "--tpm", tcti)
        check(r.returncode == 3 and "cannot read the TPM's PCRs" in r.stderr and
              why in r.stderr, "bad TCTI %s: exit %d, %s" % (tcti, r.returncode, r.stderr[-300:]))
    return actual


# ---- quotes -----------------------------------------------------------------

AK_KINDS = [
    # name, -G, -s, hash, extra tpm2_quote args
    ("rsassa", "rsa", "rsassa", "sha256", []),
    ("rsapss", "rsa", "rsapss", "sha256", ["--scheme", "rsapss"]),
    ("ecdsa", "ecc", "ecdsa", "sha256", []),
    ("ecdsa384", "ecc384", "ecdsa", "sha384", []),
]
SELECTION = "sha256:0,1,2,16+sha1:0+sha384:16,23+sha512:7"
SELECTION_JSON = {"sha256": [0, 1, 2, 16], "sha1": [0], "sha384": [16, 23], "sha512": [7]}


def make_aks(work):
    ek = os.path.join(work, "ek.ctx")
    tpm2("createek", "-c", ek, "-G", "rsa", "-u", os.path.join(work, "ek.pub"))
    aks = {}
    for name, alg, scheme, hash_, extra in AK_KINDS:
        base = os.path.join(work, "ak_" + name)
        tpm2("createak", "-C", ek, "-c", base + ".ctx", "-G", alg, "-g", hash_, "-s", scheme,
             "-u", base + ".pub", "-n", base + ".name")
        tpm2("readpublic", "-c", base + ".ctx", "-f", "pem", "-o", base + ".pem")
        aks[name] = base
    return aks


def quote(work, ak, hash_, extra, nonce, selection, tag):
    base = os.path.join(work, "q_" + tag)
    r = tpm2("quote", "-c", ak + ".ctx", "-l", selection, "-q", nonce, "-m", base + ".msg",
             "-s", base + ".sig", "-o", base + ".pcrs", "-g", hash_, *extra)
    write(base + ".yaml", r.stdout)  # ends with a "pcrs:" section
    return base


def tpm2_print_attest(path):
    r = tpm2("print", "-t", "TPMS_ATTEST", path)
    text = r.stdout.decode()
    field = lambda k: re.search(r"^\s*%s:\s*(\S+)" % k, text, re.M).group(1)
    return {"clock": int(field("clock")), "reset_count": int(field("resetCount")),
            "restart_count": int(field("restartCount")), "safe": field("safe") == "1",
            "extra": field("extraData"), "digest": field("pcrDigest"),
            # tpm2_print shows the u64 as its bytes in host (little-endian) order
            "firmware": "0x" + bytes.fromhex(field("firmwareVersion"))[::-1].hex()}


def flip(data, i):
    b = bytearray(data)
    b[i] ^= 0x01
    return bytes(b)


def verify(msg, sig, ak, nonce, *extra):
    return fwg_json("eventlog", "quote", "--quote", msg, "--signature", sig, "--ak", ak,
                    "--nonce", nonce, "--format", "json", *extra)


def test_quote_kind(work, name, hash_, extra, ak, aks, actual):
    nonce = secrets.token_hex(16)
    q = quote(work, ak, hash_, extra, nonce, SELECTION, name)
    msg, sig = q + ".msg", q + ".sig"
    yaml_path = os.path.join(work, "pcrread.yaml")
    json_path = write(os.path.join(work, "pcrs.json"), pcr_json(actual))
    bare_path = write(os.path.join(work, "pcrs-bare.json"), pcr_json(actual, bare=True))

    # good: both AK forms, both PCR file forms
    for ak_file in (ak + ".pub", ak + ".pem"):
        for pcrs in (yaml_path, json_path, bare_path):
            r, doc = verify(msg, sig, ak_file, nonce, "--pcrs", pcrs)
            check(r.returncode == 0 and doc and doc["valid"] and doc["signature"] and
                  doc["nonce"] and doc["pcr_digest"] is True and doc["detail"] == "",
                  "%s: good quote with %s and %s: exit %d %s %s" % (
                      name, os.path.basename(ak_file), os.path.basename(pcrs), r.returncode,
                      r.stdout, r.stderr))
    r, doc = verify(msg, sig, ak + ".pub", nonce, "--pcrs", yaml_path)
    doc = doc or {}
    want_scheme = "rsapss" if name == "rsapss" else "rsassa" if name == "rsassa" else "ecdsa"
    check(doc.get("signature_scheme") == want_scheme and doc.get("hash") == hash_,
          "%s: scheme %s hash %s" % (name, doc.get("signature_scheme"), doc.get("hash")))
    check(doc.get("selection") == SELECTION_JSON, "%s: selection %s" % (name, doc.get("selection")))
    printed = tpm2_print_attest(msg)
    for key in ("clock", "reset_count", "restart_count", "safe"):
        check(doc.get(key) == printed[key], "%s: %s %s == tpm2_print %s" % (
            name, key, doc.get(key), printed[key]))
    check(doc.get("quoted_pcr_digest") == printed["digest"], "%s: PCR digest as tpm2_print" % name)
    check(doc.get("firmware_version") == printed["firmware"], "%s: firmware version %s == %s" % (
        name, doc.get("firmware_version"), printed["firmware"]))
    check(printed["extra"] == nonce, "%s: tpm2_print shows the nonce" % name)
    # tpm2_quote's own output as the PCR file: its "pcrs:" section is read
    r, doc = verify(msg, sig, ak + ".pub", nonce, "--pcrs", q + ".yaml")
    check(r.returncode == 0, "%s: tpm2_quote's YAML as --pcrs: exit %d %s" % (
        name, r.returncode, r.stderr))
    r = fwg("eventlog", "quote", "-q", msg, "-s", sig, "--ak", ak + ".pub", "-n", nonce,
            "-p", yaml_path)
    check(r.returncode == 0 and r.stdout.startswith("quote: VALID") and
          "matches the PCR file" in r.stdout, "%s: text output %s" % (name, r.stdout))
    # no expected PCRs: signature and nonce only, pcr_digest null
    r, doc = verify(msg, sig, ak + ".pub", nonce)
    check(r.returncode == 0 and doc and doc["pcr_digest"] is None and doc["valid"],
          "%s: without expected PCRs: exit %d %s" % (name, r.returncode, r.stdout))
    # a TPM2B_ATTEST (size-prefixed) message is accepted too
    body = read(msg)
    wrapped = write(q + ".2b", struct.pack(">H", len(body)) + body)
    r, doc = verify(wrapped, sig, ak + ".pub", nonce, "--pcrs", yaml_path)
    check(r.returncode == 0, "%s: TPM2B_ATTEST accepted: exit %d %s" % (name, r.returncode, r.stderr))

    # the oracles agree
    if name == "rsapss":
        raw = read(sig)[6:]  # sigAlg, hash, size
        write(q + ".raw", raw)
        o = run(["openssl", "dgst", "-" + hash_, "-verify", ak + ".pem", "-sigopt",
                 "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:auto", "-signature",
                 q + ".raw", msg])
        check(o.returncode == 0, "%s: openssl verifies the PSS signature: %s" % (name, o.stderr))
    else:
        o = tpm2("checkquote", "-u", ak + ".pub", "-m", msg, "-s", sig, "-f", q + ".pcrs",
                 "-g", hash_, "-q", nonce, ok=False)
        check(o.returncode == 0, "%s: tpm2_checkquote agrees: %s" % (name, o.stderr))

    # wrong nonce
    r, doc = verify(msg, sig, ak + ".pub", secrets.token_hex(16), "--pcrs", yaml_path)
    check(r.returncode == 7 and doc and doc["signature"] and not doc["nonce"] and
          doc["pcr_digest"] and "nonce" in doc["detail"],
          "%s: wrong nonce: exit %d %s" % (name, r.returncode, r.stdout))
    # a changed value of a quoted PCR, then of an unquoted one
    changed = {b: dict(v) for b, v in actual.items()}
    changed["sha384"][23] = flip(changed["sha384"][23], 5)
    path = write(os.path.join(work, "changed.json"), pcr_json(changed))
    r, doc = verify(msg, sig, ak + ".pub", nonce, "--pcrs", path)
    check(r.returncode == 7 and doc and doc["signature"] and doc["nonce"] and
          doc["pcr_digest"] is False and "PCR digest" in doc["detail"],
          "%s: changed quoted PCR: exit %d %s" % (name, r.returncode, r.stdout))
    unquoted = {b: dict(v) for b, v in actual.items()}
    unquoted["sha256"][5] = flip(unquoted["sha256"][5], 0)
    path = write(os.path.join(work, "unquoted.json"), pcr_json(unquoted))
    r, doc = verify(msg, sig, ak + ".pub", nonce, "--pcrs", path)
    check(r.returncode == 0, "%s: change of an unquoted PCR is irrelevant: exit %d" % (
        name, r.returncode))
    # expected values without a quoted bank
    lacking = {b: v for b, v in actual.items() if b != "sha512"}
    path = write(os.path.join(work, "lacking.json"), pcr_json(lacking))
    r, doc = verify(msg, sig, ak + ".pub", nonce, "--pcrs", path)
    check(r.returncode == 7 and doc and doc["pcr_digest"] is False and
          "no sha512 bank" in doc["detail"], "%s: missing bank: %s" % (name, r.stdout))

    # any flipped byte of the message or signature, any truncation
    sig_bytes = read(sig)
    bad = os.path.join(work, "bad")
    for what, data, pos in (("message", body, range(len(body))),
                            ("signature", sig_bytes, range(len(sig_bytes))),
                            ("truncated message", body, range(len(body)))):
        wrong = []
        for i in pos:
            if what == "truncated message":
                write(bad, data[:i])
            else:
                write(bad, flip(data, i))
            args = (bad, sig) if what != "signature" else (msg, bad)
            r, doc = verify(args[0], args[1], ak + ".pub", nonce, "--pcrs", yaml_path)
            if r.returncode != 7 or not doc or doc.get("valid") is not False:
                wrong.append((i, r.returncode))
        check(not wrong, "%s: every %s refused (exit 7): wrong at %s" % (name, what, wrong[:5]))
    # one flip in the signature value itself: decoded, signature false
    r, doc = verify(msg, write(bad, flip(sig_bytes, len(sig_bytes) - 1)), ak + ".pub", nonce,
                    "--pcrs", yaml_path)
    check(r.returncode == 7 and doc and doc.get("signature") is False and doc.get("nonce"),
          "%s: flipped signature byte: %s" % (name, r.stdout))
    # one flip in the clock: decoded, signature false
    clock_at = body.index(struct.pack(">Q", printed["clock"]))
    r, doc = verify(write(bad, flip(body, clock_at + 7)), sig, ak + ".pub", nonce,
                    "--pcrs", yaml_path)
    check(r.returncode == 7 and doc and doc.get("signature") is False and
          doc.get("clock") == printed["clock"] ^ 1,
          "%s: flipped clock byte: %s" % (name, r.stdout))
    # other AKs
    for other, base in aks.items():
        if other == name:
            continue
        r, doc = verify(msg, sig, base + ".pem", nonce, "--pcrs", yaml_path)
        check(r.returncode == 7 and doc and doc.get("signature") is False,
              "%s verified with the %s AK: exit %d %s" % (name, other, r.returncode, r.stdout))


def test_quote_log(work, aks, actual):
    """A quote of the PCRs the fed log explains, against its replay."""
    nonce = secrets.token_hex(20)
    q = quote(work, aks["rsassa"], "sha256", [], nonce, "sha1:0,1,2,3,4,5,6,7,8,9+sha256:0,1,2,3,4,5,6,7,8,9", "log")
    r, doc = verify(q + ".msg", q + ".sig", aks["rsassa"] + ".pub", nonce, "--log", FED_LOG)
    check(r.returncode == 0 and doc and doc["valid"] and doc["expected_pcrs"] == "log",
          "quote --log of the fed log: exit %d %s %s" % (r.returncode, r.stdout, r.stderr))
    r = fwg("eventlog", "replay", FED_LOG, "--quote", q + ".msg", "--signature", q + ".sig",
            "--ak", aks["rsassa"] + ".pem", "--nonce", nonce)
    check(r.returncode == 0, "replay --quote of the fed log: exit %d %s" % (r.returncode, r.stderr))
    r, doc = verify(q + ".msg", q + ".sig", aks["rsassa"] + ".pub", nonce, "--log", OTHER_LOG)
    check(r.returncode == 7 and doc and doc["pcr_digest"] is False and doc["signature"],
          "quote --log of another log: exit %d %s" % (r.returncode, r.stdout))
    # the fed log has no sha384 bank
    q = quote(work, aks["ecdsa384"], "sha384", [], nonce, "sha384:0", "log384")
    r, doc = verify(q + ".msg", q + ".sig", aks["ecdsa384"] + ".pub", nonce, "--log", FED_LOG)
    check(r.returncode == 7 and doc and "no sha384 bank" in doc["detail"],
          "quote of a bank the log lacks: %s" % r.stdout)


def test_quote_errors(work, aks, actual):
    nonce = "00112233"
    q = quote(work, aks["rsassa"], "sha256", [], nonce, "sha256:0", "err")
    msg, sig, ak = q + ".msg", q + ".sig", aks["rsassa"] + ".pub"
    garbage = write(os.path.join(work, "garbage"), b"\x00\x01garbage that is no key" * 3)
    r, doc = verify(msg, sig, garbage, nonce)
    check(r.returncode == 7 and "AK: not a TPM2B_PUBLIC" in r.stderr and doc and
          doc.get("valid") is False and "error" in doc, "garbage AK: %d %s" % (r.returncode, r.stderr))
    r, _ = verify(msg, garbage, ak, nonce)
    check(r.returncode == 7 and "signature:" in r.stderr, "garbage signature: %s" % r.stderr)
    r, _ = verify(garbage, sig, ak, nonce)
    check(r.returncode == 7 and "quote message:" in r.stderr, "garbage message: %s" % r.stderr)
    r, _ = verify(sig, sig, ak, nonce)
    check(r.returncode == 7, "signature given as the message: exit %d" % r.returncode)
    r, _ = verify(os.path.join(work, "missing"), sig, ak, nonce)
    check(r.returncode == 3, "missing message file: exit %d" % r.returncode)
    r = fwg("eventlog", "quote", "-q", msg, "-s", sig, "--ak", ak)
    check(r.returncode == 2 and "--nonce" in r.stderr, "no --nonce: %d %s" % (r.returncode, r.stderr))
    r = fwg("eventlog", "quote", "-q", msg, "-s", sig, "--ak", ak, "-n", "xyz")
    check(r.returncode == 2, "non-hex nonce: exit %d" % r.returncode)
    r = fwg("eventlog", "quote", "-q", msg, "-s", sig, "--ak", ak, "-n", nonce, "--log", FED_LOG,
            "--pcrs", os.path.join(work, "pcrread.yaml"))
    check(r.returncode == 2, "--log with --pcrs: exit %d" % r.returncode)
    r = fwg("eventlog", "quote", "-q", msg, "-s", sig, "--ak", ak, "-n", nonce, "-f", "xml")
    check(r.returncode == 2, "bad format: exit %d" % r.returncode)
    r = fwg("eventlog", "quote", "-q", msg, "-s", sig, "--ak", ak, "-n", nonce, "--pcrs", garbage)
    check(r.returncode == 3 and "line 1" in r.stderr, "garbage --pcrs: %d %s" % (r.returncode, r.stderr))
    r = fwg("eventlog", "quote", "--help")
    check(r.returncode == 0 and "--nonce" in r.stdout, "quote --help")


# ---- PCR files ----------------------------------------------------------------

def test_pcr_files(work):
    for log in CROSS_LOGS:
        r = run(["tpm2_eventlog", log])
        path = write(os.path.join(work, "eventlog.yaml"), r.stdout)
        r = fwg("eventlog", "replay", log, "--pcrs", path)
        check(r.returncode == 0 and " 0 differ" in r.stdout,
              "replay %s matches tpm2_eventlog's pcrs: section: %d %s" % (
                  os.path.basename(log), r.returncode, r.stderr + r.stdout[-200:]))
        r, doc = fwg_json("eventlog", "replay", log, "--format", "json")
        path = write(os.path.join(work, "replay.json"), r.stdout)
        r = fwg("eventlog", "replay", log, "--pcrs", path)
        check(r.returncode == 0, "replay JSON read back: %d %s" % (r.returncode, r.stderr))
        path = write(os.path.join(work, "bare.json"), json.dumps(doc["pcrs"], indent=2))
        r = fwg("eventlog", "replay", log, "--pcrs", path)
        check(r.returncode == 0, "bare JSON read back: %d %s" % (r.returncode, r.stderr))
        # YAML without 0x, lower case, CRLF line ends
        lines = []
        for bank, pcrs in doc["pcrs"].items():
            lines.append("%s:" % bank)
            lines += ["  %-2s: %s" % (p, v) for p, v in pcrs.items()]
        path = write(os.path.join(work, "plain.yaml"), "\r\n".join(lines) + "\r\n")
        r = fwg("eventlog", "replay", log, "--pcrs", path)
        check(r.returncode == 0, "YAML without 0x: %d %s" % (r.returncode, r.stderr))

    sha1 = "0x" + "00" * 20
    cases = [
        ("", "no PCR values found"),
        ("sha1:\n  0 : 0xzz%s\n" % ("00" * 19), "line 2: sha1 PCR 0: expected 20 hex bytes"),
        ("md5:\n  0 : %s\n" % sha1, "line 1: unknown PCR bank 'md5'"),
        ("sha1:\n  24: %s\n" % sha1, "line 2: PCR 24 is out of range"),
        ("sha1:\n  0 : %s\n  0 : %s\n" % (sha1, sha1), "line 3: sha1 PCR 0 given twice"),
        ("sha1:\n  0 : 0x00\n", "line 2: sha1 PCR 0: expected 20 hex bytes"),
        ("  0 : %s\n" % sha1, "line 1: PCR value before any bank name"),
        ("sha1:\n\t0 : %s\n" % sha1, "line 2: tabs are not allowed"),
        ("sha1:\n  zero: 1\n", "line 2: expected 'BANK:' or 'PCR : HEX'"),
        ("# comment\n\nsha256:\n  7 : %s\n" % sha1, "line 4: sha256 PCR 7: expected 32 hex bytes"),
        ("quoted: abc\npcrs:\n  sha1:\n    3 : nothex\nsig: x\n", "line 4: sha1 PCR 3"),
        ('{"pcrs": {"sha1": {"0": "00"}}}', "sha1 PCR 0: expected a string of 20 hex bytes"),
        ('{"pcrs": {"sha1": {"24": "%s"}}}' % ("00" * 20), '"24" is not a PCR index'),
        ('{"pcrs": {"sha1": {"01": "%s"}}}' % ("00" * 20), '"01" is not a PCR index'),
        ('{"pcrs": {"whirlpool": {}}}', 'unknown PCR bank "whirlpool"'),
        ('{"sha1": {"0": 5}}', "sha1 PCR 0: expected a string"),
        ('{"sha1": []}', 'bank "sha1" must be an object'),
        ('{"pcrs": [1]}', 'expected {"pcrs"'),
        ('{"pcrs": {"sha1": {"0": "%s", "0": "%s"}}}' % ("00" * 20, "00" * 20), "JSON line 1"),
        ('{\n  "pcrs": {\n    "sha1": \n', "JSON line 4"),
    ]
    for text, want in cases:
        path = write(os.path.join(work, "broken.pcrs"), text)
        r = fwg("eventlog", "replay", FED_LOG, "--pcrs", path)
        check(r.returncode == 3 and want in r.stderr,
              "broken PCR file %r: exit %d, %r (want %r)" % (text[:40], r.returncode,
                                                             r.stderr.strip(), want))


def main():
    global TPM
    for tool in ("swtpm", "tpm2_quote", "tpm2_checkquote", "tpm2_eventlog", "openssl"):
        if not shutil.which(tool):
            print("SKIP: %s is not installed" % tool)
            return 77
    if not os.path.isfile(FED_LOG):
        print("SKIP: no event logs in %s" % TESTDATA)
        return 77
    work = tempfile.mkdtemp(prefix="fwg-quote-")
    try:
        TPM = Swtpm(work)
        actual = test_tpm_reads(work)
        aks = make_aks(work)
        for name, _alg, _scheme, hash_, extra in AK_KINDS:
            test_quote_kind(work, name, hash_, extra, aks[name], aks, actual)
        test_quote_log(work, aks, actual)
        test_quote_errors(work, aks, actual)
        test_pcr_files(work)
    finally:
        if TPM:
            TPM.stop()
        shutil.rmtree(work, ignore_errors=True)
    print("%d checks, %d failed" % (checks, len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
