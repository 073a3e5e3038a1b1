/*
 * args.c - option parsing and the steps every command shares: parsing
 * argv against a command's option table, the common unpacking options,
 * opening the image and opening the report file.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"

const char *arg_value(const struct parsed_args *p, const char *name)
{
	for (size_t i = p->count; i-- > 0;)
		if (strcmp(p->names[i], name) == 0)
			return p->values[i];
	return NULL;
}

static const struct cli_option *find_option(const struct cli_command *cmd, const char *lname,
		char sname, bool common)
{
	const struct cli_option *lists[2] = { cmd->options, common ? cli_common_options : NULL };
	for (int l = 0; l < 2; l++) {
		for (const struct cli_option *o = lists[l]; o && o->long_name; o++) {
			if (lname && strcmp(o->long_name, lname) == 0)
				return o;
			if (!lname && sname && o->short_name == sname)
				return o;
		}
	}
	/* Every command takes --help, whether its table lists it or not. */
	static const struct cli_option help = { "help", 'h', NULL, "Show help and exit." };
	if ((lname && strcmp(lname, "help") == 0) || (!lname && sname == 'h'))
		return &help;
	return NULL;
}

/* Returns 0, or EXIT_USAGE after printing why. */
int parse_args(const struct cli_command *cmd, bool common, int argc, char **argv,
		struct parsed_args *p)
{
	memset(p, 0, sizeof(*p));
	bool only_positional = false;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (only_positional || a[0] != '-' || a[1] == '\0') {
			if (p->npositional == sizeof(p->positional) / sizeof(p->positional[0])) {
				fprintf(stderr, "fwguard %s: too many arguments\n", cmd->name);
				return EXIT_USAGE;
			}
			p->positional[p->npositional++] = a;
			continue;
		}
		if (strcmp(a, "--") == 0) {
			only_positional = true;
			continue;
		}
		const struct cli_option *o;
		const char *inline_value = NULL;
		char lname[64];
		if (a[1] == '-') {
			const char *eq = strchr(a + 2, '=');
			size_t n = eq ? (size_t)(eq - (a + 2)) : strlen(a + 2);
			if (n >= sizeof(lname))
				n = sizeof(lname) - 1;
			memcpy(lname, a + 2, n);
			lname[n] = '\0';
			inline_value = eq ? eq + 1 : NULL;
			o = find_option(cmd, lname, 0, common);
		} else {
			o = a[2] == '\0' ? find_option(cmd, NULL, a[1], common) : NULL;
		}
		if (!o) {
			fprintf(stderr, "fwguard %s: unknown option '%s' (see 'fwguard %s --help')\n",
				cmd->name, a, cmd->name);
			return EXIT_USAGE;
		}
		const char *value = "";
		if (o->arg) {
			if (inline_value) {
				value = inline_value;
			} else if (i + 1 < argc) {
				value = argv[++i];
			} else {
				fprintf(stderr, "fwguard %s: option --%s needs %s\n", cmd->name,
					o->long_name, o->arg);
				return EXIT_USAGE;
			}
		} else if (inline_value) {
			fprintf(stderr, "fwguard %s: option --%s takes no value\n", cmd->name,
				o->long_name);
			return EXIT_USAGE;
		}
		if (p->count == MAX_VALUES) {
			fprintf(stderr, "fwguard %s: too many options\n", cmd->name);
			return EXIT_USAGE;
		}
		p->names[p->count] = o->long_name;
		p->values[p->count++] = value;
	}
	return 0;
}

bool parse_size(const char *s, uint64_t *out)
{
	errno = 0;
	char *end;
	unsigned long long v = strtoull(s, &end, 0);
	if (errno || end == s || s[0] == '-')
		return false;
	unsigned shift = 0;
	if (*end == 'K' || *end == 'k')
		shift = 10;
	else if (*end == 'M' || *end == 'm')
		shift = 20;
	else if (*end == 'G' || *end == 'g')
		shift = 30;
	else if (*end != '\0')
		return false;
	if (shift && end[1] != '\0')
		return false;
	if (shift && v > (UINT64_MAX >> shift))
		return false;
	*out = (uint64_t)v << shift;
	return true;
}

