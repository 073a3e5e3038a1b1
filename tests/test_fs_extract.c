/*
 * test_fs_extract.c - cmocka tests for filesystem entries (src/core/fs.c)
 * and their safe extraction (src/output/extract.c).
 *
 * A scripted "hostile filesystem" handler creates the entries an evil
 * archive would: "../" and absolute paths, a symlink to outside followed
 * by a file "through" it, names with '/', NUL, control bytes, "." and
 * "..", duplicates, a device node, setuid files, a read-only directory,
 * nesting beyond the depth budget and more entries than the node budget.
 * The tests check the tree the builder made, then extract it into a fresh
 * directory beside a sentinel directory and check that nothing was
 * written outside, no symlink was followed, and the rest survived.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "fs.h"
#include "fwguard/fwguard.h"
#include "image.h"
#include "node.h"

static const char content[] = "hello from inside the image\n";

static struct fwg_fs_meta meta_of(uint32_t mode)
{
	struct fwg_fs_meta m = { .mode = mode, .uid = 1000, .gid = 1000 };
	return m;
}

static enum fwg_status add_file_path(struct fwg_fs_builder *b, const char *path, uint32_t mode,
		struct fwg_node **out)
{
	struct fwg_fs_meta m = meta_of(S_IFREG | mode);
	enum fwg_status st = fwg_fs_add_path(b, path, strlen(path), &m, out);
	if (st == FWG_OK && *out)
		st = fwg_fs_content_window(b, *out, 0, sizeof(content) - 1);
	return st;
}

static enum fwg_status hostile_parse(struct fwg_unpack *u, struct fwg_node *node)
{
	struct fwg_fs_builder *b;
	struct fwg_node *n, *dir;
	enum fwg_status st = fwg_fs_begin(u, node, &b);
	if (st != FWG_OK)
		return st;
	assert_int_equal(add_file_path(b, "../../escape-dotdot", 0644, &n), FWG_OK);
	assert_int_equal(add_file_path(b, "/abs/escape-absolute", 0644, &n), FWG_OK);
	assert_int_equal(add_file_path(b, "./etc/./passwd", 0644, &n), FWG_OK);
	assert_int_equal(add_file_path(b, "etc/../etc/shadow", 0600, &n), FWG_OK);

	/* A symlink to outside, then a file "through" it. */
	struct fwg_fs_meta lm = meta_of(S_IFLNK | 0777);
	lm.link_target = "/tmp/fwguard-test-outside";
	lm.link_target_len = strlen(lm.link_target);
	assert_int_equal(fwg_fs_add_path(b, "evil-link", 9, &lm, &n), FWG_OK);
	assert_int_equal(add_file_path(b, "evil-link/planted", 0644, &n), FWG_TRUNCATED);
	/* A symlink, then a regular file of the same name: the file must
	 * replace the link, never be written through it. */
	lm.link_target = "/tmp/fwguard-test-outside-2";
	lm.link_target_len = strlen(lm.link_target);
	assert_int_equal(fwg_fs_add_path(b, "swap", 4, &lm, &n), FWG_OK);
	assert_int_equal(add_file_path(b, "swap", 0644, &n), FWG_OK);

	/* Names no directory entry may have. */
	struct fwg_fs_meta fm = meta_of(S_IFREG | 0644);
	static const char slash[] = "a/b", nul[] = { 'x', '\0', 'y' };
	assert_int_equal(fwg_fs_add(b, NULL, slash, 3, &fm, &n), FWG_OK);
	assert_string_equal(n->name, "a_b");
	assert_int_equal(fwg_fs_add(b, NULL, nul, 3, &fm, &n), FWG_OK);
	assert_string_equal(n->name, "x_y");
	assert_int_equal(fwg_fs_add(b, NULL, "..", 2, &fm, &n), FWG_OK);
	assert_string_equal(n->name, "__");
	assert_int_equal(fwg_fs_add(b, NULL, ".", 1, &fm, &n), FWG_OK);
	assert_string_equal(n->name, "_");
	assert_int_equal(fwg_fs_add(b, NULL, "ctl\x1b[2Jname\n", 12, &fm, &n), FWG_OK);
	assert_string_equal(n->name, "ctl\\x1b[2Jname\\x0a");
	assert_int_equal(fwg_fs_add(b, NULL, "caf\xc3\xa9", 5, &fm, &n), FWG_OK);
	assert_string_equal(n->name, "caf\xc3\xa9");
	assert_int_equal(fwg_fs_add(b, NULL, "bad\xff", 4, &fm, &n), FWG_OK);
	assert_string_equal(n->name, "bad\\xff");

	/* setuid file, device, read-only directory with a file. */
	assert_int_equal(add_file_path(b, "bin/suid", 04755, &n), FWG_OK);
	struct fwg_fs_meta dm = meta_of(S_IFCHR | 0600);
	dm.rdev_major = 1;
	dm.rdev_minor = 3;
	assert_int_equal(fwg_fs_add_path(b, "dev/null", 8, &dm, &n), FWG_OK);
	assert_ptr_equal(n->type, FWG_TYPE_DEVICE);
	struct fwg_fs_meta rom = meta_of(S_IFDIR | 0555);
	assert_int_equal(fwg_fs_add_path(b, "ro", 2, &rom, &dir), FWG_OK);
	assert_int_equal(add_file_path(b, "ro/inside", 0444, &n), FWG_OK);

	/* Hard link: shared content, written as a copy. */
	struct fwg_node *target = fwg_fs_lookup(b, "/etc/passwd", 11);
	assert_non_null(target);
	assert_int_equal(fwg_fs_add_path(b, "etc/passwd-link", 15, &fm, &n), FWG_OK);
	fwg_fs_content_share(b, n, target);

	/* Decoded content through the budgets. */
	uint8_t *buf;
	assert_int_equal(fwg_fs_add_path(b, "decoded", 7, &fm, &n), FWG_OK);
	assert_int_equal(fwg_fs_content_reserve(b, n, 4, 5, &buf), FWG_OK);
	memcpy(buf, "12345", 5);
	fwg_fs_content_commit(b, n, 5);

	/* Nesting past the depth budget stops with FWG_LIMIT. */
	struct fwg_fs_meta dirm = meta_of(S_IFDIR | 0755);
	dir = NULL;
	st = FWG_OK;
	for (int i = 0; i < 200 && st == FWG_OK; i++)
		st = fwg_fs_add(b, dir, "d", 1, &dirm, &dir);
	assert_int_equal(st, FWG_LIMIT);
	fwg_fs_end(b);
	return FWG_OK;
}

