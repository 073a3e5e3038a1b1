/*
 * Debug backdoors compiled into binaries or left in raw flash: shells bound
 * to the network without authentication.  Init scripts and config files are
 * the config engine's (service.telnetd); these rules look at ELF files and
 * non-file components only (fwg_binary_target).
 */

rule bmc_telnetd_shell_backdoor
{
	meta:
		description = "binary starts telnetd with a shell as its login program (\"telnetd -l /bin/sh\"): an unauthenticated root shell on the network"
		severity = "high"
		confidence = "high"
		remediation = "Remove the hidden telnet service from the binary, or the binary from the image"
		reference = "https://cwe.mitre.org/data/definitions/912.html"
	strings:
		$a = /telnetd +-l *\/bin\/(ba|a)?sh\b/
	condition:
		fwg_binary_target and $a
}

rule bmc_netcat_shell_backdoor
{
	meta:
		description = "binary runs netcat with a shell attached (\"nc ... -e /bin/sh\"): a bind or reverse shell"
		severity = "high"
		confidence = "high"
		remediation = "Remove the shell hand-off from the binary, or the binary from the image"
		reference = "https://cwe.mitre.org/data/definitions/912.html"
	strings:
		$a = /\b(nc|ncat|netcat) [^\x00\n]{0,48}-e *\/bin\/(ba|a)?sh\b/
	condition:
		fwg_binary_target and $a
}

rule bmc_dev_tcp_reverse_shell
{
	meta:
		description = "binary holds an interactive shell redirected to /dev/tcp (\"sh -i >& /dev/tcp/host/port\"): a reverse shell"
		severity = "high"
		confidence = "high"
		remediation = "Remove the reverse shell from the binary, or the binary from the image"
		reference = "https://cwe.mitre.org/data/definitions/912.html"
	strings:
		$a = /sh -i *[0-9]?>& *\/dev\/tcp\//
	condition:
		fwg_binary_target and $a
}
