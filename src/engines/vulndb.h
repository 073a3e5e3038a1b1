/*
 * vulndb.h - the offline vulnerability database shared by the importer
 * (vulndb.c) and the matching engine (vuln.c).
 *
 * Schema (SQLite, PRAGMA user_version = FWG_VULNDB_SCHEMA):
 *
 *   vulns(rowid, source 'nvd'|'osv', id, cve, aliases, summary, severity,
 *         cvss_score, cvss_vector, published, modified)   UNIQUE(source, id)
 *       cve: the record's CVE id (its id, or its first CVE alias), or NULL;
 *       aliases: space-separated; severity: critical/high/medium/low/none
 *       from the CVSS score, or the feed's own rating when it has no score.
 *
 *   ranges(vuln, config, config_and, node, node_and, node_negate, multi,
 *          vulnerable, part, vendor, product, ecosystem, package, criteria,
 *          version, start, start_incl, end, end_incl)
 *       One row per NVD cpeMatch entry or per OSV affected interval/version.
 *       NVD: config/node number the entry's place in the configurations,
 *       config_and/node_and/node_negate their operators, multi says the
 *       configuration has more than one entry to evaluate (otherwise the
 *       row alone decides); vendor/product/part from the criteria CPE,
 *       version its version field (with its update field appended) when
 *       it names one.  OSV: ecosystem and package (lower case), version
 *       for a `versions` entry, start/end for a range interval
 *       (start "0" or NULL = from the beginning; end_incl 0 = fixed,
 *       1 = last_affected).
 *
 *   Indexes: ranges_cpe(vendor, product), ranges_pkg(package),
 *   ranges_vuln(vuln, config, node).  Matching looks candidates up only through
 *   the first two (one query per component), configurations through the
 *   third; tests check the plans with EXPLAIN QUERY PLAN.
 *
 * Re-importing a record (same source and id) replaces it and its ranges.
 */
#ifndef FWG_ENGINES_VULNDB_H
#define FWG_ENGINES_VULNDB_H

#include <sqlite3.h>
#include <stdbool.h>

#include "engine.h"

#define FWG_VULNDB_SCHEMA 1

/* Candidate ranges for one component; ?1 vendor, ?2 product (lower case). */
#define FWG_VULNDB_SQL_CPE \
	"SELECT r.rowid, r.vuln, r.config, r.multi, r.version, r.start, r.start_incl, " \
	"r.end, r.end_incl, r.criteria, r.ecosystem FROM ranges r%s " \
	"WHERE r.vendor = ?1 AND r.product = ?2 AND r.vulnerable = 1"
/* ?1 package name (lower case). */
#define FWG_VULNDB_SQL_PKG \
	"SELECT r.rowid, r.vuln, r.config, r.multi, r.version, r.start, r.start_incl, " \
	"r.end, r.end_incl, r.criteria, r.ecosystem FROM ranges r%s " \
	"WHERE r.package = ?1 AND r.vulnerable = 1"
/* All entries of one configuration; ?1 vuln, ?2 config. */
#define FWG_VULNDB_SQL_CONFIG \
	"SELECT r.rowid, r.config_and, r.node, r.node_and, r.node_negate, r.part, r.vendor, " \
	"r.product, r.version, r.start, r.start_incl, r.end, r.end_incl, r.criteria " \
	"FROM ranges r WHERE r.vuln = ?1 AND r.config = ?2 ORDER BY r.node"
#define FWG_VULNDB_SQL_VULN \
	"SELECT id, cve, summary, severity, cvss_score, cvss_vector, source FROM vulns " \
	"WHERE rowid = ?1"

/* Opens (creating when asked) a database and makes sure the schema is
 * there; errors name the path. */
enum fwg_status fwg_vulndb_open(const char *path, bool create, sqlite3 **db, char *err,
		size_t err_size);
enum fwg_status fwg_vulndb_create_schema(sqlite3 *db, char *err, size_t err_size);

/* Imports one feed held in memory (name is used in messages); one
 * transaction.  The file-level import and the fuzz target call it. */
enum fwg_status fwg_vulndb_import_buffer(sqlite3 *db, const char *name, const char *buf,
		size_t len, struct fwg_vulndb_stats *stats, char *err, size_t err_size);

/* Runs the matching of the vuln engine over a's software with an open
 * database; use_index false forces full scans (NOT INDEXED), for the
 * benchmark's comparison only. */
enum fwg_status fwg_vuln_match(struct fwg_analysis *a, sqlite3 *db, bool use_index);

/* CVSS v3.0/3.1 base score of a vector ("CVSS:3.1/AV:N/..."); -1 when the
 * vector is not a complete v3 base vector. */
double fwg_cvss3_base_score(const char *vector);

#endif
