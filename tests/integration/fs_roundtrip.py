"""Shared checks for filesystem round trips: what `fwguard extract` rebuilt
under a component's root/ must equal the tree the test image was built from.

compare_trees(src, root) -> list of human-readable differences (empty = equal):
names, regular file contents, permission bits (& 0o777), symlink targets,
and entry types.  Device nodes, fifos and sockets in src are expected as
empty placeholder files in root.
"""
import os
import re
import stat


def extracted_roots(outdir, type_name):
    """root/ directories of every extracted component of type_name."""
    roots = []
    for dirpath, dirnames, _ in os.walk(outdir):
        base = os.path.basename(dirpath)
        # "<id>_<type>[_<name>]"; types may hold '_' themselves (ubi_volume)
        if re.match(r"^\d+_" + re.escape(type_name) + r"(_|$)", base) and "root" in dirnames:
            roots.append(os.path.join(dirpath, "root"))
        # never descend into rebuilt trees: their names are not ours
        dirnames[:] = [d for d in dirnames if d != "root"]
    return sorted(roots)


def _entries(top):
    out = {}
    for dirpath, dirnames, filenames in os.walk(top):
        for name in dirnames + filenames:
            full = os.path.join(dirpath, name)
            out[os.path.relpath(full, top)] = os.lstat(full)
    return out


def compare_trees(src, root, check_modes=True):
    diffs = []
    a, b = _entries(src), _entries(root)
    for rel in sorted(set(a) - set(b)):
        diffs.append("missing in extraction: " + rel)
    for rel in sorted(set(b) - set(a)):
        diffs.append("extra in extraction: " + rel)
    for rel in sorted(set(a) & set(b)):
        sa, sb = a[rel], b[rel]
        pa, pb = os.path.join(src, rel), os.path.join(root, rel)
        if stat.S_ISLNK(sa.st_mode):
            if not stat.S_ISLNK(sb.st_mode):
                diffs.append("not a symlink: " + rel)
            elif os.readlink(pa) != os.readlink(pb):
                diffs.append("symlink target differs: %s (%r vs %r)"
                             % (rel, os.readlink(pa), os.readlink(pb)))
            continue
        if stat.S_ISDIR(sa.st_mode):
            if not stat.S_ISDIR(sb.st_mode):
                diffs.append("not a directory: " + rel)
        elif stat.S_ISREG(sa.st_mode):
            if not stat.S_ISREG(sb.st_mode):
                diffs.append("not a regular file: " + rel)
                continue
            with open(pa, "rb") as fa, open(pb, "rb") as fb:
                if fa.read() != fb.read():
                    diffs.append("content differs: " + rel)
        else:  # device, fifo, socket: placeholder
            if not stat.S_ISREG(sb.st_mode) or sb.st_size != 0:
                diffs.append("device placeholder missing: " + rel)
            continue
        if check_modes and (sa.st_mode & 0o777) != (sb.st_mode & 0o777):
            diffs.append("mode differs: %s (%o vs %o)"
                         % (rel, sa.st_mode & 0o777, sb.st_mode & 0o777))
    return diffs


def scan_entries(scan, fs_component_id):
    """{fs_path: component} for the entries below one filesystem component
    of a scan JSON document."""
    by_id = {c["id"]: c for c in scan["components"]}
    out = {}
    for c in scan["components"]:
        if "fs_path" not in c:
            continue
        p = c
        while p["parent"] is not None and "fs_path" in by_id[p["parent"]]:
            p = by_id[p["parent"]]
        if p["parent"] == fs_component_id:
            out[c["fs_path"]] = c
    return out
