/*
 * engine.h - analysis engines: what they see, what they report.
 *
 * An engine reads the finished component tree (never the raw input again)
 * and reports two kinds of results into one struct fwg_analysis:
 *
 *   findings   something wrong or worth a reviewer's eye: a rule id, a
 *              severity and confidence, the component it is about, the
 *              evidence, and what to do about it (fwg_report);
 *   software   components of the firmware SBOM: name, version, purl/CPE
 *              and the evidence that identified them (fwg_sbom_add).
 *
 * Engines run in the order of the table in analysis.c: identification
 * first, so that vulnerability matching sees every identified component;
 * the independent engines after.  Each engine is a const descriptor like a
 * handler; adding one means adding a file and a table entry.
 *
 * Rules and signatures are data, not code: engines load their packs from
 * the shipped rules directory (fwg_analysis_data_path) and from the
 * user's --rules directories.
 *
 * Strings passed to fwg_report/fwg_sbom_add are copied; text that comes
 * from the image (evidence, versions, handler names) is bounded and made
 * printable by the core, serializers escape it again.  Nothing an engine
 * stores points into memory the engine owns.
 *
 * Errors: an engine returns FWG_OK, or a status after fwg_analysis_fail()
 * recorded why (an unreadable rule pack, out of memory).  Problems in the
 * image itself are never errors: they are findings.
 */
#ifndef FWG_ENGINES_ENGINE_H
#define FWG_ENGINES_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fwguard/fwguard.h"
#include "../core/node.h"

/* One exposed IPMI command, decoded from a handler table (rule
 * "ipmi.command", and attached to the CVE/privilege findings too). */
struct fwg_ipmi_command {
	uint8_t netfn;
	uint8_t cmd;
	int privilege;      /* 0 none ... 5 OEM, 0x81 local, 0x82 system; -1 unknown */
	bool enabled;       /* false when a NetFnCmds table says DISABLED */
	char *handler;      /* handler symbol, "0x1234" when unresolved, or NULL */
	char *table;        /* table symbol the entry came from */
};

struct fwg_finding {
	const char *engine;          /* static: the engine's name */
	char *rule;                  /* stable id, "shadow.default_password" */
	enum fwg_level severity;
	enum fwg_confidence confidence;
	const struct fwg_node *node; /* component the finding is about; NULL = image */
	char *cve;                   /* "CVE-2023-34335" or NULL */
	char *message;
	char *evidence;              /* what was seen: a line, a string, a version */
	char *remediation;
	char *software_ref;          /* bom-ref of the SBOM component, or NULL */
	struct fwg_ipmi_command *ipmi; /* rule "ipmi.*" only */
	bool suppressed;
	char *suppress_reason;
};

/* What fwg_report copies into a new finding.  Designated initializers:
 *   fwg_report(a, &(struct fwg_finding_desc){ .rule = "x", ... });      */
struct fwg_finding_desc {
	const char *rule;
	enum fwg_level severity;
	enum fwg_confidence confidence;
	const struct fwg_node *node;
	const char *cve;
	const char *message;
	const char *evidence;        /* bounded to FWG_EVIDENCE_MAX bytes */
	size_t evidence_len;         /* 0 = strlen(evidence) */
	const char *remediation;
	const char *software_ref;
	const struct fwg_ipmi_command *ipmi; /* deep-copied */
};

#define FWG_EVIDENCE_MAX 512

struct fwg_sbom_evidence {
	const struct fwg_node *node; /* where it was seen (a file, a module) */
	char *method;                /* "string", "opkg-status", "os-release", "guid", ... */
	char *detail;                /* the pattern or field that matched, and the match */
};

struct fwg_software {
	char *bom_ref;       /* unique in the document: "sw-<n>" */
	char *name;          /* canonical lower-case name: "busybox", "openssl" */
	char *version;       /* as found, or NULL when unknown */
	char *kind;          /* CycloneDX type: "application", "library",
	                      * "firmware", "operating-system", "file" */
	char *supplier;      /* or NULL */
	char *purl;          /* or NULL */
	char *cpe;           /* CPE 2.3 formatted string, or NULL */
	char *description;   /* or NULL */
	bool has_guid;       /* UEFI modules */
	uint8_t guid[16];
	const struct fwg_node *node; /* the component it is (UEFI module), or NULL */
	struct fwg_sbom_evidence *evidence;
	size_t evidence_count, evidence_cap;
};

