/*
 * reclaim.h - the reclamation verdict as reclaim.c builds it and the
 * writers in src/output/drift.c print it.
 */
#ifndef FWG_BASELINE_RECLAIM_H
#define FWG_BASELINE_RECLAIM_H

#include "diff.h"

struct fwg_reclaim_reason {
	char *code;    /* "bmc.account_added", ... (docs/baselines.md) */
	enum fwg_change_class cls;
	char *path;    /* component or account, may be NULL */
	char *message;
};

struct fwg_reclaim {
	enum fwg_verdict verdict;
	char *model, *release; /* release the dumps were compared with */
	struct fwg_reclaim_reason *reasons;
	size_t reason_count, reason_cap;
	struct fwg_diff *diff; /* NULL when no comparison ran */
};

#endif
