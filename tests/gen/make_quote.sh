#!/usr/bin/env bash
# Makes real TPM 2.0 quote material for fwguard's quote verification tests:
# a fresh swtpm (no QEMU) gets a few PCRs extended, then an EK and, per
# variant, an attestation key that quotes sha256 PCRs 0,1,2,3,16 over a random
# nonce.  tpm2_checkquote is the oracle: every quote must verify, with the AK
# public in TPM2B_PUBLIC and in PEM form, before anything lands in OUTDIR.
#
#   make_quote.sh OUTDIR
#
# OUTDIR/{rsa,ecc,rsapss}/:
#   ak.pub      AK public area, TPM2B_PUBLIC (tpm2-tools 'tss' format)
#   ak.pem      the same key as a PEM SubjectPublicKeyInfo
#   quote.msg   the marshalled TPMS_ATTEST the TPM signed (tpm2_quote -m)
#   quote.sig   the signature, TPMT_SIGNATURE (tpm2_quote -s, default 'tss')
#   quote.pcrs  the quoted PCR values, tpm2-tools 'serialized' layout
#               (TPML_PCR_SELECTION, then the TPML_DIGEST values)
#   nonce.hex   the qualifying data, lower-case hex, no newline inside
#   pcrs.yaml   tpm2_pcrread of the quoted selection, same TPM, after the quote
# and OUTDIR/provenance.json (commands, key types, package versions).
# Variants: rsa = RSA2048 AK, RSASSA-PKCS1v1.5/sha256; ecc = NIST P-256 AK,
# ECDSA/sha256; rsapss = RSA2048 AK, RSASSA-PSS/sha256.
# Needs swtpm, swtpm-tools, tpm2-tools, openssl, python3.
set -euo pipefail

die() {
	echo "make_quote: $*" >&2
	exit 1
}

