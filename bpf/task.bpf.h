/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What diolock keeps per task (task-local storage): the locks it holds, the
 * wait and the DIO in progress, entry-to-return slots; and what the task
 * itself says (its write count, btrfs's DIO-write stub). Included by
 * diolock.bpf.h.
 */
#ifndef DIOLOCK_TASK_BPF_H
#define DIOLOCK_TASK_BPF_H

/* The i_rwsems one task holds. */
struct dl_task_held {
	__u64 lock[DL_MAX_HELD];
	__u8 mode[DL_MAX_HELD];
	__s32 stack[DL_MAX_HELD];	/* acquisition stack, for `stat --by stack` */
	__u64 ts[DL_MAX_HELD];		/* acquired at (ns), for hold-time histograms */
};

/* The mappings' invalidate_locks one task holds: for lock order only (acquire.bpf.c). */
#define DL_MAX_INVAL 2
struct dl_task_inval {
	__u64 lock[DL_MAX_INVAL];
	__u8 mode[DL_MAX_INVAL];
};

/* An i_rwsem wait in progress (rwsem.bpf.c). */
/* not a kernel flag: in dl_wait.flags, the wait began on an RT rwsem's rt_mutex */
#define DL_WAIT_VIA_RTMUTEX	(1U << 16)
/* the wait is on a super block's sb_writers (sb.bpf.h): wait.sb names it */
#define DL_WAIT_VIA_SB		(1U << 17)
/* ... on its own process's mmap_lock (mm.bpf.h) */
#define DL_WAIT_VIA_MM		(1U << 18)
/* ... and it counts in stat's histograms */
#define DL_WAIT_MM_STAT		(1U << 19)
/* ... on a mapping's invalidate_lock (inval.bpf.h) */
#define DL_WAIT_VIA_INVAL	(1U << 20)
struct dl_wait {
	__u64 lock;		/* 0: not waiting */
	__u64 ts;
	/* for the stat histograms, folded at the wait's end */
	__u32 flags;		/* lock:contention_begin flags */
	__u32 holder;		/* holder tid at wait begin (for readers: the hint) */
	__s32 stack_id;
	__u8 holder_mode;	/* enum dl_lock_mode at wait begin */
	__u8 emitted;		/* its WAIT_BEGIN record crossed: the end must too */
	__u8 deferred;		/* it started in its pending slot (dl_pending) */
	__u8 pad;
	char holder_comm[DL_COMM_LEN];
	__u32 pend_seq;		/* the pending slot's seq for this wait */
	__u32 pad2;
	__u64 sb;		/* DL_WAIT_VIA_SB: the super block */
	__u64 holder_cgroup;	/* the holder's cgroup v2 id (stat, top, serve) */
};

/*
 * A synchronous DIO this task submitted and has not completed. Its
 * DIO_BEGIN record is kept here, not sent: it crosses only if something the
 * analyzer must see happens inside the DIO (the task waits, syncs under the
 * lock, or the completion is worth a record), so a routine DIO costs no
 * record at all.
 */
struct dl_dio_ctx {
	__u64 inode;		/* struct inode *; 0: none in progress */
	__u64 iocb;		/* struct kiocb *: an AIO's completion finds its start by it (stat) */
	__u64 ts;
	__s64 pos;
	__u64 len;
	__u64 ki_flags;
	__u32 flags;		/* DL_F_* of the submission */
	__u8 emitted;		/* its DIO_BEGIN crossed: the analyzer tracks this DIO */
	__u8 synced;		/* an fsync began in it while the task held the lock */
	__u8 classified;	/* completion entry (function tiers) judged it already */
	__u8 sync_emitted;	/* that fsync's SYNC_BEGIN crossed */
	struct dl_rwsem_state lock;	/* i_rwsem at submission */
	/* the fsync under the lock, kept like the submission (dl_flush_dio) */
	__u64 sync_ts;
	__u32 sync_arg;		/* datasync */
	__u32 sync_flags;	/* DL_F_JINFO | DL_F_STUB as seen at its entry */
	struct dl_rwsem_state sync_lock;
};

/* Entry-to-return slots (return probes do not see the arguments). */
enum dl_stash_slot {
	DL_STASH_SUBMIT,	/* __iomap_dio_rw: iocb */
	DL_STASH_COMPLETE,	/* iomap_dio_complete: iocb (the dio is freed on return) */
	DL_STASH_DRAIN,		/* inode_dio_wait: inode */
	DL_STASH_SYNC,		/* *_sync_file: inode */
	DL_STASH_ACQUIRE,	/* down_*(): sem */
	DL_STASH_FREEZE,	/* freeze_super, thaw_super: sb */
	DL_STASH_MAX,
};

/* Everything diolock keeps per task: task-local storage, no hash map on the I/O path. */
/*
 * btrfs: what the task's DIO in progress holds in the inode's io tree
 * (extent.bpf.c), while it is inside btrfs_dio_read() or btrfs_dio_write().
 */
struct dl_extent_ctx {
	__u64 tree;		/* struct extent_io_tree * its own lock_extent() locked in */
	__u64 start, end;	/* bytes, end inclusive: the chunk being submitted */
	__u64 map_start;	/* btrfs_dio_iomap_begin's start: its own lock_extent's */
	__u64 hit_start, hit_end;	/* a DIO write's range locked again (DL_EXT_ORDERED) */
	__u64 iomap;		/* btrfs_dio_iomap_begin's struct iomap *, for its return */
	__u64 inode;		/* struct inode * of the chunk */
	__u8 active;		/* inside btrfs_dio_read()/btrfs_dio_write() */
	__u8 mapping;		/* inside btrfs_dio_iomap_begin: its locks are the DIO's own */
	__u8 mapped;		/* start..end hold a chunk */
	__u8 write;		/* a DIO write: its range is held as an ordered extent, not locked */
	__u8 hit;		/* hit_start..hit_end is set */
	__u8 emitted;		/* this DIO's EXTENT_WAIT crossed: once is enough */
	__u8 pad[2];
};

struct dl_task_ctx {
	struct dl_dio_ctx dio;
	/* dl_write_seq() of the write syscall that last entered iomap's DIO path (fallback.bpf.c) */
	__u64 dio_seq;
	/* dl_write_seq() of the write syscall last judged by the fallback hook */
	__u64 fallback_seq;
	/* struct io_kiocb *: the io_uring write this task submitted last (uring.bpf.c) */
	__u64 uring_req;
	/*
	 * io_submit(2): the batch (its iocb array) whose write dirtied a folio
	 * last, that write's index in it, the folio and the write's last page
	 * (fallback.bpf.c: a write dirties its folios in ascending order)
	 */
	__u64 aio_cbs;
	__u64 aio_seen;
	__u64 aio_last;
	__u32 aio_k;
	__u32 pad3;
	struct dl_wait wait;
	struct dl_task_held held;
	struct dl_task_inval inval;
	__u64 stash[DL_STASH_MAX];	/* entry -> return probes: what the return cannot see */
	__u64 gate;		/* inside lock_rename()/lock_two_directories(): the super_block, else 0 */
	__u8 complete_classified;	/* iomap_dio_complete entry judged this completion */
	__u8 drain_emitted;		/* the inode_dio_wait in progress crossed as a record */
	__u8 reported;			/* a record of this task crossed: its exit is worth one too */
	__u8 pad2[5];
	__u64 completing;	/* inode of the fsyncing iomap_dio_complete() this task is in */
	__s32 stat_dio_stack;	/* stat --by stack: the DIO in progress was submitted there */
	__s32 mm_hold_stack;	/* stat --by stack: where it took its mmap_lock for write */
	__u64 mm_hold_ts;	/* when it took its process's mmap_lock for write; 0: it holds none */
	struct dl_extent_ctx ext;
};

struct dl_task_ctx_map {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct dl_task_ctx);
};
DL_EXTERN struct dl_task_ctx_map task_ctx SEC(".maps");

