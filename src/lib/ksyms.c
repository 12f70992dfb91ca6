// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <inttypes.h>
#include "lib/ksyms.h"

struct ksym {
	__u64 addr;
	char *name;	/* "func" or "func [module]" */
};

struct ksyms {
	struct ksym *syms;
	size_t n, cap;
};

static int cmp_addr(const void *a, const void *b)
{
	const struct ksym *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static int add(struct ksyms *ks, __u64 addr, const char *name, const char *mod)
{
	struct ksym *s;
	size_t len = strlen(name) + (mod ? strlen(mod) + 4 : 0) + 1;

	if (ks->n == ks->cap) {
		size_t cap = ks->cap ? ks->cap * 2 : 65536;

		s = realloc(ks->syms, cap * sizeof(*s));
		if (!s)
			return -1;
		ks->syms = s;
		ks->cap = cap;
	}
	s = &ks->syms[ks->n];
	s->addr = addr;
	s->name = malloc(len);
	if (!s->name)
		return -1;
	if (mod)
		snprintf(s->name, len, "%s [%s]", name, mod);
	else
		snprintf(s->name, len, "%s", name);
	ks->n++;
	return 0;
}

struct ksyms *ksyms_load(const char *path)
{
	char line[512], name[256], mod[128], type;
	unsigned long long addr;
	struct ksyms *ks;
	FILE *f;

	f = fopen(path ? path : "/proc/kallsyms", "re");
	if (!f)
		return NULL;
	ks = calloc(1, sizeof(*ks));
	if (!ks)
		goto out;
	while (fgets(line, sizeof(line), f)) {
		int n;

		mod[0] = '\0';
		n = sscanf(line, "%llx %c %255s [%127[^]]]", &addr, &type, name, mod);
		if (n < 3 || !addr)
			continue;
		/* text symbols only: stacks hold return addresses */
		if (type != 't' && type != 'T' && type != 'w' && type != 'W')
			continue;
		if (add(ks, addr, name, n == 4 ? mod : NULL)) {
			ksyms_free(ks);
			ks = NULL;
			goto out;
		}
	}
	if (ks->n)
		qsort(ks->syms, ks->n, sizeof(*ks->syms), cmp_addr);
out:
	fclose(f);
	return ks;
}

void ksyms_free(struct ksyms *ks)
{
	if (!ks)
		return;
	for (size_t i = 0; i < ks->n; i++)
		free(ks->syms[i].name);
	free(ks->syms);
	free(ks);
}

void ksyms_format(const struct ksyms *ks, __u64 addr, char *buf, size_t len)
{
	size_t lo = 0, hi = ks ? ks->n : 0;

	/* last symbol at or below addr */
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (ks->syms[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo) {
		snprintf(buf, len, "0x%" PRIx64, (uint64_t)addr);
		return;
	}
	const struct ksym *s = &ks->syms[lo - 1];
	const char *mod = strchr(s->name, ' ');

	if (mod)
		snprintf(buf, len, "%.*s+0x%" PRIx64 "%s", (int)(mod - s->name), s->name,
			 (uint64_t)(addr - s->addr), mod);
	else
		snprintf(buf, len, "%s+0x%" PRIx64, s->name, (uint64_t)(addr - s->addr));
}

int ksyms_find(const char *path, const char *const *names, __u64 *addrs, size_t n)
{
	char line[512], name[256], type;
	unsigned long long addr;
	size_t found = 0;
	FILE *f;

	memset(addrs, 0, n * sizeof(*addrs));
	f = fopen(path ? path : "/proc/kallsyms", "re");
	if (!f)
		return -1;
	while (found < n && fgets(line, sizeof(line), f)) {
		/* vmlinux's symbols come first and have no module column */
		if (strchr(line, '['))
			break;
		if (sscanf(line, "%llx %c %255s", &addr, &type, name) != 3 || !addr)
			continue;
		for (size_t i = 0; i < n; i++)
			if (!addrs[i] && !strcmp(name, names[i])) {
				addrs[i] = addr;
				found++;
			}
	}
	fclose(f);
	return (int)found;
}
