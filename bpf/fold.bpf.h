/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Fold slots: a benign completion counted in this CPU's slot instead of
 * sent. dio.bpf.c's alone (kept apart to keep that file one job).
 */
#ifndef DIOLOCK_FOLD_BPF_H
#define DIOLOCK_FOLD_BPF_H

#include "diolock.bpf.h"

static __always_inline __u64 dl_fold_hash(const struct dl_fold_key *k)
{
	__u64 h = dl_mix(k->ino, (__u64)k->tgid << 32 | k->dev);

	return dl_mix(h, (__u64)k->path << 32 | (__u64)k->kind << 24 | (__u64)k->reason << 16 | (__u64)k->mode << 8 |
			 k->flags);
}

static __always_inline bool dl_fold_key_eq(const struct dl_fold_key *a, const struct dl_fold_key *b)
{
	return a->ino == b->ino && a->tgid == b->tgid && a->dev == b->dev && a->kind == b->kind &&
	       a->reason == b->reason && a->mode == b->mode && a->flags == b->flags && a->fsid == b->fsid &&
	       a->path == b->path;
}

/*
 * Count one occurrence of a benign finding in this CPU's fold slot. false:
 * the caller sends it as a record, because it is the first of its key on
 * this CPU (it claims a slot) or all DL_FOLD_PROBES slots hold other keys.
 */
static __always_inline bool dl_fold(const struct dl_fold_key *k, __u64 cgroup, __u64 now, bool count_first)
{
	__u32 cpu = bpf_get_smp_processor_id();
	__u64 h = dl_fold_hash(k);
	struct dl_fold *f;

	if (cpu >= nr_cpus)
		return false;
	for (int i = 0; i < DL_FOLD_PROBES; i++) {
		__u32 idx = cpu * DL_FOLD_SLOTS + ((h + i) & (DL_FOLD_SLOTS - 1));

		f = bpf_map_lookup_elem(&folds, &idx);
		if (!f)
			return false;
		if (!f->used) {
			f->key = *k;
			f->cgroup = cgroup;
			f->count = count_first;
			f->last_ts = now;
			/* user space reads the slot concurrently: the key before the flag */
			asm volatile("" ::: "memory");
			f->used = 1;
			return count_first;
		}
		/* not hashed: a process's cgroup changes seldom, its key then takes the next slot */
		if (dl_fold_key_eq(&f->key, k) && f->cgroup == cgroup) {
			f->count++;
			f->last_ts = now;
			return true;
		}
	}
	return false;
}

#endif /* DIOLOCK_FOLD_BPF_H */