/* The current task's diolock state; NULL when it has none and create is false. */
static __always_inline struct dl_task_ctx *dl_ctx_of(struct task_struct *cur, bool create)
{
	return bpf_task_storage_get(&task_ctx, cur, 0, create ? BPF_LOCAL_STORAGE_GET_F_CREATE : 0);
}

static __always_inline struct dl_task_ctx *dl_ctx(bool create)
{
	return dl_ctx_of(bpf_get_current_task_btf(), create);
}

static __always_inline bool dl_task_filtered(void)
{
	if (targ_tgid && (bpf_get_current_pid_tgid() >> 32) != targ_tgid)
		return true;
	/* io_uring's io-wq workers are threads of the submitter: in its cgroup */
	return targ_cgroup && bpf_current_task_under_cgroup(&cgroup_filter, 0) != 1;
}

/* A task's cgroup v2 id (its kernfs node's): what bpf_get_current_cgroup_id() says of current. */
static __always_inline __u64 dl_cgroup_of(struct task_struct *task)
{
	return BPF_CORE_READ(task, cgroups, dfl_cgrp, kn, id);
}

#define DL_CGROUP_DEPTH 16	/* the levels --cgroup's subtree test climbs from another task's cgroup */

/* --cgroup for a task other than current (a kworker completing its I/O): in the subtree? */
static __always_inline bool dl_task_in_cgroup(struct task_struct *task)
{
	struct cgroup *cg = BPF_CORE_READ(task, cgroups, dfl_cgrp);
	struct cgroup_subsys_state *parent;

	for (int i = 0; i < DL_CGROUP_DEPTH && cg; i++) {
		if (BPF_CORE_READ(cg, kn, id) == targ_cgroup)
			return true;
		/* a cgroup's css is its member self: the parent's self leads to the parent */
		parent = BPF_CORE_READ(cg, self.parent);
		cg = parent ? (void *)parent - bpf_core_field_offset(struct cgroup, self) : NULL;
	}
	return false;
}

