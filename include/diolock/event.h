/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every record that crosses the BPF/user-space boundary, defined once.
 *
 * Records hold fixed-width fields only: the same bytes are read by the
 * live loader, written to record files and read back by replay, so no
 * field may change size with the compiler or the architecture. Every
 * record starts with struct dl_hdr; `size` lets a reader skip types it
 * does not know.
 */
#ifndef DIOLOCK_EVENT_H
#define DIOLOCK_EVENT_H

#ifdef __BPF__
/* vmlinux.h already defines the __u* types. */
#else
#include <linux/types.h>
#endif

#include "rules.h"

#define DL_ABI_VERSION 4	/* 3: the origin fields (sub_tgid, sub_tid, sub_comm, path); 4: cgroup */
#define DL_COMM_LEN 16
#define DL_FS_LEN 16
#define DL_MAX_CPUS 256
#define DL_STACK_DEPTH 32
/* A stack id with this bit set names the spill map's entry (a bucket of the main map was taken). */
#define DL_STACK_SPILL (1 << 24)
#define DL_MAX_HOLDERS 4	/* holder tids carried per record */
#define DL_MAX_HELD 4		/* i_rwsems a task is tracked holding */

enum dl_event_type {
	DL_EV_DIO_BEGIN = 1,	/* DIO submission entered iomap */
	DL_EV_DIO_QUEUED,	/* async DIO: completion will run elsewhere */
	DL_EV_DIO_COMPLETE,	/* iomap_dio_complete, after any sync it ran */
	DL_EV_SYNC_BEGIN,	/* a filesystem's fsync entered */
	DL_EV_SYNC_END,
	DL_EV_WAIT_BEGIN,	/* a task starts to sleep on an i_rwsem */
	DL_EV_WAIT_END,
	DL_EV_DIRECT_WRITE,	/* an O_DIRECT write went through the page cache (DL_F_BUFFERED) */
	DL_EV_TASK_EXIT,
	DL_EV_DIO_COMPLETE_BEGIN,	/* iomap_dio_complete entered (fentry/kprobe) */
	DL_EV_DRAIN_WAIT_BEGIN,	/* inode_dio_wait: waits for in-flight DIO */
	DL_EV_DRAIN_WAIT_END,
	/*
	 * down_*() on a lock of the record's inode that the task holds; arg: its
	 * enum dl_lock_kind (0 i_rwsem: held[] says how it is held) | for an
	 * invalidate_lock, its held enum dl_lock_mode << 8.
	 */
	DL_EV_RECURSIVE_ACQUIRE,
	DL_EV_TICK,		/* user space: time passed (ts_ns), no event */
	/*
	 * Function tiers: the task acquired a lock B of this record's inode while
	 * holding another lock A, a pair BPF had not sent yet (the order_seen
	 * LRU). flags: DL_F_WAIT_READ/WRITE, the mode acquired; pos: A's ino; arg:
	 * A's dev; ki_flags: A's fsid | A's held mode << 8 | A's enum
	 * dl_lock_kind << 16 | B's << 24; len: A's lock address; ret: the gate
	 * both were taken under (the super_block whose s_vfs_rename_mutex
	 * lock_rename() holds), 0 none.
	 */
	DL_EV_ORDER_EDGE,
	/*
	 * A task starts to sleep on a super block's sb_writers (sb_start_write,
	 * sb_start_pagefault, sb_start_intwrite): the filesystem is frozen or
	 * being frozen. lock_addr: the super block; ino 0; arg: the
	 * contention_begin flags; the freeze state in struct dl_sb_wait's fields.
	 */
	DL_EV_SB_WAIT_BEGIN,
	DL_EV_SB_WAIT_END,	/* len: ns waited; ret: contention_end's */
	/*
	 * Function tiers: freeze_super()/thaw_super() returned (ret: 0 done, or
	 * -errno) in this task; lock_addr is the super block, ino 0; len: its
	 * s_writers.frozen after the call (0: thawed, 4: SB_FREEZE_COMPLETE).
	 */
	DL_EV_FREEZE,
	DL_EV_THAW,
	/*
	 * A task starts to sleep on its own process's mmap_lock (GUP pinning a
	 * DIO's user pages, a page fault, mmap/munmap) while inside a DIO or
	 * holding an i_rwsem, or in `trace`. lock_addr: &mm->mmap_lock; lock: its
	 * state at wait begin (the writer exactly, a reader as a hint); ino, dev
	 * 0; arg: contention_begin's flags; with DL_F_EXACT, held[]: the task's
	 * i_rwsems.
	 */
	DL_EV_MMAP_WAIT_BEGIN,
	DL_EV_MMAP_WAIT_END,	/* len: ns waited; ret: contention_end's */
	/*
	 * A task starts to sleep on an inode's mapping's invalidate_lock while
	 * inside a DIO, holding an i_rwsem or the lock itself for write, or in
	 * `trace`: the record names the inode, lock_addr is
	 * &inode->i_data.invalidate_lock, lock its state; arg: contention_begin's
	 * flags.
	 */
	DL_EV_INVAL_WAIT_BEGIN,
	DL_EV_INVAL_WAIT_END,	/* len: ns waited; ret: contention_end's */
	/*
	 * Function tiers, btrfs (bpf/extent.bpf.c): inside its own direct I/O,
	 * a task (faulting in the I/O's user buffer) is about to wait for what
	 * that DIO holds: arg DL_EXT_RANGE, the extent range a DIO read keeps
	 * locked in the inode's io tree until its bio ends; DL_EXT_ORDERED, the
	 * ordered extent of a DIO write, complete only after its bio is
	 * submitted. Neither can come: a self-deadlock. The record names the
	 * inode; lock_addr: &inode->i_rwsem; pos, len: the range waited for.
	 */
	DL_EV_EXTENT_WAIT,
	DL_EV_TYPE_MAX,
};

