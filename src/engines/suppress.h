/*
 * suppress.h - accepted findings: a suppressions file marks matching
 * findings as suppressed (they stay in every output, flagged, with the
 * reason) until the entry expires.  Format in docs/findings.md.
 */
#ifndef FWG_ENGINES_SUPPRESS_H
#define FWG_ENGINES_SUPPRESS_H

#include "engine.h"

/* Loads path and applies it to a's findings; expired entries apply to
 * nothing and are reported as findings of their own.  now: Unix time. */
FWG_NODISCARD enum fwg_status fwg_suppress_apply(struct fwg_analysis *a, const char *path,
		int64_t now);

#endif
