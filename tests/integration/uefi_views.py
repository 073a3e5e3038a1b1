"""The two sides of every UEFIExtract comparison, shared by the oracle
tests: what UEFIExtract's report says an image holds, and the same summary
computed from fwguard's scan JSON.

A summary is (multiset of FFS file GUIDs, pad-file count, volume count).
UEFIExtract prints pad files without their GUID, and folds the pad file
EDK2 uses to hold a volume's extended header into the volume header, so
fwguard's side skips files marked holds_fv_ext_header.
"""
import collections
import os
import re
import shutil
import subprocess
import tempfile

GUID_RE = re.compile(r'([0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12})')


def uefiextract_view(image, workdir, strict=False):
    """Runs UEFIExtract on a private copy of image inside workdir.

    Returns the summary, or None when UEFIExtract fails.  strict: a file
    line without a GUID raises instead of being skipped."""
    d = tempfile.mkdtemp(dir=workdir)
    try:
        copy = os.path.join(d, os.path.basename(image))
        shutil.copyfile(image, copy)
        r = subprocess.run(['UEFIExtract', copy, 'report'], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
        report = copy + '.report.txt'
        if r.returncode != 0 or not os.path.exists(report):
            return None
        guids, pads, volumes = collections.Counter(), 0, 0
        with open(report, encoding='utf-8', errors='replace') as f:
            for line in f:
                cols = [c.strip() for c in line.split('|')]
                if len(cols) < 6:
                    continue
                if cols[0] == 'Volume':
                    volumes += 1
                elif cols[0] == 'File':
                    if cols[1] == 'Pad':
                        pads += 1
                        continue
                    m = GUID_RE.search(cols[5])
                    if m:
                        guids[m.group(1).lower()] += 1
                    elif strict:
                        raise RuntimeError(f'no GUID in report line: {line!r}')
        return guids, pads, volumes
    finally:
        shutil.rmtree(d, ignore_errors=True)


def fwguard_view(components):
    """The same summary from the `components` list of fwguard's scan JSON."""
    guids, pads, volumes = collections.Counter(), 0, 0
    for c in components:
        if c['type'] == 'fv':
            volumes += 1
        elif c['type'] == 'ffs':
            attrs = c['attributes']
            if attrs.get('holds_fv_ext_header'):
                continue
            if attrs.get('file_type') == 'PAD':
                pads += 1
            else:
                guids[c['guid']] += 1
    return guids, pads, volumes
