/*
 * config_accounts.c - Unix accounts: /etc/passwd and /etc/shadow of every
 * filesystem in the image.
 *
 * Layout (passwd(5), shadow(5)): one account a line, ':'-separated,
 *   passwd  name:password:uid:gid:gecos:home:shell   password "x" = in shadow
 *   shadow  name:hash:lastchg:min:max:warn:inactive:expire:
 * A hash is "$id$[params$]salt$digest" (crypt(5): $1$ md5crypt, $5$/$6$
 * sha256/512crypt with optional rounds=N, $y$ yescrypt, $gy$ gost-yescrypt,
 * $2a/b/y$ bcrypt) or 13 characters of traditional DES.  "!" or "*" at the
 * start locks the account; an empty field means no password at all.
 *
 * Checks:
 *   account.empty_password   high      password field empty
 *   account.default_password critical  hash matches a password of
 *                                      rules/config/default-passwords.txt,
 *                                      tried through crypt_rn(3)
 *   account.extra_uid0       high      uid 0 for an account other than root
 *   account.overlay_added    high      an account only in a writable overlay
 *   account.overlay_changed  high      an account whose hash/uid differs
 *   account.crack_budget     info      hashes left unchecked (budget)
 *
 * Cost: a crypt call costs from ~10 us (DES) to tens of ms (yescrypt,
 * bcrypt), and a hostile hash can ask for billions of rounds or GiBs of
 * memory.  Parameters are read first: hashes above the per-hash caps are
 * not tried at all; the rest draw from one budget of estimated
 * microseconds per scan (CRYPT_BUDGET_US), the account-specific
 * candidates first.  The account's own candidates are tried on every call
 * (they differ between accounts that share a hash); the generic list's
 * outcome is cached per hash string, so the same hash in several
 * filesystems (rofs and its overlay) or accounts is tried once.  A hash's
 * candidates are spread over up to MAX_THREADS threads (crypt_rn is
 * reentrant with one crypt_data each); the lowest matching position wins,
 * so results do not depend on scheduling.
 *
 * Overlays: the read-only root filesystem (the first squashfs/cramfs with
 * an /etc/passwd) is the base; account files of writable filesystems
 * (jffs2, ubifs: OpenBMC's rwfs keeps the overlay's upper directory under
 * /cow, MegaRAC's conf module keeps passwd/shadow at its root) are compared
 * with it account by account.
 */
#include <crypt.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../core/array.h"
#include "config.h"

#define MAX_ACCOUNTS 1024u          /* per file */
#define MAX_NAME 64u
#define MAX_HASH 256u
#ifdef FWG_FUZZING
#define CRYPT_BUDGET_US 20000u      /* keep fuzzing iterations fast */
#else
#define CRYPT_BUDGET_US 400000u     /* estimated crypt time per scan */
#endif
#define MAX_SHA_ROUNDS 50000u
#define MAX_BCRYPT_COST 12u
#define MAX_CACHE 4096u
#define MAX_THREADS 8u
#define PARALLEL_MIN_US 5000u       /* less work than this runs inline */

struct cfg_account {
	char name[MAX_NAME + 1];
	char hash[MAX_HASH + 1];
	bool has_uid;
	uint32_t uid, gid;
};

struct cfg_account_file {
	const struct fwg_node *file;
	const struct fwg_node *fs;
	bool shadow;
	bool writable;      /* in an overlay/conf filesystem */
	bool readonly_root; /* in a squashfs/cramfs */
	struct cfg_account *accounts;
	size_t count;
};

struct crypt_entry {
	char hash[MAX_HASH + 1];
	int result;       /* generic list: password index, -1 none, -2 unfinished */
	size_t next;      /* -2: the generic position to resume from */
};

struct cfg_crypt_cache {
	struct crypt_data data;
	uint64_t spent_us;
	struct crypt_entry *entries;
	size_t count, cap;
	size_t *generic;    /* password indexes of the "*" entries, deduplicated */
	size_t generic_count;
	bool generic_built;
};