/*
 * Which of an inode's locks an ORDER_EDGE end is. 0 is what recordings made
 * before the kinds (when both ends were i_rwsems) say.
 */
enum dl_lock_kind {
	DL_LK_I_RWSEM = 0,	/* inode->i_rwsem */
	DL_LK_INVALIDATE = 1,	/* inode->i_data.invalidate_lock (v5.15+): truncate, fallocate, faults */
	DL_LK_DIO = 2,		/* the inode's in-flight DIO (i_dio_count): inode_dio_wait drains it */
	DL_LK_MMAP = 3,		/* an ORDER_EDGE's A only: the task's process's mmap_lock, held for write
				 * (A's ino: the process's pid; dev, fsid 0) */
	DL_LK_MAX,
};

/* What a DL_EV_EXTENT_WAIT waits for (its arg). */
enum dl_extent_what {
	DL_EXT_RANGE = 0,	/* an extent range locked in the inode's io tree (lock_extent) */
	DL_EXT_ORDERED = 1,	/* an ordered extent's completion (btrfs_start_ordered_extent) */
};

/* How a hook point is attached, best first. */
enum dl_tier {
	DL_TIER_NONE = 0,
	DL_TIER_FENTRY,
	DL_TIER_KPROBE,
	DL_TIER_TP_BTF,
	DL_TIER_RAW_TP,
	DL_TIER_MAX,
};

/* Lock mode, as read from the rwsem at the moment of the event. */
enum dl_lock_mode {
	DL_LOCK_NONE = 0,
	DL_LOCK_READ = 1,
	DL_LOCK_WRITE = 2,
	DL_LOCK_UNKNOWN = 3,	/* PREEMPT_RT rwsem: no count/owner to read */
};

/* Does the current task hold the lock? */
enum dl_hold {
	DL_HOLD_NO = 0,
	DL_HOLD_WRITE = 1,	/* exact: writer bit set and owner == current */
	DL_HOLD_READ_HINT = 2,	/* read-held and the reader hint names current */
	DL_HOLD_READ = 3,	/* exact: acquisition tracking saw the read lock */
};