/* Fills options from the common flags; returns 0 or EXIT_USAGE. */
int common_options(const char *cmd, const struct parsed_args *p, struct fwg_options *opt)
{
	fwg_options_default(opt);
	const char *v;
	uint64_t n;
	if ((v = arg_value(p, "hash"))) {
		char buf[64];
		snprintf(buf, sizeof(buf), "%s", v);
		for (char *save = NULL, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
			if (strcmp(t, "sha1") == 0)
				opt->hashes |= FWG_HASH_SHA1;
			else if (strcmp(t, "sha384") == 0)
				opt->hashes |= FWG_HASH_SHA384;
			else if (strcmp(t, "sha256") != 0) {
				fprintf(stderr, "fwguard %s: unknown hash '%s' (use sha1, sha384)\n", cmd, t);
				return EXIT_USAGE;
			}
		}
	}
	struct {
		const char *name;
		uint64_t min, max;
		uint64_t *u64;
		unsigned *u;
	} nums[] = {
		{ "max-depth", 1, 256, NULL, &opt->limits.max_depth },
		{ "max-nodes", 1, UINT64_MAX, &opt->limits.max_nodes, NULL },
		{ "max-decoded", 0, UINT64_MAX, &opt->limits.max_decoded_total, NULL },
		{ "threads", 0, 64, NULL, &opt->threads },
	};
	for (size_t i = 0; i < sizeof(nums) / sizeof(nums[0]); i++) {
		if (!(v = arg_value(p, nums[i].name)))
			continue;
		if (!parse_size(v, &n) || n < nums[i].min || n > nums[i].max) {
			fprintf(stderr, "fwguard %s: invalid value '%s' for --%s\n", cmd, v, nums[i].name);
			return EXIT_USAGE;
		}
		if (nums[i].u64)
			*nums[i].u64 = n;
		else
			*nums[i].u = (unsigned)n;
	}
	if (opt->limits.max_decoded_single > opt->limits.max_decoded_total)
		opt->limits.max_decoded_single = opt->limits.max_decoded_total;
	opt->cache_dir = arg_value(p, "cache");
	return 0;
}

int open_image(const char *cmd, const struct parsed_args *p, const struct fwg_options *opt,
		struct fwg_image **img)
{
	if (p->npositional != 1) {
		fprintf(stderr, "fwguard %s: expected one IMAGE argument (see 'fwguard %s --help')\n",
			cmd, cmd);
		return EXIT_USAGE;
	}
	char err[512];
	enum fwg_status st = fwg_image_open(p->positional[0], opt, img, err, sizeof(err));
	if (st != FWG_OK) {
		fprintf(stderr, "fwguard %s: %s\n", cmd, err);
		return st == FWG_NOMEM || st == FWG_LIMIT ? EXIT_LIMIT : EXIT_INPUT;
	}
	return 0;
}

/* Shared prologue: parse, handle --help, build options, open the image. */
int prepare(const char *name, int argc, char **argv, struct parsed_args *p,
		struct fwg_options *opt, struct fwg_image **img)
{
	const struct cli_command *cmd = cli_find_command(name);
	int rc = parse_args(cmd, true, argc, argv, p);
	if (rc)
		return rc;
	if (arg_value(p, "help")) {
		cli_print_command_help(stdout, cmd);
		return -1;
	}
	rc = common_options(name, p, opt);
	if (rc)
		return rc;
	return open_image(name, p, opt, img);
}

size_t arg_all(const struct parsed_args *p, const char *name, const char **out, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < p->count; i++)
		if (strcmp(p->names[i], name) == 0) {
			if (n < max)
				out[n] = p->values[i];
			n++;
		}
	return n;
}

FILE *open_output(const char *cmd, const char *path)
{
	if (!path)
		return stdout;
	FILE *out = fopen(path, "w");
	if (!out)
		fprintf(stderr, "fwguard %s: cannot write %s: %s\n", cmd, path, strerror(errno));
	return out;
}

enum fwg_status close_output(FILE *out, enum fwg_status st)
{
	if (fflush(out) != 0 || (out != stdout && fclose(out) != 0))
		return FWG_IO;
	return st;
}

int read_text_file(const char *cmd, const char *path, char **text, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "fwguard %s: cannot open %s: %s\n", cmd, path, strerror(errno));
		return EXIT_INPUT;
	}
	size_t cap = 0, n = 0;
	char *buf = NULL;
	for (;;) {
		if (cap - n < 65536) {
			if (cap > ((size_t)512 << 20)) {
				fprintf(stderr, "fwguard %s: %s is larger than 512 MiB\n", cmd, path);
				free(buf);
				fclose(f);
				return EXIT_INPUT;
			}
			cap = cap ? cap * 2 : 1u << 20;
			char *nb = realloc(buf, cap + 1);
			if (!nb) {
				free(buf);
				fclose(f);
				fprintf(stderr, "fwguard %s: out of memory reading %s\n", cmd, path);
				return EXIT_LIMIT;
			}
			buf = nb;
		}
		size_t got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (got == 0)
			break;
	}
	bool err = ferror(f);
	fclose(f);
	if (err) {
		fprintf(stderr, "fwguard %s: cannot read %s\n", cmd, path);
		free(buf);
		return EXIT_INPUT;
	}
	buf[n] = '\0';
	*text = buf;
	*len = n;
	return EXIT_OK;
}
