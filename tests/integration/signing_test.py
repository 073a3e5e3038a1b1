#!/usr/bin/env python3
"""signing_test.py - signed baselines: `fwguard baseline sign|verify|pubkey`.

Keys are made at test time with the openssl CLI (P-256, P-384, RSA-3072,
Ed25519, and an RSA-2048 key that must be refused) and in a SoftHSM2 token
created in a temporary directory (softhsm2-util, pkcs11-tool).  The manifest
is a small JSON file.  Checked:
  - sign -> verify round trips with every file key and every token key;
    the key id equals the SHA-256 of the DER SubjectPublicKeyInfo that
    openssl (file keys) or pkcs11-tool --read-object (token keys) gives;
    the signature also verifies with the openssl CLI over the canonical
    signature object computed here in Python (independent oracle, which
    also checks the r||s -> DER conversion of token ECDSA signatures);
  - a re-indented, re-ordered manifest still verifies; a changed one is
    refused as tampered; a changed signature file as bad_signature; no
    .sig as unsigned; a key not in the store as unknown_key;
  - rotation with FWGUARD_NOW: a baseline signed by the old key is valid
    inside its window and refused as key_expired after it, the successor's
    verifies, and a signature dated before a key's window is
    key_not_yet_valid; a revoked key is refused with its reason;
  - bad inputs: RSA-2048 keys, real numbers in the manifest, a trust store
    whose declared key_id does not match, duplicate JSON members, wrong and
    missing PINs;
  - a manifest written by `baseline create` (Debian's OVMF) signs and
    verifies, and `diff --trust` refuses it once tampered.

Usage: signing_test.py FWGUARD
"""
import base64
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile

FWGUARD = os.path.abspath(sys.argv[1])
SOFTHSM = "/usr/lib/softhsm/libsofthsm2.so"
failures = []
checks = 0


def check(cond, what):
    global checks
    checks += 1
    if not cond:
        failures.append(what)
        print("FAIL:", what, file=sys.stderr)


LSAN_SUPP = None


def run(args, env_extra=None, **kw):
    env = dict(os.environ)
    if LSAN_SUPP:
        # SoftHSM2 2.6 leaks an ASN1_STRING per Ed25519 signature: not ours.
        env["LSAN_OPTIONS"] = ":".join(filter(None, [env.get("LSAN_OPTIONS"),
                                                     "suppressions=" + LSAN_SUPP]))
        # full stacks through the uninstrumented libcrypto, so it can match
        env["ASAN_OPTIONS"] = ":".join(filter(None, [env.get("ASAN_OPTIONS"),
                                                     "fast_unwind_on_malloc=0"]))
    env.pop("FWGUARD_NOW", None)
    env.update(env_extra or {})
    return subprocess.run(args, capture_output=True, text=True, env=env, **kw)


def fwg(*args, env=None):
    return run([FWGUARD] + list(args), env)


def openssl(*args, **kw):
    r = subprocess.run(["openssl"] + list(args), capture_output=True, **kw)
    if r.returncode != 0:
        raise RuntimeError("openssl %s: %s" % (" ".join(args), r.stderr.decode()))
    return r.stdout


def canonical(obj):
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def spki_sha256(path):
    """Key id of a PEM or DER public key (or PEM private key)."""
    data = open(path, "rb").read()
    form = "PEM" if data.startswith(b"-----") else "DER"
    pub_in = [] if b"PRIVATE KEY" in data else ["-pubin"]
    der = openssl("pkey", *pub_in, "-inform", form, "-in", path, "-pubout", "-outform", "DER")
    return hashlib.sha256(der).hexdigest()


def oracle_verify(pub, sig_path, alg, work):
    """Verifies a fwguard signature file with the openssl CLI."""
    sig = json.load(open(sig_path))
    raw = base64.b64decode(sig.pop("signature"))
    tbs = os.path.join(work, "tbs.bin")
    sigbin = os.path.join(work, "sig.bin")
    open(tbs, "wb").write(canonical(sig))
    open(sigbin, "wb").write(raw)
    if alg == "ed25519":
        args = ["pkeyutl", "-verify", "-pubin", "-inkey", pub, "-rawin", "-in", tbs,
                "-sigfile", sigbin]
    else:
        md = "-sha384" if alg == "ecdsa-p384-sha384" else "-sha256"
        args = ["dgst", md, "-verify", pub, "-signature", sigbin]
        if alg == "rsa-pss-sha256":
            args[2:2] = ["-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:32",
                         "-sigopt", "rsa_mgf1_md:sha256"]
        args.append(tbs)
    return subprocess.run(["openssl"] + args, capture_output=True).returncode == 0


