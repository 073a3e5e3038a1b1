#!/usr/bin/env python3
"""Writes a synthetic NVD-sized feed in NVD CVE JSON 2.0 format.

    gen_nvd_feed.py OUTDIR [CVES] [PER_FILE]

Defaults: 250,000 CVEs in files of 10,000 (like NVD's yearly feed files),
about 4 cpeMatch entries per CVE (~1M in all) over 40,000 vendor:product
pairs, a fifth of the configurations an AND with an OS or hardware
platform node.  The 16 products the sbom engine names (busybox, openssl,
...) are among the products, so matching has real candidates.  Ids are
CVE-9xxx-nnnnnn: synthetic, never real CVEs.  Deterministic (seeded).
"""
import itertools
import json
import os
import random
import sys

out = sys.argv[1]
total = int(sys.argv[2]) if len(sys.argv) > 2 else 250000
per_file = int(sys.argv[3]) if len(sys.argv) > 3 else 10000
rnd = random.Random(4)
os.makedirs(out, exist_ok=True)

canonical = ['busybox:busybox', 'openssl:openssl', 'haxx:libcurl',
             'dropbear_ssh_project:dropbear_ssh', 'openbsd:openssh', 'lighttpd:lighttpd',
             'f5:nginx', 'denx:u-boot', 'linux:linux_kernel', 'ami:megarac_sp-x',
             'ipmitool_project:ipmitool', 'net-snmp:net-snmp', 'zlib:zlib', 'gnu:glibc',
             'musl-libc:musl', 'tianocore:edk2']
products = canonical + [f'vendor{i % 15000}:product{i}' for i in range(40000 - len(canonical))]
# Popular products get many CVEs, like the NVD's long tail.
weights = [200 if i < len(canonical) else 1 + (40000 // (i + 50)) for i in range(len(products))]
cum = list(itertools.accumulate(weights))
platforms_o = ['linux:linux_kernel', 'microsoft:windows', 'vendor1:rtos', 'google:android']


def version():
    return f'{rnd.randint(0, 12)}.{rnd.randint(0, 40)}.{rnd.randint(0, 30)}'


def cpe(part, vp, ver='*'):
    v, p = vp.split(':')
    return f'cpe:2.3:{part}:{v}:{p}:{ver}:*:*:*:*:*:*:*'


def match(vp, part='a', vulnerable=True):
    m = {'vulnerable': vulnerable, 'matchCriteriaId': '00000000-0000-0000-0000-000000000000'}
    r = rnd.random()
    if r < 0.3:
        m['criteria'] = cpe(part, vp, version())
    else:
        m['criteria'] = cpe(part, vp)
        a, b = sorted([version(), version()], key=lambda s: [int(x) for x in s.split('.')])
        if r < 0.7:
            m['versionStartIncluding'] = a
        m['versionEndExcluding'] = b
    return m


def record(n, year):
    vp = rnd.choices(products, cum_weights=cum)[0]
    k = max(1, int(rnd.expovariate(1 / 4.2)))
    matches = [match(vp) for _ in range(min(k, 60))]
    nodes = [{'operator': 'OR', 'negate': False, 'cpeMatch': matches}]
    config = {'nodes': nodes}
    if rnd.random() < 0.2:
        config['operator'] = 'AND'
        if rnd.random() < 0.5:
            plat = {'vulnerable': False, 'criteria': cpe('o', rnd.choice(platforms_o))}
        else:
            plat = {'vulnerable': False, 'criteria': cpe('h', f'vendor{rnd.randint(0, 999)}:board{rnd.randint(0, 99)}', '-')}
        nodes.append({'operator': 'OR', 'negate': False, 'cpeMatch': [plat]})
    score = round(rnd.uniform(1, 10), 1)
    return {'cve': {
        'id': f'CVE-9{year % 1000:03d}-{n:06d}', 'sourceIdentifier': 'bench',
        'published': f'{year}-01-01T00:00:00.000', 'lastModified': f'{year}-01-02T00:00:00.000',
        'vulnStatus': 'Analyzed',
        'descriptions': [{'lang': 'en', 'value': f'Synthetic benchmark vulnerability {n} in {vp}.'}],
        'metrics': {'cvssMetricV31': [{'source': 'bench', 'type': 'Primary', 'cvssData': {
            'version': '3.1', 'vectorString': 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H',
            'baseScore': score}}]},
        'configurations': [config]}}


entries = 0
n = 0
fileno = 0
while n < total:
    count = min(per_file, total - n)
    path = os.path.join(out, f'nvdcve-2.0-synthetic-{fileno:03d}.json')
    with open(path, 'w') as f:
        f.write('{"resultsPerPage": %d, "startIndex": 0, "totalResults": %d, "format": "NVD_CVE",'
                ' "version": "2.0", "timestamp": "2024-01-01T00:00:00.000", "vulnerabilities": [\n'
                % (count, count))
        for i in range(count):
            rec = record(n, 2000 + fileno)
            entries += sum(len(nd['cpeMatch']) for nd in rec['cve']['configurations'][0]['nodes'])
            f.write(json.dumps(rec, separators=(',', ':')))
            f.write(',\n' if i + 1 < count else '\n')
            n += 1
        f.write(']}\n')
    fileno += 1
print(f'{n} CVEs, {entries} cpeMatch entries, {fileno} files')
