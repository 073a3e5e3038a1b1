/*
 * jffs2_content.c - an inode's content from its data nodes, newest version
 * winning for every byte.
 *
 * JFFS2 never rewrites in place: a write adds a node {offset, dsize,
 * version} and the kernel's fragment tree shows, for each byte, the node
 * with the highest version covering it; the newest node's isize truncates
 * (or extends with zeros) the result.  This file computes the same thing
 * without a fragment tree:
 *
 *   1. each node's range is clipped to [0, isize); empty ranges drop out;
 *   2. a sweep over the ranges sorted by start, with a max-heap of the
 *      active nodes ordered by (version, position on flash), yields the
 *      winning node of every stretch ("skyline"): O(n log n) for n nodes,
 *      whatever the overlaps;
 *   3. stretches are grouped by node, and each winning node is decoded
 *      once, only up to the end of the last byte it wins, straight into
 *      the output when it wins one stretch that starts at its offset.
 *
 * Nodes that win nothing are superseded and are never decoded.  Decoding
 * is bounded by a work budget shared by the filesystem (wasted decoding of
 * overlapping nodes is what a hostile image would use), and every output
 * byte is written exactly once by a copy or a memset.
 */
#include <stdlib.h>
#include <string.h>

#include "jffs2_format.h"

struct span {
	uint32_t start, end;   /* [start, end) inside the output */
	size_t node;           /* index into the version-sorted node array */
};

struct sweep {
	struct span *pieces;   /* clipped node ranges, sorted by start */
	size_t piece_count;
	struct span *segs;     /* winning stretches */
	size_t seg_count;
	size_t *heap;          /* node indices, max-heap (index order = version order) */
	size_t heap_count;
	uint32_t *node_end;    /* clipped end of each node's range */
};

static int cmp_span_start(const void *a, const void *b)
{
	const struct span *x = a, *y = b;
	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return x->node < y->node ? -1 : x->node > y->node;
}

static int cmp_span_node(const void *a, const void *b)
{
	const struct span *x = a, *y = b;
	if (x->node != y->node)
		return x->node < y->node ? -1 : 1;
	return x->start < y->start ? -1 : x->start > y->start;
}

static void heap_push(struct sweep *w, size_t v)
{
	size_t i = w->heap_count++;
	while (i > 0) {
		size_t p = (i - 1) / 2;
		if (w->heap[p] >= v)
			break;
		w->heap[i] = w->heap[p];
		i = p;
	}
	w->heap[i] = v;
}

static void heap_pop(struct sweep *w)
{
	size_t v = w->heap[--w->heap_count], n = w->heap_count, i = 0;
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, big = i;
		size_t bigv = v;
		if (l < n && w->heap[l] > bigv) {
			big = l;
			bigv = w->heap[l];
		}
		if (r < n && w->heap[r] > bigv)
			big = r;
		if (big == i)
			break;
		w->heap[i] = w->heap[big];
		i = big;
	}
	if (n > 0)
		w->heap[i] = v;
}

static void emit(struct sweep *w, uint32_t start, uint32_t end, size_t node)
{
	if (w->seg_count > 0) {
		struct span *last = &w->segs[w->seg_count - 1];
		if (last->node == node && last->end == start) {
			last->end = end;
			return;
		}
	}
	w->segs[w->seg_count++] = (struct span){ start, end, node };
}

/* Step 2: the winning node of every covered stretch, in position order. */
static void run_sweep(struct sweep *w)
{
	size_t i = 0;
	uint32_t cur = 0;
	for (;;) {
		if (w->heap_count == 0) {
			if (i == w->piece_count)
				break;
			cur = w->pieces[i].start;
		}
		while (i < w->piece_count && w->pieces[i].start <= cur)
			heap_push(w, w->pieces[i++].node);
		while (w->heap_count > 0 && w->node_end[w->heap[0]] <= cur)
			heap_pop(w);
		if (w->heap_count == 0)
			continue;
		size_t top = w->heap[0];
		uint32_t next = w->node_end[top];
		if (i < w->piece_count && w->pieces[i].start < next)
			next = w->pieces[i].start;
		emit(w, cur, next, top);
		cur = next;
	}
}

static void zero_gaps(const struct sweep *w, uint8_t *out, size_t out_len)
{
	size_t pos = 0;
	for (size_t k = 0; k < w->seg_count; k++) {
		if (w->segs[k].start > pos)
			memset(out + pos, 0, w->segs[k].start - pos);
		pos = w->segs[k].end;
	}
	if (out_len > pos)
		memset(out + pos, 0, out_len - pos);
}

static void zero_group(const struct span *g, size_t n, uint8_t *out)
{
	for (size_t k = 0; k < n; k++)
		memset(out + g[k].start, 0, g[k].end - g[k].start);
}

