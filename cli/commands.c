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

static const struct cli_option eventlog_show_options[] = {
	{ "format", 'f', "FMT", "text (default) or json (every event with its decoded fields; docs/json.md)." },
	{ "output", 'o', "FILE", "Write to FILE instead of standard output." },
	{ "help", 'h', NULL, "Show help for the command and exit." },
	{ NULL, 0, NULL, NULL },
};

static const struct cli_option eventlog_replay_options[] = {
	{ "format", 'f', "FMT", "text (default) or json: {\"pcrs\": {\"sha256\": {\"0\": \"hex\", ...}, ...}} with every bank the log has." },
	{ "pcrs", 'p', "FILE", "Compare with the PCR values in FILE: tpm2_pcrread YAML or fwguard's replay JSON." },
	{ "tpm", 0, "TCTI", "Compare with the PCRs of a TPM read through tpm2-tss, e.g. device:/dev/tpmrm0 or swtpm:port=2321 (empty = tss2's default TCTI)." },
	{ "quote", 'q', "FILE", "Compare with a TPM2_Quote: the TPMS_ATTEST message written by tpm2_quote -m. Needs --signature, --ak and --nonce." },
	{ "signature", 's', "FILE", "The quote's TPMT_SIGNATURE (tpm2_quote -s)." },
	{ "ak", 0, "FILE", "The attestation key's public part: TPM2B_PUBLIC (tpm2_createak -u), TPMT_PUBLIC, PEM or DER." },
	{ "nonce", 'n', "HEX", "The verifier's nonce the quote must carry as qualifying data." },
	{ "pcr-list", 0, "LIST", "PCRs to compare, e.g. 0-7,9 (default: PCRs 0-7 and every PCR the log extends)." },
	{ "help", 'h', NULL, "Show help for the command and exit." },
	{ NULL, 0, NULL, NULL },
};

static const struct cli_option eventlog_check_options[] = {
	{ "ref", 'r', "FILE", "The model's reference values, made by 'fwguard eventlog baseline' (required)." },
	{ "pcrs", 'p', "FILE", "Also require the log to replay to the PCR values in FILE (tpm2_pcrread YAML or replay JSON)." },
	{ "tpm", 0, "TCTI", "Also require the log to replay to the PCRs of this TPM (tpm2-tss TCTI)." },
	{ "allowlist", 'a', "FILE", "Vendor key rotations that are not alarms: {\"key_rotations\": [{\"variable\": \"dbx\", \"certificate_sha256\"|\"owner\": ...}]} (docs/eventlog.md)." },
	{ "format", 'f', "FMT", "text (default) or json: {\"verdict\": \"pass\"|\"fail\", \"findings\": [...]}." },
	{ "fail-on", 0, "LEVEL", "Lowest severity that fails the check: info, low, medium (default), high or critical." },
	{ "help", 'h', NULL, "Show help for the command and exit." },
	{ NULL, 0, NULL, NULL },
};

static const struct cli_option eventlog_baseline_options[] = {
	{ "model", 'm', "NAME", "Platform model the reference is for (required)." },
	{ "output", 'o', "FILE", "Write the reference to FILE (required)." },
	{ "merge", 0, "FILE", "Start from this existing reference of the same model and add what the logs show." },
	{ "require-secure-boot", 0, NULL, "Fail the check of any log with Secure Boot off, even if the known-good logs had it off." },
	{ "help", 'h', NULL, "Show help for the command and exit." },
	{ NULL, 0, NULL, NULL },
};

static const struct cli_option eventlog_quote_options[] = {
	{ "quote", 'q', "FILE", "The TPMS_ATTEST message written by tpm2_quote -m (required)." },
	{ "signature", 's', "FILE", "The TPMT_SIGNATURE written by tpm2_quote -s (required)." },
	{ "ak", 0, "FILE", "The attestation key's public part: TPM2B_PUBLIC, TPMT_PUBLIC, PEM or DER (required)." },
	{ "nonce", 'n', "HEX", "The verifier's nonce, which must be the quote's qualifying data (required)." },
	{ "log", 'l', "FILE", "Replay this event log and require the quoted PCR digest to match it." },
	{ "pcrs", 'p', "FILE", "Require the quoted PCR digest to match these PCR values (tpm2_pcrread YAML or replay JSON)." },
	{ "format", 'f', "FMT", "text (default) or json." },
	{ "help", 'h', NULL, "Show help for the command and exit." },
	{ NULL, 0, NULL, NULL },
};