[[ $# -eq 1 && $1 != -* ]] || {
	echo "usage: $0 OUTDIR" >&2
	exit 2
}
outdir=$1
selection=sha256:0,1,2,3,16
variants=(rsa ecc rsapss)

for tool in swtpm swtpm_setup tpm2_createek tpm2_createak tpm2_quote tpm2_checkquote \
	tpm2_pcrextend tpm2_pcrread tpm2_readpublic tpm2_flushcontext tpm2_verifysignature openssl python3; do
	command -v "$tool" >/dev/null || die "missing tool: $tool"
done

work=$(mktemp -d /tmp/fwguard-quote.XXXXXX)
swtpm_pid=
cleanup() {
	local rc=$?
	if [[ -n $swtpm_pid ]] && kill -0 "$swtpm_pid" 2>/dev/null; then
		kill "$swtpm_pid" 2>/dev/null || true
		wait "$swtpm_pid" 2>/dev/null || true
	fi
	rm -rf "$work"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Two free consecutive TCP ports (server, control) on localhost.
free_port_pair() {
	python3 - <<'PY'
import random, socket
for _ in range(200):
    p = random.randrange(20000, 60000, 2)
    try:
        socks = []
        for port in (p, p + 1):
            s = socket.socket()
            s.bind(("127.0.0.1", port))
            socks.append(s)
        print(p)
        break
    except OSError:
        pass
    finally:
        for s in socks:
            s.close()
else:
    raise SystemExit("no free port pair")
PY
}

start_swtpm() {
	local st=$work/tpmstate _
	mkdir -p "$st"
	swtpm_setup --tpm2 --tpmstate "$st" --pcr-banks sha1,sha256 >"$work/swtpm_setup.log" 2>&1 || {
		cat "$work/swtpm_setup.log" >&2
		die "swtpm_setup failed"
	}
	port=$(free_port_pair)
	swtpm socket --tpm2 --tpmstate dir="$st" \
		--server type=tcp,port="$port",bindaddr=127.0.0.1 \
		--ctrl type=tcp,port=$((port + 1)),bindaddr=127.0.0.1 \
		--flags not-need-init,startup-clear --log file="$work/swtpm.log" &
	swtpm_pid=$!
	export TPM2TOOLS_TCTI="swtpm:host=127.0.0.1,port=$port"
	for _ in $(seq 1 50); do
		tpm2_getcap properties-fixed >/dev/null 2>&1 && return 0
		kill -0 "$swtpm_pid" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

# Without a resource manager every transient object stays loaded: flush
# them after each tool so the TPM's few object slots never run out.
flush() {
	tpm2_flushcontext -t >/dev/null
	tpm2_flushcontext -s >/dev/null
}

# The swtpm may lose a race for the port pair: try a few times.
port=
for attempt in 1 2 3; do
	if start_swtpm; then
		break
	fi
	[[ $attempt -lt 3 ]] || die "swtpm did not start (see $work/swtpm.log)"
	kill "$swtpm_pid" 2>/dev/null || true
	wait "$swtpm_pid" 2>/dev/null || true
	swtpm_pid=
	rm -rf "$work/tpmstate"
done

# Known, distinct PCR contents; 16 is the resettable debug PCR.
for pcr in 0 1 2 3 16; do
	digest=$(printf 'fwguard quote test PCR %s' "$pcr" | openssl dgst -sha256 -r | cut -d' ' -f1)
	tpm2_pcrextend "$pcr:sha256=$digest"
done
# PCR 2 twice, so one value is not a single extend from zero.
tpm2_pcrextend "2:sha256=$(printf 'second' | openssl dgst -sha256 -r | cut -d' ' -f1)"

# check_independently VARIANT DIR NONCE: parses quote.sig (TPMT_SIGNATURE)
# into what OpenSSL verifies (raw RSA signature, DER ECDSA), verifies it over
# quote.msg with ak.pem, and checks the TPMS_ATTEST in quote.msg: magic,
# TPM_ST_ATTEST_QUOTE, extraData = NONCE, one sha256 selection of PCRs
# 0,1,2,3,16 and pcrDigest = sha256 of those values from pcrs.yaml.
check_independently() {
	local v=$1 d=$2 nonce=$3 pad
	pad=$(python3 - "$d" "$nonce" "$work/$v.sig.bin" <<'PY'

import hashlib, re, struct, sys
d, nonce, out = sys.argv[1], bytes.fromhex(sys.argv[2]), sys.argv[3]
sig = open(d + "/quote.sig", "rb").read()
alg, halg = struct.unpack_from(">HH", sig)
if halg != 0x000B:
    sys.exit("signature hash is not sha256")
def tpm2b(buf, off):
    n = struct.unpack_from(">H", buf, off)[0]
    return buf[off + 2:off + 2 + n], off + 2 + n
if alg in (0x0014, 0x0016):
    raw, _ = tpm2b(sig, 4)
elif alg == 0x0018:
    r, off = tpm2b(sig, 4)
    s, _ = tpm2b(sig, off)
    def der_int(b):
        b = b.lstrip(b"\0") or b"\0"
        if b[0] & 0x80:
            b = b"\0" + b
        return b"\x02" + bytes([len(b)]) + b
    body = der_int(r) + der_int(s)
    raw = b"\x30" + bytes([len(body)]) + body
else:
    sys.exit("unexpected signature algorithm 0x%04x" % alg)
open(out, "wb").write(raw)
print({0x0014: "pkcs1", 0x0016: "pss", 0x0018: "ecdsa"}[alg])
m = open(d + "/quote.msg", "rb").read()
magic, typ = struct.unpack_from(">IH", m)
if magic != 0xFF544347 or typ != 0x8018:
    sys.exit("quote.msg is not a TPMS_ATTEST of a quote")
off = 6
_, off = tpm2b(m, off)            # qualifiedSigner
extra, off = tpm2b(m, off)        # extraData
if extra != nonce:
    sys.exit("extraData is not the nonce")
off += 8 + 4 + 4 + 1 + 8          # clockInfo, firmwareVersion
count = struct.unpack_from(">I", m, off)[0]
off += 4
if count != 1:
    sys.exit("expected one PCR selection")
hsel, size = struct.unpack_from(">HB", m, off)
bitmap = m[off + 3:off + 3 + size]
off += 3 + size
pcrs = [i for i in range(8 * size) if bitmap[i // 8] >> (i % 8) & 1]
if hsel != 0x000B or pcrs != [0, 1, 2, 3, 16]:
    sys.exit("selection is not sha256:0,1,2,3,16")
digest, off = tpm2b(m, off)
values = {}
bank = None
for line in open(d + "/pcrs.yaml"):
    mm = re.match(r"^  (sha\d+):", line)
    if mm:
        bank = mm.group(1)
    mm = re.match(r"^\s+(\d+)\s*:\s*0x([0-9A-Fa-f]+)", line)
    if mm and bank == "sha256":
        values[int(mm.group(1))] = bytes.fromhex(mm.group(2))
want = hashlib.sha256(b"".join(values[i] for i in pcrs)).digest()
if digest != want:
    sys.exit("pcrDigest is not the digest of pcrs.yaml")
PY
	) || return 1
	local -a opts=(-pkeyopt digest:sha256)
	case $pad in
	pkcs1) opts+=(-pkeyopt rsa_padding_mode:pkcs1) ;;
	pss) opts+=(-pkeyopt rsa_padding_mode:pss -pkeyopt rsa_pss_saltlen:digest) ;;
	esac
	openssl dgst -sha256 -binary "$d/quote.msg" >"$work/$v.msg.sha256"
	openssl pkeyutl -verify -pubin -inkey "$d/ak.pem" -in "$work/$v.msg.sha256" \
		-sigfile "$work/$v.sig.bin" "${opts[@]}" >/dev/null
}

declare -A checkquote_result=()
stage=$work/out
mkdir -p "$stage"
for v in "${variants[@]}"; do
	d=$stage/$v
	mkdir -p "$d"
	case $v in
	rsa) ek_alg=rsa ak_alg=rsa scheme=rsassa ;;
	ecc) ek_alg=ecc ak_alg=ecc scheme=ecdsa ;;
	rsapss) ek_alg=rsa ak_alg=rsa scheme=rsapss ;;
	esac
	tpm2_createek -c "$work/$v.ek.ctx" -G "$ek_alg" -u "$work/$v.ek.pub" >/dev/null
	flush
	tpm2_createak -C "$work/$v.ek.ctx" -c "$work/$v.ak.ctx" -G "$ak_alg" -g sha256 -s "$scheme" \
		-u "$d/ak.pub" -n "$work/$v.ak.name" >/dev/null
	flush
	tpm2_readpublic -c "$work/$v.ak.ctx" -f pem -o "$d/ak.pem" >/dev/null
	flush
	nonce=$(openssl rand -hex 32)
	printf '%s\n' "$nonce" >"$d/nonce.hex"
	# The AK's own scheme, named: tpm2_quote would pick RSASSA for any RSA key.
	tpm2_quote -c "$work/$v.ak.ctx" -l "$selection" -q "$nonce" --scheme "$scheme" \
		-m "$d/quote.msg" -s "$d/quote.sig" -o "$d/quote.pcrs" -g sha256 >"$work/$v.quote.yaml"
	flush
	tpm2_pcrread "$selection" >"$d/pcrs.yaml"
	# Second oracle, independent of tpm2-tools: OpenSSL checks the signature
	# with ak.pem, and the TPMS_ATTEST must carry the nonce and the digest of
	# the pcrs.yaml values.
	check_independently "$v" "$d" "$nonce" || die "$v: the quote fails the OpenSSL/attest check"
	# The oracle: both public-key forms must verify signature, nonce and PCRs.
	# tpm2-tools 5.4's checkquote cannot verify RSASSA-PSS quotes (tpm2-tools
	# issue 3283): for rsapss the TPM itself checks the signature instead.
	if [[ $v == rsapss ]] && ! tpm2_checkquote -u "$d/ak.pub" -m "$d/quote.msg" -s "$d/quote.sig" \
		-f "$d/quote.pcrs" -g sha256 -q "$nonce" >/dev/null 2>&1; then
		tpm2_verifysignature -c "$work/$v.ak.ctx" -g sha256 -m "$d/quote.msg" -s "$d/quote.sig" \
			-t "$work/$v.ticket" >/dev/null || die "$v: the TPM rejects its own quote signature"
		flush
		checkquote_result[$v]="tpm2_checkquote fails (tpm2-tools issue 3283); verified by OpenSSL (PSS) and tpm2_verifysignature"
		echo "make_quote: $v quote verifies (OpenSSL, TPM; not tpm2_checkquote)"
		continue
	fi
	for pub in ak.pub ak.pem; do
		tpm2_checkquote -u "$d/$pub" -m "$d/quote.msg" -s "$d/quote.sig" -f "$d/quote.pcrs" \
			-g sha256 -q "$nonce" >"$work/$v.check.$pub.yaml" ||
			die "$v: tpm2_checkquote rejects the quote with $pub"
	done
	# A wrong nonce must fail, or the check above proves nothing.
	if tpm2_checkquote -u "$d/ak.pub" -m "$d/quote.msg" -s "$d/quote.sig" -f "$d/quote.pcrs" \
		-g sha256 -q "00$nonce" >/dev/null 2>&1; then
		die "$v: tpm2_checkquote accepts a wrong nonce"
	fi
	checkquote_result[$v]="tpm2_checkquote verifies with ak.pub and ak.pem, rejects a wrong nonce; OpenSSL verifies too"
	echo "make_quote: $v quote verifies"
