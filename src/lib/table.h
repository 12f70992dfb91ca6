/* SPDX-License-Identifier: GPL-2.0 */
/*
 * An open-addressing hash table from a non-zero 64-bit key to a pointer.
 * The analyzer's tasks and locks live here, so lookups stay O(1) however
 * long a recording is.
 */
#ifndef DIOLOCK_TABLE_H
#define DIOLOCK_TABLE_H

#include <stddef.h>
#include <linux/types.h>

struct table_slot {
	__u64 key;		/* 0: empty */
	void *val;
};

struct table {
	struct table_slot *slots;
	size_t cap;		/* power of two */
	size_t n;
};

void *table_get(const struct table *t, __u64 key);
/* 0, or -1 when out of memory. key must not be 0. */
int table_put(struct table *t, __u64 key, void *val);
/* Remove and return the value, NULL if absent. */
void *table_del(struct table *t, __u64 key);
void table_free(struct table *t);

/* Iterate: for (size_t i = 0; table_next(t, &i, &val);) ... (no changes inside) */
int table_next(const struct table *t, size_t *i, void **val);

#endif