static const char *hash_method(const char *h)
{
	if (strncmp(h, "$1$", 3) == 0)
		return "md5crypt";
	if (strncmp(h, "$5$", 3) == 0)
		return "sha256crypt";
	if (strncmp(h, "$6$", 3) == 0)
		return "sha512crypt";
	if (strncmp(h, "$y$", 3) == 0)
		return "yescrypt";
	if (strncmp(h, "$gy$", 4) == 0)
		return "gost-yescrypt";
	if (strncmp(h, "$2a$", 4) == 0 || strncmp(h, "$2b$", 4) == 0 ||
			strncmp(h, "$2y$", 4) == 0)
		return "bcrypt";
	if (h[0] != '$' && h[0] != '_' && strlen(h) == 13)
		return "descrypt";
	return NULL;
}

static int itoa64(char ch)
{
	static const char alphabet[] =
		"./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
	const char *p = ch ? strchr(alphabet, ch) : NULL;
	return p ? (int)(p - alphabet) : -1;
}

/* Estimated cost of one crypt call in microseconds, or 0 when the hash's
 * parameters are beyond the caps (or unknown) and it is not tried. */
static uint64_t crypt_cost(const char *h)
{
	const char *m = hash_method(h);
	if (!m)
		return 0;
	if (strcmp(m, "descrypt") == 0)
		return 10;
	if (strcmp(m, "md5crypt") == 0)
		return 150;
	if (strcmp(m, "sha256crypt") == 0 || strcmp(m, "sha512crypt") == 0) {
		uint64_t rounds = 5000;
		if (strncmp(h + 3, "rounds=", 7) == 0) {
			rounds = 0;
			for (const char *p = h + 10; *p != '$'; p++) {
				if (*p < '0' || *p > '9' || rounds > MAX_SHA_ROUNDS)
					return 0;
				rounds = rounds * 10 + (uint64_t)(*p - '0');
			}
			if (rounds > MAX_SHA_ROUNDS)
				return 0;
		}
		return rounds * (m[3] == '5' ? 3 : 5) / 10 + 50;
	}
	if (strcmp(m, "bcrypt") == 0) {
		if (h[4] < '0' || h[4] > '9' || h[5] < '0' || h[5] > '9' || h[6] != '$')
			return 0;
		unsigned cost = (unsigned)(h[4] - '0') * 10 + (unsigned)(h[5] - '0');
		if (cost < 4 || cost > MAX_BCRYPT_COST)
			return 0;
		return (uint64_t)65000 << cost >> 10;
	}
	/* yescrypt: "$y$" flags, log2(N) and r as itoa64 characters; only the
	 * usual "j" flags with N <= 2^13 and r <= 32 are tried. */
	const char *p = h + (m[0] == 'g' ? 4 : 3);
	if (p[0] != 'j' || !p[1] || !p[2] || p[3] != '$')
		return 0;
	int nlog = itoa64(p[1]), r = itoa64(p[2]);
	if (nlog < 1 || nlog > 12 || r < 0 || r > 31)
		return 0;
	return (uint64_t)20000 << nlog >> 11;
}

static struct crypt_entry *cache_find(struct cfg_crypt_cache *cc, const char *hash)
{
	for (size_t i = 0; i < cc->count; i++)
		if (strcmp(cc->entries[i].hash, hash) == 0)
			return &cc->entries[i];
	return NULL;
}

/* Candidate passwords of one hash, tried by up to MAX_THREADS workers:
 * worker t takes positions t, t+T, ...; best is the lowest position that
 * matched, so the result does not depend on scheduling. */
struct crack_job {
	const char *hash;
	const char *const *words;
	size_t count;
	size_t threads;
	atomic_size_t best;     /* position of the first match, or count */
};

struct crack_worker {
	struct crack_job *job;
	size_t first;
	struct crypt_data *data;
	pthread_t tid;
	bool started;
};

static void *crack_worker_run(void *arg)
{
	struct crack_worker *w = arg;
	struct crack_job *job = w->job;
	for (size_t i = w->first; i < job->count; i += job->threads) {
		if (i > atomic_load(&job->best))
			break;
		const char *out = crypt_rn(job->words[i], job->hash, w->data, (int)sizeof(*w->data));
		if (out && out[0] != '*' && strcmp(out, job->hash) == 0) {
			size_t cur = atomic_load(&job->best);
			while (i < cur && !atomic_compare_exchange_weak(&job->best, &cur, i))
				;
			break;
		}
	}
	return NULL;
}

