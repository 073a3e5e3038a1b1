/*
 * commands.c - the table of commands, options and exit codes (see
 * commands.h).  Edit here, then regenerate docs/man/fwguard.1 with
 * `fwguard help --man > docs/man/fwguard.1`.
 */
#include <string.h>

#include "commands.h"

const struct cli_option cli_common_options[] = {
	{ "hash", 0, "LIST", "Also compute these digests for every component: a comma-separated list of sha1 and sha384 (sha256 is always computed)." },
	{ "max-depth", 0, "N", "Stop unpacking below nesting depth N (default 48)." },
	{ "max-nodes", 0, "N", "Stop creating components after N in total (default 2000000)." },
	{ "max-decoded", 0, "BYTES", "Budget for all decompressed data together, with an optional K, M or G suffix (default 4G)." },
	{ "threads", 0, "N", "Hashing threads besides the main one (default: one per extra core)." },
	{ "help", 'h', NULL, "Show help for the command and exit." },
	{ NULL, 0, NULL, NULL },
};

static const struct cli_option tree_options[] = {
	{ "cache", 0, "DIR", "Reuse and fill the content-addressed cache of decoded sections in DIR." },
	{ NULL, 0, NULL, NULL },
};

static const struct cli_option scan_options[] = {
	{ "format", 'f', "FMT", "Output format: text (default), json (the scan document of docs/json.md, with findings) or sarif (SARIF 2.1.0)." },
	{ "output", 'o', "FILE", "Write the report to FILE instead of standard output." },
	{ "cache", 0, "DIR", "Reuse and fill the content-addressed cache of decoded sections in DIR: a re-scan of volumes seen before skips their decompression." },
	{ "rules", 'r', "DIR", "Also load the rule packs in DIR (YARA *.yar, component signatures, lists; see docs/findings.md). May be given several times." },
	{ "vulndb", 0, "FILE", "Match identified software against this vulnerability database (made by 'fwguard vulndb import'; default: $FWGUARD_VULNDB or ~/.local/share/fwguard/vulndb.sqlite when it exists)." },
	{ "suppressions", 0, "FILE", "Mark findings matching the entries of FILE (rule, path glob, reason, expiry) as suppressed: they stay in the report, flagged, and no longer count for --fail-on." },
	{ "engines", 0, "LIST", "Run only these analysis engines, a comma-separated list of sbom, vuln, yara, elf, ipmi and config (default: all)." },
	{ "no-analysis", 0, NULL, "Only unpack and inventory: run no analysis engine." },
	{ "fail-on", 0, "LEVEL", "Exit with status 1 when an unsuppressed finding of LEVEL or worse is found (info, low, medium, high or critical), or an anomaly of LEVEL or worse (warning or error). Default: never." },
	{ NULL, 0, NULL, NULL },
};

static const struct cli_option sbom_options[] = {
	{ "format", 'f', "FMT", "cyclonedx (CycloneDX 1.6 JSON, default) or spdx (SPDX 2.3 JSON)." },
	{ "output", 'o', "FILE", "Write the document to FILE instead of standard output." },
	{ "rules", 'r', "DIR", "Also load the component signatures in DIR. May be given several times." },
	{ "vulndb", 0, "FILE", "List the known vulnerabilities of the components from this database (default: as for scan)." },
	{ NULL, 0, NULL, NULL },
};

static const struct cli_option vulndb_options[] = {
	{ "db", 0, "FILE", "The database to create or update (default: $FWGUARD_VULNDB or ~/.local/share/fwguard/vulndb.sqlite)." },
	{ "help", 'h', NULL, "Show help for the command and exit." },
	{ NULL, 0, NULL, NULL },
};

static const struct cli_option extract_options[] = {
	{ "output", 'o', "DIR", "Directory to write into (created if missing; required). Nothing is written outside it." },
	{ NULL, 0, NULL, NULL },
};

static const struct cli_option no_options[] = {
	{ NULL, 0, NULL, NULL },
};

static const struct cli_option help_options[] = {
	{ "man", 0, NULL, "Print the manual page (roff) generated from the built-in help." },
	{ NULL, 0, NULL, NULL },
};

