#!/usr/bin/env python3
"""drift_test.py - the structural diff (`fwguard diff`, `fwguard baseline
create`) against implants planted at test time into real firmware.

The images come from tests/gen/make_uefi_implants.py (Debian's OVMF: a new
DXE driver, a byte changed inside a compressed module, data in volume free
space, a db update, a dbx rollback) and tests/gen/make_bmc_implants.py (an
OpenBMC-style image: a modified ELF, a new account, an extra init script, a
re-built factory image).  Both write implants.json with the changes each
image must produce; this test reads its expectations from there.  Generating
everything takes about 10 s, so nothing is cached between runs.

Checks:
  * the generated images are valid: fwguard scan finds no new anomaly
    (except fv.free_space_data in freespace.fd), the planted FFS file or
    filesystem file is in the tree, and UEFIExtract (uefitool-cli, when
    installed) sees the same files plus the planted one;
  * for every implant, `fwguard diff ORIGINAL IMPLANTED --format json`
    follows the diff JSON contract, reports the expected change with the
    right change, class, type, name (guid for UEFI, fs_path for BMC files)
    and a path holding the expected node, classes nothing else critical,
    and exits 1;
  * an image diffed with itself has no change at all and exits 0; the
    factory BMC image against its rebuild has no change above info, exit 0;
  * `fwguard baseline create ORIGINAL --model test -o b.json` then
    `fwguard diff b.json IMPLANTED --insecure-unsigned` gives the same
    changes as the image-to-image diff.

Usage: drift_test.py FWGUARD
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

FWGUARD = os.path.abspath(sys.argv[1])
HERE = os.path.dirname(os.path.abspath(__file__))
GEN = os.path.join(os.path.dirname(HERE), 'gen')
sys.path.insert(0, HERE)
from uefi_views import fwguard_view, uefiextract_view  # noqa: E402

CHANGE_KINDS = {'added', 'removed', 'modified'}
CLASSES = ['info', 'expected', 'warning', 'critical']
RANK = {'expected': 0, 'info': 1, 'warning': 2, 'critical': 3}

failures = []


def check(ok, what):
    print(f'{"ok  " if ok else "FAIL"} {what}')
    if not ok:
        failures.append(what)
    return ok


def run(args, **kw):
    return subprocess.run([FWGUARD] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True, **kw)


def scan(image):
    r = run(['scan', '--no-analysis', '--format', 'json', image])
    if r.returncode != 0:
        raise RuntimeError(f'fwguard scan {image} failed ({r.returncode}): {r.stderr}')
    return json.loads(r.stdout)


def as_list(v):
    return v if isinstance(v, list) else [v]


def matches(change, spec):
    """change satisfies spec: every listed field equal (a list: any of)."""
    for key in ('change', 'class', 'type', 'name', 'guid', 'fs_path'):
        if key in spec and change.get(key) not in as_list(spec[key]):
            return False
    sub = spec.get('path_substring')
    return sub is None or sub in (change.get('path') or '')


def explained(change, specs):
    """A critical change other than the expected ones is still explained
    when it sits on the node an expectation names (e.g. the free space that
    shrank around planted data, or the deleted record of an updated
    variable)."""
    for spec in specs:
        if change.get('type') not in as_list(spec['type']):
            continue
        sub = spec.get('path_substring')
        if sub is not None and sub in (change.get('path') or ''):
            return True
        if sub is None and change.get('name') == spec.get('name'):
            return True
    return False


def diff(old, new, extra=()):
    r = run(['diff', old, new, '--format', 'json'] + list(extra))
    doc = None
    if r.stdout.strip():
        try:
            doc = json.loads(r.stdout)
        except ValueError:
            pass
    return r, doc


def contract_ok(doc, label):
    """The diff JSON contract of the brief."""
    problems = []
    if not isinstance(doc, dict):
        return check(False, f'{label}: diff output is a JSON object')
    for key in ('old', 'new', 'summary', 'changes'):
        if key not in doc:
            problems.append(f'missing "{key}"')
    changes = doc.get('changes') or []
    summary = doc.get('summary') or {}
    for c in changes:
        for key in ('change', 'class', 'path', 'type', 'guid', 'name', 'reason'):
            if key not in c:
                problems.append(f'change without "{key}": {c}')
        if c.get('change') not in CHANGE_KINDS:
            problems.append(f'bad change kind {c.get("change")!r}')
        if c.get('class') not in CLASSES:
            problems.append(f'bad class {c.get("class")!r}')
        if c.get('type') == 'file' and 'fs_path' not in c:
            problems.append(f'file change without fs_path: {c.get("path")}')
    for cls in CLASSES:
        n = sum(1 for c in changes if c.get('class') == cls)
        if summary.get(cls) != n:
            problems.append(f'summary.{cls} = {summary.get(cls)!r}, changes hold {n}')
    return check(not problems, f'{label}: diff JSON contract' +
                 (': ' + '; '.join(problems[:5]) if problems else ''))


def change_key(c):
    return (c.get('change'), c.get('class'), c.get('type'), c.get('name'), c.get('guid'),
            c.get('path'))


def short(c):
    return f'{c.get("change")} {c.get("class")} {c.get("type")} {c.get("name")} {c.get("path")}'


# ---- generated-image validity (independent of diff) -----------------------

def validate_uefi(outdir, meta, workdir):
    have_uefiextract = shutil.which('UEFIExtract') is not None
    originals = {}
    for name, entry in meta['images'].items():
        image = os.path.join(outdir, name)
        orig = entry['original']
        if orig not in originals:
            originals[orig] = scan(orig)
        got = scan(image)
        before = {a['code'] for a in originals[orig]['anomalies']}
        new = [a for a in got['anomalies'] if a['code'] not in before]
        allowed = {'fv.free_space_data'} if name == 'freespace.fd' else set()
        check(all(a['code'] in allowed for a in new),
              f'{name}: no new anomaly ({[a["code"] for a in new]})')
        if name == 'freespace.fd':
            check(any(a['code'] == 'fv.free_space_data' for a in new),
                  f'{name}: fwguard sees the data in free space')
        for spec in entry['expect']:
            sub = spec.get('path_substring')
            if spec['change'] == 'added' and spec['type'] == 'ffs':
                nodes = [c for c in got['components'] if sub in c['path']
                         and c['type'] == 'ffs']
                check(len(nodes) == 1 and nodes[0]['name'] == spec['name'] and
                      nodes[0]['attributes'].get('header_checksum_ok') is True and
                      nodes[0]['attributes'].get('file_type') == 'DRIVER',
                      f'{name}: planted DRIVER {spec["name"]} in the tree, checksum ok')
        if have_uefiextract and name.endswith('.fd') and not name.startswith('vars'):
            want = uefiextract_view(orig, workdir, strict=True)
            saw = uefiextract_view(image, workdir, strict=True)
            added = {s['guid'] for s in entry['expect']
                     if s['change'] == 'added' and s['type'] == 'ffs'}
            ok = saw is not None and saw[1:] == want[1:] and \
                set((saw[0] - want[0]).keys()) == added and not (want[0] - saw[0])
            check(ok, f'{name}: UEFIExtract parses it and sees the original files'
                  f'{" plus " + ", ".join(sorted(added)) if added else ""}')
            check(saw is not None and fwguard_view(got['components']) == saw,
                  f'{name}: fwguard and UEFIExtract agree on files, pads, volumes')


def validate_bmc(outdir, meta):
    files = {}
    for name in meta['images']:
        doc = scan(os.path.join(outdir, name))
        files[name] = {c['path']: c['sha256'] for c in doc['components']
                       if c['type'] == 'file'}
    same_bytes = open(os.path.join(outdir, 'clean.img'), 'rb').read() == \
        open(os.path.join(outdir, 'clean_rebuilt.img'), 'rb').read()
    check(files['clean.img'] == files['clean_rebuilt.img'],
          f'clean_rebuilt.img: same files as clean.img (byte-identical: {same_bytes})')
    for name, entry in meta['images'].items():
        for spec in entry.get('expect', []):
            sub = spec.get('path_substring')
            if sub is None:
                continue
            inside = [p for p in files[name] if sub in p]
            check(len(inside) == 1, f'{name}: {spec.get("fs_path")} in the tree')
            if spec['change'] == 'modified' and inside:
                check(files[name][inside[0]] != files['clean.img'].get(inside[0]),
                      f'{name}: {spec.get("fs_path")} differs from clean.img')


# ---- diff -----------------------------------------------------------------

def check_implant(outdir, name, entry, baselines):
    original = os.path.join(outdir, entry['original'])
    image = os.path.join(outdir, name)
    label = f'diff {os.path.basename(original)} {name}'
    r, doc = diff(original, image)
    if not check(doc is not None, f'{label}: JSON output (exit {r.returncode}: '
                 f'{r.stderr.strip()[:200]})'):
        return
    contract_ok(doc, label)
    changes = doc.get('changes') or []
    for spec in entry['expect']:
        found = [c for c in changes if matches(c, spec)]
        # A spec that leaves the node kind open (free space: the data may be
        # reported on a padding node beside the remaining free space) may
        # match more than one change; any other matches exactly one.
        loose = any(isinstance(v, list) for v in spec.values())
        check(len(found) >= 1 if loose else len(found) == 1,
              f'{label}: {spec["change"]} {spec["class"]} {spec["type"]} '
              f'{spec.get("name")} reported {"" if loose else "once "}'
              f'(found {len(found)}; changes: '
              f'{[short(c) for c in changes][:6]})')
    extra = [c for c in changes if c.get('class') == 'critical' and
             not any(matches(c, s) for s in entry['expect']) and
             not explained(c, entry['expect'])]
    check(not extra, f'{label}: nothing else critical ({[short(c) for c in extra][:5]})')
    worst = max((RANK.get(c.get('class'), 0) for c in changes), default=0)
    want_rc = 1 if worst >= RANK['warning'] else 0
    check(r.returncode == want_rc, f'{label}: exit {r.returncode}, want {want_rc}')
    # The same diff against a baseline of the original.
    b = baselines.get(original)
    if b is None:
        return
    rb, docb = diff(b, image, ['--insecure-unsigned'])
    if not check(docb is not None, f'{label} (baseline): JSON output (exit {rb.returncode}: '
                 f'{rb.stderr.strip()[:200]})'):
        return
    contract_ok(docb, f'{label} (baseline)')
    got = sorted(change_key(c) for c in docb.get('changes') or [])
    want = sorted(change_key(c) for c in changes)
    check(got == want, f'{label}: baseline diff gives the same changes '
          f'(only image diff: {sorted(set(want) - set(got))[:3]}; only baseline diff: '
          f'{sorted(set(got) - set(want))[:3]})')
    check(rb.returncode == r.returncode, f'{label}: baseline diff exit {rb.returncode}')


def check_unchanged(a, b, label, max_class=None, extra=()):
    r, doc = diff(a, b, extra)
    if not check(doc is not None, f'{label}: JSON output (exit {r.returncode}: '
                 f'{r.stderr.strip()[:200]})'):
        return
    contract_ok(doc, label)
    changes = doc.get('changes') or []
    if max_class is None:
        check(not changes, f'{label}: no change ({[short(c) for c in changes][:5]})')
    else:
        above = [c for c in changes if RANK.get(c.get('class'), 9) > RANK[max_class]]
        check(not above, f'{label}: no change above {max_class} '
              f'({[short(c) for c in above][:5]})')
    check(r.returncode == 0, f'{label}: exit {r.returncode}, want 0')


def make_baseline(image, out):
    r = run(['baseline', 'create', image, '--model', 'test', '-o', out])
    ok = check(r.returncode == 0 and os.path.exists(out),
               f'baseline create {os.path.basename(image)} (exit {r.returncode}: '
               f'{r.stderr.strip()[:200]})')
    if not ok:
        return None
    try:
        doc = json.load(open(out))
    except ValueError:
        return check(False, f'baseline of {os.path.basename(image)} is JSON') and None
    check(doc.get('format') == 'fwguard-baseline' and doc.get('version') == 1 and
          doc.get('model') == 'test' and isinstance(doc.get('releases'), list) and
          len(doc['releases']) >= 1,
          f'baseline of {os.path.basename(image)}: format, version, model, releases')
    return out


def main():
    with tempfile.TemporaryDirectory(prefix='fwg-drift-') as tmp:
        uefi = os.path.join(tmp, 'uefi')
        bmc = os.path.join(tmp, 'bmc')
        for script, out in (('make_uefi_implants.py', uefi), ('make_bmc_implants.py', bmc)):
            subprocess.run([sys.executable, os.path.join(GEN, script), out], check=True,
                           stdout=subprocess.DEVNULL)
        umeta = json.load(open(os.path.join(uefi, 'implants.json')))
        bmeta = json.load(open(os.path.join(bmc, 'implants.json')))

        validate_uefi(uefi, umeta, tmp)
        validate_bmc(bmc, bmeta)

        originals = sorted({os.path.join(uefi, e['original']) for e in umeta['images'].values()}
                           | {os.path.join(bmc, 'clean.img')})
        baselines = {}
        for i, orig in enumerate(originals):
            check_unchanged(orig, orig, f'diff {os.path.basename(orig)} with itself')
            b = make_baseline(orig, os.path.join(tmp, f'baseline{i}.json'))
            if b:
                baselines[orig] = b
                check_unchanged(b, orig, f'diff baseline of {os.path.basename(orig)} '
                                'with the image', extra=['--insecure-unsigned'])
        check_unchanged(os.path.join(uefi, 'dxe_added.fd'), os.path.join(uefi, 'dxe_added.fd'),
                        'diff dxe_added.fd with itself')
        check_unchanged(os.path.join(bmc, 'clean.img'), os.path.join(bmc, 'clean_rebuilt.img'),
                        'diff clean.img clean_rebuilt.img', max_class='info')

        for outdir, meta in ((uefi, umeta), (bmc, bmeta)):
            for name, entry in meta['images'].items():
                if entry.get('original') and entry.get('expect'):
                    check_implant(outdir, name, entry, baselines)

        # Text output names the planted module.
        r = run(['diff', '/usr/share/OVMF/OVMF_CODE_4M.secboot.fd',
                 os.path.join(uefi, 'dxe_added.fd')])
        check(r.returncode == 1 and 'FwgImplantDxe' in r.stdout,
              f'diff (text) names FwgImplantDxe, exit {r.returncode}')
    print(f'{len(failures)} failure(s)')
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