done

dpkg-query -W swtpm swtpm-tools tpm2-tools libtss2-esys-3.0.2-0 >"$work/versions.txt" 2>/dev/null ||
	dpkg-query -W swtpm swtpm-tools tpm2-tools >"$work/versions.txt"
PROV_DIR=$stage PROV_VERSIONS=$work/versions.txt PROV_SELECTION=$selection \
	PROV_CHECK_RSA=${checkquote_result[rsa]} PROV_CHECK_ECC=${checkquote_result[ecc]} \
	PROV_CHECK_RSAPSS=${checkquote_result[rsapss]} python3 - <<'PY'
import hashlib, json, os
e = os.environ
d = e["PROV_DIR"]
versions = dict(line.rstrip("\n").split("\t", 1) for line in open(e["PROV_VERSIONS"]) if "\t" in line)
variants = {
    "rsa": {"ek": "rsa (RSA2048)", "ak": "tpm2_createak -G rsa -g sha256 -s rsassa", "signature": "TPM_ALG_RSASSA, sha256"},
    "ecc": {"ek": "ecc (NIST P-256)", "ak": "tpm2_createak -G ecc -g sha256 -s ecdsa", "signature": "TPM_ALG_ECDSA, sha256"},
    "rsapss": {"ek": "rsa (RSA2048)", "ak": "tpm2_createak -G rsa -g sha256 -s rsapss", "signature": "TPM_ALG_RSAPSS, sha256, MGF1-sha256, salt length 32 (= digest length)"},
}
for v, info in variants.items():
    info["oracle_result"] = e["PROV_CHECK_" + v.upper()]
    info["files_sha256"] = {n: hashlib.sha256(open(os.path.join(d, v, n), "rb").read()).hexdigest()
                            for n in sorted(os.listdir(os.path.join(d, v)))}