def store(path, keys, revoked=None):
    doc = {"keys": keys}
    if revoked is not None:
        doc["revoked"] = revoked
    with open(path, "w") as f:
        json.dump(doc, f, indent=2)
    return path


def verdict(manifest, trust, sig=None, now=None):
    args = ["baseline", "verify", manifest, "--trust", trust, "--format", "json"]
    if sig:
        args += ["--signature", sig]
    r = fwg(*args, env={"FWGUARD_NOW": str(now)} if now else None)
    try:
        v = json.loads(r.stdout)
    except ValueError:
        v = {"result": "?", "stdout": r.stdout, "stderr": r.stderr}
    return r.returncode, v


def t(s):
    """RFC 3339 UTC to Unix seconds."""
    import calendar
    import time
    return calendar.timegm(time.strptime(s, "%Y-%m-%dT%H:%M:%SZ"))


MANIFEST = {
    "format": "fwguard-baseline", "version": 1, "model": "test-board",
    "releases": [{"release": "1.0", "components": [
        {"path": "/fv[0]/ffs[3]", "guid": "7c04a583-9e3e-4f1c-ad65-e05268d0b4d1",
         "name": "Shell", "size": 12345, "sha256": "00" * 32},
        {"path": "/bmc/rofs/usr/bin/ipmitool", "mode": 493, "name": "ipmitool"}]}],
}

FILE_KEYS = {
    "p256": (["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"], "ecdsa-p256-sha256"),
    "p384": (["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"], "ecdsa-p384-sha384"),
    "rsa3072": (["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:3072"], "rsa-pss-sha256"),
    "ed25519": (["-algorithm", "ed25519"], "ed25519"),
}


def file_keys(work, manifest):
    keys = {}
    for name, (gen, alg) in FILE_KEYS.items():
        key = os.path.join(work, name + ".key")
        openssl("genpkey", *gen, "-out", key)
        pub = os.path.join(work, name + ".pub")
        r = fwg("baseline", "pubkey", "--key", key, "-o", pub)
        check(r.returncode == 0, "%s: pubkey exit %d: %s" % (name, r.returncode, r.stderr))
        kid = spki_sha256(key)
        check(("key id: " + kid) in r.stderr, "%s: pubkey key id %r, expected %s" %
              (name, r.stderr, kid))
        check(spki_sha256(pub) == kid, "%s: exported PEM is another key" % name)
        sig = os.path.join(work, name + ".sig")
        r = fwg("baseline", "sign", manifest, "--key", key, "-o", sig)
        check(r.returncode == 0, "%s: sign exit %d: %s" % (name, r.returncode, r.stderr))
        s = json.load(open(sig))
        check(s.get("algorithm") == alg and s.get("key_id") == kid and s.get("version") == 1
              and s.get("format") == "fwguard-signature", "%s: signature fields %r" % (name, s))
        want = hashlib.sha256(canonical(json.load(open(manifest)))).hexdigest()
        check(s.get("document_sha256") == want, "%s: document_sha256 is not the canonical hash"
              % name)
        check(oracle_verify(pub, sig, alg, work), "%s: openssl does not verify the signature"
              % name)
        trust = store(os.path.join(work, name + ".trust.json"),
                      [{"name": name, "public_key_file": name + ".pub", "key_id": kid}])
        rc, v = verdict(manifest, trust, sig)
        check(rc == 0 and v["result"] == "valid" and v["key_id"] == kid
              and v["key_name"] == name and v["algorithm"] == alg,
              "%s: verify %d %r" % (name, rc, v))
        keys[name] = (key, pub, sig, kid)
    return keys


