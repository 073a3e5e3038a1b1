/*
 * evlog_phase.c - which boot phase each event belongs to.
 *
 * An event's type implies the earliest phase it can come from (S-CRTM
 * events from SEC, firmware volumes from PEI, drivers and configuration
 * from DXE, boot variables and separators from BDS, boot applications and
 * EV_IPL from the OS loader, ExitBootServices from the OS handoff).  Boot
 * only moves forward, so an event's phase is the latest phase implied so
 * far: a PCR7 variable measured after a boot application belongs to the
 * OS loader, not to DXE.  docs/eventlog.md holds the same table.
 */
#include <string.h>

#include "evlog_internal.h"

static bool action_is(const struct fwg_event *ev, const char *text)
{
	size_t n = strlen(text);
	return ev->data_size >= n && memcmp(ev->data, text, n) == 0;
}

static enum fwg_boot_phase implied_phase(const struct fwg_event *ev)
{
	switch (ev->type) {
	case FWG_EV_NO_ACTION:
	case FWG_EV_S_CRTM_CONTENTS:
	case FWG_EV_S_CRTM_VERSION:
	case FWG_EV_EFI_HCRTM_EVENT:
	case FWG_EV_CPU_MICROCODE:
		return FWG_PHASE_SEC;
	case FWG_EV_POST_CODE:
	case FWG_EV_POST_CODE2:
	case FWG_EV_EFI_PLATFORM_FIRMWARE_BLOB:
	case FWG_EV_EFI_PLATFORM_FIRMWARE_BLOB2:
		return FWG_PHASE_PEI;
	case FWG_EV_EFI_ACTION:
		if (action_is(ev, "Exit Boot Services"))
			return FWG_PHASE_OS;
		if (action_is(ev, "Calling EFI Application") || action_is(ev, "Returning from EFI"))
			return FWG_PHASE_BDS;
		return FWG_PHASE_DXE;
	case FWG_EV_EFI_VARIABLE_BOOT:
	case FWG_EV_EFI_VARIABLE_BOOT2:
	case FWG_EV_SEPARATOR:
	case FWG_EV_EFI_GPT_EVENT:
	case FWG_EV_EFI_GPT_EVENT2:
	case FWG_EV_OMIT_BOOT_DEVICE_EVENTS:
		return FWG_PHASE_BDS;
	case FWG_EV_EFI_BOOT_SERVICES_APPLICATION:
	case FWG_EV_IPL:
	case FWG_EV_IPL_PARTITION_DATA:
	case FWG_EV_EVENT_TAG:
	case FWG_EV_COMPACT_HASH:
		return FWG_PHASE_OS_LOADER;
	default:
		/* Drivers, configuration, handoff tables, SPDM, authorities. */
		return FWG_PHASE_DXE;
	}
}

void fwg_evlog_assign_phases(struct fwg_evlog *log)
{
	enum fwg_boot_phase current = FWG_PHASE_SEC;
	for (size_t i = 0; i < log->event_count; i++) {
		struct fwg_event *ev = &log->events[i];
		enum fwg_boot_phase p = implied_phase(ev);
		/* EV_NO_ACTION marks nothing; it stays in the current phase. */
		if (ev->type != FWG_EV_NO_ACTION && p > current)
			current = p;
		ev->phase = current;
	}
}