/* Entry -> return: what the return probe of the same task needs. */
static __always_inline void dl_stash(enum dl_stash_slot slot, __u64 v)
{
	struct dl_task_ctx *tc = dl_ctx(true);

	if (tc)
		tc->stash[slot] = v;
	else
		dl_count(DL_CNT_MAP_FULL);
}

static __always_inline __u64 dl_unstash(enum dl_stash_slot slot)
{
	struct dl_task_ctx *tc = dl_ctx(false);
	__u64 v;

	if (!tc)
		return 0;
	v = tc->stash[slot];
	tc->stash[slot] = 0;
	return v;
}

/*
 * The current task's write syscalls, numbered: 1 + task->ioac.syscw, which
 * vfs_write() and friends increment as they return, so it stays the same for
 * the length of one write. 0 where the kernel does not count them
 * (CONFIG_TASK_XACCT off).
 */
static __always_inline __u64 dl_write_seq_of(struct task_struct *task)
{
	if (!bpf_core_field_exists(task->ioac.syscw))
		return 0;
	return task->ioac.syscw + 1;
}

static __always_inline __u64 dl_write_seq(void)
{
	return dl_write_seq_of(bpf_get_current_task_btf());
}

/*
 * btrfs's DIO-write stub as this hook can see it, as DL_F_JINFO | DL_F_STUB:
 * current->journal_info (@jinfo: a function tier, btrfs_sync_file clears it
 * before its tracepoint), or, on kernels that keep it there, the flag on
 * @file, which every task sharing the file sees (the generic/364 race). 0:
 * this hook cannot tell.
 */
static __always_inline __u32 dl_stub_flags(struct file *file, bool jinfo)
{
	struct task_struct *task = (void *)bpf_get_current_task();
	struct btrfs_file_private___dl *priv;
	__u32 flags = 0;

	if (jinfo) {
		flags = DL_F_JINFO;
		if ((__u64)BPF_CORE_READ(task, journal_info) == BTRFS_TRANS_DIO_WRITE_STUB)
			flags |= DL_F_STUB;
	}
	if (bpf_core_field_exists(struct btrfs_file_private___dl, fsync_skip_inode_lock)) {
		flags |= DL_F_JINFO;
		priv = BPF_CORE_READ(file, private_data);
		if (priv && BPF_CORE_READ(priv, fsync_skip_inode_lock))
			flags |= DL_F_STUB;
	}
	return flags;
}

#endif /* DIOLOCK_TASK_BPF_H */