def basic_refusals(work, manifest, keys):
    key, pub, sig, kid = keys["p256"]
    trust = os.path.join(work, "p256.trust.json")
    # Default signature path is MANIFEST.sig.
    shutil.copy(sig, manifest + ".sig")
    rc, v = verdict(manifest, trust)
    check(rc == 0 and v["result"] == "valid", "default .sig path: %d %r" % (rc, v))
    r = fwg("baseline", "verify", manifest, "--trust", trust)
    check(r.returncode == 0 and "valid" in r.stdout, "text verify: %r" % r.stdout)
    # Re-indented and re-ordered: same canonical form.
    reindented = os.path.join(work, "reindented.json")
    doc = json.load(open(manifest))
    with open(reindented, "w") as f:
        f.write(json.dumps(dict(reversed(list(doc.items()))), indent=7))
    rc, v = verdict(reindented, trust, sig)
    check(rc == 0 and v["result"] == "valid", "re-indented manifest: %d %r" % (rc, v))
    # Tampered: one size changed.
    tampered = os.path.join(work, "tampered.json")
    doc["releases"][0]["components"][0]["size"] += 1
    json.dump(doc, open(tampered, "w"))
    rc, v = verdict(tampered, trust, sig)
    check(rc == 7 and v["result"] == "tampered", "tampered manifest: %d %r" % (rc, v))
    r = fwg("baseline", "verify", tampered, "--trust", trust, "--signature", sig)
    check(r.returncode == 7 and "tampered" in r.stderr, "tampered text: %r" % r.stderr)
    # Tampered signature file: signed_at moved.
    s = json.load(open(sig))
    s["signed_at"] = "2025-06-01T00:00:00Z"
    badsig = os.path.join(work, "bad.sig")
    json.dump(s, open(badsig, "w"))
    rc, v = verdict(manifest, trust, badsig)
    check(rc == 7 and v["result"] == "bad_signature", "edited signature: %d %r" % (rc, v))
    # Signature bytes flipped.
    s = json.load(open(sig))
    raw = bytearray(base64.b64decode(s["signature"]))
    raw[-1] ^= 1
    s["signature"] = base64.b64encode(bytes(raw)).decode()
    json.dump(s, open(badsig, "w"))
    rc, v = verdict(manifest, trust, badsig)
    check(rc == 7 and v["result"] == "bad_signature", "flipped signature: %d %r" % (rc, v))
    # Malformed signature documents.
    for text in ["", "[]", "{\"format\": \"x\"}", "{\"a\":1,\"a\":2}"]:
        open(badsig, "w").write(text)
        rc, v = verdict(manifest, trust, badsig)
        check(rc == 7 and v["result"] == "malformed", "malformed %r: %d %r" % (text, rc, v))
    # Unsigned.
    unsigned = os.path.join(work, "unsigned.json")
    shutil.copy(manifest, unsigned)
    rc, v = verdict(unsigned, trust)
    check(rc == 7 and v["result"] == "unsigned", "unsigned: %d %r" % (rc, v))
    # Unknown key: signed by P-384, store has only P-256.
    rc, v = verdict(manifest, trust, keys["p384"][2])
    check(rc == 7 and v["result"] == "unknown_key" and v["key_id"] == keys["p384"][3],
          "unknown key: %d %r" % (rc, v))
    # Algorithm label swapped to another valid one: refused.
    # Revoked (even inside its window).
    rtrust = store(os.path.join(work, "revoked.json"),
                   [{"name": "p256", "public_key": open(pub).read()}],
                   [{"key_id": kid.upper(), "reason": "key leaked in incident 42",
                     "revoked_at": "2025-03-01T00:00:00Z"}])
    rc, v = verdict(manifest, rtrust, sig)
    check(rc == 7 and v["result"] == "key_revoked" and "incident 42" in v["reason"],
          "revoked: %d %r" % (rc, v))


