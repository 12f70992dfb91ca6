// SPDX-License-Identifier: GPL-2.0
#include <stdlib.h>
#include "lib/table.h"

static size_t slot_of(const struct table *t, __u64 key)
{
	/*
	 * Fibonacci hashing, taking the product's top bits: lock addresses and
	 * tids share their low bits, which the low bits of a product keep.
	 */
	return (size_t)((key * 0x9e3779b97f4a7c15ULL) >> (64 - __builtin_ctzll(t->cap)));
}

void *table_get(const struct table *t, __u64 key)
{
	if (!t->cap)
		return NULL;
	for (size_t i = slot_of(t, key);; i = (i + 1) & (t->cap - 1)) {
		if (!t->slots[i].key)
			return NULL;
		if (t->slots[i].key == key)
			return t->slots[i].val;
	}
}

static int grow(struct table *t)
{
	struct table old = *t;

	t->cap = old.cap ? old.cap * 2 : 64;
	t->slots = calloc(t->cap, sizeof(*t->slots));
	if (!t->slots) {
		*t = old;
		return -1;
	}
	t->n = 0;
	for (size_t i = 0; i < old.cap; i++)
		if (old.slots[i].key)
			table_put(t, old.slots[i].key, old.slots[i].val);
	free(old.slots);
	return 0;
}

int table_put(struct table *t, __u64 key, void *val)
{
	size_t i;

	if ((t->n + 1) * 4 > t->cap * 3 && grow(t))
		return -1;
	for (i = slot_of(t, key); t->slots[i].key && t->slots[i].key != key; i = (i + 1) & (t->cap - 1))
		;
	if (!t->slots[i].key)
		t->n++;
	t->slots[i].key = key;
	t->slots[i].val = val;
	return 0;
}

void *table_del(struct table *t, __u64 key)
{
	size_t i, j;
	void *val;

	if (!t->cap)
		return NULL;
	for (i = slot_of(t, key); t->slots[i].key != key; i = (i + 1) & (t->cap - 1))
		if (!t->slots[i].key)
			return NULL;
	val = t->slots[i].val;
	t->slots[i].key = 0;
	t->n--;
	/* backward shift: re-place the run after the hole so lookups never stop early */
	for (j = (i + 1) & (t->cap - 1); t->slots[j].key; j = (j + 1) & (t->cap - 1)) {
		struct table_slot s = t->slots[j];

		t->slots[j].key = 0;
		t->n--;
		table_put(t, s.key, s.val);
	}
	return val;
}

void table_free(struct table *t)
{
	free(t->slots);
	t->slots = NULL;
	t->cap = t->n = 0;
}

int table_next(const struct table *t, size_t *i, void **val)
{
	for (; *i < t->cap; (*i)++) {
		if (t->slots[*i].key) {
			*val = t->slots[(*i)++].val;
			return 1;
		}
	}
	return 0;
}
