/*
 * eventlog.h - public API for measured boot: TCG PC Client event logs,
 * PCR replay, TPM2_Quote verification and per-model reference values
 * (docs/eventlog.md).
 *
 * A log is parsed in place: events borrow their digests and data from the
 * caller's buffer, which must outlive the log.  Parsing never trusts a
 * length: every event is bounds-checked against the buffer, and a log that
 * ends in the middle of an event keeps the events before it and records
 * where and why it stopped.
 */
#ifndef FWGUARD_EVENTLOG_H
#define FWGUARD_EVENTLOG_H

#include <stdio.h>

#include "fwguard/fwguard.h"

#ifdef __cplusplus
extern "C" {
#endif

/* TPM_ALG_ID values of the hash algorithms a log may carry. */
enum {
	FWG_TPM_ALG_SHA1 = 0x0004,
	FWG_TPM_ALG_SHA256 = 0x000B,
	FWG_TPM_ALG_SHA384 = 0x000C,
	FWG_TPM_ALG_SHA512 = 0x000D,
	FWG_TPM_ALG_SM3_256 = 0x0012,
};

#define FWG_PCR_COUNT 24
#define FWG_EVLOG_MAX_BANKS 8  /* digests per event we keep; more is malformed */
#define FWG_DIGEST_MAX 64

/* "sha1", "sha256", "sha384", "sha512", "sm3_256", or NULL. */
const char *fwg_tpm_alg_name(uint16_t alg);
/* Inverse of fwg_tpm_alg_name; 0 when unknown. */
uint16_t fwg_tpm_alg_from_name(const char *name);
/* Digest size of a known algorithm, 0 otherwise. */
size_t fwg_tpm_alg_digest_size(uint16_t alg);
/* Hashes len bytes with alg into out; false when alg cannot be computed. */
bool fwg_tpm_hash(uint16_t alg, const void *data, size_t len, uint8_t *out);

/* Event types (TCG PC Client Platform Firmware Profile, section 10.4.1). */
enum {
	FWG_EV_PREBOOT_CERT = 0x0,
	FWG_EV_POST_CODE = 0x1,
	FWG_EV_UNUSED = 0x2,
	FWG_EV_NO_ACTION = 0x3,
	FWG_EV_SEPARATOR = 0x4,
	FWG_EV_ACTION = 0x5,
	FWG_EV_EVENT_TAG = 0x6,
	FWG_EV_S_CRTM_CONTENTS = 0x7,
	FWG_EV_S_CRTM_VERSION = 0x8,
	FWG_EV_CPU_MICROCODE = 0x9,
	FWG_EV_PLATFORM_CONFIG_FLAGS = 0xA,
	FWG_EV_TABLE_OF_DEVICES = 0xB,
	FWG_EV_COMPACT_HASH = 0xC,
	FWG_EV_IPL = 0xD,
	FWG_EV_IPL_PARTITION_DATA = 0xE,
	FWG_EV_NONHOST_CODE = 0xF,
	FWG_EV_NONHOST_CONFIG = 0x10,
	FWG_EV_NONHOST_INFO = 0x11,
	FWG_EV_OMIT_BOOT_DEVICE_EVENTS = 0x12,
	FWG_EV_POST_CODE2 = 0x13,
	FWG_EV_EFI_EVENT_BASE = 0x80000000,
	FWG_EV_EFI_VARIABLE_DRIVER_CONFIG = 0x80000001,
	FWG_EV_EFI_VARIABLE_BOOT = 0x80000002,
	FWG_EV_EFI_BOOT_SERVICES_APPLICATION = 0x80000003,
	FWG_EV_EFI_BOOT_SERVICES_DRIVER = 0x80000004,
	FWG_EV_EFI_RUNTIME_SERVICES_DRIVER = 0x80000005,
	FWG_EV_EFI_GPT_EVENT = 0x80000006,
	FWG_EV_EFI_ACTION = 0x80000007,
	FWG_EV_EFI_PLATFORM_FIRMWARE_BLOB = 0x80000008,
	FWG_EV_EFI_HANDOFF_TABLES = 0x80000009,
	FWG_EV_EFI_PLATFORM_FIRMWARE_BLOB2 = 0x8000000A,
	FWG_EV_EFI_HANDOFF_TABLES2 = 0x8000000B,
	FWG_EV_EFI_VARIABLE_BOOT2 = 0x8000000C,
	FWG_EV_EFI_GPT_EVENT2 = 0x8000000D,
	FWG_EV_EFI_HCRTM_EVENT = 0x80000010,
	FWG_EV_EFI_VARIABLE_AUTHORITY = 0x800000E0,
	FWG_EV_EFI_SPDM_FIRMWARE_BLOB = 0x800000E1,
	FWG_EV_EFI_SPDM_FIRMWARE_CONFIG = 0x800000E2,
	FWG_EV_EFI_SPDM_DEVICE_POLICY = 0x800000E3,
	FWG_EV_EFI_SPDM_DEVICE_AUTHORITY = 0x800000E4,
};
/* "EV_EFI_ACTION" etc., or NULL for an unknown type. */
const char *fwg_event_type_name(uint32_t type);

/* Boot phases, in boot order (docs/eventlog.md maps the two vocabularies). */
enum fwg_boot_phase {
	FWG_PHASE_SEC = 0,   /* platform root of trust */
	FWG_PHASE_PEI,       /* early firmware */
	FWG_PHASE_DXE,       /* firmware drivers and configuration */
	FWG_PHASE_BDS,       /* boot device selection */
	FWG_PHASE_OS_LOADER, /* bootloader and kernel */
	FWG_PHASE_OS,        /* operating system, after ExitBootServices */
};
/* Firmware term: "SEC", "PEI", "DXE", "BDS", "OS loader", "OS". */
const char *fwg_phase_firmware_name(enum fwg_boot_phase phase);
/* Plain stage term responders use: "platform root of trust", ... */
const char *fwg_phase_stage_name(enum fwg_boot_phase phase);
/* Stable JSON identifier: "sec", "pei", "dxe", "bds", "os_loader", "os". */
const char *fwg_phase_id(enum fwg_boot_phase phase);

struct fwg_event_digest {
	uint16_t alg;
	uint16_t size;
	const uint8_t *bytes; /* borrowed from the log buffer */
};

/* Event flags. */
#define FWG_EVENT_DIGEST_CHECKED 0x1u  /* the spec makes the digest a hash of the data */
#define FWG_EVENT_DIGEST_MISMATCH 0x2u /* ... and at least one bank disagrees */
#define FWG_EVENT_HEADER 0x4u          /* the TCG_PCR_EVENT header (Spec ID) event */

struct fwg_event {
	uint32_t index;  /* 0 for the first event of the log */
	size_t offset;   /* of the event's first byte in the log */
	uint32_t pcr;
	uint32_t type;
	uint32_t digest_count;
	struct fwg_event_digest digests[FWG_EVLOG_MAX_BANKS];
	const uint8_t *data; /* borrowed */
	uint32_t data_size;
	unsigned flags;
	uint16_t mismatch_algs_mask; /* bit i: digests[i] disagrees with the data */
	enum fwg_boot_phase phase;
};

enum fwg_evlog_format {
	FWG_EVLOG_SHA1 = 1,  /* legacy TCG 1.2 format, SHA-1 only */
	FWG_EVLOG_AGILE = 2, /* crypto agile, TCG_EfiSpecIdEvent first */
};

struct fwg_evlog_bank {
	uint16_t alg;
	uint16_t digest_size; /* as declared by the Spec ID event */
};

struct fwg_evlog {
	enum fwg_evlog_format format;
	const uint8_t *data; /* the whole log (borrowed) */
	size_t size;
	/* Spec ID event (agile logs). */
	uint8_t spec_major, spec_minor, spec_errata, uintn_size;
	uint32_t platform_class;
	size_t bank_count;
	struct fwg_evlog_bank banks[FWG_EVLOG_MAX_BANKS];
	/* StartupLocality from the EV_NO_ACTION event, or H-CRTM (4). */
	bool has_startup_locality;
	uint8_t startup_locality;
	bool hcrtm;
	struct fwg_event *events;
	size_t event_count;
	/* Where parsing stopped early (trailing garbage, a truncated event):
	 * 0/NULL when the whole buffer was consumed. */
	size_t stopped_at;
	char *stop_reason;
	size_t digest_mismatches; /* events with FWG_EVENT_DIGEST_MISMATCH */
};

/*
 * Parses a TCG event log (either format, detected).  Fails only when the
 * very first event is not a valid log header; later damage ends the event
 * list and sets stopped_at/stop_reason.  Digest-of-data checks and boot
 * phases are filled in.
 */
FWG_NODISCARD enum fwg_status fwg_evlog_parse(const uint8_t *data, size_t size,
		struct fwg_evlog **out, char *errbuf, size_t errbuf_size);
void fwg_evlog_free(struct fwg_evlog *log);

/* ---- PCR values ---------------------------------------------------------- */

struct fwg_pcr_bank {
	uint16_t alg;
	uint16_t size;
	uint32_t present_mask;  /* bit i: PCR i has a value */
	uint32_t extended_mask; /* replay only: bit i: some event extended PCR i */
	uint8_t value[FWG_PCR_COUNT][FWG_DIGEST_MAX];
};

struct fwg_pcr_set {
	size_t bank_count;
	struct fwg_pcr_bank banks[FWG_EVLOG_MAX_BANKS];
};

/* The bank for alg, or NULL. */
const struct fwg_pcr_bank *fwg_pcr_set_bank(const struct fwg_pcr_set *set, uint16_t alg);

/*
 * Replays every bank of the log into out: PCR0 starts at the startup
 * locality (3 or 4 with H-CRTM), PCRs 17-22 at all ones, the rest at
 * zero; EV_NO_ACTION never extends.  Every PCR 0-23 is present.  Banks
 * whose algorithm cannot be computed are left out.
 */
FWG_NODISCARD enum fwg_status fwg_evlog_replay(const struct fwg_evlog *log,
		struct fwg_pcr_set *out, char *errbuf, size_t errbuf_size);

/* The banks of a set as compact JSON, {"sha1": {"0": "<hex>", ...}, ...},
 * PCRs in ascending order (the "pcrs" object of `eventlog replay`). */
enum fwg_status fwg_pcr_set_write_json(const struct fwg_pcr_set *set, FILE *out);

/* One PCR that differs between two sets. */
struct fwg_pcr_mismatch {
	uint16_t alg;
	uint8_t pcr;
};
/* Compares the PCRs of mask in every bank both sets hold and both have a
 * value for; fills up to max mismatches and returns how many there are.
 * *compared counts the (bank, PCR) pairs compared.  Mask 0 means PCRs 0-7,
 * which every firmware measures, and every PCR the replay extended (a PCR
 * the log never touches, such as IMA's PCR 10, cannot be judged from it). */
size_t fwg_pcr_set_compare(const struct fwg_pcr_set *replayed, const struct fwg_pcr_set *actual,
		uint32_t mask, struct fwg_pcr_mismatch *out, size_t max, size_t *compared);

/* Reads PCR values from text: tpm2_pcrread YAML, or fwguard's JSON
 * ({"pcrs": {"sha256": {"0": "hex", ...}}}, also accepted bare). */
FWG_NODISCARD enum fwg_status fwg_pcr_set_parse(const char *text, size_t len,
		struct fwg_pcr_set *out, char *errbuf, size_t errbuf_size);
/* Reads every PCR of every active bank from a TPM through tpm2-tss
 * (tcti: a TCTI configuration such as "device:/dev/tpmrm0" or
 * "swtpm:port=2321"; NULL = tss2's default). */
FWG_NODISCARD enum fwg_status fwg_pcr_set_read_tpm(const char *tcti,
		struct fwg_pcr_set *out, char *errbuf, size_t errbuf_size);

/* ---- showing a log ------------------------------------------------------ */

/* Every event with its decoded fields, as JSON (docs/json.md, "eventlog
 * show") or as text; the text form is one block per event. */
enum fwg_status fwg_evlog_write_json(const struct fwg_evlog *log, FILE *out);
enum fwg_status fwg_evlog_write_text(const struct fwg_evlog *log, FILE *out);

/* A UEFI device path in the UEFI specification's text form
 * ("PciRoot(0x0)/Pci(0x1,0x0)/..."), nodes it cannot name as
 * "Path(type,subtype,hex)"; a new heap string, NULL on allocation failure. */
char *fwg_device_path_text(const uint8_t *path, size_t size);

/* ---- reference values and the policy check ------------------------------- */

/* A per-model reference learned from known-good logs (docs/eventlog.md). */
struct fwg_evref;

FWG_NODISCARD enum fwg_status fwg_evref_new(const char *model, struct fwg_evref **out);
/* Adds what a known-good log shows; fails when its model's banks differ. */
FWG_NODISCARD enum fwg_status fwg_evref_add_log(struct fwg_evref *ref, const struct fwg_evlog *log,
		char *errbuf, size_t errbuf_size);
/* Fail any log with Secure Boot off (otherwise only when every learned
 * log had it on). */
void fwg_evref_require_secure_boot(struct fwg_evref *ref, bool required);
FWG_NODISCARD enum fwg_status fwg_evref_parse(const char *text, size_t len,
		struct fwg_evref **out, char *errbuf, size_t errbuf_size);
/* Canonical JSON (sorted keys, sorted value sets). */
enum fwg_status fwg_evref_write(const struct fwg_evref *ref, FILE *out);
const char *fwg_evref_model(const struct fwg_evref *ref);
size_t fwg_evref_log_count(const struct fwg_evref *ref);
void fwg_evref_free(struct fwg_evref *ref);

enum fwg_ev_severity {
	FWG_EV_INFO = 0,
	FWG_EV_LOW,
	FWG_EV_MEDIUM,
	FWG_EV_HIGH,
	FWG_EV_CRITICAL,
};
const char *fwg_ev_severity_name(enum fwg_ev_severity s);
bool fwg_ev_severity_parse(const char *text, enum fwg_ev_severity *out);

struct fwg_ev_finding {
	const char *rule;     /* stable identifier, e.g. "secureboot.disabled" */
	enum fwg_ev_severity severity;
	int pcr;              /* -1 when the finding is not about one PCR */
	long event;           /* event index, -1 when none */
	enum fwg_boot_phase phase;
	char *message;
};

/* The vendor key-rotation allowlist shared with `fwguard diff`:
 * {"key_rotations": [{"variable": "db"|"dbx"|"KEK"|"PK", "owner": GUID |
 * "certificate_sha256": HEX, "note": TEXT}]}.  An entry matches a
 * signature by its owner GUID or by the SHA-256 of its signature data. */
struct fwg_allowlist;
FWG_NODISCARD enum fwg_status fwg_allowlist_load(const char *path, struct fwg_allowlist **out,
		char *errbuf, size_t errbuf_size);
bool fwg_allowlist_permits(const struct fwg_allowlist *list, const char *variable,
		const char *owner_guid, const char *data_sha256_hex);
void fwg_allowlist_free(struct fwg_allowlist *list);

struct fwg_evcheck_options {
	const struct fwg_pcr_set *pcrs; /* real PCRs the log must replay to, or NULL */
	uint32_t pcr_mask;              /* PCRs to compare (0 = 0-7 and those the log extends) */
	const struct fwg_allowlist *allowlist; /* key rotations that are not alarms, or NULL */
	enum fwg_ev_severity fail_on;   /* lowest severity that fails (default medium) */
};

struct fwg_evcheck {
	bool pass;
	struct fwg_ev_finding *findings;
	size_t count, cap;
	bool known_pcrs; /* every PCR 0-7 equals a value a known-good log had */
};

/* Judges log against ref; FWG_OK means the check ran (the verdict is in
 * result->pass). */
FWG_NODISCARD enum fwg_status fwg_evlog_check(const struct fwg_evlog *log,
		const struct fwg_evref *ref, const struct fwg_evcheck_options *options,
		struct fwg_evcheck *result, char *errbuf, size_t errbuf_size);
/* Frees the findings (not result itself). */
void fwg_evcheck_clear(struct fwg_evcheck *result);
/* {"verdict": "pass"|"fail", "findings": [{"rule", "severity", "pcr",
 * "event", "phase", "message", ...}]} or text. */
enum fwg_status fwg_evcheck_write_json(const struct fwg_evcheck *result, FILE *out);
enum fwg_status fwg_evcheck_write_text(const struct fwg_evcheck *result, FILE *out);

/* ---- quotes -------------------------------------------------------------- */

struct fwg_quote_input {
	const uint8_t *attest; size_t attest_size;    /* TPMS_ATTEST (tpm2_quote -m) */
	const uint8_t *signature; size_t signature_size; /* TPMT_SIGNATURE (tpm2_quote -s) */
	const uint8_t *ak_public; size_t ak_public_size; /* TPM2B_PUBLIC or PEM */
	const uint8_t *nonce; size_t nonce_size;      /* the verifier's nonce, or NULL */
	const struct fwg_pcr_set *pcrs;               /* expected values (e.g. replayed), or NULL */
};

struct fwg_quote_result {
	bool signature_ok;
	bool nonce_ok;      /* extraData equals the nonce (false when no nonce given) */
	bool pcr_digest_ok; /* pcrDigest equals the hash of the expected PCRs */
	uint16_t sig_alg;   /* TPM_ALG_RSASSA, _RSAPSS or _ECDSA */
	uint16_t hash_alg;  /* of the signature scheme */
	uint64_t clock;
	uint32_t reset_count, restart_count;
	bool safe;
	uint64_t firmware_version;
	/* The quoted selection: banks and PCR masks. */
	size_t selection_count;
	struct { uint16_t alg; uint32_t mask; } selection[FWG_EVLOG_MAX_BANKS];
	uint8_t pcr_digest[FWG_DIGEST_MAX];
	size_t pcr_digest_size;
	char detail[256]; /* why a check failed, in words */
};

/* Verifies a quote; FWG_OK means it was decoded: the verdict is in
 * result (all three flags true = valid). */
FWG_NODISCARD enum fwg_status fwg_quote_verify(const struct fwg_quote_input *in,
		struct fwg_quote_result *result, char *errbuf, size_t errbuf_size);

#ifdef __cplusplus
}
#endif
#endif