def rotation(work, manifest, keys):
    old_key, old_pub = keys["p256"][0], keys["p256"][1]
    new_key, new_pub = keys["ed25519"][0], keys["ed25519"][1]
    trust = store(os.path.join(work, "rotation.json"), [
        {"name": "ops-2020", "public_key_file": old_pub,
         "not_before": "2020-01-01T00:00:00Z", "not_after": "2025-01-01T00:00:00Z"},
        {"name": "ops-2024", "public_key_file": new_pub,
         "not_before": "2024-06-01T00:00:00Z", "not_after": "2030-01-01T00:00:00Z"}])
    old_sig = os.path.join(work, "old.sig")
    r = fwg("baseline", "sign", manifest, "--key", old_key, "-o", old_sig,
            env={"FWGUARD_NOW": str(t("2024-03-01T00:00:00Z"))})
    check(r.returncode == 0, "sign at 2024-03: %s" % r.stderr)
    check(json.load(open(old_sig))["signed_at"] == "2024-03-01T00:00:00Z",
          "FWGUARD_NOW not used for signed_at")
    rc, v = verdict(manifest, trust, old_sig, now=t("2024-03-02T00:00:00Z"))
    check(rc == 0 and v["key_name"] == "ops-2020", "old key inside window: %d %r" % (rc, v))
    rc, v = verdict(manifest, trust, old_sig, now=t("2026-01-01T00:00:00Z"))
    check(rc == 7 and v["result"] == "key_expired", "old key after window: %d %r" % (rc, v))
    new_sig = os.path.join(work, "new.sig")
    r = fwg("baseline", "sign", manifest, "--key", new_key, "-o", new_sig,
            env={"FWGUARD_NOW": str(t("2025-12-01T00:00:00Z"))})
    check(r.returncode == 0, "sign with new key: %s" % r.stderr)
    rc, v = verdict(manifest, trust, new_sig, now=t("2026-01-01T00:00:00Z"))
    check(rc == 0 and v["key_name"] == "ops-2024", "new key: %d %r" % (rc, v))
    # Old key used after its window (signed_at past not_after).
    late = os.path.join(work, "late.sig")
    fwg("baseline", "sign", manifest, "--key", old_key, "-o", late,
        env={"FWGUARD_NOW": str(t("2025-06-01T00:00:00Z"))})
    rc, v = verdict(manifest, trust, late, now=t("2024-12-01T00:00:00Z"))
    check(rc == 7 and v["result"] == "key_expired" and "after key" in v["reason"],
          "signed after window: %d %r" % (rc, v))
    # New key used before its window opened.
    early = os.path.join(work, "early.sig")
    fwg("baseline", "sign", manifest, "--key", new_key, "-o", early,
        env={"FWGUARD_NOW": str(t("2024-01-01T00:00:00Z"))})
    rc, v = verdict(manifest, trust, early, now=t("2026-01-01T00:00:00Z"))
    check(rc == 7 and v["result"] == "key_not_yet_valid", "signed before window: %d %r"
          % (rc, v))


def bad_inputs(work, manifest, keys):
    weak = os.path.join(work, "rsa2048.key")
    openssl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", weak)
    r = fwg("baseline", "sign", manifest, "--key", weak)
    check(r.returncode == 3 and "2048 bits is too small" in r.stderr,
          "RSA-2048 sign: %d %r" % (r.returncode, r.stderr))
    weak_pub = os.path.join(work, "rsa2048.pub")
    openssl("pkey", "-in", weak, "-pubout", "-out", weak_pub)
    trust = store(os.path.join(work, "weak.json"),
                  [{"name": "weak", "public_key_file": "rsa2048.pub"}])
    r = fwg("baseline", "verify", manifest, "--trust", trust)
    check(r.returncode == 3 and "too small" in r.stderr, "RSA-2048 in store: %r" % r.stderr)
    # Declared key_id that does not match the key.
    key, pub, sig, kid = keys["p256"]
    trust = store(os.path.join(work, "mismatch.json"),
                  [{"name": "x", "public_key_file": pub, "key_id": "ab" * 32}])
    r = fwg("baseline", "verify", manifest, "--trust", trust, "--signature", sig)
    check(r.returncode == 3 and "does not match" in r.stderr, "key_id mismatch: %r" % r.stderr)
    dup = os.path.join(work, "dup.json")
    open(dup, "w").write('{"keys": [], "keys": []}')
    r = fwg("baseline", "verify", manifest, "--trust", dup, "--signature", sig)
    check(r.returncode == 3, "duplicate members in store: %d" % r.returncode)
    real = os.path.join(work, "real.json")
    open(real, "w").write('{"format": "fwguard-baseline", "ratio": 0.5}')
    r = fwg("baseline", "sign", real, "--key", key)
    check(r.returncode == 3 and "real number" in r.stderr, "real number: %r" % r.stderr)
    r = fwg("baseline", "sign", manifest)
    check(r.returncode == 2, "sign without --key: %d" % r.returncode)
    r = fwg("baseline", "verify", manifest)
    check(r.returncode == 2, "verify without --trust: %d" % r.returncode)
    r = fwg("baseline", "sign", "--help")
    check(r.returncode == 0 and "--key" in r.stdout, "sign --help")


