/*
 * test_yara.c - the yara engine through fwg_analyze: libyara's global
 * init/finalize across several analyses in one process (in turn and in
 * parallel threads), user rules from a --rules directory, one finding per
 * rule and component, compile errors.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "fwguard/fwguard.h"
#include "../src/engines/engine.h"

static char rules_dir[64];

static void write_file(const char *dir, const char *name, const char *text)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static int setup(void **state)
{
	(void)state;
	snprintf(rules_dir, sizeof(rules_dir), "/tmp/fwg-yara-unit-XXXXXX");
	if (!mkdtemp(rules_dir))
		return -1;
	write_file(rules_dir, "m.yar",
		"rule unit_marker { meta: severity = \"high\" strings: $a = \"UNIT-MARKER-93\" "
		"condition: #a >= 1 }\n");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char path[128];
	snprintf(path, sizeof(path), "%s/m.yar", rules_dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/bad.yar", rules_dir);
	unlink(path);
	rmdir(rules_dir);
	return 0;
}

/* A buffer with the marker planted twice: one finding, not two. */
static uint8_t *make_image(size_t size, bool marker)
{
	uint8_t *b = malloc(size);
	assert_non_null(b);
	for (size_t i = 0; i < size; i++)
		b[i] = (uint8_t)(i * 131u + (i >> 7));
	if (marker) {
		memcpy(b + 100, "UNIT-MARKER-93", 14);
		memcpy(b + size - 200, "UNIT-MARKER-93", 14);
	}
	return b;
}

static size_t analyze_count(const uint8_t *data, size_t size, const char *rule)
{
	struct fwg_image *img = NULL;
	char err[256];
	assert_int_equal(fwg_image_open_buffer(data, size, "unit", NULL, &img, err, sizeof(err)),
		FWG_OK);
	struct fwg_analysis_options o;
	fwg_analysis_options_default(&o);
	o.engines = "yara";
	o.rule_dirs[0] = rules_dir;
	o.rule_dir_count = 1;
	struct fwg_analysis *a = NULL;
	assert_int_equal(fwg_analyze(img, &o, &a, err, sizeof(err)), FWG_OK);
	size_t n = 0;
	for (size_t i = 0; i < a->finding_count; i++)
		if (strcmp(a->findings[i].rule, rule) == 0)
			n++;
	fwg_analysis_free(a);
	fwg_image_free(img);
	return n;
}

static void test_in_turn(void **state)
{
	(void)state;
	uint8_t *with = make_image(1 << 16, true);
	uint8_t *without = make_image(1 << 16, false);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(analyze_count(with, 1 << 16, "yara.unit_marker"), 1);
		assert_int_equal(analyze_count(without, 1 << 16, "yara.unit_marker"), 0);
	}
	free(with);
	free(without);
}

static void *worker(void *arg)
{
	const uint8_t *img = arg;
	size_t total = 0;
	for (int i = 0; i < 4; i++)
		total += analyze_count(img, 1 << 16, "yara.unit_marker");
	return (void *)(uintptr_t)total;
}

static void test_parallel(void **state)
{
	(void)state;
	uint8_t *with = make_image(1 << 16, true);
	pthread_t t[4];
	for (int i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&t[i], NULL, worker, with), 0);
	for (int i = 0; i < 4; i++) {
		void *r;
		assert_int_equal(pthread_join(t[i], &r), 0);
		assert_int_equal((uintptr_t)r, 4);
	}
	free(with);
}

static void test_compile_error(void **state)
{
	(void)state;
	write_file(rules_dir, "bad.yar", "rule bad {\n condition: $nope\n}\n");
	uint8_t *img_bytes = make_image(4096, true);
	struct fwg_image *img = NULL;
	char err[512];
	assert_int_equal(fwg_image_open_buffer(img_bytes, 4096, "unit", NULL, &img, err,
		sizeof(err)), FWG_OK);
	struct fwg_analysis_options o;
	fwg_analysis_options_default(&o);
	o.engines = "yara";
	o.rule_dirs[0] = rules_dir;
	o.rule_dir_count = 1;
	struct fwg_analysis *a = NULL;
	assert_int_equal(fwg_analyze(img, &o, &a, err, sizeof(err)), FWG_MALFORMED);
	assert_null(a);
	assert_non_null(strstr(err, "bad.yar:"));
	fwg_image_free(img);
	free(img_bytes);
	char path[128];
	snprintf(path, sizeof(path), "%s/bad.yar", rules_dir);
	unlink(path);
	/* libyara is usable again after the failed compile. */
	uint8_t *with = make_image(1 << 16, true);
	assert_int_equal(analyze_count(with, 1 << 16, "yara.unit_marker"), 1);
	free(with);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_in_turn),
		cmocka_unit_test(test_parallel),
		cmocka_unit_test(test_compile_error),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