const struct cli_command cli_commands[] = {
	{
		"tree", "fwguard tree [OPTIONS] IMAGE",
		"print the component tree of a firmware image",
		"Unpacks IMAGE recursively and prints one line per component, indented by depth: type, name, GUID, offset inside the parent and size.",
		tree_options, cli_run_tree,
	},
	{
		"scan", "fwguard scan [OPTIONS] IMAGE",
		"inventory a firmware image and report anomalies",
		"Unpacks IMAGE (UEFI/SPI flash, capsules, option ROMs, OpenBMC, AMI MegaRAC and Supermicro BMC images, and the U-Boot images, filesystems, archives and compressed streams inside them) and prints its inventory (component counts by type, SHA-256 of the image) and every anomaly found: bad checksums, non-erased data in volume free space or padding, unknown GUIDs, truncated, overlapping or out-of-bounds structures and exhausted limits. Then the analysis engines run over the component tree and report findings, each with a rule id, severity, confidence, component path, evidence and remediation: identified software and its known vulnerabilities (offline database), YARA rules, ELF hardening, dangerous imports and setuid binaries, the IPMI commands AMI MegaRAC handler tables expose (and CVE-2023-34335), default or empty passwords, accounts added by writable overlays, cleartext credentials, private keys, weak or expired certificates, telnet, TFTP and debug shells enabled at boot, sshd settings, hard-coded tokens and OpenBMC packages signed with the public development key. With --format json it prints the stable scan document described in docs/json.md; with --format sarif a SARIF 2.1.0 log.",
		scan_options, cli_run_scan,
	},
	{
		"sbom", "fwguard sbom [OPTIONS] IMAGE",
		"write the software bill of materials of a firmware image",
		"Unpacks IMAGE, identifies its software (UEFI modules by GUID, name and hash; BMC packages, libraries and tools from package databases, os-release, firmware information and version strings) and writes one CycloneDX 1.6 or SPDX 2.3 JSON document holding host-firmware modules and BMC packages together. Each component carries its purl or CPE and the evidence that identified it. With a vulnerability database the CycloneDX document also lists the known vulnerabilities of the components.",
		sbom_options, cli_run_sbom,
	},
	{
		"vulndb", "fwguard vulndb import [OPTIONS] FILE...",
		"build the offline vulnerability database",
		"Imports vulnerability feeds the user downloaded, OSV JSON (one record or an array) and NVD CVE JSON 2.0 feeds, into a local SQLite database that scan and sbom match identified software against, offline. Importing a record again replaces it. A small demo feed ships in rules/vulndb/.",
		vulndb_options, cli_run_vulndb,
	},
	{
		"extract", "fwguard extract [OPTIONS] IMAGE -o DIR",
		"write every component of a firmware image to a directory",
		"Unpacks IMAGE and writes each component under DIR: a component with children becomes a directory holding _raw.bin (its stored bytes), _decoded.bin (its decompressed body, if any) and its children; a leaf becomes a .bin file. A filesystem or archive (squashfs, jffs2, ubifs, cramfs, cpio, tar) is also rebuilt as a real directory tree in its directory's root/: names, contents, permissions (setuid and setgid dropped) and symbolic links are kept, hard links become copies and device nodes empty placeholder files. DIR/fwguard.json holds the scan document. Component names are generated and sanitized, entry names from the image are checked again, and every file is created relative to its parent directory without following symbolic links, so nothing is ever written outside DIR, whatever paths, links or names the image holds. Decompression is bounded by the --max-decoded and --max-nodes budgets.",
		extract_options, cli_run_extract,
	},
	{
		"help", "fwguard help [COMMAND] [--man]",
		"show help for fwguard or one command",
		"Without arguments lists the commands; with COMMAND shows its options; with --man prints the manual page.",
		help_options, cli_run_help,
	},
	{
		"version", "fwguard version",
		"print the version",
		"Prints the fwguard version.",
		no_options, cli_run_version,
	},
	{ NULL, NULL, NULL, NULL, NULL, NULL },
};

const struct cli_exit_code cli_exit_codes[] = {
	{ EXIT_OK, "Success." },
	{ EXIT_ANOMALIES, "scan found an unsuppressed finding or an anomaly at or above the --fail-on level." },
	{ EXIT_USAGE, "Usage error: unknown command or option, missing argument." },
	{ EXIT_INPUT, "The image could not be read (missing, unreadable, empty or not a regular file)." },
	{ EXIT_LIMIT, "Out of memory while unpacking." },
	{ EXIT_OUTPUT, "The report or the extracted files could not be written." },
	{ EXIT_ANALYSIS, "A rule pack, the vulnerability database, a feed or the suppressions file could not be loaded." },
	{ -1, NULL },
};

const struct cli_command *cli_find_command(const char *name)
{
	for (const struct cli_command *c = cli_commands; c->name; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}
