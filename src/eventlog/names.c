/*
 * names.c - words for event types and boot phases.  Boot phases carry two
 * names on purpose: the firmware term platform engineers use (SEC, PEI,
 * DXE, BDS) and the plain stage term incident responders use; the mapping
 * is documented in docs/eventlog.md and must stay in step with it.
 */
#include <stddef.h>

#include "fwguard/eventlog.h"

static const struct {
	uint32_t type;
	const char *name;
} types[] = {
	{ FWG_EV_PREBOOT_CERT, "EV_PREBOOT_CERT" },
	{ FWG_EV_POST_CODE, "EV_POST_CODE" },
	{ FWG_EV_UNUSED, "EV_UNUSED" },
	{ FWG_EV_NO_ACTION, "EV_NO_ACTION" },
	{ FWG_EV_SEPARATOR, "EV_SEPARATOR" },
	{ FWG_EV_ACTION, "EV_ACTION" },
	{ FWG_EV_EVENT_TAG, "EV_EVENT_TAG" },
	{ FWG_EV_S_CRTM_CONTENTS, "EV_S_CRTM_CONTENTS" },
	{ FWG_EV_S_CRTM_VERSION, "EV_S_CRTM_VERSION" },
	{ FWG_EV_CPU_MICROCODE, "EV_CPU_MICROCODE" },
	{ FWG_EV_PLATFORM_CONFIG_FLAGS, "EV_PLATFORM_CONFIG_FLAGS" },
	{ FWG_EV_TABLE_OF_DEVICES, "EV_TABLE_OF_DEVICES" },
	{ FWG_EV_COMPACT_HASH, "EV_COMPACT_HASH" },
	{ FWG_EV_IPL, "EV_IPL" },
	{ FWG_EV_IPL_PARTITION_DATA, "EV_IPL_PARTITION_DATA" },
	{ FWG_EV_NONHOST_CODE, "EV_NONHOST_CODE" },
	{ FWG_EV_NONHOST_CONFIG, "EV_NONHOST_CONFIG" },
	{ FWG_EV_NONHOST_INFO, "EV_NONHOST_INFO" },
	{ FWG_EV_OMIT_BOOT_DEVICE_EVENTS, "EV_OMIT_BOOT_DEVICE_EVENTS" },
	{ FWG_EV_POST_CODE2, "EV_POST_CODE2" },
	{ FWG_EV_EFI_EVENT_BASE, "EV_EFI_EVENT_BASE" },
	{ FWG_EV_EFI_VARIABLE_DRIVER_CONFIG, "EV_EFI_VARIABLE_DRIVER_CONFIG" },
	{ FWG_EV_EFI_VARIABLE_BOOT, "EV_EFI_VARIABLE_BOOT" },
	{ FWG_EV_EFI_BOOT_SERVICES_APPLICATION, "EV_EFI_BOOT_SERVICES_APPLICATION" },
	{ FWG_EV_EFI_BOOT_SERVICES_DRIVER, "EV_EFI_BOOT_SERVICES_DRIVER" },
	{ FWG_EV_EFI_RUNTIME_SERVICES_DRIVER, "EV_EFI_RUNTIME_SERVICES_DRIVER" },
	{ FWG_EV_EFI_GPT_EVENT, "EV_EFI_GPT_EVENT" },
	{ FWG_EV_EFI_ACTION, "EV_EFI_ACTION" },
	{ FWG_EV_EFI_PLATFORM_FIRMWARE_BLOB, "EV_EFI_PLATFORM_FIRMWARE_BLOB" },
	{ FWG_EV_EFI_HANDOFF_TABLES, "EV_EFI_HANDOFF_TABLES" },
	{ FWG_EV_EFI_PLATFORM_FIRMWARE_BLOB2, "EV_EFI_PLATFORM_FIRMWARE_BLOB2" },
	{ FWG_EV_EFI_HANDOFF_TABLES2, "EV_EFI_HANDOFF_TABLES2" },
	{ FWG_EV_EFI_VARIABLE_BOOT2, "EV_EFI_VARIABLE_BOOT2" },
	{ FWG_EV_EFI_GPT_EVENT2, "EV_EFI_GPT_EVENT2" },
	{ FWG_EV_EFI_HCRTM_EVENT, "EV_EFI_HCRTM_EVENT" },
	{ FWG_EV_EFI_VARIABLE_AUTHORITY, "EV_EFI_VARIABLE_AUTHORITY" },
	{ FWG_EV_EFI_SPDM_FIRMWARE_BLOB, "EV_EFI_SPDM_FIRMWARE_BLOB" },
	{ FWG_EV_EFI_SPDM_FIRMWARE_CONFIG, "EV_EFI_SPDM_FIRMWARE_CONFIG" },
	{ FWG_EV_EFI_SPDM_DEVICE_POLICY, "EV_EFI_SPDM_DEVICE_POLICY" },
	{ FWG_EV_EFI_SPDM_DEVICE_AUTHORITY, "EV_EFI_SPDM_DEVICE_AUTHORITY" },
};

const char *fwg_event_type_name(uint32_t type)
{
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (types[i].type == type)
			return types[i].name;
	return NULL;
}

static const struct {
	const char *firmware, *stage, *id;
} phases[] = {
	[FWG_PHASE_SEC] = { "SEC", "platform root of trust", "sec" },
	[FWG_PHASE_PEI] = { "PEI", "early firmware", "pei" },
	[FWG_PHASE_DXE] = { "DXE", "firmware drivers and configuration", "dxe" },
	[FWG_PHASE_BDS] = { "BDS", "boot device selection", "bds" },
	[FWG_PHASE_OS_LOADER] = { "OS loader", "bootloader and kernel", "os_loader" },
	[FWG_PHASE_OS] = { "OS", "operating system", "os" },
};

const char *fwg_phase_firmware_name(enum fwg_boot_phase p)
{
	return (unsigned)p <= FWG_PHASE_OS ? phases[p].firmware : "?";
}

const char *fwg_phase_stage_name(enum fwg_boot_phase p)
{
	return (unsigned)p <= FWG_PHASE_OS ? phases[p].stage : "?";
}

const char *fwg_phase_id(enum fwg_boot_phase p)
{
	return (unsigned)p <= FWG_PHASE_OS ? phases[p].id : "?";
}
