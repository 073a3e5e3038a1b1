/*
 * text.c - human-readable serializers: the indented component tree
 * (`fwguard tree`) and the scan summary with anomalies (`fwguard scan`).
 */
#include <inttypes.h>
#include <string.h>

#include "../core/guid.h"
#include "../core/image.h"

static bool print_tree_line(struct fwg_node *n, void *user)
{
	FILE *out = user;
	char g[FWG_GUID_TEXT_LEN] = "";
	if (n->has_guid)
		fwg_guid_format(n->guid, g);
	fprintf(out, "%*s%s", (int)(2 * n->depth), "", n->type);
	if (n->name)
		fprintf(out, " %s", n->name);
	if (n->has_guid)
		fprintf(out, " {%s}", g);
	fprintf(out, " @0x%" PRIx64 " size 0x%" PRIx64, n->offset, n->size);
	if (n->body_decoded)
		fprintf(out, " decoded 0x%zx", n->body_size);
	size_t warn = 0;
	for (size_t i = 0; i < n->diag_count; i++)
		if (n->diags[i].severity >= FWG_SEV_WARNING)
			warn++;
	if (warn)
		fprintf(out, " [%zu anomal%s]", warn, warn == 1 ? "y" : "ies");
	fputc('\n', out);
	return !ferror(out);
}

enum fwg_status fwg_write_tree_text(const struct fwg_image *image, FILE *out)
{
	fwg_node_walk(image->root, print_tree_line, out);
	return ferror(out) ? FWG_IO : FWG_OK;
}

#define MAX_TYPES 32

struct scan_state {
	FILE *out;
	const char *types[MAX_TYPES];
	uint64_t counts[MAX_TYPES];
	size_t ntypes;
	uint64_t by_sev[3];
};

static bool count_node(struct fwg_node *n, void *user)
{
	struct scan_state *s = user;
	size_t i;
	for (i = 0; i < s->ntypes; i++)
		if (s->types[i] == n->type)
			break;
	if (i == s->ntypes && s->ntypes < MAX_TYPES)
		s->types[s->ntypes++] = n->type;
	if (i < MAX_TYPES)
		s->counts[i]++;
	for (size_t d = 0; d < n->diag_count; d++)
		s->by_sev[n->diags[d].severity]++;
	return true;
}

static bool print_anomalies(struct fwg_node *n, void *user)
{
	static const char *const sev[] = { "info", "warning", "error" };
	FILE *out = user;
	for (size_t d = 0; d < n->diag_count; d++) {
		const struct fwg_diag *g = &n->diags[d];
		fprintf(out, "  %-7s %s %s", sev[g->severity], g->code, n->path ? n->path : "");
		if (n->abs_offset != FWG_NO_ABS_OFFSET)
			fprintf(out, " (file offset 0x%" PRIx64 ")", n->abs_offset + g->offset);
		else
			fprintf(out, " (+0x%" PRIx64 ")", g->offset);
		fprintf(out, ": %s\n", g->message);
	}
	return true;
}

enum fwg_status fwg_write_scan_text(const struct fwg_image *image, FILE *out)
{
	const struct fwg_node *root = image->root;
	const char *sha = fwg_node_hash_hex(root, FWG_HASH_SHA256);
	fprintf(out, "image:      %s\n", image->path);
	fprintf(out, "size:       %" PRIu64 " bytes (0x%" PRIx64 ")\n", root->size, root->size);
	fprintf(out, "sha256:     %s\n", sha ? sha : "-");
	fprintf(out, "components: %" PRIu64 "\n", image->node_count);
	struct scan_state s = { .out = out };
	fwg_node_walk(image->root, count_node, &s);
	for (size_t i = 0; i < s.ntypes; i++)
		fprintf(out, "  %-16s %" PRIu64 "\n", s.types[i], s.counts[i]);
	fprintf(out, "anomalies:  %" PRIu64 " error, %" PRIu64 " warning, %" PRIu64 " info\n",
		s.by_sev[FWG_SEV_ERROR], s.by_sev[FWG_SEV_WARNING], s.by_sev[FWG_SEV_INFO]);
	fwg_node_walk(image->root, print_anomalies, out);
	return ferror(out) ? FWG_IO : FWG_OK;
}
