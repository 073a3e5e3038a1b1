/*
 * Indicators of known UEFI implants, kept conservative: each rule needs a
 * string that firmware has no business carrying and that the cited public
 * analysis attributes to the implant, inside a UEFI module.
 */

rule uefi_lojax_autoche
{
	meta:
		description = "UEFI module carries the name of the LoJax dropper payload autoche.exe (Sednit/APT28 UEFI rootkit)"
		severity = "critical"
		confidence = "medium"
		remediation = "Treat the platform as compromised: reflash the SPI chip from a known-good vendor image with an external programmer, enable Secure Boot and BIOS write protection"
		reference = "https://www.welivesecurity.com/2018/09/27/lojax-first-uefi-rootkit-found-wild-courtesy-sednit-group/"
	strings:
		$a = "autoche.exe" ascii wide nocase
	condition:
		fwg_uefi_module and $a
}

rule uefi_computrace_agent
{
	meta:
		description = "UEFI module drops the Computrace/LoJack agent rpcnetp.exe into the OS: an anti-theft persistence mechanism that the LoJax rootkit reused"
		severity = "medium"
		confidence = "medium"
		remediation = "Confirm the module is the vendor's Absolute/Computrace module and that it is wanted; disable it in setup if not"
		reference = "https://www.welivesecurity.com/2018/09/27/lojax-first-uefi-rootkit-found-wild-courtesy-sednit-group/"
	strings:
		$a = "rpcnetp.exe" ascii wide nocase
	condition:
		fwg_uefi_module and $a
}

rule uefi_mosaicregressor_intelupdate
{
	meta:
		description = "UEFI module writes IntelUpdate.exe into the Windows Startup folder, as the MosaicRegressor implant (built on Hacking Team's VectorEDK) does"
		severity = "critical"
		confidence = "high"
		remediation = "Treat the platform as compromised: reflash the SPI chip from a known-good vendor image with an external programmer"
		reference = "https://securelist.com/mosaicregressor/98849/"
	strings:
		$exe = "IntelUpdate.exe" ascii wide nocase
		$startup = "\\Programs\\Startup" ascii wide nocase
	condition:
		fwg_uefi_module and $exe and $startup
}

rule uefi_windows_startup_dropper
{
	meta:
		description = "UEFI module references the Windows Startup folder: firmware that drops programs into the OS autostart is how VectorEDK-derived bootkits (MosaicRegressor) persist"
		severity = "high"
		confidence = "medium"
		remediation = "Identify the module (GUID, name) and its origin; legitimate firmware does not write to the Windows Startup folder"
		reference = "https://securelist.com/mosaicregressor/98849/"
	strings:
		$startup = "\\Start Menu\\Programs\\Startup" ascii wide nocase
	condition:
		fwg_uefi_module and $startup
}