/* Runs the job; the caller's crypt_data serves the first worker. */
static void crack_run(struct crack_job *job, struct crypt_data *own, uint64_t work_us)
{
	struct crack_worker workers[MAX_THREADS];
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	size_t t = work_us < PARALLEL_MIN_US || cpus < 2 ? 1 : (size_t)cpus;
	if (t > MAX_THREADS)
		t = MAX_THREADS;
	if (t > job->count)
		t = job->count;
	if (t == 0)
		return;
	job->threads = t;
	memset(workers, 0, sizeof(workers));
	for (size_t i = 0; i < t; i++) {
		workers[i].job = job;
		workers[i].first = i;
		workers[i].data = i == 0 ? own : calloc(1, sizeof(struct crypt_data));
		if (i > 0 && workers[i].data)
			workers[i].started = pthread_create(&workers[i].tid, NULL, crack_worker_run,
				&workers[i]) == 0;
	}
	crack_worker_run(&workers[0]);
	for (size_t i = 1; i < t; i++) {
		if (workers[i].started) {
			pthread_join(workers[i].tid, NULL);
		} else {
			/* no thread: this slot's positions run here */
			struct crack_worker inline_w = workers[i];
			inline_w.data = own;
			crack_worker_run(&inline_w);
		}
		free(workers[i].data);
	}
}

/* Tries words[0..n) against hash within what is left of the crypt
 * budget.  Returns the position of the first match, or SIZE_MAX; *tried is
 * how many positions were checked (n unless the budget ran out). */
static size_t try_words(struct cfg_crypt_cache *cc, const char *hash, uint64_t cost,
		const char *const *words, size_t n, size_t *tried)
{
	uint64_t left = cc->spent_us < CRYPT_BUDGET_US ? CRYPT_BUDGET_US - cc->spent_us : 0;
	size_t fit = left / cost < n ? (size_t)(left / cost) : n;
	cc->spent_us += fit * cost;
	struct crack_job job = { .hash = hash, .words = words, .count = fit, .threads = 1 };
	atomic_init(&job.best, fit);
	crack_run(&job, &cc->data, fit * cost);
	size_t best = atomic_load(&job.best);
	*tried = fit;
	return best < fit ? best : SIZE_MAX;
}

/* The "*" entries, each password once, in file order (built once). */
static bool generic_list(struct cfg *c)
{
	struct cfg_crypt_cache *cc = c->crypt;
	if (cc->generic_built)
		return true;
	const struct cfg_rules *r = &c->rules;
	cc->generic = calloc(r->password_count + 1, sizeof(*cc->generic));
	if (!cc->generic)
		return false;
	for (size_t i = 0; i < r->password_count; i++) {
		if (strcmp(r->passwords[i].user, "*") != 0)
			continue;
		bool seen = false;
		for (size_t j = 0; j < cc->generic_count && !seen; j++)
			seen = strcmp(r->passwords[cc->generic[j]].password,
				r->passwords[i].password) == 0;
		if (!seen)
			cc->generic[cc->generic_count++] = i;
	}
	cc->generic_built = true;
	return true;
}

static struct crypt_entry *cache_add(struct cfg_crypt_cache *cc, const char *hash)
{
	if (cc->count >= MAX_CACHE)
		return NULL;
	if (!fwg_array_reserve((void **)&cc->entries, &cc->cap, cc->count, sizeof(*cc->entries)))
		return NULL;
	struct crypt_entry *e = &cc->entries[cc->count++];
	snprintf(e->hash, sizeof(e->hash), "%s", hash);
	e->result = -2;
	e->next = 0;
	return e;
}

/* Tries the candidates for (user, hash): the account's own entries first,
 * then the generic ones.  Returns the password index, -1 when none
 * matches, -2 when the hash could not be fully checked.
 *
 * The own entries depend on the account, so they are tried on every call;
 * only the generic list's outcome is cached per hash (with how far it got
 * when the budget ran out, so a later call resumes instead of starting
 * over).  A generic word the account's own entries already failed is
 * skipped: it cannot match this hash, so the cached outcome stays valid
 * for every account. */
