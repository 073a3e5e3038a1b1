/*
 * test_version.c - version comparison (engines/version.c), CPE parsing
 * (engines/cpe.c) and CVSS v3 scores (engines/vulndb.c), the pieces the
 * vulnerability matcher is built on.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "../src/engines/cpe.h"
#include "../src/engines/version.h"
#include "../src/engines/vulndb.h"

static int sign(int x)
{
	return x < 0 ? -1 : x > 0;
}

/* a < b, and the comparison is antisymmetric. */
static void lt(const char *a, const char *b)
{
	if (sign(fwg_version_compare(a, b)) != -1 || sign(fwg_version_compare(b, a)) != 1)
		fail_msg("expected %s < %s (got %d, %d)", a, b, fwg_version_compare(a, b),
			fwg_version_compare(b, a));
}

static void eq(const char *a, const char *b)
{
	if (fwg_version_compare(a, b) != 0 || fwg_version_compare(b, a) != 0)
		fail_msg("expected %s == %s", a, b);
}

static void test_openssl_letters(void **state)
{
	(void)state;
	lt("1.0.1", "1.0.1a");
	lt("1.0.1a", "1.0.1f");
	lt("1.0.1f", "1.0.1g");
	lt("1.0.1g", "1.0.1t");
	lt("1.0.1t", "1.0.2");
	lt("1.0.1u", "1.0.2");
	lt("1.0.2", "1.0.2a");
	lt("1.0.2h", "1.0.2n");
	lt("1.0.2z", "1.0.2za");
	lt("1.0.2za", "1.0.2zc");
	lt("1.0.2zc", "1.0.2zd");
	lt("1.0.2n", "1.0.2zd");
	lt("1.0.2zd", "1.1.0");
	lt("1.1.1m", "1.1.1n");
	lt("1.1.1n", "1.1.1w");
	lt("1.1.1w", "3.0.0");
	lt("3.0.2", "3.0.13");
	lt("3.0.9", "3.0.13");
	lt("0.9.8zh", "1.0.0");
	lt("1.0.2-beta1", "1.0.2");
	lt("1.0.2-beta1", "1.0.2-beta2");
	lt("1.0.2-beta3", "1.0.2");
	lt("1.0.1f", "1.0.2-beta1");
	eq("1.0.2-beta1", "1.0.2beta1");
	eq("1.0.1F", "1.0.1f");
}

static void test_busybox_and_dates(void **state)
{
	(void)state;
	lt("1.20.0", "1.36.1");
	lt("1.9.2", "1.20.0");
	lt("1.33.1", "1.34.0");
	lt("1.34.1", "1.35.0");
	lt("1.35.0", "1.36.1");
	eq("1.36.1", "1.36.1");
	lt("2016.09", "2016.11-rc1");
	lt("2016.11-rc1", "2016.11");
	lt("2022.04", "2022.07-rc5");
	lt("2022.07-rc1", "2022.07-rc5");
	lt("2022.07-rc5", "2022.07");
	eq("2022.04", "2022.4");
	lt("2016.73", "2016.74");
	lt("2016.74", "2020.81");
	lt("2020.81", "2022.83");
}

static void test_suffixes_and_prefixes(void **state)
{
	(void)state;
	lt("1.36.1", "1.36.1-r0");
	lt("1.36.1-r0", "1.36.1-r1");
	lt("1.36.1-r9", "1.36.1-r10");
	lt("1.36.1-r9", "1.36.2");
	lt("2.9.0-3", "2.9.0-3+deb12u1");
	lt("2.9.0-3+deb12u1", "2.9.0-4");
	lt("2022.04", "2022.04-dirty");
	lt("8.9", "8.9p1");
	lt("8.9p1", "8.9p2");
	lt("8.9p2", "9.0");
	lt("9.3p1", "9.3p2");
	lt("7.4p1", "9.0p1");
	eq("v1.2.3", "1.2.3");
	eq("V2.0", "2.0");
	eq("1:2.3", "2.3");
	eq("01.002", "1.2");
	lt("1.0", "1.0.0.1");
	lt("1.0.0", "1.0.1");
	lt("1.0", "1.0a");
	lt("1.0-alpha", "1.0-beta");
	lt("1.0-beta", "1.0-rc1");
	lt("1.0-dev", "1.0-alpha");
	lt("1.0-rc2", "1.0");
	lt("1.0~rc1", "1.0");
	/* Numbers longer than any integer type. */
	lt("20240101123456789012345", "20240101123456789012346");
	lt("99999999999999999999", "100000000000000000000");
	/* Pre-releases sort below numbers, post-release tags below numbers too. */
	lt("1.0-rc1", "1.0.1");
	lt("1.0.1f", "1.0.1.1");
	/* Garbage compares without crashing. */
	(void)fwg_version_compare("", "");
	(void)fwg_version_compare(NULL, "1");
	(void)fwg_version_compare("...", "---");
	eq("", "");
}

static void up(const char *v, const char *want, bool cut)
{
	char out[64];
	bool c = fwg_version_upstream(v, out, sizeof(out));
	if (strcmp(out, want) != 0 || c != cut)
		fail_msg("upstream(%s) = %s/%d, want %s/%d", v, out, c, want, cut);
}

