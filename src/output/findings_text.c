/*
 * findings_text.c - the findings of an analysis as text, after the scan
 * inventory: a summary line, then the findings from the most to the least
 * severe (suppressed ones last, flagged), each with its rule, component,
 * evidence and remediation, then the exposed IPMI commands as one table
 * and the identified software.
 */
#include <stdlib.h>
#include <string.h>

#include "../engines/engine.h"
#include "../core/text.h"

#define LEVELS (FWG_LEVEL_CRITICAL + 1)

static const char *where(const struct fwg_finding *f)
{
	const char *fs = fwg_node_fs_path(f->node);
	if (fs)
		return fs;
	return f->node && f->node->path ? f->node->path : "/";
}

static void upper(const char *s, char *out, size_t size)
{
	size_t i = 0;
	for (; s[i] && i + 1 < size; i++)
		out[i] = (char)(s[i] >= 'a' && s[i] <= 'z' ? s[i] - 32 : s[i]);
	out[i] = '\0';
}

static void print_finding(FILE *out, const struct fwg_finding *f)
{
	char sev[16];
	upper(fwg_level_name(f->severity), sev, sizeof(sev));
	fprintf(out, "  %-8s %s%s%s  %s%s\n", sev, f->rule, f->cve ? " " : "", f->cve ? f->cve : "",
		where(f), f->suppressed ? "  (suppressed)" : "");
	if (f->message && f->message[0])
		fprintf(out, "           %s\n", f->message);
	if (f->evidence)
		fprintf(out, "           evidence: %s\n", f->evidence);
	if (f->remediation)
		fprintf(out, "           fix: %s\n", f->remediation);
	if (f->suppressed)
		fprintf(out, "           suppressed: %s\n", f->suppress_reason ? f->suppress_reason : "");
	if (f->node && fwg_node_fs_path(f->node) && f->node->path)
		fprintf(out, "           in: %s\n", f->node->path);
}

static bool is_ipmi_listing(const struct fwg_finding *f)
{
	return f->ipmi && strcmp(f->rule, "ipmi.command") == 0;
}

enum fwg_status fwg_write_findings_text(const struct fwg_image *image,
		const struct fwg_analysis *a, FILE *out)
{
	(void)image;
	size_t by_level[LEVELS] = { 0 }, suppressed = 0, ipmi = 0;
	for (size_t i = 0; i < a->finding_count; i++) {
		const struct fwg_finding *f = &a->findings[i];
		if (is_ipmi_listing(f))
			ipmi++;
		else if (f->suppressed)
			suppressed++;
		else if ((unsigned)f->severity < LEVELS)
			by_level[f->severity]++;
	}
	size_t shown = a->finding_count - ipmi;
	fprintf(out, "\nFindings: %zu (critical %zu, high %zu, medium %zu, low %zu, info %zu; "
		"%zu suppressed)\n", shown, by_level[FWG_LEVEL_CRITICAL], by_level[FWG_LEVEL_HIGH],
		by_level[FWG_LEVEL_MEDIUM], by_level[FWG_LEVEL_LOW], by_level[FWG_LEVEL_INFO],
		suppressed);
	for (int pass = 0; pass < 2; pass++) {
		for (int level = FWG_LEVEL_CRITICAL; level >= FWG_LEVEL_INFO; level--) {
			for (size_t i = 0; i < a->finding_count; i++) {
				const struct fwg_finding *f = &a->findings[i];
				if ((int)f->severity != level || is_ipmi_listing(f)
						|| f->suppressed != (pass == 1))
					continue;
				print_finding(out, f);
			}
		}
	}
	if (ipmi) {
		fprintf(out, "\nExposed IPMI commands: %zu\n", ipmi);
		fprintf(out, "  %-6s %-5s %-16s %-8s %-24s %s\n", "netfn", "cmd", "privilege",
			"enabled", "handler", "table");
		for (size_t i = 0; i < a->finding_count; i++) {
			const struct fwg_finding *f = &a->findings[i];
			if (!is_ipmi_listing(f))
				continue;
			char priv[16];
			if (f->ipmi->privilege < 0)
				snprintf(priv, sizeof(priv), "unknown");
			else
				snprintf(priv, sizeof(priv), "0x%02x", (unsigned)f->ipmi->privilege);
			fprintf(out, "  0x%02x   0x%02x  %-16s %-8s %-24s %s\n", f->ipmi->netfn,
				f->ipmi->cmd, priv, f->ipmi->enabled ? "yes" : "no",
				f->ipmi->handler ? f->ipmi->handler : "-",
				f->ipmi->table ? f->ipmi->table : "-");
		}
	}
	if (a->software_count) {
		fprintf(out, "\nSoftware: %zu components\n", a->software_count);
		for (size_t i = 0; i < a->software_count; i++) {
			const struct fwg_software *s = &a->software[i];
			const struct fwg_sbom_evidence *e = s->evidence_count ? &s->evidence[0] : NULL;
			const char *at = e ? fwg_node_fs_path(e->node) : NULL;
			if (!at && e && e->node)
				at = e->node->path;
			fprintf(out, "  %-20s %-16s %s\n", s->name, s->version ? s->version : "-",
				at ? at : "");
		}
	}
	return ferror(out) ? FWG_IO : FWG_OK;
}