static const struct cli_option baseline_create_options[] = {
	{ "model", 'm', "NAME", "Platform model the baseline is for (required), e.g. the vendor's board or SKU name." },
	{ "release", 'r', "LABEL", "Vendor release these images are (default: \"1\"). A model holds one set of images per release." },
	{ "bios", 0, "FILE", "Host firmware image (SPI flash dump or BIOS image) of this release." },
	{ "bmc", 0, "FILE", "BMC firmware image (flash dump) of this release." },
	{ "merge", 0, "FILE", "Start from the releases of this existing baseline and add (or replace) this release. Its signature is checked first (--trust)." },
	{ "trust", 't', "STORE", "Trust store the --merge baseline must be signed by." },
	{ "insecure-unsigned", 0, NULL, "Merge into a baseline without checking its signature (tests only)." },
	{ "output", 'o', "FILE", "Write the baseline manifest to FILE (required)." },
	{ NULL, 0, NULL, NULL },
};

static const struct cli_option baseline_sign_options[] = {
	{ "key", 'k', "KEY", "Private key: a PEM file (ECDSA P-256 or P-384, RSA-3072 or Ed25519) or an RFC 7512 PKCS#11 URI such as 'pkcs11:token=ops;object=baseline?module-path=/usr/lib/softhsm/libsofthsm2.so'." },
	{ "pin", 0, "PIN", "PKCS#11 user PIN (default: pin-value in the URI, else $FWGUARD_PKCS11_PIN)." },
	{ "output", 'o', "FILE", "Write the detached signature to FILE (default: MANIFEST.sig)." },
	{ NULL, 0, NULL, NULL },
};

static const struct cli_option baseline_verify_options[] = {
	{ "trust", 't', "STORE", "Trust store of baseline signing keys, with validity windows and revoked keys (required; see docs/baselines.md)." },
	{ "signature", 's', "FILE", "Detached signature (default: MANIFEST.sig)." },
	{ "format", 'f', "FMT", "text (default) or json." },
	{ NULL, 0, NULL, NULL },
};

static const struct cli_option baseline_pubkey_options[] = {
	{ "key", 'k', "KEY", "A PEM private or public key, an X.509 certificate, or a PKCS#11 URI." },
	{ "pin", 0, "PIN", "PKCS#11 user PIN, when the token needs a login to read the key." },
	{ "output", 'o', "FILE", "Write the public key PEM to FILE instead of standard output." },
	{ NULL, 0, NULL, NULL },
};

static const struct cli_option diff_options[] = {
	{ "trust", 't', "STORE", "Trust store that baselines on either side must be signed by (see docs/baselines.md)." },
	{ "expect", 'e', "BASELINE", "A signed baseline of a newer vendor release: changes that make a component equal to that release's are reported as expected. May be given several times; the other releases of OLD count too." },
	{ "allow", 'a', "FILE", "Key-rotation allowlist: Secure Boot database changes signed off by the vendors listed there (e.g. dbx updates) are reported as expected." },
	{ "release", 'r', "LABEL", "Compare against this release of a baseline OLD (default: the release closest to NEW)." },
	{ "insecure-unsigned", 0, NULL, "Accept baselines without a valid signature (never for production: the baseline is the root of trust)." },
	{ "format", 'f', "FMT", "text (default) or json." },
	{ "output", 'o', "FILE", "Write the report to FILE instead of standard output." },
	{ "fail-on", 0, "CLASS", "Exit with status 1 when a change of CLASS or worse is found: warning (default) or critical." },
	{ NULL, 0, NULL, NULL },
};

static const struct cli_option reclaim_options[] = {
	{ "baseline", 'b', "FILE", "Signed golden baseline of the server's model (required)." },
	{ "trust", 't', "STORE", "Trust store the baseline must be signed by (required unless --insecure-unsigned)." },
	{ "bios", 0, "FILE", "Host firmware dump read from the server." },
	{ "bmc", 0, "FILE", "BMC flash dump read from the server." },
	{ "allow", 'a', "FILE", "Key-rotation allowlist, as for diff." },
	{ "insecure-unsigned", 0, NULL, "Accept an unsigned baseline (testing only)." },
	{ "format", 'f', "FMT", "text (default) or json." },
	{ "output", 'o', "FILE", "Write the verdict to FILE instead of standard output." },
	{ NULL, 0, NULL, NULL },
};