def ec_point_listed(p11, label):
    """The point inside CKA_EC_POINT (a DER OCTET STRING) of a public key."""
    out = run(p11 + ["--list-objects", "--type", "pubkey"]).stdout
    point = None
    for block in out.split("Public Key Object")[1:]:
        fields = dict(line.strip().split(":", 1) for line in block.splitlines()[1:] if ":" in line)
        if fields.get("label", "").strip() == label and "EC_POINT" in fields:
            der = bytes.fromhex(fields["EC_POINT"].split()[0])
            n = der[1]
            hdr = 2 if n < 0x80 else 2 + (n & 0x7f)
            point = der[hdr:]
    return point


def softhsm(work, manifest):
    if not (shutil.which("softhsm2-util") and shutil.which("pkcs11-tool")
            and os.path.exists(SOFTHSM)):
        print("SKIP softhsm2: softhsm2-util, pkcs11-tool or %s missing" % SOFTHSM)
        return
    tokdir = os.path.join(work, "tokens")
    os.mkdir(tokdir)
    conf = os.path.join(work, "softhsm2.conf")
    open(conf, "w").write("directories.tokendir = %s\nobjectstore.backend = file\n"
                          "log.level = ERROR\n" % tokdir)
    os.environ["SOFTHSM2_CONF"] = conf
    r = run(["softhsm2-util", "--init-token", "--free", "--label", "fwguard-test",
             "--pin", "1234", "--so-pin", "5678"])
    check(r.returncode == 0, "softhsm2-util --init-token: %s" % r.stderr)
    p11 = ["pkcs11-tool", "--module", SOFTHSM, "--token-label", "fwguard-test"]
    hsm_keys = [("hsm-p256", "EC:prime256v1", "01", "ecdsa-p256-sha256"),
                ("hsm-p384", "EC:secp384r1", "02", "ecdsa-p384-sha384"),
                ("hsm-rsa", "rsa:3072", "03", "rsa-pss-sha256"),
                ("hsm-ed", "EC:edwards25519", "04", "ed25519")]
    for label, kt, kid_hex, alg in hsm_keys:
        r = run(p11 + ["--login", "--pin", "1234", "--keypairgen", "--key-type", kt,
                       "--label", label, "--id", kid_hex])
        if r.returncode != 0 and alg == "ed25519":
            print("SKIP Ed25519 in SoftHSM2: %s" % r.stderr.strip())
            continue
        check(r.returncode == 0, "keygen %s: %s" % (label, r.stderr))
        uri = "pkcs11:token=fwguard-test;object=%s?module-path=%s" % (label, SOFTHSM)
        pub = os.path.join(work, label + ".pub")
        r = fwg("baseline", "pubkey", "--key", uri, "-o", pub)
        check(r.returncode == 0, "%s: pubkey: %s" % (label, r.stderr))
        if r.returncode != 0:
            continue
        kid = spki_sha256(pub)
        check(("key id: " + kid) in r.stderr, "%s: pubkey key id line %r" % (label, r.stderr))
        ref = os.path.join(work, label + ".ref")
        r = run(p11 + ["--read-object", "--type", "pubkey", "--label", label, "-o", ref])
        if r.returncode == 0:
            check(spki_sha256(ref) == kid, "%s: exported key differs from pkcs11-tool's" % label)
        else:
            # pkcs11-tool cannot always rebuild the key (P-384 on some
            # builds): compare CKA_EC_POINT from --list-objects instead.
            point = ec_point_listed(p11, label)
            der = openssl("pkey", "-pubin", "-in", pub, "-outform", "DER")
            check(point is not None and der.endswith(point),
                  "%s: CKA_EC_POINT differs from the exported key" % label)
        sig = os.path.join(work, label + ".sig")
        r = fwg("baseline", "sign", manifest, "--key", uri, "--pin", "1234", "-o", sig)
        check(r.returncode == 0, "%s: sign: %s" % (label, r.stderr))
        if r.returncode != 0:
            continue
        check(json.load(open(sig))["algorithm"] == alg, "%s: algorithm" % label)
        check(oracle_verify(pub, sig, alg, work), "%s: openssl does not verify" % label)
        trust = store(os.path.join(work, label + ".json"),
                      [{"name": label, "public_key_file": pub, "key_id": kid}])
        rc, v = verdict(manifest, trust, sig)
        check(rc == 0 and v["result"] == "valid" and v["key_id"] == kid,
              "%s: verify %d %r" % (label, rc, v))
    # id= selection, module from the environment, PIN from the URI.
    sig = os.path.join(work, "by-id.sig")
    r = fwg("baseline", "sign", manifest, "--key", "pkcs11:token=fwguard-test;id=%01?pin-value=1234",
            "-o", sig, env={"FWGUARD_PKCS11_MODULE": SOFTHSM})
    check(r.returncode == 0, "id=%%01 with FWGUARD_PKCS11_MODULE: %s" % r.stderr)
    rc, v = verdict(manifest, os.path.join(work, "hsm-p256.json"), sig)
    check(rc == 0, "id=%%01 signature: %d %r" % (rc, v))
    uri = "pkcs11:token=fwguard-test;object=hsm-p256?module-path=" + SOFTHSM
    r = fwg("baseline", "sign", manifest, "--key", uri, "--pin", "9999", "-o", sig)
    check(r.returncode == 3 and "wrong PIN" in r.stderr, "wrong PIN: %r" % r.stderr)
    r = fwg("baseline", "sign", manifest, "--key", uri, "-o", sig)
    check(r.returncode == 3 and "PIN" in r.stderr, "missing PIN: %r" % r.stderr)
    r = fwg("baseline", "sign", manifest, "--key",
            "pkcs11:token=no-such-token;object=x?module-path=" + SOFTHSM, "--pin", "1234")
    check(r.returncode == 3 and "no-such-token" in r.stderr, "missing token: %r" % r.stderr)
    r = fwg("baseline", "pubkey", "--key", "pkcs11:token=fwguard-test;object=hsm-p256")
    check(r.returncode == 3 and "module" in r.stderr, "no module: %r" % r.stderr)


