/*
 * json_text.h - what every JSON writer (scan JSON, SARIF, CycloneDX,
 * SPDX) needs for text from the image: strings that jansson accepts even
 * when the bytes are not UTF-8, the document timestamp, the image's name.
 */
#ifndef FWG_OUTPUT_JSON_TEXT_H
#define FWG_OUTPUT_JSON_TEXT_H

#include <stddef.h>

#include <jansson.h>

/* s as a JSON string, escaped (\xNN) when it is not valid UTF-8: never
 * lost.  NULL gives JSON null (fwg_json_text) or "" (fwg_json_str). */
json_t *fwg_json_text(const char *s);
json_t *fwg_json_str(const char *s);
/* Sets key to fwg_json_str(s) when s is not NULL. */
void fwg_json_set_text(json_t *object, const char *key, const char *s);
/* UTC "YYYY-MM-DDTHH:MM:SSZ" of SOURCE_DATE_EPOCH when set (reproducible
 * documents), else now. */
void fwg_json_timestamp(char *out, size_t size);
/* The last component of path ("image" for NULL). */
const char *fwg_json_basename(const char *path);

#endif
