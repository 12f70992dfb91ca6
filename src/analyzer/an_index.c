// SPDX-License-Identifier: GPL-2.0
/*
 * The analyzer's growable arrays and their hash indexes: entries live in an
 * array (so they can be walked in order), a table maps a key to an entry's
 * position + 1, and a colliding key is rehashed until it finds its match.
 */
#include <stdlib.h>
#include <string.h>
#include "analyzer/an_internal.h"

void *an_grow(void *arr, size_t *cap, size_t n, size_t elem, bool *oom)
{
	void *p;
	size_t ncap;

	if (n < *cap)
		return arr;
	ncap = *cap ? *cap * 2 : 16;
	p = realloc(arr, ncap * elem);
	if (!p) {
		*oom = true;
		return NULL;
	}
	*cap = ncap;
	return p;
}

void *an_index_find(const struct table *index, __u64 *key, void *arr, size_t elem,
		    bool (*match)(const void *entry, const void *ctx), const void *ctx)
{
	char *base = arr;
	uintptr_t at;

	while ((at = (uintptr_t)table_get(index, *key))) {
		if (match(base + (at - 1) * elem, ctx))
			return base + (at - 1) * elem;
		*key = dl_mix(*key, 0x5bd1e995) | 1;
	}
	return NULL;
}

void *an_index_append(struct analyzer *an, struct table *index, __u64 key, void **arr, size_t *cap,
		      size_t *n, size_t elem)
{
	char *p = an_grow(*arr, cap, *n, elem, &an->oom);

	if (!p)
		return NULL;
	*arr = p;
	if (table_put(index, key, (void *)(uintptr_t)(*n + 1)))
		an->oom = true;
	p += (*n)++ * elem;
	memset(p, 0, elem);
	return p;
}
