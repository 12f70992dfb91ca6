// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <string.h>
#include "lib/hist.h"

__u64 hist_slot_lo_ns(int slot)
{
	return slot <= 0 ? 0 : (1ULL << slot) * 1000;
}

__u64 hist_slot_hi_ns(int slot)
{
	if (slot >= DL_HIST_SLOTS - 1)
		return ~0ULL;
	return (1ULL << (slot + 1)) * 1000;
}

__u64 hist_percentile_ns(const struct dl_hist *h, double p)
{
	__u64 total = 0, cum = 0, rank;
	double frac, lo, hi, v;

	for (int i = 0; i < DL_HIST_SLOTS; i++)
		total += h->slots[i];
	if (!total)
		return 0;
	if (p <= 0)
		p = 1e-9;
	if (p > 1)
		p = 1;
	/* nearest rank: the smallest rank with at least p of the samples at or below it */
	rank = (__u64)(p * total);
	if ((double)rank < p * total)
		rank++;
	if (!rank)
		rank = 1;
	for (int i = 0; i < DL_HIST_SLOTS; i++) {
		if (!h->slots[i] || cum + h->slots[i] < rank) {
			cum += h->slots[i];
			continue;
		}
		/* the rank-th sample's place among this bucket's, at its midpoint */
		frac = ((double)(rank - cum) - 0.5) / h->slots[i];
		lo = hist_slot_lo_ns(i);
		hi = i == DL_HIST_SLOTS - 1 ? (double)h->max_ns : hist_slot_hi_ns(i);
		if (hi < lo)
			hi = lo;
		v = lo + frac * (hi - lo);
		if (h->max_ns && v > h->max_ns)
			v = h->max_ns;
		return (__u64)v;
	}
	return h->max_ns;
}

void hist_fmt_ns(char *buf, size_t len, __u64 ns)
{
	if (ns < 1000)
		snprintf(buf, len, "%llu ns", (unsigned long long)ns);
	else if (ns < 1000000)
		snprintf(buf, len, "%.1f us", ns / 1e3);
	else if (ns < 1000000000)
		snprintf(buf, len, "%.3f ms", ns / 1e6);
	else
		snprintf(buf, len, "%.3f s", ns / 1e9);
}

void hist_summary(char *buf, size_t len, const struct dl_hist *h)
{
	char p50[32], p99[32], max[32], sum[32];

	hist_fmt_ns(p50, sizeof(p50), hist_percentile_ns(h, 0.50));
	hist_fmt_ns(p99, sizeof(p99), hist_percentile_ns(h, 0.99));
	hist_fmt_ns(max, sizeof(max), h->max_ns);
	hist_fmt_ns(sum, sizeof(sum), h->sum_ns);
	snprintf(buf, len, "count %llu, p50 %s, p99 %s, max %s, total %s", (unsigned long long)h->count,
		 p50, p99, max, sum);
}

void hist_print(FILE *f, const struct dl_hist *h, const char *indent, int width)
{
	int first = -1, last = -1;
	__u64 top = 0;
	char range[48];

	for (int i = 0; i < DL_HIST_SLOTS; i++) {
		if (!h->slots[i])
			continue;
		if (first < 0)
			first = i;
		last = i;
		if (h->slots[i] > top)
			top = h->slots[i];
	}
	if (first < 0)
		return;
	fprintf(f, "%s%22s : %-8s distribution\n", indent, "usecs", "count");
	for (int i = first; i <= last; i++) {
		__u64 lo = i ? 1ULL << i : 0, hi = (1ULL << (i + 1)) - 1;
		int stars = (int)(h->slots[i] * width / top);

		if (h->slots[i] && !stars)
			stars = 1;
		if (i == DL_HIST_SLOTS - 1)
			snprintf(range, sizeof(range), "%llu -> ...", (unsigned long long)lo);
		else
			snprintf(range, sizeof(range), "%llu -> %llu", (unsigned long long)lo,
				 (unsigned long long)hi);
		fprintf(f, "%s%22s : %-8llu |", indent, range, (unsigned long long)h->slots[i]);
		for (int s = 0; s < width; s++)
			fputc(s < stars ? '*' : ' ', f);
		fputs("|\n", f);
	}
}

const char *hist_kind_name(enum dl_hist_kind k)
{
	switch (k) {
	case DL_HIST_WAIT_READ:
	case DL_HIST_WAIT_WRITE:
		return "wait";
	case DL_HIST_HOLD_READ:
	case DL_HIST_HOLD_WRITE:
		return "hold";
	case DL_HIST_DIO_LOCKED:
	case DL_HIST_DIO_UNLOCKED:
		return "dio";
	case DL_HIST_MMAP_WAIT_READ:
	case DL_HIST_MMAP_WAIT_WRITE:
		return "mmap_lock_wait";
	case DL_HIST_MMAP_HOLD_WRITE:
		return "mmap_lock_hold";
	default:
		return "unknown";
	}
}

const char *hist_kind_mode(enum dl_hist_kind k)
{
	switch (k) {
	case DL_HIST_WAIT_READ:
	case DL_HIST_HOLD_READ:
	case DL_HIST_MMAP_WAIT_READ:
		return "read";
	case DL_HIST_WAIT_WRITE:
	case DL_HIST_HOLD_WRITE:
	case DL_HIST_MMAP_WAIT_WRITE:
	case DL_HIST_MMAP_HOLD_WRITE:
		return "write";
	case DL_HIST_DIO_LOCKED:
		return "locked";
	case DL_HIST_DIO_UNLOCKED:
		return "unlocked";
	default:
		return "unknown";
	}
}

static const char *const by_names[DL_BY_MAX] = { "inode", "fs", "comm", "stack", "path", "cgroup" };

bool hist_kind_is_mmap(enum dl_hist_kind k)
{
	return hist_kind_is_mmap_wait(k) || k == DL_HIST_MMAP_HOLD_WRITE;
}

bool hist_kind_is_mmap_wait(enum dl_hist_kind k)
{
	return k == DL_HIST_MMAP_WAIT_READ || k == DL_HIST_MMAP_WAIT_WRITE;
}

const char *hist_by_name(enum dl_stat_by by)
{
	return by < DL_BY_MAX ? by_names[by] : "unknown";
}

int hist_parse_by(const char *s, enum dl_stat_by *by)
{
	for (int i = 0; i < DL_BY_MAX; i++) {
		if (!strcmp(s, by_names[i])) {
			*by = i;
			return 0;
		}
	}
	return -EINVAL;
}
