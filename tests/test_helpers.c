/*
 * test_helpers.c - see test_helpers.h.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "guid.h"
#include "test_helpers.h"

struct fwg_image *open_buffer(const uint8_t *data, size_t size)
{
	struct fwg_options opt;
	fwg_options_default(&opt);
	opt.threads = 1;
	struct fwg_image *img = NULL;
	char err[256];
	assert_int_equal(fwg_image_open_buffer(data, size, "test", &opt, &img, err, sizeof(err)),
		FWG_OK);
	assert_non_null(img);
	return img;
}

struct fwg_image *open_path(const char *path)
{
	struct fwg_options opt;
	fwg_options_default(&opt);
	struct fwg_image *img = NULL;
	char err[256];
	assert_int_equal(fwg_image_open(path, &opt, &img, err, sizeof(err)), FWG_OK);
	return img;
}

size_t count_type(const struct fwg_node *n, const char *type)
{
	size_t c = strcmp(n->type, type) == 0;
	for (size_t i = 0; i < n->child_count; i++)
		c += count_type(n->children[i], type);
	return c;
}

bool has_diag(const struct fwg_node *n, const char *code)
{
	for (size_t i = 0; i < n->diag_count; i++)
		if (strcmp(n->diags[i].code, code) == 0)
			return true;
	return false;
}

const struct fwg_node *child_named(const struct fwg_node *n, const char *type,
		const char *name)
{
	for (size_t i = 0; i < n->child_count; i++) {
		const struct fwg_node *c = n->children[i];
		if (strcmp(c->type, type) == 0 && (!name || (c->name && strcmp(c->name, name) == 0)))
			return c;
	}
	return NULL;
}

void assert_attr(const struct fwg_node *n, const char *key, const char *value)
{
	const char *v = fwg_node_attr(n, key);
	assert_non_null(v);
	assert_string_equal(v, value);
}

uint8_t *read_file(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	uint8_t *buf = NULL;
	if (fseek(f, 0, SEEK_END) == 0) {
		long n = ftell(f);
		if (n >= 0 && fseek(f, 0, SEEK_SET) == 0) {
			buf = malloc(n ? (size_t)n : 1);
			if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
				free(buf);
				buf = NULL;
			}
			*size = (size_t)n;
		}
	}
	fclose(f);
	return buf;
}

void assert_guid(const struct fwg_node *n, const char *text)
{
	uint8_t g[16];
	char out[FWG_GUID_TEXT_LEN];
	assert_true(fwg_node_guid(n, g));
	fwg_guid_format(g, out);
	assert_string_equal(out, text);
}