/* dl_event.flags */
#define DL_F_DIRECT	(1u << 0)	/* IOCB_DIRECT / O_DIRECT */
#define DL_F_DSYNC	(1u << 1)	/* IOCB_DSYNC: completion will sync */
#define DL_F_SYNC	(1u << 2)	/* IOCB_SYNC (O_SYNC) */
#define DL_F_WRITE	(1u << 3)
#define DL_F_AIO	(1u << 4)	/* not a synchronous kiocb */
#define DL_F_IOMAP	(1u << 5)	/* DIRECT_WRITE: the syscall reached iomap (first) */
#define DL_F_NODATASUM	(1u << 6)	/* btrfs inode without data checksums */
#define DL_F_FS_FLAGS	(1u << 7)	/* NODATASUM bit above is meaningful */
#define DL_F_UNALIGNED	(1u << 8)	/* DIRECT_WRITE: pos or length not 4 KiB aligned */
#define DL_F_WAIT_READ	(1u << 9)	/* WAIT_BEGIN: waits to read-acquire */
#define DL_F_WAIT_WRITE	(1u << 10)	/* WAIT_BEGIN: waits to write-acquire */
#define DL_F_STUB	(1u << 11)	/* btrfs's DIO-write stub: journal_info, or the file's flag (v6.10) */
#define DL_F_NEED_SYNC	(1u << 12)	/* DIO_COMPLETE_BEGIN: completion will fsync */
#define DL_F_EXACT	(1u << 13)	/* holders/held come from acquisition tracking */
#define DL_F_JINFO	(1u << 14)	/* the stub was read: DL_F_STUB is meaningful */
/*
 * DIO_COMPLETE(_BEGIN): BPF classified this completion with include/diolock/
 * rules.h; arg holds the enum dl_complete_reason, lock.cur_holds the hold it
 * judged (DL_HOLD_READ_HINT when inferred).
 */
#define DL_F_CLASSIFIED	(1u << 15)
/*
 * WAIT_BEGIN: the task is inside iomap_dio_complete() of this same inode,
 * for a completion that will fsync (function tiers); len holds the inode's
 * i_dio_count at the wait. Nonzero: a waiter in inode_dio_wait() may be
 * waiting for this very completion (patch 04/15 undone), or for another DIO.
 */
#define DL_F_COMPLETING	(1u << 16)
/*
 * DIRECT_WRITE: the O_DIRECT write dirtied its file's page cache (a
 * fallback), seen at its first newly dirtied folio, while it runs: ret is
 * 0, not known yet. Without it (recordings of diolock 0.2 and older), the
 * record was sent at the syscall's return and DL_F_IOMAP alone said whether
 * it reached iomap.
 */
#define DL_F_BUFFERED	(1u << 17)
/*
 * DIO_COMPLETE: the completion ran in interrupt context (v6.19+, iomap
 * eca9dc20891d completes pure overwrites from the bio's end_io): it holds no
 * lock, and the task it interrupted is not its owner; the submitter comes
 * from the iocb.
 */
#define DL_F_IRQ	(1u << 18)
/* DIO_COMPLETE: the completion ran in a kworker (queued by the bio's end_io), not its submitter */
#define DL_F_KWORKER	(1u << 19)

/*
 * How an I/O was submitted: which user-space interface, and which kernel
 * context issued it. 0 in recordings older than the field.
 */
enum dl_io_path {
	DL_PATH_UNKNOWN = 0,
	DL_PATH_SYNC,		/* write(2), pwrite(2), pwritev2(2) ...: issued by the caller */
	DL_PATH_AIO,		/* io_submit(2): Linux AIO (libaio) */
	DL_PATH_IO_URING,	/* io_uring, issued inline by the submitting task */
	DL_PATH_IO_URING_WQ,	/* io_uring, punted to an io-wq worker (iou-wrk-*) */
	DL_PATH_IO_URING_SQPOLL,	/* io_uring, issued by the ring's SQPOLL thread (iou-sqp-*) */
	DL_PATH_KERNEL,		/* an in-kernel async user of the file (loop device, nfsd, ...) */
	DL_PATH_MAX,
};

