/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The only user of the BPF skeleton: open -> configure -> choose tiers ->
 * load -> attach, then poll the ring buffer into a callback.
 */
#ifndef DIOLOCK_LOADER_H
#define DIOLOCK_LOADER_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "diolock/event.h"
#include "diolock/mode.h"
#include "lib/filter.h"
#include "lib/hooks.h"

typedef void (*dl_event_fn)(void *ctx, const struct dl_event *e);

struct dl_session_opts {
	const struct dl_filter *filter;
	size_t ringbuf_bytes;		/* 0: default (4 MiB) */
	enum dl_tier forced;		/* --attach: DL_TIER_NONE picks the best */
	const char *btf_path;		/* --btf: kernel BTF for CO-RE; NULL: the kernel's */
	dl_event_fn cb;
	void *ctx;
	bool stat;			/* fold histograms into maps (enum dl_stat_by below) */
	__u8 stat_by;			/* enum dl_stat_by */
	enum dl_mode mode;		/* what the BPF side sends and counts (diolock/mode.h) */
};

struct diolock_bpf;
struct ring_buffer;
struct bpf_link;

struct dl_session {
	struct diolock_bpf *skel;
	struct ring_buffer *rb;
	struct bpf_link *links[DL_HOOK_MAX][DL_HOOK_MAX_PROGS];
	struct dl_hook_state hooks[DL_HOOK_MAX];
	unsigned int refused[DL_HOOK_MAX];	/* tiers the verifier refused, 1 << tier */
	bool shares[DL_HOOK_MAX];	/* its programs are another hook's, attached there (sb_wait_*) */
	dl_event_fn cb;
	void *ctx;
	__u64 events;
	__u64 truncated;		/* records shorter than struct dl_event */
	int lock_layout;		/* enum dl_lock_layout the BPF decoder was relocated for */
	int nr_cpus;			/* the fold array has nr_cpus * DL_FOLD_SLOTS slots */
	const struct dl_fold *folds;	/* mmap of the fold slots, read-only; NULL: none */
	size_t folds_len;
	const struct dl_wait_fold *wait_folds;	/* likewise, nr_cpus * DL_WFOLD_SLOTS */
	size_t wait_folds_len;
};

/* 0 or -errno with a one-line reason in err. */
int dl_session_open(struct dl_session *s, const struct dl_session_opts *o, char *err, size_t errlen);
/* Deliver what is ready, waiting up to timeout_ms. >= 0, or -errno (-EINTR on a signal). */
int dl_session_poll(struct dl_session *s, int timeout_ms);
/* Events the kernel side could not deliver, by reason. */
__u64 dl_session_lost(const struct dl_session *s, enum dl_counter c);
/* Kernel stack of a record: number of frames written to ips. */
int dl_session_stack(const struct dl_session *s, __s32 stack_id, __u64 *ips, int max);
/* The fold slots BPF counts benign findings in (read-only, live): *n slots, or NULL. */
const struct dl_fold *dl_session_folds(const struct dl_session *s, size_t *n);
/* The wait-fold slots (short i_rwsem waits, read-only, live): *n slots, or NULL. */
const struct dl_wait_fold *dl_session_wait_folds(const struct dl_session *s, size_t *n);
/* DIO counters by filesystem (enum dl_fsid), summed over CPUs. */
void dl_session_dio_counts(const struct dl_session *s, __u64 out[DL_FSID_MAX][DL_DIO_CNT_MAX]);
/* fd of one of the skeleton's maps by name ("hists", ...), or -ENOENT. */
int dl_session_map_fd(const struct dl_session *s, const char *name);
void dl_session_close(struct dl_session *s);

#endif
