/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small streaming JSON writer: it tracks commas so callers need not.
 * Output is always valid UTF-8 (see put_escaped) and never NaN or infinity.
 */
#ifndef DIOLOCK_JSON_H
#define DIOLOCK_JSON_H

#include <stdbool.h>
#include <stdio.h>
#include <linux/types.h>

#define JSON_MAX_DEPTH 16

/*
 * schema_version of each JSON document diolock writes (docs/json.md). A key added
 * keeps the version; a key removed or changing type bumps it.
 */
#define DL_REPORT_JSON_SCHEMA 1		/* check, replay, validate --json */
#define DL_EVENT_JSON_SCHEMA 2		/* trace --json lines: 2 made addresses "0x..." strings */
#define DL_PROBE_JSON_SCHEMA 1
#define DL_STAT_JSON_SCHEMA 1
#define DL_TOP_JSON_SCHEMA 1		/* top --json, one document per refresh */

struct json {
	FILE *f;
	int depth;
	bool first[JSON_MAX_DEPTH];	/* nothing written yet at this level */
	bool after_key;
	bool pretty;			/* indented, one member per line */
};

/* --pretty (any command): json_init's default; JSON lines (trace) stay compact. */
extern bool dl_json_pretty;

/* Bytes in the well-formed UTF-8 sequence at s (1 for ASCII), 0 if none starts there. */
size_t dl_utf8_seq(const unsigned char *s, size_t avail);

void json_init(struct json *j, FILE *f);
void json_begin_object(struct json *j);
void json_end_object(struct json *j);
void json_begin_array(struct json *j);
void json_end_array(struct json *j);
void json_key(struct json *j, const char *key);
void json_string(struct json *j, const char *s);
void json_stringn(struct json *j, const char *s, size_t maxlen);
void json_u64(struct json *j, __u64 v);
void json_s64(struct json *j, __s64 v);
void json_bool(struct json *j, bool v);
void json_double(struct json *j, double v);
void json_null(struct json *j);
/* "0x...": kernel addresses, which do not fit a double */
void json_hex(struct json *j, __u64 v);

/* key + value shorthands */
void json_kv_str(struct json *j, const char *key, const char *s);
void json_kv_u64(struct json *j, const char *key, __u64 v);
void json_kv_s64(struct json *j, const char *key, __s64 v);
void json_kv_bool(struct json *j, const char *key, bool v);
void json_kv_hex(struct json *j, const char *key, __u64 v);

#endif
