/*
 * Private keys compiled into executables or stored in raw flash, UEFI
 * modules and option ROMs.  Key files in filesystems are the config
 * engine's (key.private_key); these rules look at ELF files and non-file
 * components only (fwg_binary_target).  A PEM header alone is not enough
 * (key tools carry the header text): the header must be followed by a
 * base64 body.  DER keys are recognised by their ASN.1 prefix.
 */

rule embedded_pem_private_key
{
	meta:
		description = "PEM private key embedded in a binary or raw flash: every unit shipped with this image holds the same secret"
		severity = "high"
		confidence = "high"
		remediation = "Generate keys per device at first boot or provisioning; never compile private keys into firmware"
		reference = "https://cwe.mitre.org/data/definitions/321.html"
	strings:
		$pem = /-----BEGIN (RSA |EC |DSA |OPENSSH |ENCRYPTED )?PRIVATE KEY-----\r?\n[A-Za-z0-9+\/]{40}/
	condition:
		fwg_binary_target and $pem
}

rule embedded_der_private_key
{
	meta:
		description = "DER private key (PKCS#1 RSA, PKCS#8 RSA or SEC1 P-256) embedded in a binary or raw flash"
		severity = "high"
		confidence = "medium"
		remediation = "Generate keys per device at first boot or provisioning; never compile private keys into firmware"
		reference = "https://cwe.mitre.org/data/definitions/321.html"
	strings:
		// RSAPrivateKey: SEQUENCE, version 0, modulus of 1024/2048/3072/4096 bits
		$rsa1024 = { 30 82 02 ?? 02 01 00 02 81 81 00 }
		$rsa = { 30 82 ?? ?? 02 01 00 02 82 ( 01 01 | 01 81 | 02 01 ) 00 }
		// PrivateKeyInfo: version 0, AlgorithmIdentifier rsaEncryption, OCTET STRING
		$pkcs8 = { 30 82 ?? ?? 02 01 00 30 0D 06 09 2A 86 48 86 F7 0D 01 01 01 05 00 04 82 }
		// ECPrivateKey: version 1, 32-byte key, parameters prime256v1
		$ec256 = { 30 77 02 01 01 04 20 [32] A0 0A 06 08 2A 86 48 CE 3D 03 01 07 }
	condition:
		fwg_binary_target and any of them
}
