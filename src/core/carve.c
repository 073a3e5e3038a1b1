/*
 * carve.c - finds known formats at any offset of bytes no container
 * claims, the way a signature scanner does, and hands each hit to the
 * handler that owns the magic.
 *
 * Every registered handler may list magics (bytes at a fixed offset from
 * the start of its format).  A magic alone proves little inside code or
 * compressed data (U-Boot compares against the uImage magic), so a hit
 * counts only when the owner's probe is confident (a checksum or enough
 * structure verified, FWG_CARVE_MIN_CONFIDENCE).  The scan walks the window once: a bitmap of
 * the first two bytes of every magic rejects almost every position with
 * one load, and the few candidates are checked against the magics that
 * start with that byte.  At a hit, the owner's probe must accept the
 * window from the format's start; its extent (as its own header declares)
 * is then claimed, and scanning resumes after it, so nested formats are
 * left to their container and overlapping hits resolve to the earliest
 * valid one.  A format of unknown extent (a gzip stream) gets the bytes up
 * to the next accepted hit.
 *
 * Erased flash (runs of 0xFF or 0x00) is skipped a word at a time.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "handler.h"
#include "registry.h"

#define MAX_MAGICS 128

struct magic_entry {
	const struct fwg_handler *handler;
	const struct fwg_magic *magic;
	size_t order;
};

static struct {
	uint64_t prefix_bits[65536 / 64];
	struct magic_entry entries[MAX_MAGICS];
	size_t count;
	/* entries whose first byte is b: [first[b], first[b+1]) after sorting */
	uint16_t first[257];
} table;

static pthread_once_t table_once = PTHREAD_ONCE_INIT;

static int compare_first_byte(const void *a, const void *b)
{
	const struct magic_entry *x = a, *y = b;
	int d = (unsigned char)x->magic->bytes[0] - (unsigned char)y->magic->bytes[0];
	/* Registry order breaks ties (qsort is not stable). */
	return d ? d : (x->order > y->order) - (x->order < y->order);
}

static void build_table(void)
{
	size_t n = 0;
	for (size_t i = 0; i < fwg_registry_count; i++) {
		const struct fwg_handler *h = fwg_registry[i];
		for (const struct fwg_magic *m = h->magics; m && m->len; m++) {
			/* One-byte magics would match everywhere. */
			if (m->len < 2 || n == MAX_MAGICS)
				continue;
			table.entries[n].handler = h;
			table.entries[n].magic = m;
			table.entries[n].order = n;
			unsigned p = (unsigned char)m->bytes[0] << 8 | (unsigned char)m->bytes[1];
			table.prefix_bits[p / 64] |= 1ull << (p % 64);
			n++;
		}
	}
	table.count = n;
	qsort(table.entries, n, sizeof(table.entries[0]), compare_first_byte);
	size_t k = 0;
	for (unsigned b = 0; b <= 256; b++) {
		while (k < n && (unsigned char)table.entries[k].magic->bytes[0] < b)
			k++;
		table.first[b] = (uint16_t)k;
	}
}

static inline bool prefix_known(const uint8_t *p)
{
	unsigned v = (unsigned)p[0] << 8 | p[1];
	return (table.prefix_bits[v / 64] >> (v % 64)) & 1;
}

/* First position >= pos where a known magic may begin, or size. */
static size_t next_candidate(const uint8_t *d, size_t size, size_t pos)
{
	while (pos + 1 < size) {
		/* Skip erased words quickly: neither 0xFFFF nor 0x0000 starts a
		 * magic of ours (checked in the loop below for the general
		 * case). */
		if (((pos & 7) == 0) && pos + 8 <= size) {
			uint64_t w;
			memcpy(&w, d + pos, 8);
			if ((w == UINT64_MAX && !prefix_known((const uint8_t *)"\xff\xff")) ||
					(w == 0 && !prefix_known((const uint8_t *)"\0\0"))) {
				pos += 8;
				continue;
			}
		}
		if (prefix_known(d + pos))
			return pos;
		pos++;
	}
	return size;
}

struct carve_hit {
	const struct fwg_handler *handler;
	size_t start;
	uint64_t extent; /* 0 = unknown */
};

