/*
 * Secure Boot test keys shipped in production firmware (PKfail).  The rules
 * match the X.509 commonName attribute (OID 2.5.4.3, then a UTF8String or
 * PrintableString) whose value starts "DO NOT TRUST" or "DO NOT SHIP", the
 * marking of vendor test Platform Keys such as "DO NOT TRUST - AMI Test PK".
 * DER certificates only: in PK/KEK variables, default-key FFS files,
 * signature lists, or files.
 */

rule secureboot_pkfail_do_not_trust
{
	meta:
		description = "certificate whose common name starts \"DO NOT TRUST\" (vendor test key, e.g. \"DO NOT TRUST - AMI Test PK\"): Secure Boot rooted in a key whose private half is public"
		severity = "high"
		confidence = "high"
		cve = "CVE-2024-8105"
		remediation = "Replace the Platform Key (and any KEK issued by it) with a key generated for the product; update to vendor firmware that fixes PKfail"
		reference = "https://www.binarly.io/blog/pkfail-untrusted-platform-keys-undermine-secure-boot-on-uefi-ecosystem"
	strings:
		$cn = { 06 03 55 04 03 ( 0C | 13 ) ?? 44 4F 20 4E 4F 54 20 54 52 55 53 54 }
	condition:
		$cn
}

rule secureboot_pkfail_do_not_ship
{
	meta:
		description = "certificate whose common name starts \"DO NOT SHIP\" (vendor test key left in production firmware)"
		severity = "high"
		confidence = "high"
		cve = "CVE-2024-8105"
		remediation = "Replace the test key with a key generated for the product; update to vendor firmware that fixes PKfail"
		reference = "https://www.binarly.io/blog/pkfail-untrusted-platform-keys-undermine-secure-boot-on-uefi-ecosystem"
	strings:
		$cn = { 06 03 55 04 03 ( 0C | 13 ) ?? 44 4F 20 4E 4F 54 20 53 48 49 50 }
	condition:
		$cn
}
