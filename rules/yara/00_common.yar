/*
 * fwguard shipped YARA pack: helpers shared by the other files of the pack
 * (one YARA namespace).  External variables set by fwguard for every scanned
 * block: filepath, filetype, filekind, filename, guid (docs/findings.md).
 */

/* Compiled code or raw flash: ELF files, and every component that is not a
 * filesystem file (UEFI modules, option ROMs, raw regions, partitions).
 * Text, scripts and key/certificate files belong to the config engine. */
private rule fwg_binary_target
{
	condition:
		filekind startswith "elf:" or
		(filetype != "file" and filetype != "uboot_env" and filetype != "env_var")
}

/* A UEFI module: its PE32/TE image, or the sections and headers of an FFS file. */
private rule fwg_uefi_module
{
	condition:
		filetype == "pe32" or filetype == "te" or
		((filetype == "ffs" or filetype == "section") and guid != "")
}