/* The earliest valid format starting at or after from (magic found at pos
 * or later), or false. */
static bool find_hit(const struct fwg_cursor *body, size_t from, struct carve_hit *hit)
{
	const uint8_t *d = body->base; /* bulk scan: every access below is checked against size */
	size_t size = body->size;
	for (size_t pos = next_candidate(d, size, from); pos < size;
			pos = next_candidate(d, size, pos + 1)) {
		unsigned b = d[pos];
		/* Several formats may share a magic (tar and an OpenBMC update
		 * tarball both carry "ustar"): the most confident probe wins,
		 * as in the registry's own probing; ties go to the earlier. */
		int best_score = FWG_CARVE_MIN_CONFIDENCE - 1;
		for (size_t k = table.first[b]; k < table.first[b + 1]; k++) {
			const struct fwg_magic *m = table.entries[k].magic;
			if (m->len > size - pos || memcmp(d + pos, m->bytes, m->len) != 0)
				continue;
			if (m->offset > pos || pos - m->offset < from)
				continue;
			size_t start = pos - m->offset;
			struct fwg_cursor win;
			if (fwg_cursor_sub(body, start, size - start, &win) != FWG_OK)
				continue;
			const struct fwg_handler *h = table.entries[k].handler;
			int score = h->probe(&win);
			if (score <= best_score)
				continue;
			best_score = score;
			hit->handler = h;
			hit->start = start;
			hit->extent = h->extent ? h->extent(&win) : 0;
			if (hit->extent > size - start)
				hit->extent = 0;
		}
		if (best_score >= FWG_CARVE_MIN_CONFIDENCE)
			return true;
	}
	return false;
}

static int carve_probe(const struct fwg_cursor *body)
{
	/* The last resort for opaque windows: it never beats a handler that
	 * recognises the whole window. */
	return body->size >= 16 ? 1 : 0;
}

static enum fwg_status add_hit(struct fwg_unpack *u, struct fwg_node *node,
		const struct carve_hit *hit, size_t end, uint64_t *count)
{
	struct fwg_node *child;
	const char *type = hit->handler->node_type ? hit->handler->node_type : FWG_TYPE_RAW;
	enum fwg_status st = fwg_unpack_add_child(u, node, type, hit->start, end - hit->start,
		hit->handler, &child);
	if (st == FWG_OK) {
		fwg_node_attr_bool(child, "carved", true);
		(*count)++;
	}
	return st;
}

static enum fwg_status carve_parse(struct fwg_unpack *u, struct fwg_node *node)
{
	pthread_once(&table_once, build_table);
	struct fwg_cursor body = fwg_node_body(node);
	uint64_t count = 0, claimed = 0;
	struct carve_hit pending = { 0 };
	bool have_pending = false;
	size_t pos = 0;
	enum fwg_status st = FWG_OK;
	struct carve_hit hit;
	while (st == FWG_OK && pos < body.size && find_hit(&body, pos, &hit)) {
		if (have_pending) {
			/* The unknown-extent format ends where the next one starts. */
			st = add_hit(u, node, &pending, hit.start, &count);
			claimed += hit.start - pending.start;
			have_pending = false;
			if (st != FWG_OK)
				break;
		}
		if (hit.extent) {
			st = add_hit(u, node, &hit, hit.start + (size_t)hit.extent, &count);
			claimed += hit.extent;
			pos = hit.start + (size_t)hit.extent;
		} else {
			pending = hit;
			have_pending = true;
			pos = hit.start + 1;
		}
	}
	if (st == FWG_OK && have_pending) {
		st = add_hit(u, node, &pending, body.size, &count);
		claimed += body.size - pending.start;
	}
	if (st == FWG_LIMIT)
		st = FWG_OK; /* diagnostic recorded; keep what was found */
	fwg_node_attr_int(node, "carved_components", count);
	fwg_node_attr_int(node, "unclaimed_bytes", body.size - claimed);
	return st;
}

const struct fwg_handler fwg_handler_carve = {
	.name = "carve",
	.description = "finds known formats at any offset of unclaimed bytes",
	.flags = FWG_HANDLER_PROBE_TOP_ONLY,
	.probe = carve_probe,
	.parse = carve_parse,
};