static void test_upstream(void **state)
{
	(void)state;
	up("1.36.1-r0", "1.36.1", true);
	up("2.9.0-3+deb12u1", "2.9.0", true);
	up("2022.04-dirty", "2022.04", true);
	up("1.0.1f-fips", "1.0.1f", true);
	up("3.0.13+git20240101", "3.0.13", true);
	up("1.36.1 (2023-06-19 00:10:55 UTC)", "1.36.1", true);
	up("8.9p1", "8.9p1", false);
	up("1.0.1f", "1.0.1f", false);
	up("2016.11-rc1", "2016.11-rc1", false);
	up("1.0.2-beta1", "1.0.2-beta1", false);
	up("1.0.2-beta1-fips", "1.0.2-beta1", true);
	up("v1.20.0", "1.20.0", false);
	up("1:1.30.1-6", "1.30.1", true);
	up("5.10.0.", "5.10.0", false);
	char small[4];
	fwg_version_upstream("1.36.1", small, sizeof(small));
	assert_string_equal(small, "1.3");
	assert_true(fwg_version_usable("1.0"));
	assert_true(fwg_version_usable("v1.0"));
	assert_false(fwg_version_usable("unknown"));
	assert_false(fwg_version_usable(""));
	assert_false(fwg_version_usable(NULL));
	assert_false(fwg_version_usable("v"));
}

static void test_cpe(void **state)
{
	(void)state;
	struct fwg_cpe c;
	assert_true(fwg_cpe_parse("cpe:2.3:a:openssl:openssl:1.0.1f:*:*:*:*:*:*:*", &c));
	assert_string_equal(c.f[FWG_CPE_PART], "a");
	assert_string_equal(c.f[FWG_CPE_VENDOR], "openssl");
	assert_string_equal(c.f[FWG_CPE_VERSION], "1.0.1f");
	assert_true(fwg_cpe_is_any(c.f[FWG_CPE_UPDATE]));
	assert_true(fwg_cpe_parse("cpe:2.3:o:linux:linux_kernel:-:*:*:*:*:*:*:*", &c));
	assert_true(fwg_cpe_is_na(c.f[FWG_CPE_VERSION]));
	/* Escapes: "\:" inside a value, "\." */
	assert_true(fwg_cpe_parse("cpe:2.3:a:ami:megarac_sp\\-x:12\\.4:*:*:*:*:*:*:*", &c));
	assert_string_equal(c.f[FWG_CPE_PRODUCT], "megarac_sp-x");
	assert_string_equal(c.f[FWG_CPE_VERSION], "12.4");
	assert_true(fwg_cpe_parse("cpe:2.3:a:v:p\\:q:1", &c));
	assert_string_equal(c.f[FWG_CPE_PRODUCT], "p:q");
	assert_true(fwg_cpe_is_any(c.f[FWG_CPE_OTHER]));
	/* Case folds. */
	assert_true(fwg_cpe_parse("CPE:2.3:A:BusyBox:BusyBox:1.20.0", &c));
	assert_string_equal(c.f[FWG_CPE_VENDOR], "busybox");
	/* 2.2 URI binding with percent-escapes. */
	assert_true(fwg_cpe_parse("cpe:/a:openbsd:openssh:8.9%70%31", &c));
	assert_string_equal(c.f[FWG_CPE_VERSION], "8.9p1");
	/* Not CPEs. */
	assert_false(fwg_cpe_parse("pkg:generic/busybox@1.20.0", &c));
	assert_false(fwg_cpe_parse("cpe:2.3:a", &c));
	assert_false(fwg_cpe_parse("cpe:2.3:x:v:p:1", &c));
	assert_false(fwg_cpe_parse("cpe:2.3:a::p:1", &c));
	assert_false(fwg_cpe_parse("cpe:2.3:a:v:p:1:*:*:*:*:*:*:*:extra", &c));
	assert_false(fwg_cpe_parse("cpe:2.3:a:v:p:1\\", &c));
	char longv[400] = "cpe:2.3:a:v:";
	memset(longv + strlen(longv), 'x', 300);
	assert_false(fwg_cpe_parse(longv, &c));
	assert_true(fwg_cpe_value_match("*", "anything"));
	assert_true(fwg_cpe_value_match("OpenSSL", "openssl"));
	assert_false(fwg_cpe_value_match("openssl", "libressl"));
}

static void test_cvss3(void **state)
{
	(void)state;
	/* Scores from the CVSS v3.1 specification's calculator. */
	assert_float_equal(fwg_cvss3_base_score("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"),
		9.8, 0.001);
	assert_float_equal(fwg_cvss3_base_score("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N"),
		7.5, 0.001);
	assert_float_equal(fwg_cvss3_base_score("CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:N/A:N"),
		5.9, 0.001);
	assert_float_equal(fwg_cvss3_base_score("CVSS:3.1/AV:L/AC:L/PR:N/UI:R/S:U/C:N/I:N/A:H"),
		5.5, 0.001);
	assert_float_equal(fwg_cvss3_base_score("CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H"),
		7.2, 0.001);
	assert_float_equal(fwg_cvss3_base_score("CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:H/I:H/A:H"),
		9.9, 0.001);
	assert_float_equal(fwg_cvss3_base_score("CVSS:3.0/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N"),
		6.1, 0.001);
	assert_float_equal(fwg_cvss3_base_score("CVSS:3.1/AV:P/AC:H/PR:H/UI:R/S:U/C:N/I:N/A:N"),
		0.0, 0.001);
	assert_true(fwg_cvss3_base_score("CVSS:3.1/AV:N/AC:L") < 0);
	assert_true(fwg_cvss3_base_score("AV:N/AC:L/Au:N/C:P/I:P/A:P") < 0);
	assert_true(fwg_cvss3_base_score("CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H") < 0);
	assert_true(fwg_cvss3_base_score("CVSS:3.1/AV:") < 0);
	assert_true(fwg_cvss3_base_score(NULL) < 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_openssl_letters),
		cmocka_unit_test(test_busybox_and_dates),
		cmocka_unit_test(test_suffixes_and_prefixes),
		cmocka_unit_test(test_upstream),
		cmocka_unit_test(test_cpe),
		cmocka_unit_test(test_cvss3),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
