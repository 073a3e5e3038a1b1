#!/usr/bin/env bash
# fetch-schemas.sh DIR - puts the official JSON schemas the SBOM and SARIF
# tests validate against into DIR (not committed; the tests find DIR through
# FWGUARD_SCHEMA_DIR).  Only the npm registry is used, through `npm pack`:
#
#   DIR/cyclonedx/  bom-1.6.SNAPSHOT.schema.json with its spdx.SNAPSHOT and
#                   jsf-0.82.SNAPSHOT companions, from the CycloneDX project's
#                   own package @cyclonedx/cyclonedx-library (res/schema/);
#   DIR/sarif/      sarif-2.1.0-rtm.5.json, the SARIF 2.1.0 schema as
#                   approved by OASIS (SchemaStore copy), from Microsoft's
#                   @microsoft/jest-sarif (lib/schemas/);
#   DIR/spdx/       spdx-2.3.schema.json: no npm package carries the SPDX 2.3
#                   JSON schema, so the validation keywords of the official
#                   one are kept in tests/schemas/ (provenance in its README)
#                   and copied from there.
#
# Versions are pinned so every run validates against the same schemas.
set -euo pipefail

CDX_PKG='@cyclonedx/cyclonedx-library@10.3.0'
SARIF_PKG='@microsoft/jest-sarif@1.0.0-beta.0'

if [ $# -ne 1 ]; then
	echo "usage: $0 DIR" >&2
	exit 2
fi
dir=$1
here=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$dir/cyclonedx" "$dir/sarif" "$dir/spdx"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

pack() {
	# npm pack writes the tarball name as its last line of stdout.
	(cd "$work" && npm pack --silent "$1" 2>/dev/null | tail -n 1)
}

cdx=$(pack "$CDX_PKG")
tar -xzf "$work/$cdx" -C "$work" \
	package/res/schema/bom-1.6.SNAPSHOT.schema.json \
	package/res/schema/spdx.SNAPSHOT.schema.json \
	package/res/schema/jsf-0.82.SNAPSHOT.schema.json
cp "$work"/package/res/schema/*.SNAPSHOT.schema.json "$dir/cyclonedx/"
rm -rf "$work/package"

sarif=$(pack "$SARIF_PKG")
tar -xzf "$work/$sarif" -C "$work" package/lib/schemas/sarif-2.1.0-rtm.5.json
cp "$work/package/lib/schemas/sarif-2.1.0-rtm.5.json" "$dir/sarif/"

cp "$here/tests/schemas/spdx-2.3.schema.json" "$dir/spdx/"
echo "schemas in $dir: cyclonedx/ ($CDX_PKG), sarif/ ($SARIF_PKG), spdx/ (tests/schemas)"
