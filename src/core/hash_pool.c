/*
 * hash_pool.c - worker threads computing SHA-256 (and SHA-1/SHA-384 on
 * request) of every component through OpenSSL's libcrypto.
 *
 * Queue: a growable array of node pointers with a head index, guarded by one
 * mutex; workers sleep on a condition variable.  Digests are written by
 * whichever thread pops the node, and are read only after finish() has
 * joined every worker, which orders those writes before the reads.
 */
#include <pthread.h>
#include <stdlib.h>

#include <openssl/evp.h>

#include "hash_pool.h"

#define MAX_WORKERS 16

struct fwg_hash_pool {
	pthread_mutex_t lock;
	pthread_cond_t wake;
	struct fwg_node **queue;
	size_t head, tail, cap;
	bool closing;
	bool failed;
	unsigned kinds;
	unsigned nworkers;
	pthread_t workers[MAX_WORKERS];
};

static enum fwg_status digest(const EVP_MD *md, const uint8_t *data, size_t len, uint8_t *out)
{
	unsigned int outlen = 0;
	if (EVP_Digest(data, len, out, &outlen, md, NULL) != 1)
		return FWG_NOMEM;
	return FWG_OK;
}

enum fwg_status fwg_hash_node(struct fwg_node *node, unsigned kinds)
{
	if (!node->data || (node->hashed & FWG_HASH_SHA256))
		return FWG_OK;
	const uint8_t *p = node->data;
	size_t n = (size_t)node->size;
	enum fwg_status st = digest(EVP_sha256(), p, n, node->sha256);
	if (st == FWG_OK && (kinds & FWG_HASH_SHA1))
		st = digest(EVP_sha1(), p, n, node->sha1);
	if (st == FWG_OK && (kinds & FWG_HASH_SHA384))
		st = digest(EVP_sha384(), p, n, node->sha384);
	if (st == FWG_OK)
		node->hashed = FWG_HASH_SHA256 | (kinds & (FWG_HASH_SHA1 | FWG_HASH_SHA384));
	return st;
}

/* Pops one node or returns NULL when the queue is empty (lock held). */
static struct fwg_node *pop_locked(struct fwg_hash_pool *pool)
{
	if (pool->head == pool->tail)
		return NULL;
	return pool->queue[pool->head++];
}

static void *worker_main(void *arg)
{
	struct fwg_hash_pool *pool = arg;
	pthread_mutex_lock(&pool->lock);
	for (;;) {
		struct fwg_node *node = pop_locked(pool);
		if (!node) {
			if (pool->closing)
				break;
			pthread_cond_wait(&pool->wake, &pool->lock);
			continue;
		}
		pthread_mutex_unlock(&pool->lock);
		enum fwg_status st = fwg_hash_node(node, pool->kinds);
		pthread_mutex_lock(&pool->lock);
		if (st != FWG_OK)
			pool->failed = true;
	}
	pthread_mutex_unlock(&pool->lock);
	return NULL;
}

enum fwg_status fwg_hash_pool_new(unsigned workers, unsigned kinds, struct fwg_hash_pool **out)
{
	struct fwg_hash_pool *pool = calloc(1, sizeof(*pool));
	if (!pool)
		return FWG_NOMEM;
	pool->kinds = kinds;
	pthread_mutex_init(&pool->lock, NULL);
	pthread_cond_init(&pool->wake, NULL);
	if (workers > MAX_WORKERS)
		workers = MAX_WORKERS;
	for (unsigned i = 0; i < workers; i++) {
		if (pthread_create(&pool->workers[i], NULL, worker_main, pool) != 0)
			break; /* fewer workers is still correct */
		pool->nworkers++;
	}
	*out = pool;
	return FWG_OK;
}

enum fwg_status fwg_hash_pool_submit(struct fwg_hash_pool *pool, struct fwg_node *node)
{
	if (!node->data)
		return FWG_OK;
	enum fwg_status st = FWG_OK;
	pthread_mutex_lock(&pool->lock);
	if (pool->tail == pool->cap) {
		/* Compact consumed slots before growing. */
		if (pool->head > 0) {
			size_t live = pool->tail - pool->head;
			for (size_t i = 0; i < live; i++)
				pool->queue[i] = pool->queue[pool->head + i];
			pool->head = 0;
			pool->tail = live;
		}
		if (pool->tail == pool->cap) {
			size_t ncap = pool->cap ? pool->cap * 2 : 256;
			struct fwg_node **q = ncap > SIZE_MAX / sizeof(*q) ? NULL
				: realloc(pool->queue, ncap * sizeof(*q));
			if (!q) {
				st = FWG_NOMEM;
				goto out;
			}
			pool->queue = q;
			pool->cap = ncap;
		}
	}
	pool->queue[pool->tail++] = node;
	pthread_cond_signal(&pool->wake);
out:
	pthread_mutex_unlock(&pool->lock);
	return st;
}

enum fwg_status fwg_hash_pool_finish(struct fwg_hash_pool *pool)
{
	pthread_mutex_lock(&pool->lock);
	pool->closing = true;
	pthread_cond_broadcast(&pool->wake);
	for (;;) {
		struct fwg_node *node = pop_locked(pool);
		if (!node)
			break;
		pthread_mutex_unlock(&pool->lock);
		enum fwg_status st = fwg_hash_node(node, pool->kinds);
		pthread_mutex_lock(&pool->lock);
		if (st != FWG_OK)
			pool->failed = true;
	}
	pthread_mutex_unlock(&pool->lock);
	for (unsigned i = 0; i < pool->nworkers; i++)
		pthread_join(pool->workers[i], NULL);
	pool->nworkers = 0;
	return pool->failed ? FWG_NOMEM : FWG_OK;
}

void fwg_hash_pool_free(struct fwg_hash_pool *pool)
{
	if (!pool)
		return;
	if (pool->nworkers && fwg_hash_pool_finish(pool) != FWG_OK)
		pool->failed = true; /* nobody is left to read it */
	pthread_mutex_destroy(&pool->lock);
	pthread_cond_destroy(&pool->wake);
	free(pool->queue);
	free(pool);
}