static int hostile_probe(const struct fwg_cursor *c)
{
	(void)c;
	return 0;
}

static const struct fwg_handler hostile_fs = {
	.name = "hostile_fs",
	.description = "scripted hostile filesystem for tests",
	.node_type = NULL,
	.probe = hostile_probe,
	.parse = hostile_parse,
};

static struct fwg_image *open_hostile(void)
{
	struct fwg_image *img = NULL;
	char err[256];
	assert_int_equal(fwg_image_open_buffer_as((const uint8_t *)content, sizeof(content) - 1,
		"hostile", NULL, &hostile_fs, &img, err, sizeof(err)), FWG_OK);
	return img;
}

static const struct fwg_node *child_named(const struct fwg_node *n, const char *name)
{
	for (size_t i = 0; i < n->child_count; i++)
		if (n->children[i]->name && strcmp(n->children[i]->name, name) == 0)
			return n->children[i];
	return NULL;
}

static bool has_diag(const struct fwg_node *n, const char *code)
{
	for (size_t i = 0; i < n->diag_count; i++)
		if (strcmp(n->diags[i].code, code) == 0)
			return true;
	return false;
}

static void test_tree(void **state)
{
	(void)state;
	struct fwg_image *img = open_hostile();
	const struct fwg_node *root = img->root;
	const struct fwg_node *n = child_named(root, "escape-dotdot");
	assert_non_null(n);
	assert_string_equal(n->fs->path, "/escape-dotdot");
	assert_true(has_diag(n, "fs.path_traversal"));
	assert_non_null(fwg_node_attr_find(n, "stored_path"));
	n = child_named(child_named(root, "abs"), "escape-absolute");
	assert_non_null(n);
	assert_string_equal(n->fs->path, "/abs/escape-absolute");
	n = child_named(child_named(root, "etc"), "shadow");
	assert_non_null(n);
	assert_string_equal(n->fs->path, "/etc/shadow");
	assert_string_equal(n->fs->kind, "config");
	n = child_named(child_named(root, "etc"), "passwd-link");
	assert_int_equal(n->size, sizeof(content) - 1);
	n = child_named(root, "decoded");
	assert_int_equal(n->size, 5);
	assert_string_equal(n->fs->kind, "text");
	assert_true(has_diag(root, "limit.depth"));
	assert_true(has_diag(root, "fs.bad_name"));
	fwg_image_free(img);
}

