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
	{ "format", 'f', "FMT", "Output format: text (default) or json (see docs/json.md)." },
	{ "output", 'o', "FILE", "Write the report to FILE instead of standard output." },
	{ "cache", 0, "DIR", "Reuse and fill the content-addressed cache of decoded sections in DIR: a re-scan of volumes seen before skips their decompression." },
	{ "fail-on", 0, "LEVEL", "Exit with status 1 when an anomaly of LEVEL or worse is found: warning or error (default: never)." },
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
		"Unpacks IMAGE (UEFI/SPI flash, capsules, option ROMs, OpenBMC, AMI MegaRAC and Supermicro BMC images, and the U-Boot images, filesystems, archives and compressed streams inside them) and prints its inventory (component counts by type, SHA-256 of the image) and every anomaly found: bad checksums, non-erased data in volume free space or padding, unknown GUIDs, truncated, overlapping or out-of-bounds structures and exhausted limits. With --format json it prints the stable scan document described in docs/json.md.",
		scan_options, cli_run_scan,
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
	{ EXIT_ANOMALIES, "scan found an anomaly at or above the --fail-on level." },
	{ EXIT_USAGE, "Usage error: unknown command or option, missing argument." },
	{ EXIT_INPUT, "The image could not be read (missing, unreadable, empty or not a regular file)." },
	{ EXIT_LIMIT, "Out of memory while unpacking." },
	{ EXIT_OUTPUT, "The report or the extracted files could not be written." },
	{ -1, NULL },
};

const struct cli_command *cli_find_command(const char *name)
{
	for (const struct cli_command *c = cli_commands; c->name; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}
