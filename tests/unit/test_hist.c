// SPDX-License-Identifier: GPL-2.0
/* hist.c: the log2 slot shared with BPF, percentiles from buckets, printing. */
#include <stdlib.h>
#include <string.h>
#include "lib/hist.h"
#include "unit.h"

static void add(struct dl_hist *h, __u64 ns)
{
	h->slots[dl_hist_slot(ns)]++;
	h->count++;
	h->sum_ns += ns;
	if (ns > h->max_ns)
		h->max_ns = ns;
}

static void test_slot(void)
{
	/* bcc's layout in microseconds: slot i holds [2^i, 2^(i+1)), slot 0 holds [0, 2) */
	CHECK(dl_hist_slot(0) == 0);
	CHECK(dl_hist_slot(999) == 0);
	CHECK(dl_hist_slot(1999) == 0);
	CHECK(dl_hist_slot(2000) == 1);
	CHECK(dl_hist_slot(3999) == 1);
	CHECK(dl_hist_slot(4000) == 2);
	CHECK(dl_hist_slot(1024000) == 10);
	CHECK(dl_hist_slot(300000000) == 18);	/* 300 ms: [262144, 524288) us */
	CHECK(dl_hist_slot(~0ULL) == DL_HIST_SLOTS - 1);
	for (int i = 1; i < DL_HIST_SLOTS - 1; i++) {
		CHECK(dl_hist_slot(hist_slot_lo_ns(i)) == (__u32)i);
		CHECK(dl_hist_slot(hist_slot_hi_ns(i) - 1) == (__u32)i);
		CHECK(hist_slot_hi_ns(i) == hist_slot_lo_ns(i + 1));
	}
}

static void test_percentile_empty(void)
{
	struct dl_hist h = {};

	CHECK(hist_percentile_ns(&h, 0.5) == 0);
	CHECK(hist_percentile_ns(&h, 0.99) == 0);
}

static void test_percentile_single(void)
{
	struct dl_hist h = {};

	add(&h, 300000000);
	/* never above the max, and in the max's bucket */
	CHECK(hist_percentile_ns(&h, 0.5) <= 300000000);
	CHECK(dl_hist_slot(hist_percentile_ns(&h, 0.5)) == 18);
	CHECK(hist_percentile_ns(&h, 0.99) == hist_percentile_ns(&h, 0.5));
}

/* Against exact nearest-rank percentiles: always in the same log2 bucket. */
static void test_percentile_vs_exact(void)
{
	static __u64 v[1000];
	struct dl_hist h = {};
	double ps[] = { 0.01, 0.25, 0.5, 0.9, 0.99, 1.0 };

	srand(7);
	for (int i = 0; i < 1000; i++) {
		/* log-uniform from 1 us to ~1 s */
		v[i] = 1000ULL << (rand() % 20);
		v[i] += rand() % v[i];
		add(&h, v[i]);
	}
	for (int i = 0; i < 1000; i++)
		for (int j = i + 1; j < 1000; j++)
			if (v[j] < v[i]) {
				__u64 t = v[i];

				v[i] = v[j];
				v[j] = t;
			}
	for (size_t k = 0; k < sizeof(ps) / sizeof(ps[0]); k++) {
		int rank = (int)(ps[k] * 1000 + 0.999999);
		__u64 exact = v[rank - 1], est = hist_percentile_ns(&h, ps[k]);

		CHECK(dl_hist_slot(est) == dl_hist_slot(exact));
		CHECK(est <= h.max_ns);
	}
	CHECK(hist_percentile_ns(&h, 0.5) <= hist_percentile_ns(&h, 0.99));
}

static void test_fmt(void)
{
	char b[32];

	hist_fmt_ns(b, sizeof(b), 830);
	CHECK(!strcmp(b, "830 ns"));
	hist_fmt_ns(b, sizeof(b), 12500);
	CHECK(!strcmp(b, "12.5 us"));
	hist_fmt_ns(b, sizeof(b), 203084000);
	CHECK(!strcmp(b, "203.084 ms"));
	hist_fmt_ns(b, sizeof(b), 1503000000);
	CHECK(!strcmp(b, "1.503 s"));
}

static void test_print(void)
{
	struct dl_hist h = {};
	char *out = NULL, line[128];
	size_t len = 0;
	FILE *f;
	int lines = 0;

	for (int i = 0; i < 100; i++)
		add(&h, 20000);		/* slot 4: 16 -> 31 us */
	add(&h, 300000000);		/* slot 18: one slow sample */
	f = open_memstream(&out, &len);
	hist_print(f, &h, "", 40);
	fclose(f);
	f = fmemopen(out, len, "r");
	while (fgets(line, sizeof(line), f))
		lines++;
	fclose(f);
	/* header + slots 4..18, empty ones included: bcc's layout */
	CHECK(lines == 1 + 15);
	CHECK(strstr(out, "usecs") != NULL);
	CHECK(strstr(out, "16 -> 31 : 100      |****************************************|") != NULL);
	/* a lone sample beside 100 others still gets a visible bar */
	CHECK(strstr(out, "262144 -> 524287 : 1        |*                                       |") != NULL);
	free(out);
}

static void test_by(void)
{
	enum dl_stat_by by;

	CHECK(!hist_parse_by("comm", &by) && by == DL_BY_COMM);
	CHECK(!hist_parse_by("stack", &by) && by == DL_BY_STACK);
	CHECK(hist_parse_by("pid", &by) != 0);
	CHECK(!strcmp(hist_by_name(DL_BY_INODE), "inode"));
	CHECK(!strcmp(hist_kind_mode(DL_HIST_WAIT_READ), "read"));
	CHECK(!strcmp(hist_kind_name(DL_HIST_DIO_LOCKED), "dio"));
}

/* The map keys and values cross the BPF boundary: fixed sizes, checked when this file compiles. */
_Static_assert(sizeof(struct dl_hist_key) == 64, "dl_hist_key layout");
_Static_assert(sizeof(struct dl_hist) == (DL_HIST_SLOTS + 3) * 8, "dl_hist layout");
_Static_assert(sizeof(struct dl_lock_task_key) == 24, "dl_lock_task_key layout");
_Static_assert(sizeof(struct dl_lock_task) == 48, "dl_lock_task layout");

int main(void)
{
	RUN(test_slot);
	RUN(test_percentile_empty);
	RUN(test_percentile_single);
	RUN(test_percentile_vs_exact);
	RUN(test_fmt);
	RUN(test_print);
	RUN(test_by);
	UNIT_EXIT();
}
