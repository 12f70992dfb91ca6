// SPDX-License-Identifier: GPL-2.0
#include <inttypes.h>
#include <math.h>
#include <string.h>
#include "lib/json.h"

bool dl_json_pretty;

void json_init(struct json *j, FILE *f)
{
	memset(j, 0, sizeof(*j));
	j->f = f;
	j->first[0] = true;
	j->pretty = dl_json_pretty;
}

static void indent(struct json *j, int depth)
{
	fputc('\n', j->f);
	for (int i = 0; i < depth; i++)
		fputs("  ", j->f);
}

/* Separator before a value or key at the current level. */
static void sep(struct json *j)
{
	if (j->after_key) {
		j->after_key = false;
		return;
	}
	if (!j->first[j->depth])
		fputc(',', j->f);
	j->first[j->depth] = false;
	if (j->pretty && j->depth > 0)
		indent(j, j->depth);
}

static void open_(struct json *j, char c)
{
	sep(j);
	fputc(c, j->f);
	if (j->depth + 1 < JSON_MAX_DEPTH)
		j->depth++;
	j->first[j->depth] = true;
}

static void close_(struct json *j, char c)
{
	bool empty = j->first[j->depth];

	if (j->depth > 0)
		j->depth--;
	if (j->pretty && !empty)
		indent(j, j->depth);
	fputc(c, j->f);
}

void json_begin_object(struct json *j) { open_(j, '{'); }
void json_end_object(struct json *j) { close_(j, '}'); }
void json_begin_array(struct json *j) { open_(j, '['); }
void json_end_array(struct json *j) { close_(j, ']'); }

/*
 * Length of the well-formed UTF-8 sequence at s (RFC 3629: no overlongs, no
 * surrogates, nothing above U+10FFFF), or 0 if the bytes there are not one.
 */
size_t dl_utf8_seq(const unsigned char *s, size_t avail)
{
	size_t n;
	unsigned int cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (n > avail)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

/*
 * comm, paths and argv are bytes, not necessarily UTF-8: well-formed UTF-8
 * passes through as is; any other byte 0xXX becomes U+00XX, so the output is
 * always valid UTF-8 and the byte can still be told.
 */
static void put_escaped(FILE *f, const char *str, size_t maxlen)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t len = strnlen(str, maxlen);

	fputc('"', f);
	for (size_t i = 0; i < len;) {
		unsigned char c = s[i];
		size_t n = c >= 0x80 ? dl_utf8_seq(s + i, len - i) : 1;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c == '\t')
			fputs("\\t", f);
		else if (c < 0x20 || c == 0x7f || !n)
			fprintf(f, "\\u%04x", c);
		else
			fwrite(s + i, 1, n, f);
		i += n ? n : 1;
	}
	fputc('"', f);
}

void json_key(struct json *j, const char *key)
{
	sep(j);
	put_escaped(j->f, key, strlen(key));
	fputs(j->pretty ? ": " : ":", j->f);
	j->after_key = true;
}

void json_stringn(struct json *j, const char *s, size_t maxlen)
{
	sep(j);
	put_escaped(j->f, s, maxlen);
}

void json_string(struct json *j, const char *s) { json_stringn(j, s, s ? strlen(s) : 0); }

void json_u64(struct json *j, __u64 v)
{
	sep(j);
	fprintf(j->f, "%" PRIu64, (uint64_t)v);
}

void json_s64(struct json *j, __s64 v)
{
	sep(j);
	fprintf(j->f, "%" PRId64, (int64_t)v);
}

void json_bool(struct json *j, bool v)
{
	sep(j);
	fputs(v ? "true" : "false", j->f);
}

void json_double(struct json *j, double v)
{
	sep(j);
	/* JSON has no NaN or infinity */
	if (isfinite(v))
		fprintf(j->f, "%.6g", v);
	else
		fputs("null", j->f);
}

void json_hex(struct json *j, __u64 v)
{
	/* kernel addresses exceed 2^53: as numbers, most parsers would round them */
	sep(j);
	fprintf(j->f, "\"0x%" PRIx64 "\"", (uint64_t)v);
}

void json_kv_hex(struct json *j, const char *key, __u64 v)
{
	json_key(j, key);
	json_hex(j, v);
}

void json_null(struct json *j)
{
	sep(j);
	fputs("null", j->f);
}

void json_kv_str(struct json *j, const char *key, const char *s)
{
	json_key(j, key);
	json_string(j, s);
}

void json_kv_u64(struct json *j, const char *key, __u64 v)
{
	json_key(j, key);
	json_u64(j, v);
}

void json_kv_s64(struct json *j, const char *key, __s64 v)
{
	json_key(j, key);
	json_s64(j, v);
}

void json_kv_bool(struct json *j, const char *key, bool v)
{
	json_key(j, key);
	json_bool(j, v);
}
