/* SPDX-License-Identifier: GPL-2.0 */
/*
 * log2 histograms as the BPF side folds them (struct dl_hist, slots of
 * [2^i, 2^(i+1)) microseconds): percentiles from the buckets, and the
 * bcc-style text form. Pure: no libbpf, unit-tested.
 */
#ifndef DIOLOCK_HIST_H
#define DIOLOCK_HIST_H

#include <stdio.h>
#include "diolock/event.h"

/* Bounds of slot i in nanoseconds: [lo, hi). The last slot is open-ended. */
__u64 hist_slot_lo_ns(int slot);
__u64 hist_slot_hi_ns(int slot);

/*
 * The p-quantile (0 < p <= 1) estimated from the buckets: the bucket that
 * holds the nearest-rank value, interpolated linearly inside it and never
 * above max_ns. 0 when empty. Within a factor of two of the exact value.
 */
__u64 hist_percentile_ns(const struct dl_hist *h, double p);

/* "203.084 ms", "12.5 us", "830 ns", "1.503 s" */
void hist_fmt_ns(char *buf, size_t len, __u64 ns);

/* "count 3, p50 197.4 ms, p99 301.3 ms, max 302.114 ms, total 806.9 ms" */
void hist_summary(char *buf, size_t len, const struct dl_hist *h);

/*
 * bcc's print_log2_hist layout in usecs, from the first to the last
 * non-empty bucket; bars up to `width` stars, a non-empty bucket always
 * gets at least one so that rare slow samples stay visible.
 */
void hist_print(FILE *f, const struct dl_hist *h, const char *indent, int width);

const char *hist_kind_name(enum dl_hist_kind k);	/* "wait", "hold", "dio", "mmap_lock_wait" */
/* A process's mmap_lock, not an inode's lock: its key's ino is the pid, dev 0. */
bool hist_kind_is_mmap(enum dl_hist_kind k);	/* a process's mmap_lock: keyed by pid */
bool hist_kind_is_mmap_wait(enum dl_hist_kind k);
const char *hist_kind_mode(enum dl_hist_kind k);	/* "read", "write", "locked", "unlocked" */
const char *hist_by_name(enum dl_stat_by by);
int hist_parse_by(const char *s, enum dl_stat_by *by);

#endif
