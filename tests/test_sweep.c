/*
 * test_sweep.c - hostile-input sweeps over real firmware samples.
 *
 * Every sample given on the command line (real images from Debian
 * packages) is cut at many offsets and has random bits flipped; each
 * mutant is unpacked from a heap copy of exactly its size, so under ASan
 * any read past the end is caught.  A mutant must give a tree (partial
 * trees are fine) or a clean error, within a time bound, and without
 * crashing or hanging.  Seeds are fixed, so failures reproduce.
 *
 * Environment: FWG_SWEEP_CUTS / FWG_SWEEP_FLIPS override the number of
 * mutants per sample (defaults 48 / 48).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "fwguard/fwguard.h"

#define MAX_SECONDS_PER_MUTANT 20.0

static char **sample_paths;
static int sample_count;

static uint8_t *read_file(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	uint8_t *buf = n > 0 ? malloc((size_t)n) : NULL;
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	*size = buf ? (size_t)n : 0;
	return buf;
}

static uint64_t rng_next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static unsigned env_count(const char *name, unsigned def)
{
	const char *v = getenv(name);
	return v ? (unsigned)strtoul(v, NULL, 10) : def;
}

static void run_mutant(const uint8_t *data, size_t size, const char *what)
{
	struct fwg_options opt;
	fwg_options_default(&opt);
	opt.limits.max_decoded_total = 256u << 20;
	uint8_t *copy = malloc(size ? size : 1);
	assert_non_null(copy);
	memcpy(copy, data, size);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	struct fwg_image *img = NULL;
	char err[256];
	enum fwg_status st = fwg_image_open_buffer(copy, size, what, &opt, &img, err, sizeof(err));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	if (secs > MAX_SECONDS_PER_MUTANT)
		fail_msg("%s took %.1f s", what, secs);
	if (st == FWG_OK) {
		assert_non_null(img);
		/* Serializing walks every node and attribute. */
		FILE *null = fopen("/dev/null", "w");
		assert_int_equal(fwg_write_json(img, null), FWG_OK);
		fclose(null);
		fwg_image_free(img);
	} else {
		assert_null(img);
		assert_true(st == FWG_NOMEM || st == FWG_LIMIT || st == FWG_MALFORMED);
	}
	free(copy);
}

static void test_truncation_and_bitflips(void **state)
{
	(void)state;
	unsigned cuts = env_count("FWG_SWEEP_CUTS", 48);
	unsigned flips = env_count("FWG_SWEEP_FLIPS", 48);
	for (int s = 0; s < sample_count; s++) {
		size_t size;
		uint8_t *data = read_file(sample_paths[s], &size);
		if (!data) {
			print_message("skipping unreadable sample %s\n", sample_paths[s]);
			continue;
		}
		char what[512];
		uint64_t rng = 0x9e3779b97f4a7c15ull ^ (uint64_t)s;
		for (unsigned i = 0; i < cuts; i++) {
			/* Half evenly spaced, half random cut points. */
			size_t cut = i % 2 ? (size_t)(rng_next(&rng) % size)
					   : (size_t)((double)size * i / cuts);
			if (cut == 0)
				cut = 1;
			snprintf(what, sizeof(what), "%s cut at 0x%zx", sample_paths[s], cut);
			run_mutant(data, cut, what);
		}
		uint8_t *mut = malloc(size);
		assert_non_null(mut);
		for (unsigned i = 0; i < flips; i++) {
			memcpy(mut, data, size);
			unsigned nbits = 1 + (unsigned)(rng_next(&rng) % 8);
			for (unsigned b = 0; b < nbits; b++) {
				/* Bias flips towards headers: the first 64 KiB and
				 * anywhere in the image equally often. */
				uint64_t r = rng_next(&rng);
				size_t pos = (r & 1) ? (size_t)((r >> 1) % (size < 65536 ? size : 65536))
						     : (size_t)((r >> 1) % size);
				mut[pos] ^= (uint8_t)(1u << (rng_next(&rng) % 8));
			}
			snprintf(what, sizeof(what), "%s flip round %u", sample_paths[s], i);
			run_mutant(mut, size, what);
		}
		free(mut);
		free(data);
	}
}

int main(int argc, char **argv)
{
	sample_paths = argv + 1;
	sample_count = argc - 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_truncation_and_bitflips),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
