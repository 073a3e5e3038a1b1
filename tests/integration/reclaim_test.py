#!/usr/bin/env python3
"""reclaim_test.py - the bare-metal reclamation gate (`fwguard reclaim`) on
a golden baseline of the factory BMC image and Debian's OVMF variables.

Images: tests/gen/make_bmc_implants.py (clean.img, tenant_clean.img and
tenant_dirty.img, whose rwfs overlay holds a previous tenant's state) and a
copy of /usr/share/OVMF/OVMF_VARS_4M.ms.fd as the BIOS dump; a db implant
made with make_uefi_implants.plant_db.  Generation takes a few seconds.

  golden    fwguard baseline create --bmc clean.img --bios vars.fd
            --model test -o golden.json
  CLEAN     tenant_clean.img + vars.fd: verdict CLEAN, no reason, exit 0
  TAINTED   tenant_dirty.img: exit 1 and the reasons bmc.password_changed,
            bmc.account_added, bmc.ssh_key_added, bmc.logs_present,
            bmc.network_config_changed, bmc.service_config_changed (the
            expectations of implants.json)
  drift     tenant_clean.img + a BIOS dump with a planted db key: TAINTED,
            exit 1, reason firmware.drift and the db change
  UNKNOWN   a BMC dump of random bytes: exit 8, reason image.unreadable;
            an unsigned baseline with --trust and without
            --insecure-unsigned: exit 8, reason baseline.untrusted

Usage: reclaim_test.py FWGUARD
"""
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile

FWGUARD = os.path.abspath(sys.argv[1])
HERE = os.path.dirname(os.path.abspath(__file__))
GEN = os.path.join(os.path.dirname(HERE), 'gen')
sys.path.insert(0, GEN)
import make_uefi_implants  # noqa: E402

VARS = '/usr/share/OVMF/OVMF_VARS_4M.ms.fd'
VERDICT_EXIT = {'CLEAN': 0, 'TAINTED': 1, 'UNKNOWN': 8}
failures = []


def check(ok, what):
    print(f'{"ok  " if ok else "FAIL"} {what}')
    if not ok:
        failures.append(what)
    return ok


def run(args):
    return subprocess.run([FWGUARD] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True)


def reclaim(label, args, verdict, codes=(), exact=False):
    """Runs reclaim --format json; checks the verdict, its exit code, the
    JSON contract and that every code in codes is among the reasons (and
    nothing else with exact).  Returns the document."""
    r = run(['reclaim', '--format', 'json'] + args)
    try:
        doc = json.loads(r.stdout)
    except ValueError:
        check(False, f'{label}: JSON output (exit {r.returncode}: {r.stderr.strip()[:200]})')
        return None
    problems = []
    for key in ('verdict', 'model', 'release', 'reasons', 'changes'):
        if key not in doc:
            problems.append(f'missing "{key}"')
    for reason in doc.get('reasons') or []:
        for key in ('code', 'class', 'path', 'message'):
            if key not in reason:
                problems.append(f'reason without "{key}": {reason}')
    check(not problems, f'{label}: reclaim JSON contract' +
          (': ' + '; '.join(problems[:4]) if problems else ''))
    got = [x.get('code') for x in doc.get('reasons') or []]
    check(doc.get('verdict') == verdict,
          f'{label}: verdict {doc.get("verdict")}, want {verdict} (reasons {got})')
    check(r.returncode == VERDICT_EXIT[verdict],
          f'{label}: exit {r.returncode}, want {VERDICT_EXIT[verdict]}')
    missing = [c for c in codes if c not in got]
    check(not missing, f'{label}: reasons include {list(codes)} (missing {missing})')
    if exact:
        check(set(got) <= set(codes), f'{label}: no other reason ({got})')
    if verdict != 'UNKNOWN':
        check(doc.get('model') == 'test', f'{label}: model "test" ({doc.get("model")!r})')
    # The text form gives the same verdict.
    t = run(['reclaim'] + args)
    check(t.returncode == r.returncode and verdict in t.stdout,
          f'{label}: text output says {verdict} (exit {t.returncode})')
    return doc