struct fwg_analysis {
	const struct fwg_image *image;
	const struct fwg_analysis_options *options;
	struct fwg_finding *findings;
	size_t finding_count, finding_cap;
	struct fwg_software *software;
	size_t software_count, software_cap;
	size_t *software_index; /* hash of software (slot = index + 1), or NULL:
	                         * see fwg_sbom_add in analysis.c */
	size_t software_index_cap;
	uint64_t next_ref;
	const char *current_engine; /* name stamped on new findings */
	bool alloc_failed;   /* a report could not be stored: FWG_NOMEM at the end */
	char error[512];     /* set by fwg_analysis_fail */
};

struct fwg_engine {
	const char *name;        /* "sbom", "vuln", "yara", "elf", "ipmi", "config" */
	const char *description;
	FWG_NODISCARD enum fwg_status (*run)(struct fwg_analysis *a);
};

/* Adds a finding; returns it (for the caller to adjust) or NULL when out
 * of memory (a->alloc_failed is set, and the analysis fails at the end). */
struct fwg_finding *fwg_report(struct fwg_analysis *a, const struct fwg_finding_desc *d);

/*
 * Adds a software component, or, when one with the same name and version
 * (and GUID, for modules) exists, returns that one; either way the
 * evidence (node, method, detail) is appended.  version may be NULL.
 * The caller fills purl/cpe/kind/... on a new component with
 * fwg_software_set(); NULL when out of memory.
 */
struct fwg_software *fwg_sbom_add(struct fwg_analysis *a, const char *name, const char *version,
		const struct fwg_node *node, const char *method, const char *detail);
/* The component (not a UEFI module) fwg_sbom_add would find for name and
 * version, or NULL; adds nothing. */
struct fwg_software *fwg_sbom_find(struct fwg_analysis *a, const char *name, const char *version);
/* Replaces one of a component's string fields (&sw->purl, &sw->cpe, ...). */
void fwg_software_set(struct fwg_analysis *a, char **field, const char *value);

/* Records why the analysis cannot go on; returns status for `return`. */
enum fwg_status fwg_analysis_fail(struct fwg_analysis *a, enum fwg_status status,
		const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/*
 * Path of a shipped data file or directory, "rules/yara" say, under the
 * data directory: options->data_dir, else $FWGUARD_DATA_DIR, else the
 * installed share/fwguard, else the source tree's (for uninstalled
 * builds).  Writes into out; false when none of them has it.
 */
bool fwg_analysis_data_path(const struct fwg_analysis *a, const char *relative, char *out,
		size_t out_size);

/* Printable, bounded copy of untrusted bytes (non-printables as \xNN). */
char *fwg_analysis_text(const uint8_t *bytes, size_t len, size_t max);

/* The filesystem path of a node ("/etc/shadow"), or NULL if not an fs
 * entry; and the nearest enclosing filesystem/archive node. */
const char *fwg_node_fs_path(const struct fwg_node *node);
const struct fwg_node *fwg_node_filesystem(const struct fwg_node *node);
/* The entry at fs_path inside filesystem node fs (a squashfs, jffs2, ...),
 * or NULL.  Linear in the tree depth, not in its size. */
const struct fwg_node *fwg_fs_find(const struct fwg_node *fs, const char *fs_path);

/* The engines, in run order (analysis.c). */
extern const struct fwg_engine fwg_engine_sbom;
extern const struct fwg_engine fwg_engine_vuln;
extern const struct fwg_engine fwg_engine_yara;
extern const struct fwg_engine fwg_engine_elf;
extern const struct fwg_engine fwg_engine_ipmi;
extern const struct fwg_engine fwg_engine_config;

#endif