/* What the rwsem looked like when the event fired. */
/* How the kernel lays out struct rw_semaphore, as CO-RE resolved it at load time. */
enum dl_lock_layout {
	DL_LAYOUT_UNKNOWN = 0,
	DL_LAYOUT_RWSEM = 1,		/* count/owner (kernel/locking/rwsem.c) */
	DL_LAYOUT_RWBASE_RT = 2,	/* PREEMPT_RT: rwbase_rt (readers + rt_mutex) */
};

struct dl_rwsem_state {
	__u64 count;		/* raw sem->count */
	__u64 owner;		/* raw sem->owner: task pointer | flag bits */
	__u32 holder_tid;	/* writer, or the last reader (a hint); 0 unknown */
	__u32 readers;		/* count >> 8 */
	__u8 mode;		/* enum dl_lock_mode */
	__u8 cur_holds;		/* enum dl_hold */
	__u8 pad[6];
};

struct dl_hdr {
	__u16 type;		/* enum dl_event_type */
	__u16 size;		/* bytes in this record, header included */
	__u32 cpu;
	__u64 ts_ns;		/* bpf_ktime_get_ns(): CLOCK_MONOTONIC */
	__u32 tgid;
	__u32 tid;
};

struct dl_event {
	struct dl_hdr hdr;
	char comm[DL_COMM_LEN];
	char fs[DL_FS_LEN];	/* super_block->s_type->name */
	__u32 dev;		/* kernel dev_t: major << 20 | minor */
	__s32 stack_id;		/* kernel stack in the stacks map, -1 none */
	__u64 ino;
	__u64 lock_addr;	/* &inode->i_rwsem: the lock's identity */
	struct dl_rwsem_state lock;
	__u64 ki_flags;		/* raw iocb->ki_flags */
	__s64 pos;		/* bytes */
	__u64 len;		/* bytes; WAIT_END: ns waited; WAIT_BEGIN with DL_F_COMPLETING: i_dio_count;
				 * DRAIN_WAIT_BEGIN: of those, the DIOs whose completion this task owes
				 * (IOCB_DIO_CALLER_COMP: its io_uring task_work runs it) */
	__s64 ret;		/* return value or error, by type */
	__u32 flags;		/* DL_F_* */
	__u32 arg;		/* WAIT_BEGIN: lock:contention_begin flags;
				 * SYNC_*: datasync; DIRECT_WRITE: syscall nr;
				 * DRAIN_WAIT_*: inode->i_dio_count */
	/* With DL_F_EXACT: who holds the lock (writer, or readers), 0-terminated */
	__u32 holders[DL_MAX_HOLDERS];
	/* With DL_F_EXACT: the i_rwsems this task holds, and how */
	__u64 held[DL_MAX_HELD];
	__u8 held_mode[DL_MAX_HELD];	/* enum dl_lock_mode */
	__u8 pad2[4];
	/*
	 * Who submitted the I/O this record is about, when the kernel says
	 * (io_uring and AIO run it in workers, kworkers and interrupts): 0 in
	 * sub_tgid when unknown, and in recordings older than the fields, which
	 * replay zero-fills.
	 */
	__u32 sub_tgid;
	__u32 sub_tid;
	char sub_comm[DL_COMM_LEN];
	__u8 path;		/* enum dl_io_path */
	__u8 pad3[7];
	/*
	 * The cgroup v2 id (its directory's inode number on the cgroup2 mount)
	 * of the task whose work this is: the submitter's where sub_tgid names
	 * one. 0 in recordings older than the field.
	 */
	__u64 cgroup;
};

/* Records whose fields carry another view (ORDER_EDGE, SB_WAIT_BEGIN): their accessors. */
#include "packed.h"