/* Step 3 for one node winning the stretches g[0..n) (sorted by start). */
static enum fwg_status fill_group(struct jffs2_scan *s, const struct jffs2_inode_node *node,
		const struct span *g, size_t n, uint8_t *out, uint8_t **scratch, size_t *scratch_cap,
		struct jffs2_content_stats *stats)
{
	size_t need = g[n - 1].end - node->offset; /* bytes of the node's output used */
	if (node->compr == JFFS2_COMPR_ZERO) {
		zero_group(g, n, out);
		return FWG_OK;
	}
	bool direct = n == 1 && g[0].start == node->offset;
	uint8_t *dst = out + node->offset;
	bool plain = node->compr == JFFS2_COMPR_NONE || node->compr == JFFS2_COMPR_COPY;
	if (plain && node->csize == node->dsize) {
		/* Stored bytes: copy the won stretches straight from flash. */
		for (size_t k = 0; k < n; k++)
			memcpy(out + g[k].start, node->data + (g[k].start - node->offset),
				g[k].end - g[k].start);
		return FWG_OK;
	}
	if (!plain) {
		if (need > stats->work_left) {
			if (!stats->work_exhausted_reported)
				jffs2_diag(s, FWG_SEV_ERROR, "jffs2.work_budget", node->pos,
					"decoding budget exhausted at ino %u, remaining data nodes left as zeros",
					node->ino);
			stats->work_exhausted_reported = true;
			zero_group(g, n, out);
			return FWG_OK;
		}
		stats->work_left -= need;
	}
	if (!direct) {
		if (*scratch_cap < need) {
			uint8_t *p = realloc(*scratch, need);
			if (!p)
				return FWG_NOMEM;
			*scratch = p;
			*scratch_cap = need;
		}
		dst = *scratch;
	}
	const char *why = NULL;
	enum fwg_status st = jffs2_decompress(node->compr, node->data, node->csize, node->dsize, dst,
		need, &why);
	if (st == FWG_NOMEM)
		return st;
	if (st != FWG_OK) {
		jffs2_diag(s, FWG_SEV_WARNING, "jffs2.decompress", node->pos,
			"%s data of ino %u version %u not decoded: %s", jffs2_compr_name(node->compr),
			node->ino, node->version, why ? why : "error");
		zero_group(g, n, out);
		return FWG_OK;
	}
	if (!direct)
		for (size_t k = 0; k < n; k++)
			memcpy(out + g[k].start, dst + (g[k].start - node->offset),
				g[k].end - g[k].start);
	return FWG_OK;
}

enum fwg_status jffs2_build_content(struct jffs2_scan *s, const struct jffs2_inode_node *nodes,
		size_t count, uint8_t *out, size_t out_len, struct jffs2_content_stats *stats)
{
	if (count == 0) {
		memset(out, 0, out_len);
		return FWG_OK;
	}
	struct sweep w = { 0 };
	enum fwg_status st = FWG_NOMEM;
	uint8_t *scratch = NULL;
	size_t scratch_cap = 0;
	bool *won = calloc(count, sizeof(*won));
	w.pieces = malloc(count * sizeof(*w.pieces));
	w.segs = malloc((2 * count + 1) * sizeof(*w.segs));
	w.heap = malloc(count * sizeof(*w.heap));
	w.node_end = malloc(count * sizeof(*w.node_end));
	if (!won || !w.pieces || !w.segs || !w.heap || !w.node_end)
		goto out;
	for (size_t i = 0; i < count; i++) {
		uint64_t start = nodes[i].offset, end = start + nodes[i].dsize;
		if (end > out_len)
			end = out_len;
		w.node_end[i] = (uint32_t)end;
		if (start >= end)
			continue;
		w.pieces[w.piece_count++] = (struct span){ (uint32_t)start, (uint32_t)end, i };
	}
	qsort(w.pieces, w.piece_count, sizeof(*w.pieces), cmp_span_start);
	run_sweep(&w);
	zero_gaps(&w, out, out_len);
	qsort(w.segs, w.seg_count, sizeof(*w.segs), cmp_span_node);
	for (size_t k = 0; k < w.seg_count;) {
		size_t j = k;
		while (j < w.seg_count && w.segs[j].node == w.segs[k].node)
			j++;
		won[w.segs[k].node] = true;
		st = fill_group(s, &nodes[w.segs[k].node], &w.segs[k], j - k, out, &scratch,
			&scratch_cap, stats);
		if (st != FWG_OK)
			goto out;
		k = j;
	}
	/* The newest node carries the metadata even when it wins no data. */
	for (size_t i = 0; i + 1 < count; i++)
		if (!won[i])
			stats->superseded++;
	st = FWG_OK;
out:
	free(won);
	free(w.pieces);
	free(w.segs);
	free(w.heap);
	free(w.node_end);
	free(scratch);
	return st;
}
