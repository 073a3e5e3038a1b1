/*
 * devpath.c - STUB (being written): UEFI device paths as text.
 */
#include <stdlib.h>
#include <string.h>

#include "evlog_internal.h"

char *fwg_device_path_text(const uint8_t *path, size_t size)
{
	(void)path;
	(void)size;
	return strdup("?");
}