static int count_entries(const char *path)
{
	DIR *d = opendir(path);
	if (!d)
		return -1;
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

static char *find_root(const char *top)
{
	/* The image itself holds the entries: root/ is directly below. */
	char *p = malloc(strlen(top) + 8);
	sprintf(p, "%s/root", top);
	return p;
}

static void test_extract(void **state)
{
	(void)state;
	char base[] = "/tmp/fwguard-fs-XXXXXX";
	assert_non_null(mkdtemp(base));
	char out[512], sentinel[512], path[1024];
	snprintf(out, sizeof(out), "%s/out", base);
	snprintf(sentinel, sizeof(sentinel), "%s/sentinel", base);
	assert_int_equal(mkdir(sentinel, 0755), 0);
	unlink("/tmp/fwguard-test-outside");
	unlink("/tmp/fwguard-test-outside-2");

	struct fwg_image *img = open_hostile();
	struct fwg_extract_stats stats;
	char err[256] = "";
	assert_int_equal(fwg_extract(img, out, &stats, err, sizeof(err)), FWG_OK);
	fwg_image_free(img);

	/* Nothing outside out/: the sentinel is empty, the link targets were
	 * never created, no escape files beside out/. */
	assert_int_equal(count_entries(sentinel), 0);
	assert_int_equal(count_entries(base), 2);
	struct stat st;
	assert_int_not_equal(lstat("/tmp/fwguard-test-outside", &st), 0);
	assert_int_not_equal(lstat("/tmp/fwguard-test-outside-2", &st), 0);

	char *root = find_root(out);
	snprintf(path, sizeof(path), "%s/escape-dotdot", root);
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	snprintf(path, sizeof(path), "%s/evil-link", root);
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	snprintf(path, sizeof(path), "%s/swap", root);
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	snprintf(path, sizeof(path), "%s/bin/suid", root);
	assert_int_equal(lstat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0755);
	snprintf(path, sizeof(path), "%s/dev/null", root);
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_size, 0);
	snprintf(path, sizeof(path), "%s/ro/inside", root);
	assert_int_equal(lstat(path, &st), 0);
	snprintf(path, sizeof(path), "%s/etc/passwd-link", root);
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode) && st.st_nlink == 1);
	snprintf(path, sizeof(path), "%s/ctl\\x1b[2Jname\\x0a", root);
	assert_int_equal(lstat(path, &st), 0);
	assert_true(stats.devices == 1 && stats.symlinks == 2 && stats.dirs > 10);
	free(root);

	/* Extracting again over the first extraction (links already there)
	 * still writes nothing outside. */
	img = open_hostile();
	assert_int_equal(fwg_extract(img, out, &stats, err, sizeof(err)), FWG_OK);
	fwg_image_free(img);
	assert_int_not_equal(lstat("/tmp/fwguard-test-outside", &st), 0);
	assert_int_equal(count_entries(sentinel), 0);

	char cmd[600];
	snprintf(cmd, sizeof(cmd), "chmod -R u+rwX '%s' && rm -rf '%s'", base, base);
	assert_int_equal(system(cmd), 0);
}

static enum fwg_status many_parse(struct fwg_unpack *u, struct fwg_node *node)
{
	struct fwg_fs_builder *b;
	enum fwg_status st = fwg_fs_begin(u, node, &b);
	struct fwg_fs_meta fm = meta_of(S_IFREG | 0644);
	char name[32];
	int added = 0;
	for (int i = 0; i < 100000 && st == FWG_OK; i++) {
		struct fwg_node *n;
		snprintf(name, sizeof(name), "f%d", i);
		st = fwg_fs_add(b, NULL, name, strlen(name), &fm, &n);
		added += st == FWG_OK;
	}
	assert_int_equal(st, FWG_LIMIT);
	assert_true(added < 20);
	fwg_fs_end(b);
	return FWG_OK;
}

static const struct fwg_handler many_fs = {
	.name = "many_fs",
	.description = "a filesystem with more entries than the node budget",
	.probe = hostile_probe,
	.parse = many_parse,
};

static void test_node_budget(void **state)
{
	(void)state;
	struct fwg_options opt;
	fwg_options_default(&opt);
	opt.limits.max_nodes = 20;
	struct fwg_image *img = NULL;
	char err[256];
	assert_int_equal(fwg_image_open_buffer_as((const uint8_t *)content, sizeof(content) - 1,
		"many", &opt, &many_fs, &img, err, sizeof(err)), FWG_OK);
	assert_true(img->node_count <= 20);
	assert_true(has_diag(img->root, "limit.nodes"));
	fwg_image_free(img);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tree),
		cmocka_unit_test(test_extract),
		cmocka_unit_test(test_node_budget),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