static int crack(struct cfg *c, const char *user, const char *hash)
{
	struct cfg_crypt_cache *cc = c->crypt;
	uint64_t cost = crypt_cost(hash);
	if (!cost)
		return -2;
	const struct cfg_rules *r = &c->rules;
	if (!generic_list(c)) {
		c->a->alloc_failed = true;
		return -2;
	}
	size_t *order = calloc(r->password_count + 1, sizeof(*order));
	const char **words = calloc(r->password_count + 1, sizeof(*words));
	int result = -2;
	if (!order || !words) {
		c->a->alloc_failed = true;
		goto out;
	}
	size_t n = 0;
	for (size_t i = 0; i < r->password_count; i++) {
		const char *u = r->passwords[i].user;
		if (strcmp(u, "*") == 0 || strcmp(u, user) != 0)
			continue;
		bool seen = false;
		for (size_t j = 0; j < n && !seen; j++)
			seen = strcmp(words[j], r->passwords[i].password) == 0;
		if (!seen) {
			order[n] = i;
			words[n++] = r->passwords[i].password;
		}
	}
	size_t own_tried;
	size_t hit = try_words(cc, hash, cost, words, n, &own_tried);
	if (hit != SIZE_MAX) {
		result = (int)order[hit];
		goto out;
	}
	struct crypt_entry *e = cache_find(cc, hash);
	if (!e)
		e = cache_add(cc, hash);
	int generic = -2;
	if (e && e->result != -2) {
		generic = e->result;
	} else {
		size_t start = e ? e->next : 0, m = 0;
		const char **gw = words + n;
		size_t *go = order + n;
		for (size_t g = start; g < cc->generic_count; g++) {
			const char *pw = r->passwords[cc->generic[g]].password;
			bool failed = false;
			for (size_t j = 0; j < own_tried && !failed; j++)
				failed = strcmp(words[j], pw) == 0;
			if (!failed) {
				go[m] = g;
				gw[m++] = pw;
			}
		}
		size_t tried;
		hit = try_words(cc, hash, cost, gw, m, &tried);
		generic = hit != SIZE_MAX ? (int)cc->generic[go[hit]] : tried == m ? -1 : -2;
		if (e) {
			e->result = generic;
			e->next = tried < m ? go[tried] : cc->generic_count;
		}
	}
	result = generic >= 0 ? generic : own_tried < n ? -2 : generic;
out:
	free(order);
	free(words);
	return result;
}

/* Copies a ':'-field into a bounded buffer; false when it is too long. */
static bool field_copy(char *dst, size_t cap, const char *s, size_t len)
{
	if (len >= cap)
		return false;
	memcpy(dst, s, len);
	dst[len] = '\0';
	return true;
}

static bool parse_u32(const char *s, size_t len, uint32_t *out)
{
	uint64_t v = 0;
	if (len == 0 || len > 10)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v > UINT32_MAX)
		return false;
	*out = (uint32_t)v;
	return true;
}

/* Parses passwd or shadow text into f->accounts (bounded). */
static bool parse_accounts(struct cfg_account_file *f, const uint8_t *data, size_t size)
{
	struct cfg_lines it;
	const char *line;
	size_t len;
	cfg_lines_init(&it, data, size);
	while (cfg_lines_next(&it, &line, &len) && f->count < MAX_ACCOUNTS) {
		if (len == 0 || line[0] == '#' || line[0] == '+' || line[0] == '-')
			continue;
		const char *fs[4];
		size_t fl[4], n = 0, start = 0;
		for (size_t i = 0; i <= len && n < 4; i++) {
			if (i == len || line[i] == ':') {
				fs[n] = line + start;
				fl[n++] = i - start;
				start = i + 1;
			}
		}
		if (n < 2 || fl[0] == 0)
			continue;
		struct cfg_account acc;
		memset(&acc, 0, sizeof(acc));
		if (!field_copy(acc.name, sizeof(acc.name), fs[0], fl[0]) ||
				!field_copy(acc.hash, sizeof(acc.hash), fs[1], fl[1]) ||
				memchr(acc.name, '\0', fl[0]) || memchr(acc.hash, '\0', fl[1]))
			continue;
		if (!f->shadow) {
			if (n < 4)
				continue;
			acc.has_uid = parse_u32(fs[2], fl[2], &acc.uid) &&
				parse_u32(fs[3], fl[3], &acc.gid);
		}
		if (!f->accounts) {
			f->accounts = calloc(MAX_ACCOUNTS, sizeof(*f->accounts));
			if (!f->accounts)
				return false;
		}
		f->accounts[f->count++] = acc;
	}
	return true;
}

static bool locked(const char *hash)
{
	return hash[0] == '!' || hash[0] == '*';
}

