/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What `stat`, `top` and `serve` render: a snapshot of the histogram maps
 * the BPF side counts (stat.bpf.h) and the facts of the run beside them.
 * Plain data: live/stats.c reads it from a run, the renderers here print it.
 */
#ifndef DIOLOCK_SNAPSHOT_H
#define DIOLOCK_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>
#include "diolock/event.h"
#include "lib/hist.h"
#include "lib/hooks.h"
#include "lib/pathres.h"

struct st_hist {
	struct dl_hist_key key;
	struct dl_hist h;
};

struct st_task {
	struct dl_lock_task_key key;
	struct dl_lock_task v;
};

/* DIO completions per filesystem type (the kernel's per-CPU DIO counters). */
struct dl_fs_dio {
	__u64 completions;
	__u64 under_read;	/* completing task held the inode's i_rwsem shared */
	__u64 under_write;	/* ... exclusive */
};

struct st_fsdio {
	char fs[DL_FS_LEN];
	struct dl_fs_dio v;
};

/* io_uring O_DIRECT writes punted to io-wq after a failed non-blocking attempt (bpf/uring.bpf.c). */
struct st_punt {
	struct dl_punt_key key;
	struct dl_punt v;
};

struct st_snap {
	struct st_hist *hists;	/* by kind, then by total time, largest first */
	size_t nhists;
	struct st_task *tasks;
	size_t ntasks;
	struct st_fsdio *fsdio;
	size_t nfsdio;
	struct st_punt *punts;	/* most first */
	size_t npunts;
	__u64 lost_ringbuf, lost_map_full;
};

/* The run the snapshot comes from, as the renderers name it. */
struct st_run {
	const char *kernel;		/* the release, as uname -r */
	double duration_s;
	enum dl_tier tier[DL_HOOK_MAX];	/* each hook point's tier; DL_TIER_NONE: unavailable */
	bool hold_ok;			/* hold-time histograms collected */
	char hold_why[400];		/* why not, when !hold_ok */
	char *const *cmd;		/* CMD's argv; NULL: none */
	int cmd_status;			/* CMD's wait(2) status; < 0: none or still running */
	bool interrupted;
};

void st_snap_free(struct st_snap *snap);

/* The tier the i_rwsem wait hooks got: "tp_btf", "fentry", ... */
const char *st_wait_tier(const struct st_run *run);

/* A waiter of this inode, whose open files may name it (0: none seen). */
__u32 st_pid_hint(const struct st_snap *snap, __u32 dev, __u64 ino);

/* "i_rwsem wait, write mode" */
const char *st_kind_title(enum dl_hist_kind k);

/* One line naming what a histogram key is, for text reports. */
/* The name of the process whose mmap_lock histogram key k is (ino: its pid). */
const char *st_mmap_comm(const struct dl_hist_key *k, struct pathres *pr);
void st_key_label(char *buf, size_t len, const struct st_snap *snap, const struct dl_hist_key *k,
		  enum dl_stat_by by, struct pathres *pr);

#endif