static const struct cli_option verify_update_options[] = {
	{ "trust", 't', "PEM", "Trusted X.509 certificate or public key (PEM). May be given several times; at least one is required." },
	{ "current-version", 0, "VERSION", "Version installed on the device: an update with a lower version is refused as a downgrade." },
	{ "format", 'f', "FMT", "text (default) or json." },
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
		"baseline create", "fwguard baseline create [OPTIONS] --model NAME -o FILE [--bios FILE] [--bmc FILE] [IMAGE...]",
		"record a golden baseline of known-good firmware",
		"Unpacks each image of one vendor release and writes a canonical baseline manifest: every component's identity path, type, GUID, name, size and SHA-256; region hashes; NVRAM variables; Secure Boot key lists; BMC files with their modes and owners; BMC accounts. Images given without --bios or --bmc are assigned a role from their contents. With --merge the new release is added to an existing baseline, so one model holds one known-good set per vendor release. Sign the result with 'fwguard baseline sign'.",
		baseline_create_options, cli_run_baseline_create, true,
	},
	{
		"baseline sign", "fwguard baseline sign [OPTIONS] MANIFEST --key KEY",
		"sign a baseline manifest",
		"Writes a detached signature over the canonical form of MANIFEST (sorted keys, no insignificant white space), with an ECDSA P-256/P-384, RSA-3072 or Ed25519 key from a PEM file or from an HSM through PKCS#11. The signature names the key by the SHA-256 of its public key and records the signing time.",
		baseline_sign_options, cli_run_baseline_sign,
	},
	{
		"baseline verify", "fwguard baseline verify [OPTIONS] MANIFEST --trust STORE",
		"check the signature of a baseline manifest",
		"Verifies MANIFEST against its detached signature and the trust store. A manifest that is unsigned, signed by an unknown, not yet valid, expired or revoked key, wrongly signed or changed after signing is refused with the reason.",
		baseline_verify_options, cli_run_baseline_verify,
	},
	{
		"baseline pubkey", "fwguard baseline pubkey --key KEY [-o FILE]",
		"print the public key and key id of a signing key",
		"Prints the PEM public key of KEY (a PEM file or a PKCS#11 URI) and writes its key id, the SHA-256 of the DER SubjectPublicKeyInfo, to standard error, for adding the key to a trust store.",
		baseline_pubkey_options, cli_run_baseline_pubkey,
	},
	{
		"diff", "fwguard diff [OPTIONS] OLD NEW",
		"structural diff of two firmware images or baselines",
		"Compares OLD and NEW, each a firmware image or a baseline manifest, component by component. Components are matched by identity (GUID, name and path), not by offset, and every added, removed or modified component is reported with its tree path, type, name and GUID, and a class: critical (new or modified PEI/DXE/SMM modules, option ROMs, data in volume free space or padding, changed PK/KEK/db, dbx rollback, new or changed BMC executables or init scripts, new BMC accounts), warning (NVRAM configuration, BMC configuration files), info (timestamps, metadata) or expected (explained by a newer signed vendor release or an allowlisted key rotation). Changes inside a module are reported once, at the module.",
		diff_options, cli_run_diff, true,
	},
	{
		"reclaim", "fwguard reclaim [OPTIONS] --baseline FILE [--bios DUMP] [--bmc DUMP]",
		"decide whether a bare-metal server is clean for the next tenant",
		"Compares the firmware dumps read from a server with its model's signed golden baseline and checks the state a previous tenant may have left on the BMC: accounts and password hashes not reset to factory values, logs not erased, extra SSH keys, changed network or service configuration. Prints the verdict, CLEAN, TAINTED or UNKNOWN, with every reason.",
		reclaim_options, cli_run_reclaim, true,
	},
	{
		"verify-update", "fwguard verify-update [OPTIONS] FILE --trust PEM...",
		"verify the signature of a firmware update before reflashing",
		"Checks a UEFI FMP capsule (EFI_FIRMWARE_IMAGE_AUTHENTICATION: the PKCS#7 signature over the payload and monotonic count, against the trusted certificates) or an OpenBMC update package (each file's .sig and image-full.sig against the package's publickey, and that publickey against the trusted keys). Unsigned, wrongly signed and downgraded updates are refused with the reason.",
		verify_update_options, cli_run_verify_update, true,
	},
	{
		"eventlog show", "fwguard eventlog show [OPTIONS] LOG",
		"decode every event of a TPM 2.0 event log",
		"Parses a TCG PC Client event log (legacy SHA-1 or crypto-agile, as read from /sys/kernel/security/tpm0/binary_bios_measurements) and prints every event: PCR, type, digests in every bank, boot phase in firmware and plain terms, and the decoded event data: UEFI variables with their signature lists and certificates, image loads with their device paths, GPT tables, firmware blobs, S-CRTM versions, separators, actions, EV_IPL strings and the Spec ID, StartupLocality and other EV_NO_ACTION events. Events whose digest should be a hash of their data and is not are marked.",
		eventlog_show_options, cli_run_eventlog_show,
	},
	{
		"eventlog replay", "fwguard eventlog replay [OPTIONS] LOG",
		"recompute the PCRs an event log claims, in every bank",
		"Replays every bank of LOG (PCR0 starting at the startup locality, PCRs 17-22 at all ones) and prints PCRs 0-23. With --pcrs, --tpm or --quote the replay is compared with the real PCRs; exit status 1 when they differ, which means the log does not describe the boot the TPM recorded, and 7 when a quote does not verify.",
		eventlog_replay_options, cli_run_eventlog_replay,
	},
	{
		"eventlog check", "fwguard eventlog check [OPTIONS] LOG --ref FILE",
		"judge an event log against its model's reference values",
		"Checks LOG against a reference learned from known-good logs of the same model and reports, each naming the PCR, the event and the boot phase: Secure Boot off or in setup or audit mode; PK, KEK, db or dbx changes (an allowlisted vendor key rotation is not an alarm); unknown boot applications, drivers and option ROMs; changed firmware blobs or S-CRTM version; missing or error separators; measurements after the separator in PCRs 0-7; events whose digest does not match their data; a log that does not replay to the TPM's PCRs; an unexpected boot order or boot manager. Prints the verdict, pass or fail; exit status 1 on fail.",
		eventlog_check_options, cli_run_eventlog_check,
	},
	{
		"eventlog baseline", "fwguard eventlog baseline [OPTIONS] LOG... --model NAME -o FILE",
		"learn a model's reference values from known-good event logs",
		"Reads event logs of known-good boots of one platform model and writes the reference 'eventlog check' compares against: S-CRTM versions, firmware blobs, Secure Boot state and the PK, KEK, db and dbx contents, the drivers, option ROMs and boot applications, the boot order and boot manager, and the final PCR values, each as the set of values seen.",
		eventlog_baseline_options, cli_run_eventlog_baseline,
	},
	{
		"eventlog quote", "fwguard eventlog quote [OPTIONS] --quote FILE --signature FILE --ak FILE --nonce HEX",
		"verify a TPM2_Quote",
		"Unmarshals the quote (TPMS_ATTEST) and checks its signature (RSASSA, RSAPSS or ECDSA) with the attestation key, its qualifying data against the verifier's nonce, and, with --log or --pcrs, its PCR digest against the expected PCR values. Exit status 7 when any check fails.",
		eventlog_quote_options, cli_run_eventlog_quote,
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
	{ EXIT_ANOMALIES, "The check failed: scan found an unsuppressed finding or an anomaly at or above the --fail-on level; diff found a change at or above its --fail-on class; reclaim judged the server TAINTED; an event log does not replay to the real PCRs or fails its check." },
	{ EXIT_USAGE, "Usage error: unknown command or option, missing argument." },
	{ EXIT_INPUT, "The image could not be read (missing, unreadable, empty or not a regular file)." },
	{ EXIT_LIMIT, "Out of memory while unpacking." },
	{ EXIT_OUTPUT, "The report or the extracted files could not be written." },
	{ EXIT_ANALYSIS, "A rule pack, the vulnerability database, a feed or the suppressions file could not be loaded." },
	{ EXIT_UNTRUSTED, "A signature was refused: an unsigned, wrongly signed or tampered baseline or update, a key that is unknown, expired or revoked, a downgraded update, or a TPM quote that does not verify." },
	{ EXIT_UNKNOWN, "reclaim could not reach a verdict (UNKNOWN)." },
	{ -1, NULL },
};

const struct cli_command *cli_find_command(const char *name)
{
	for (const struct cli_command *c = cli_commands; c->name; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

bool cli_is_command_group(const char *name)
{
	size_t n = strlen(name);
	for (const struct cli_command *c = cli_commands; c->name; c++)
		if (strncmp(c->name, name, n) == 0 && c->name[n] == ' ')
			return true;
	return false;
}

void cli_print_group(FILE *out, const char *name)
{
	size_t n = strlen(name);
	for (const struct cli_command *c = cli_commands; c->name; c++)
		if (strncmp(c->name, name, n) == 0 && c->name[n] == ' ')
			fprintf(out, "  %-16s %s\n", c->name, c->summary);
}
