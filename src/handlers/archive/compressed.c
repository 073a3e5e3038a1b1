/*
 * compressed.c - placeholder, being written (issue 3).
 */
#include "handler.h"
#include "registry.h"

static int gzip_probe(const struct fwg_cursor *body)
{
	(void)body;
	return 0;
}

static enum fwg_status gzip_parse(struct fwg_unpack *u, struct fwg_node *node)
{
	(void)u;
	(void)node;
	return FWG_OK;
}

const struct fwg_handler fwg_handler_gzip = {
	.name = "gzip",
	.description = "gzip (placeholder)",
	.node_type = FWG_TYPE_GZIP,
	.probe = gzip_probe,
	.parse = gzip_parse,
};

static int xz_probe(const struct fwg_cursor *body)
{
	(void)body;
	return 0;
}

static enum fwg_status xz_parse(struct fwg_unpack *u, struct fwg_node *node)
{
	(void)u;
	(void)node;
	return FWG_OK;
}

const struct fwg_handler fwg_handler_xz = {
	.name = "xz",
	.description = "xz (placeholder)",
	.node_type = FWG_TYPE_XZ,
	.probe = xz_probe,
	.parse = xz_parse,
};

static int lzma_probe(const struct fwg_cursor *body)
{
	(void)body;
	return 0;
}

static enum fwg_status lzma_parse(struct fwg_unpack *u, struct fwg_node *node)
{
	(void)u;
	(void)node;
	return FWG_OK;
}

const struct fwg_handler fwg_handler_lzma = {
	.name = "lzma",
	.description = "lzma (placeholder)",
	.node_type = FWG_TYPE_LZMA,
	.probe = lzma_probe,
	.parse = lzma_parse,
};

static int zstd_probe(const struct fwg_cursor *body)
{
	(void)body;
	return 0;
}

static enum fwg_status zstd_parse(struct fwg_unpack *u, struct fwg_node *node)
{
	(void)u;
	(void)node;
	return FWG_OK;
}

const struct fwg_handler fwg_handler_zstd = {
	.name = "zstd",
	.description = "zstd (placeholder)",
	.node_type = FWG_TYPE_ZSTD,
	.probe = zstd_probe,
	.parse = zstd_parse,
};

static int lz4_probe(const struct fwg_cursor *body)
{
	(void)body;
	return 0;
}

static enum fwg_status lz4_parse(struct fwg_unpack *u, struct fwg_node *node)
{
	(void)u;
	(void)node;
	return FWG_OK;
}

const struct fwg_handler fwg_handler_lz4 = {
	.name = "lz4",
	.description = "lz4 (placeholder)",
	.node_type = FWG_TYPE_LZ4,
	.probe = lz4_probe,
	.parse = lz4_parse,
};

static int bzip2_probe(const struct fwg_cursor *body)
{
	(void)body;
	return 0;
}

static enum fwg_status bzip2_parse(struct fwg_unpack *u, struct fwg_node *node)
{
	(void)u;
	(void)node;
	return FWG_OK;
}

const struct fwg_handler fwg_handler_bzip2 = {
	.name = "bzip2",
	.description = "bzip2 (placeholder)",
	.node_type = FWG_TYPE_BZIP2,
	.probe = bzip2_probe,
	.parse = bzip2_parse,
};

static int lzo_probe(const struct fwg_cursor *body)
{
	(void)body;
	return 0;
}

static enum fwg_status lzo_parse(struct fwg_unpack *u, struct fwg_node *node)
{
	(void)u;
	(void)node;
	return FWG_OK;
}

const struct fwg_handler fwg_handler_lzo = {
	.name = "lzo",
	.description = "lzo (placeholder)",
	.node_type = FWG_TYPE_LZO,
	.probe = lzo_probe,
	.parse = lzo_parse,
};