def main():
    with tempfile.TemporaryDirectory(prefix='fwg-reclaim-') as tmp:
        bmc = os.path.join(tmp, 'bmc')
        subprocess.run([sys.executable, os.path.join(GEN, 'make_bmc_implants.py'), bmc],
                       check=True, stdout=subprocess.DEVNULL)
        meta = json.load(open(os.path.join(bmc, 'implants.json')))['images']
        vars_copy = os.path.join(tmp, 'vars.fd')
        shutil.copyfile(VARS, vars_copy)
        golden = os.path.join(tmp, 'golden.json')
        r = run(['baseline', 'create', '--bmc', os.path.join(bmc, 'clean.img'),
                 '--bios', vars_copy, '--model', 'test', '-o', golden])
        if not check(r.returncode == 0 and os.path.exists(golden),
                     f'baseline create --bmc clean.img --bios vars.fd (exit {r.returncode}: '
                     f'{r.stderr.strip()[:200]})'):
            print(f'{len(failures)} failure(s)')
            return 1
        doc = json.load(open(golden))
        check(doc.get('format') == 'fwguard-baseline' and doc.get('model') == 'test' and
              len(doc.get('releases') or []) == 1, 'golden.json: format, model, one release')

        unsigned = ['--baseline', golden, '--insecure-unsigned']
        for name in ('tenant_clean.img', 'tenant_dirty.img'):
            entry = meta[name]
            codes = [x['code'] for x in entry['reasons']]
            d = reclaim(name, unsigned + ['--bmc', os.path.join(bmc, name), '--bios', vars_copy],
                        entry['verdict'], codes, exact=entry['verdict'] == 'CLEAN')
            if d and entry['verdict'] == 'CLEAN':
                check(not d.get('reasons') and not [c for c in d.get('changes') or []
                                                    if c.get('class') in ('critical', 'warning')],
                      f'{name}: no reason, no change above info')
            if d and entry['verdict'] == 'TAINTED':
                # Each file-based tenant reason names the overlay file it
                # comes from (account reasons may name the account instead).
                for want in entry['reasons']:
                    if want['code'] in ('bmc.account_added', 'bmc.password_changed'):
                        continue
                    hits = [x for x in d.get('reasons') or [] if x.get('code') == want['code']]
                    leaf = want['fs_path'].rsplit('/', 1)[1]
                    check(any(leaf in (x.get('path') or '') or leaf in (x.get('message') or '')
                              for x in hits),
                          f'{name}: {want["code"]} names {want["fs_path"]}')

        # Host firmware drift: a db key planted into the BIOS dump.
        with tempfile.TemporaryDirectory() as work:
            cert = make_uefi_implants.make_cert(work)
        planted, _ = make_uefi_implants.plant_db(open(VARS, 'rb').read(), cert)
        vars_db = os.path.join(tmp, 'vars_db.fd')
        with open(vars_db, 'wb') as f:
            f.write(planted)
        d = reclaim('tenant_clean.img + db implant',
                    unsigned + ['--bmc', os.path.join(bmc, 'tenant_clean.img'), '--bios', vars_db],
                    'TAINTED', ['firmware.drift'])
        if d:
            check(any(c.get('type') == 'nvram_var' and c.get('name') == 'db' and
                      c.get('class') == 'critical' for c in d.get('changes') or []),
                  'db implant: the db change is among the changes, critical')

        # No verdict without a readable dump.
        garbage = os.path.join(tmp, 'garbage.img')
        with open(garbage, 'wb') as f:
            f.write(random.Random(5).randbytes(1 << 20))
        reclaim('garbage BMC dump', unsigned + ['--bmc', garbage, '--bios', vars_copy],
                'UNKNOWN', ['image.unreadable'])

        # No verdict without a trusted baseline: unsigned, --trust given.
        key = os.path.join(tmp, 'ops.key')
        pub = os.path.join(tmp, 'ops.pem')
        subprocess.run(['openssl', 'genpkey', '-algorithm', 'EC', '-pkeyopt',
                        'ec_paramgen_curve:P-256', '-out', key], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        subprocess.run(['openssl', 'pkey', '-in', key, '-pubout', '-out', pub], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        trust = os.path.join(tmp, 'trust.json')
        with open(trust, 'w') as f:
            json.dump({'keys': [{'name': 'ops-test', 'public_key': open(pub).read(),
                                 'not_before': '2020-01-01T00:00:00Z',
                                 'not_after': '2099-01-01T00:00:00Z'}], 'revoked': []}, f)
        for sig in (golden + '.sig', os.path.join(tmp, 'MANIFEST.sig')):
            check(not os.path.exists(sig), f'no signature at {os.path.basename(sig)}')
        reclaim('unsigned baseline with --trust',
                ['--baseline', golden, '--trust', trust, '--bmc',
                 os.path.join(bmc, 'tenant_clean.img'), '--bios', vars_copy],
                'UNKNOWN', ['baseline.untrusted'])
    print(f'{len(failures)} failure(s)')
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