static void report(struct cfg *c, const struct fwg_node *node, const char *rule,
		enum fwg_level sev, const char *message, const char *evidence, const char *fix)
{
	fwg_report(c->a, &(struct fwg_finding_desc){
		.rule = rule, .severity = sev, .confidence = FWG_CONFIDENCE_HIGH, .node = node,
		.message = message, .evidence = evidence, .remediation = fix });
}

static void check_file(struct cfg *c, const struct cfg_account_file *f, const char *path)
{
	struct cfg_buf empty = { .len = 0 }, weak = { .len = 0 }, uid0 = { .len = 0 },
		budget = { .len = 0 };
	for (size_t i = 0; i < f->count; i++) {
		const struct cfg_account *acc = &f->accounts[i];
		if (!f->shadow && acc->has_uid && acc->uid == 0 && strcmp(acc->name, "root") != 0)
			cfg_buf_add(&uid0, "%s (uid 0, gid %u)", acc->name, acc->gid);
		if (acc->hash[0] == '\0') {
			cfg_buf_add(&empty, "%s", acc->name);
			continue;
		}
		if (locked(acc->hash) || (!f->shadow && strcmp(acc->hash, "x") == 0))
			continue;
		const char *method = hash_method(acc->hash);
		if (!method)
			continue;
		int res = crack(c, acc->name, acc->hash);
		if (res >= 0)
			cfg_buf_add(&weak, "%s: password '%s' (%s)", acc->name,
				c->rules.passwords[res].password, method);
		else if (res == -2)
			cfg_buf_add(&budget, "%s (%s)", acc->name, method);
	}
	char msg[256];
	if (empty.items) {
		snprintf(msg, sizeof(msg), "%s: %u account(s) without a password", path, empty.items);
		report(c, f->file, "account.empty_password", FWG_LEVEL_HIGH, msg, empty.text,
			"Set a password or lock the account ('!' or '*' in the password field).");
	}
	if (weak.items) {
		snprintf(msg, sizeof(msg), "%s: %u account(s) with a default or common password%s",
			path, weak.items, f->shadow ? "" : " (hash in passwd)");
		report(c, f->file, "account.default_password", FWG_LEVEL_CRITICAL, msg, weak.text,
			"Ship no usable password: lock the account, or force a unique password per "
			"device on first boot.");
	}
	if (uid0.items) {
		snprintf(msg, sizeof(msg), "%s: %u account(s) besides root with uid 0", path,
			uid0.items);
		report(c, f->file, "account.extra_uid0", FWG_LEVEL_HIGH, msg, uid0.text,
			"Remove the account or give it an unprivileged uid.");
	}
	if (budget.items) {
		snprintf(msg, sizeof(msg), "%s: %u password hash(es) not checked against the default "
			"list (cost caps or crypt budget)", path, budget.items);
		fwg_report(c->a, &(struct fwg_finding_desc){
			.rule = "account.crack_budget", .severity = FWG_LEVEL_INFO,
			.confidence = FWG_CONFIDENCE_HIGH, .node = f->file, .message = msg,
			.evidence = budget.text,
			.remediation = "Check these hashes offline against the default list." });
	}
}

/* Which account file `path` is: 0 none, 1 passwd, 2 shadow. */
static int account_kind(const char *path, bool writable_fs)
{
	if (strcmp(path, "/etc/passwd") == 0)
		return 1;
	if (strcmp(path, "/etc/shadow") == 0)
		return 2;
	if (writable_fs && strcmp(path, "/passwd") == 0)
		return 1;
	if (writable_fs && strcmp(path, "/shadow") == 0)
		return 2;
	return 0;
}

void cfg_accounts_file(struct cfg *c, const struct fwg_node *file, const char *path)
{
	const struct fwg_node *fs = fwg_node_filesystem(file);
	bool writable = cfg_fs_writable(fs);
	int kind = account_kind(path, writable);
	if (kind == 0 || file->size > CFG_MAX_FILE)
		return;
	if (!c->crypt) {
		c->crypt = calloc(1, sizeof(*c->crypt));
		if (!c->crypt) {
			c->a->alloc_failed = true;
			return;
		}
	}
	struct cfg_account_file *f = calloc(1, sizeof(*f));
	if (!f) {
		c->a->alloc_failed = true;
		return;
	}
	f->file = file;
	f->fs = fs;
	f->shadow = kind == 2;
	f->writable = writable;
	f->readonly_root = fs && (fs->type == FWG_TYPE_SQUASHFS || fs->type == FWG_TYPE_CRAMFS);
	if (!parse_accounts(f, file->data, (size_t)file->size)) {
		c->a->alloc_failed = true;
		free(f->accounts);
		free(f);
		return;
	}
	check_file(c, f, path);
	if (!fwg_array_reserve((void **)&c->account_files, &c->account_file_cap,
			c->account_file_count, sizeof(*c->account_files))) {
		c->a->alloc_failed = true;
		free(f->accounts);
		free(f);
		return;
	}
	c->account_files[c->account_file_count++] = f;
}

