/*
 * check_output.c - the verdict and findings of `eventlog check` as JSON
 * (a documented public API, docs/json.md) and as text for people.
 */
#include <stdio.h>

#include <jansson.h>

#include "fwguard/eventlog.h"

enum fwg_status fwg_evcheck_write_json(const struct fwg_evcheck *res, FILE *out)
{
	json_t *root = json_object(), *list = json_array();
	json_object_set_new(root, "verdict", json_string(res->pass ? "pass" : "fail"));
	json_object_set_new(root, "known_pcrs", json_boolean(res->known_pcrs));
	for (size_t i = 0; i < res->count; i++) {
		const struct fwg_ev_finding *f = &res->findings[i];
		json_array_append_new(list, json_pack("{s:s,s:s,s:o,s:o,s:s,s:s,s:s,s:s}",
			"rule", f->rule, "severity", fwg_ev_severity_name(f->severity),
			"pcr", f->pcr >= 0 ? json_integer(f->pcr) : json_null(),
			"event", f->event >= 0 ? json_integer(f->event) : json_null(),
			"phase", fwg_phase_id(f->phase), "phase_firmware", fwg_phase_firmware_name(f->phase),
			"phase_stage", fwg_phase_stage_name(f->phase), "message", f->message));
	}
	json_object_set_new(root, "findings", list);
	int rc = json_dumpf(root, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(root);
	if (rc == 0)
		fputc('\n', out);
	return rc == 0 && !ferror(out) ? FWG_OK : FWG_IO;
}

enum fwg_status fwg_evcheck_write_text(const struct fwg_evcheck *res, FILE *out)
{
	for (size_t i = 0; i < res->count; i++) {
		const struct fwg_ev_finding *f = &res->findings[i];
		fprintf(out, "%-8s %s", fwg_ev_severity_name(f->severity), f->rule);
		if (f->pcr >= 0)
			fprintf(out, "  PCR %d", f->pcr);
		if (f->event >= 0)
			fprintf(out, "  event %ld", f->event);
		fprintf(out, "  %s (%s)\n         %s\n", fwg_phase_firmware_name(f->phase),
			fwg_phase_stage_name(f->phase), f->message);
	}
	fprintf(out, "%sverdict: %s (%zu finding%s)%s\n", res->count ? "\n" : "",
		res->pass ? "PASS" : "FAIL", res->count, res->count == 1 ? "" : "s",
		res->known_pcrs ? "; PCRs 0-7 equal a known-good boot" : "");
	return ferror(out) ? FWG_IO : FWG_OK;
}