/* What was lost, counted per CPU in dl_counters (bpf/maps.bpf.c) and summed by user space. */
enum dl_counter {
	DL_CNT_RINGBUF_LOST = 0,
	DL_CNT_MAP_FULL,
	DL_CNT_STACK_LOST,	/* a record went out without its stack: both maps' buckets taken */
	DL_CNT_MAX,
};

/*
 * DIO seen in the kernel, per filesystem (enum dl_fsid), per CPU: what the
 * ring buffer no longer carries one record at a time.
 */
enum dl_dio_counter {
	DL_DIO_SUBMITTED = 0,	/* entered __iomap_dio_rw */
	DL_DIO_QUEUED,		/* returned -EIOCBQUEUED: completes elsewhere */
	DL_DIO_COMPLETED,
	DL_DIO_UNDER_READ,	/* completed while its task held the inode's i_rwsem shared */
	DL_DIO_UNDER_WRITE,	/* ... exclusive */
	DL_DIO_FOLDED,		/* completions under i_rwsem counted in a fold slot, no record */
	DL_DIO_IN_IRQ,		/* completed outside any task (an interrupt, v6.19+): owned by none */
	/*
	 * io_uring or AIO writes that dirtied a file's page cache where diolock
	 * could not tell which request or iocb they were (no io_uring_submit_req
	 * hook; an io_submit write more than 32 iocbs past the last one seen): O_DIRECT
	 * fallbacks among them are not judged, and the run is incomplete
	 */
	DL_DIO_UNSEEN,
	DL_DIO_CNT_MAX = 8,	/* one cache line per filesystem */
};

/*
 * Benign findings are folded in the kernel: each CPU keeps DL_FOLD_SLOTS
 * slots (an array indexed cpu * DL_FOLD_SLOTS + hash), and the first
 * occurrence of a key on a CPU crosses the ring buffer as a record, so that
 * the report keeps its first pid, stack and time; later ones only count.
 * User space reads the slots (mmap) and feeds the analyzer the increments.
 * A key whose slot holds another key tries the next ones of its CPU's row,
 * DL_FOLD_PROBES in all (for the wait folds too), and crosses as records
 * only if every one of them is taken: a collision that pinned one key to
 * the ring buffer for the whole run cost a CI run its fold ratio.
 */
#define DL_FOLD_SLOTS 1024
#define DL_FOLD_PROBES 4

enum dl_fold_kind {
	DL_FOLD_COMPLETE = 1,	/* dio_complete_under_i_rwsem */
};

struct dl_fold_key {
	__u64 ino;
	__u32 tgid;
	__u32 dev;		/* as in dl_event */
	__u8 kind;		/* enum dl_fold_kind */
	__u8 reason;		/* enum dl_complete_reason */
	__u8 mode;		/* enum dl_lock_mode held */
	__u8 flags;		/* DL_FOLD_F_* */
	__u8 fsid;		/* enum dl_fsid (include/diolock/rules.h) */
	__u8 path;		/* enum dl_io_path; 0 in recordings older than it */
	__u8 pad[2];
};

#define DL_FOLD_F_DSYNC	(1u << 0)
#define DL_FOLD_F_EXACT	(1u << 1)

struct dl_fold {
	struct dl_fold_key key;
	__u64 count;		/* occurrences after the one that crossed as a record */
	__u64 last_ts;		/* ns, CLOCK_MONOTONIC */
	__u32 used;		/* key is valid (written last) */
	__u32 pad;
	/*
	 * Part of the key: the completing task's cgroup v2 id (an io-wq worker's
	 * is its submitter's). Last, so that recordings made before it keep
	 * their layout (replay zero-fills it).
	 */
	__u64 cgroup;
};