static const struct cfg_account *find_account(const struct cfg_account_file *f, const char *name)
{
	for (size_t i = 0; i < f->count; i++)
		if (strcmp(f->accounts[i].name, name) == 0)
			return &f->accounts[i];
	return NULL;
}

static void compare_overlay(struct cfg *c, const struct cfg_account_file *base,
		const struct cfg_account_file *over)
{
	struct cfg_buf added = { .len = 0 }, changed = { .len = 0 };
	for (size_t i = 0; i < over->count; i++) {
		const struct cfg_account *o = &over->accounts[i];
		const struct cfg_account *b = find_account(base, o->name);
		if (!b) {
			if (o->has_uid)
				cfg_buf_add(&added, "%s (uid %u)", o->name, o->uid);
			else
				cfg_buf_add(&added, "%s", o->name);
			continue;
		}
		if (strcmp(b->hash, o->hash) != 0)
			cfg_buf_add(&changed, "%s: password %s", o->name,
				o->hash[0] ? "hash changed" : "removed (empty)");
		else if (o->has_uid && b->has_uid && (o->uid != b->uid || o->gid != b->gid))
			cfg_buf_add(&changed, "%s: uid/gid %u/%u -> %u/%u", o->name, b->uid, b->gid,
				o->uid, o->gid);
	}
	const char *path = fwg_node_fs_path(over->file);
	const char *base_path = fwg_node_path(base->file);
	if (!base_path)
		base_path = "root filesystem";
	char msg[512];
	if (added.items) {
		snprintf(msg, sizeof(msg), "%s: writable overlay adds %u account(s) missing from the "
			"read-only root filesystem (%s)", path, added.items, base_path);
		report(c, over->file, "account.overlay_added", FWG_LEVEL_HIGH, msg, added.text,
			"Ship the overlay partition empty: accounts belong in the signed root "
			"filesystem.");
	}
	if (changed.items) {
		snprintf(msg, sizeof(msg), "%s: writable overlay changes %u account(s) of the "
			"read-only root filesystem (%s)", path, changed.items, base_path);
		report(c, over->file, "account.overlay_changed", FWG_LEVEL_HIGH, msg, changed.text,
			"Ship the overlay partition empty: account changes in a writable partition "
			"bypass the root filesystem's signature.");
	}
}

void cfg_accounts_finish(struct cfg *c)
{
	const struct cfg_account_file *base[2] = { NULL, NULL };
	const struct fwg_node *base_fs = NULL;
	/* The base: the first read-only filesystem with an /etc/passwd. */
	for (size_t i = 0; i < c->account_file_count && !base_fs; i++) {
		const struct cfg_account_file *f = c->account_files[i];
		if (f->readonly_root && !f->shadow)
			base_fs = f->fs;
	}
	if (!base_fs)
		return;
	for (size_t i = 0; i < c->account_file_count; i++) {
		const struct cfg_account_file *f = c->account_files[i];
		if (f->fs == base_fs && !base[f->shadow])
			base[f->shadow] = f;
	}
	for (size_t i = 0; i < c->account_file_count; i++) {
		const struct cfg_account_file *f = c->account_files[i];
		if (f->writable && base[f->shadow])
			compare_overlay(c, base[f->shadow], f);
	}
}

void cfg_accounts_free(struct cfg *c)
{
	for (size_t i = 0; i < c->account_file_count; i++) {
		free(c->account_files[i]->accounts);
		free(c->account_files[i]);
	}
	free(c->account_files);
	c->account_files = NULL;
	c->account_file_count = c->account_file_cap = 0;
	if (c->crypt) {
		free(c->crypt->entries);
		free(c->crypt->generic);
	}
	free(c->crypt);
	c->crypt = NULL;
}