prov = {
    "generator": "tests/gen/make_quote.sh",
    "tpm": "swtpm socket --tpm2 (fresh state, banks sha1+sha256), tpm2-tools over the swtpm TCTI",
    "pcr_extends": "PCR n in 0,1,2,3,16: sha256 extended with sha256('fwguard quote test PCR n'); "
                   "PCR 2 then also with sha256('second')",
    "quote": "tpm2_quote -c ak.ctx -l %s -q NONCE --scheme SCHEME -m quote.msg -s quote.sig -o quote.pcrs -g sha256"
             % e["PROV_SELECTION"],
    "formats": {"ak.pub": "TPM2B_PUBLIC", "ak.pem": "PEM SubjectPublicKeyInfo",
                "quote.msg": "TPMS_ATTEST, marshalled, no size prefix (the signed bytes)",
                "quote.sig": "TPMT_SIGNATURE", "quote.pcrs": "tpm2-tools serialized: TPML_PCR_SELECTION, "
                "then TPML_DIGEST value block(s)", "nonce.hex": "hex of the qualifying data",
                "pcrs.yaml": "tpm2_pcrread YAML"},
    "oracle": "tpm2_checkquote -u ak.pub and -u ak.pem, -m quote.msg -s quote.sig -f quote.pcrs -g sha256 "
              "-q NONCE both succeed and a wrong nonce fails (rsapss: see oracle_result); in every "
              "variant OpenSSL also verifies quote.sig over quote.msg with ak.pem, and quote.msg's "
              "extraData and pcrDigest match nonce.hex and pcrs.yaml",
    "variants": variants,
    "package_versions": versions,
}
with open(os.path.join(d, "provenance.json"), "w") as f:
    json.dump(prov, f, indent=2, sort_keys=True)
    f.write("\n")
PY

mkdir -p "$outdir"
for v in "${variants[@]}"; do
	rm -rf "${outdir:?}/$v"
	cp -r "$stage/$v" "$outdir/$v"
done
cp "$stage/provenance.json" "$outdir/provenance.json"
chmod -R u=rwX,go=rX "$outdir"
echo "make_quote: wrote ${variants[*]} to $outdir"