/*
 * i_rwsem waits in `check`: a wait whose task holds nothing the analyzer
 * knows of (no DIO, no completion, not the lock's writer) cannot be a
 * self-deadlock, and it can be part of a cycle or a long wait only if it
 * lasts. Such a wait starts in a pending slot, not as a record: the slot of
 * the waiting tid (tid % DL_PENDING_SLOTS, in BPF's .bss, which user space
 * maps). A wait that ends within DL_WAIT_DEFER_NS folds into this CPU's
 * wait-fold slot; one that lasts longer crosses as a WAIT_BEGIN record,
 * built by user space from the slot (it claims the slot, without a stack)
 * or by BPF at the wait's end (with the stack, whichever comes first).
 *
 * Slot state: seq << 2 | DL_PEND_*. BPF moves FREE -> WAITING (its own
 * task's slot, new seq) and back with an exchange; user space moves WAITING
 * -> CLAIMED with a compare-and-exchange of the same seq, so exactly one
 * side sends the WAIT_BEGIN, and the fields it copies are the wait's own.
 */
#define DL_PENDING_SLOTS 4096
#define DL_WAIT_DEFER_NS (10ULL * 1000000ULL)

enum dl_pend_state {
	DL_PEND_FREE = 0,
	DL_PEND_WAITING = 1,
	DL_PEND_CLAIMED = 2,
	DL_PEND_MASK = 3,
};

struct dl_pending {
	__u32 state;		/* seq << 2 | enum dl_pend_state */
	__u32 tid;
	__u32 tgid;
	__u32 cpu;
	__u64 ts;		/* wait begin, ns */
	__u64 lock;		/* &inode->i_rwsem */
	__u64 ino;
	__u32 dev;
	__u32 flags;		/* lock:contention_begin flags */
	__u8 fsid;		/* enum dl_fsid, never DL_FSID_OTHER: it names the filesystem */
	__u8 pad[3];
	__u32 eflags;		/* the record's DL_F_WAIT_READ or DL_F_WAIT_WRITE */
	char comm[DL_COMM_LEN];
	struct dl_rwsem_state st;	/* the lock at wait begin */
};

/*
 * Waits that ended within DL_WAIT_DEFER_NS: per CPU, DL_WFOLD_SLOTS slots
 * (cpu * DL_WFOLD_SLOTS + hash, probed like the fold slots), what the
 * analyzer's contention table needs. A wait whose DL_FOLD_PROBES slots all
 * hold other keys crosses as records instead.
 */
#define DL_WFOLD_SLOTS 256

struct dl_wait_fold_key {
	__u64 ino;
	__u32 dev;
	__u32 tid;		/* the waiter */
	__u32 holder;		/* holder tid at wait begin (for readers: the hint), 0 unknown */
	__u8 mode;		/* enum dl_lock_mode wanted */
	__u8 fsid;		/* enum dl_fsid */
	__u8 pad[2];
};

struct dl_wait_fold {
	struct dl_wait_fold_key key;
	__u64 count;		/* waits; in a recording: the increment since the last one of its slot */
	__u64 ns_total;		/* likewise */
	__u64 ns_max;
	__u64 last_ts;
	char comm[DL_COMM_LEN];	/* the waiter's */
	__u32 tgid;
	__u32 used;		/* key is valid (written last) */
};

/*
 * `stat`, `top` and `serve`: histograms aggregated in BPF maps.
 * Slot i counts durations of [2^i, 2^(i+1)) microseconds (slot 0: [0, 2)),
 * bcc's log2 layout; the last slot also takes everything longer.
 */
#define DL_HIST_SLOTS 32	/* 2^32 us: 71 minutes */

enum dl_hist_kind {
	DL_HIST_WAIT_READ = 0,	/* i_rwsem wait, contention_begin -> end */
	DL_HIST_WAIT_WRITE,
	DL_HIST_HOLD_READ,	/* i_rwsem hold, acquire -> release (exact tiers) */
	DL_HIST_HOLD_WRITE,
	DL_HIST_DIO_LOCKED,	/* DIO submit -> complete, completion under i_rwsem */
	DL_HIST_DIO_UNLOCKED,	/* the same, completion without it */
	DL_HIST_MMAP_WAIT_READ,	/* a process's mmap_lock wait (ino: its pid; dev 0; fs "mmap_lock") */
	DL_HIST_MMAP_WAIT_WRITE,
	DL_HIST_MMAP_HOLD_WRITE,	/* a process's mmap_lock held for write (keyed as its waits) */
	DL_HIST_KIND_MAX,
};

