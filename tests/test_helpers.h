/*
 * test_helpers.h - small helpers shared by the handler unit tests: opening
 * images with test options and asserting on the resulting tree.  They use
 * cmocka's assertions, so they may only be called from inside a test.
 */
#ifndef FWG_TESTS_TEST_HELPERS_H
#define FWG_TESTS_TEST_HELPERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fwguard/fwguard.h"
#include "node.h"

struct fwg_image *open_buffer(const uint8_t *data, size_t size);
struct fwg_image *open_path(const char *path);
size_t count_type(const struct fwg_node *n, const char *type);
bool has_diag(const struct fwg_node *n, const char *code);
const struct fwg_node *child_named(const struct fwg_node *n, const char *type, const char *name);
void assert_attr(const struct fwg_node *n, const char *key, const char *value);
uint8_t *read_file(const char *path, size_t *size);
void assert_guid(const struct fwg_node *n, const char *text);

#endif