def real_baseline(work, keys):
    """A manifest from `baseline create` signs, verifies, and gates diff."""
    ovmf = "/usr/share/OVMF/OVMF_CODE_4M.fd"
    if not os.path.exists(ovmf):
        print("SKIP real baseline: %s missing" % ovmf)
        return
    golden = os.path.join(work, "ovmf-golden.json")
    r = fwg("baseline", "create", "--model", "ovmf", "--bios", ovmf, "-o", golden)
    check(r.returncode == 0, "baseline create: %s" % r.stderr)
    if r.returncode != 0:
        return
    key, pub, sig, kid = keys["rsa3072"]
    trust = os.path.join(work, "rsa3072.trust.json")
    r = fwg("baseline", "sign", golden, "--key", key)
    check(r.returncode == 0, "sign a real baseline: %s" % r.stderr)
    rc, v = verdict(golden, trust)
    check(rc == 0 and v["result"] == "valid", "real baseline: %d %r" % (rc, v))
    r = fwg("diff", golden, ovmf, "--trust", trust, "--format", "json")
    check(r.returncode == 0, "diff against the signed baseline: %d %s" % (r.returncode, r.stderr))
    doc = json.load(open(golden))
    doc["model"] = "ovmf-evil"
    evil = os.path.join(work, "evil.json")
    json.dump(doc, open(evil, "w"))
    shutil.copy(golden + ".sig", evil + ".sig")
    r = fwg("diff", evil, ovmf, "--trust", trust)
    check(r.returncode == 7 and "tampered" in r.stderr, "diff with a tampered baseline: %d %s"
          % (r.returncode, r.stderr))


def main():
    global LSAN_SUPP
    work = tempfile.mkdtemp(prefix="fwguard-signing-")
    LSAN_SUPP = os.path.join(work, "lsan.supp")
    open(LSAN_SUPP, "w").write("leak:libsofthsm2.so\n")
    try:
        os.chdir(work)
        manifest = os.path.join(work, "golden.json")
        with open(manifest, "w") as f:
            json.dump(MANIFEST, f, indent=2)
        keys = file_keys(work, manifest)
        basic_refusals(work, manifest, keys)
        rotation(work, manifest, keys)
        bad_inputs(work, manifest, keys)
        real_baseline(work, keys)
        softhsm(work, manifest)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("%d checks, %d failures" % (checks, len(failures)))
    for f in failures:
        print("  FAIL:", f)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
