/*
 * reference.h - the in-memory per-model reference (reference.c) and the
 * facts about a log that learning and checking both read (facts.c).
 */
#ifndef FWG_EVENTLOG_REFERENCE_H
#define FWG_EVENTLOG_REFERENCE_H

#include "evlog_internal.h"
#include "strset.h"

#define FWG_REF_FORMAT "fwguard-eventlog-reference"
#define FWG_REF_LOADER_PCRS 10 /* PCRs 0-9: firmware and boot loader */

enum fwg_ref_set {
	REF_SCRTM,        /* S-CRTM version event digests */
	REF_BLOBS,        /* PCR0 firmware blobs, POST code, S-CRTM contents */
	REF_DRIVERS,      /* boot and runtime services drivers, option ROMs */
	REF_APPS,         /* boot services applications */
	REF_BOOT_MANAGER, /* the first boot application */
	REF_BOOT_ORDER,   /* BootOrder as "0001,0000" */
	REF_SB_STATES,    /* "on", "off", "unknown" */
	REF_SET_COUNT,
};

/* Secure Boot policy variables measured into PCR 7. */
enum fwg_sb_var { SBV_PK, SBV_KEK, SBV_DB, SBV_DBX, SBV_DBT, SBV_DBR, SBV_COUNT };
extern const char *const fwg_sb_var_names[SBV_COUNT];

struct fwg_evref {
	char *model;
	size_t logs;
	bool require_secure_boot;
	uint16_t digest_alg; /* bank whose digests identify events */
	struct fwg_strset sets[REF_SET_COUNT];
	struct fwg_strset sb_var[SBV_COUNT];     /* SHA-256 of the whole UEFI_VARIABLE_DATA */
	struct fwg_strset sb_entries[SBV_COUNT]; /* SHA-256 of each signature's data */
	struct fwg_strset pcr_events[FWG_REF_LOADER_PCRS]; /* event digests per PCR */
	struct fwg_strset after_separator[8];    /* event types seen after PCR n's separator */
	size_t pcr_bank_count;
	uint16_t pcr_algs[FWG_EVLOG_MAX_BANKS];
	struct fwg_strset pcrs[FWG_EVLOG_MAX_BANKS][FWG_PCR_COUNT];
	struct fwg_strset labels; /* "digest<TAB>device path" of drivers and applications */
};

/* What a log says, event by event, in the terms the policy needs. */
struct fwg_log_facts {
	int secure_boot;    /* 1 on, 0 off, -1 not measured */
	long secure_boot_event;
	bool setup_mode, audit_mode;
	long setup_mode_event, audit_mode_event;
	long sb_var_event[SBV_COUNT]; /* last event measuring each, -1 */
	long first_application;
	long boot_order_event;
	char boot_order[96];
	long separator[8];  /* first EV_SEPARATOR of PCRs 0-7, -1 */
	unsigned separator_count[8];
};
void fwg_log_facts(const struct fwg_evlog *log, struct fwg_log_facts *facts);

/* Which Secure Boot variable a PCR7 event measures, or SBV_COUNT. */
enum fwg_sb_var fwg_event_sb_var(const struct fwg_event *ev);
/* Lowercase hex of the event's digest in bank alg into out (129 bytes);
 * false when the event has no digest in that bank. */
bool fwg_event_digest_hex(const struct fwg_event *ev, uint16_t alg, char *out);
/* SHA-256 hex of the whole event data (65 bytes), reusing the event's
 * own digest when the parser verified it. */
void fwg_event_data_sha256_hex(const struct fwg_event *ev, char *out);
/* SHA-256 hex of bytes into out (65 bytes). */
void fwg_sha256_hex(const uint8_t *data, size_t len, char *out);
/* The bank a log's events are identified by: sha256 when present. */
uint16_t fwg_evlog_digest_alg(const struct fwg_evlog *log);

#endif