/* What a histogram is keyed by: `stat --by`. */
enum dl_stat_by {
	DL_BY_INODE = 0,	/* dev, ino (and fs) */
	DL_BY_FS,		/* fs, dev */
	DL_BY_COMM,		/* comm */
	DL_BY_STACK,		/* stack_id (and fs) */
	DL_BY_PATH,		/* the I/O's submission path (enum dl_io_path; 0: a lock wait or hold) */
	DL_BY_CGROUP,		/* the cgroup v2 id of the work (the submitter's) */
	DL_BY_MAX,
};

/* Key of the `hists` map; the fields --by does not use stay zero. */
struct dl_hist_key {
	__u32 kind;		/* enum dl_hist_kind */
	__u32 dev;		/* kernel dev_t, as in dl_event */
	__u64 ino;
	char fs[DL_FS_LEN];
	char comm[DL_COMM_LEN];
	__s32 stack_id;		/* in the stacks map, -1 none */
	__u32 path;		/* enum dl_io_path (--by path) */
	__u64 cgroup;		/* --by cgroup: the cgroup v2 id */
};

struct dl_hist {
	__u64 slots[DL_HIST_SLOTS];
	__u64 count;
	__u64 sum_ns;
	__u64 max_ns;		/* updated without a lock: may miss a concurrent larger value */
};

/* Who waited on, and who held, one inode's i_rwsem (`lock_tasks` map, for top). */
enum dl_lock_role {
	DL_ROLE_WAITER = 0,
	DL_ROLE_HOLDER,		/* held it while others waited (holder at wait begin) */
};

struct dl_lock_task_key {
	__u64 ino;
	__u32 dev;
	__u32 tid;
	__u32 role;		/* enum dl_lock_role */
	__u32 pad;
};

struct dl_lock_task {
	__u64 wait_ns;		/* waited, or made others wait, in total */
	__u64 waits;
	char comm[DL_COMM_LEN];
	__u32 modes;		/* 1 << enum dl_lock_mode: modes waited for or held in */
	__u32 pad;
	__u64 cgroup;		/* the task's cgroup v2 id when first seen; 0 not known */
};

/*
 * io_uring O_DIRECT writes that io_uring issued again in an io-wq worker
 * after their non-blocking attempt failed (-EAGAIN, e.g. on a contended
 * i_rwsem), not because the user asked for IOSQE_ASYNC: the `punts` map, per
 * inode and submitting process, read by stat, top, serve and check.
 */
struct dl_punt_key {
	__u64 ino;
	__u32 dev;
	__u32 tgid;		/* the submitting process */
};

struct dl_punt {
	__u64 count;
	__u64 last_ts;
	char comm[DL_COMM_LEN];	/* the submitting thread's, at its first punt */
	char fs[DL_FS_LEN];
};

/* floor(log2(us)), capped: the same slot in BPF and in user space. */
static inline __u32 dl_hist_slot(__u64 ns)
{
	__u64 v = ns / 1000;
	__u32 s = 0;

	if (v >= (1ULL << 32)) { v >>= 32; s += 32; }
	if (v >= (1ULL << 16)) { v >>= 16; s += 16; }
	if (v >= (1ULL << 8)) { v >>= 8; s += 8; }
	if (v >= (1ULL << 4)) { v >>= 4; s += 4; }
	if (v >= (1ULL << 2)) { v >>= 2; s += 2; }
	if (v >= (1ULL << 1)) s += 1;
	return s < DL_HIST_SLOTS ? s : DL_HIST_SLOTS - 1;
}

#endif /* DIOLOCK_EVENT_H */
