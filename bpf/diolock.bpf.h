/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by every diolock BPF program: the maps and configuration
 * (defined once in maps.bpf.c and resolved by `bpftool gen object`), the
 * i_rwsem state decoder, the "is this lock an i_rwsem?" test and the
 * record emitter.
 */
#ifndef DIOLOCK_BPF_H
#define DIOLOCK_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "diolock/event.h"
#include "diolock/mix.h"
#include "diolock/rules.h"
#include "rwsem_layout.bpf.h"

/* kernel/locking/rwsem.c, unchanged from v5.11 to v6.18 (see research notes). */
#define RWSEM_WRITER_LOCKED	0x1UL
#define RWSEM_READER_SHIFT	8
#define RWSEM_READER_OWNED	0x1UL
#define RWSEM_OWNER_MASK	(~0x7UL)

/* include/linux/fs.h: IOCB_* mirror RWF_* (uapi) since v4.13; DIRECT is 1<<17 since v5.1. */
#define IOCB_DSYNC		(1 << 1)
#define IOCB_SYNC		(1 << 2)
#define IOCB_DIRECT		(1 << 17)
/* include/uapi/asm-generic/fcntl.h (x86) */
#define O_DIRECT_FLAG		00040000
#define O_DSYNC_FLAG		00010000

/* include/trace/events/lock.h */
#define LCB_F_READ		(1U << 1)
#define LCB_F_WRITE		(1U << 2)
#define LCB_F_RT		(1U << 3)
/* not a kernel flag: in dl_wait.flags, the wait began on an RT rwsem's rt_mutex */
#define DL_WAIT_VIA_RTMUTEX	(1U << 16)

/* fs/btrfs/btrfs_inode.h */
#define BTRFS_INODE_NODATASUM	(1U << 0)

/* maps.bpf.c defines what every other file declares. */
#ifdef DL_DEFINE_MAPS
#define DL_EXTERN
#else
#define DL_EXTERN extern
#endif

/*
 * One field of a kernel object: a plain load where the verifier knows the
 * pointer's BTF type (tp_btf and fentry/fexit arguments, and what they lead
 * to), bpf_probe_read_kernel() elsewhere (kprobes, raw_tp, pointers kept as
 * numbers). `btf` is a constant at every call site: the other branch is
 * compiled away. A plain load costs a nanosecond, a helper call tens.
 */
#define DL_RD(btf, p, f) ((btf) ? (p)->f : BPF_CORE_READ(p, f))

/* Configuration, set by the loader between open and load. */
DL_EXTERN const volatile __u32 targ_tgid;
DL_EXTERN const volatile __u32 targ_dev;
DL_EXTERN const volatile __u64 targ_ino;
DL_EXTERN const volatile char targ_fs[DL_FS_LEN];
/* `stat`/`top`: no records at all; histograms are folded in maps instead (stat.bpf.h). */
DL_EXTERN const volatile __u8 events_off;
/* trace: stream routine records too (every O_DIRECT write, not only fallbacks) */
DL_EXTERN const volatile __u8 stream_all;
/* serve without --findings: every judged completion counts in a fold slot, none is sent */
DL_EXTERN const volatile __u8 fold_all;

/*
 * Set once both acquisition and release hooks are attached: holds are then
 * exact. In .bss, not .rodata: it is known only after attaching.
 */
DL_EXTERN __u8 track_acquire;
/* Set once the DIO submission hook is attached: a DIO's submitter is then known (dio.bpf.c). */
DL_EXTERN __u8 track_submit;

/* Per-CPU loss counters: every output mode reports them. */
DL_EXTERN __u64 dl_counters[DL_MAX_CPUS][DL_CNT_MAX];
/* Per-CPU DIO counters by filesystem (enum dl_dio_counter). */
DL_EXTERN __u64 dl_dio[DL_MAX_CPUS][DL_FSID_MAX][DL_DIO_CNT_MAX];
/* CPUs the fold array is sized for (libbpf_num_possible_cpus()). */
DL_EXTERN const volatile __u32 nr_cpus;

/* Fold slots, nr_cpus * DL_FOLD_SLOTS of them; user space mmaps the array. */
struct dl_folds_map {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, DL_FOLD_SLOTS);	/* resized by the loader */
	__type(key, __u32);
	__type(value, struct dl_fold);
};
DL_EXTERN struct dl_folds_map folds SEC(".maps");

/* Wait-fold slots, nr_cpus * DL_WFOLD_SLOTS of them, mmapped like the fold slots. */
struct dl_wait_folds_map {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, DL_WFOLD_SLOTS);	/* resized by the loader */
	__type(key, __u32);
	__type(value, struct dl_wait_fold);
};
DL_EXTERN struct dl_wait_folds_map wait_folds SEC(".maps");
/* Pending waits (include/diolock/event.h); 0 in wait_defer_ns: every wait crosses at once. */
DL_EXTERN struct dl_pending dl_pending[DL_PENDING_SLOTS];
DL_EXTERN const volatile __u64 wait_defer_ns;

struct dl_events_map {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 22);
};
DL_EXTERN struct dl_events_map events SEC(".maps");

struct dl_stacks_map {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(max_entries, 4096);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, DL_STACK_DEPTH * sizeof(__u64));
};
DL_EXTERN struct dl_stacks_map stacks SEC(".maps");

/* Who holds an i_rwsem, kept by the acquisition hooks (acquire.bpf.c). */
struct dl_lock_holders {
	__u32 writer;
	__u32 nreaders;
	__u32 readers[DL_MAX_HOLDERS];
};

struct dl_holders_map {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct dl_lock_holders);
};
DL_EXTERN struct dl_holders_map holders SEC(".maps");

/*
 * Lock-order pairs already sent (acquire.bpf.c): an edge crosses once. LRU:
 * a pair it forgets is sent again, which the analyzer folds, so eviction
 * costs a record, never an edge.
 */
struct dl_order_key {
	__u64 from, to;		/* i_rwsem addresses: held, then acquired */
};

struct dl_order_seen_map {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct dl_order_key);
	__type(value, __u8);
};
DL_EXTERN struct dl_order_seen_map order_seen SEC(".maps");

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
	DL_STASH_MAX,
};

/* Everything diolock keeps per task: task-local storage, no hash map on the I/O path. */
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
	__u32 pad;
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

static __always_inline void dl_count(enum dl_counter c)
{
	__u32 cpu = bpf_get_smp_processor_id() & (DL_MAX_CPUS - 1);

	__sync_fetch_and_add(&dl_counters[cpu][c & (DL_CNT_MAX - 1)], 1);
}

/*
 * A hash map's value for key, made from init if absent (libbpf-tools'
 * bpf_map_lookup_or_try_init): NULL only when the map is full, counted.
 */
static __always_inline void *dl_lookup_or_init(void *map, const void *key, const void *init)
{
	void *v = bpf_map_lookup_elem(map, key);

	if (v)
		return v;
	bpf_map_update_elem(map, key, init, BPF_NOEXIST);
	v = bpf_map_lookup_elem(map, key);
	if (!v)
		dl_count(DL_CNT_MAP_FULL);
	return v;
}

static __always_inline bool dl_task_filtered(void)
{
	return targ_tgid && (bpf_get_current_pid_tgid() >> 32) != targ_tgid;
}

/*
 * lock:contention_begin only gives a bare pointer. Treat it as an inode's
 * i_rwsem iff the inode it would belong to points at its own i_data: no
 * other rwsem sits at that offset of a structure shaped like that.
 */
static __always_inline struct inode *dl_inode_of_rwsem(void *lock)
{
	struct inode *inode = (void *)((char *)lock - bpf_core_field_offset(struct inode, i_rwsem));
	struct address_space *mapping = BPF_CORE_READ(inode, i_mapping);

	if (mapping != (void *)((char *)inode + bpf_core_field_offset(struct inode, i_data)))
		return NULL;
	return inode;
}

/*
 * The same test for a mapping's invalidate_lock (v5.15+, 730633f0b7f9):
 * truncate, fallocate and page faults take it, each inode's at
 * &inode->i_data.invalidate_lock. NULL before it existed.
 */
static __always_inline struct inode *dl_inode_of_invalidate_lock(void *lock)
{
	struct address_space *mapping;
	struct inode *inode;

	if (!bpf_core_field_exists(struct address_space, invalidate_lock))
		return NULL;
	inode = (void *)((char *)lock - bpf_core_field_offset(struct inode, i_data) -
			 bpf_core_field_offset(struct address_space, invalidate_lock));
	mapping = BPF_CORE_READ(inode, i_mapping);
	if (mapping != (void *)((char *)inode + bpf_core_field_offset(struct inode, i_data)))
		return NULL;
	return inode;
}

/*
 * An RT writer first queues on the rwsem's rt_mutex, whose contention
 * tracepoint says only LCB_F_RT, at &sem->rwbase.rtmutex: the rwsem, or NULL
 * off RT (where nothing is nested).
 */
static __always_inline void *dl_rt_rwsem_of_rtmutex(void *rtm)
{
	if (!dl_rwsem_is_rt())
		return NULL;
	return (char *)rtm - bpf_core_field_offset(struct rw_semaphore___rt, rwbase.rtmutex);
}

/*
 * rwbase_rt: readers == WRITER_BIAS while a writer holds it (the rt_mutex
 * owner); READER_BIAS + n with n readers and no writer; n (< WRITER_BIAS)
 * while a writer owns the rt_mutex and waits for n readers to leave. Readers
 * are counted, never named: no reader hint on RT.
 */
static __always_inline void dl_read_rwsem_rt(struct inode *inode, struct dl_rwsem_state *st, __u64 cur)
{
	struct rw_semaphore___rt *sem = (void *)&inode->i_rwsem;
	__u32 r = (__u32)BPF_CORE_READ(sem, rwbase.readers.counter);
	__u64 writer = (__u64)BPF_CORE_READ(sem, rwbase.rtmutex.owner) & ~RT_MUTEX_HAS_WAITERS;

	st->count = r;
	st->owner = 0;
	if (r & RWBASE_READER_BIAS) {
		st->readers = r & ~RWBASE_READER_BIAS;
		if (st->readers)
			st->mode = DL_LOCK_READ;
	} else if (r == RWBASE_WRITER_BIAS || !r) {
		/* 0: the queued writer is setting WRITER_BIAS under the rt_mutex */
		st->mode = DL_LOCK_WRITE;
		st->owner = writer;
		if (writer == cur)
			st->cur_holds = DL_HOLD_WRITE;
	} else {
		st->readers = r;
		st->mode = DL_LOCK_READ;
	}
}

static __always_inline void dl_read_rwsem_btf(struct inode *inode, struct dl_rwsem_state *st, bool btf)
{
	struct task_struct *owner;
	/*
	 * A number, not bpf_get_current_task_btf(): the verifier keeps a BTF
	 * pointer a pointer through casts, and refuses the masking the
	 * comparisons below compile to (PREEMPT_RT's branch, seen on 6.12-rt).
	 */
	__u64 cur = (__u64)bpf_get_current_task();

	if (dl_rwsem_layout() == DL_LAYOUT_RWBASE_RT) {
		dl_read_rwsem_rt(inode, st, cur);
		return;
	}
	/* neither layout: say we cannot tell */
	if (dl_rwsem_layout() != DL_LAYOUT_RWSEM) {
		st->mode = DL_LOCK_UNKNOWN;
		return;
	}
	st->count = DL_RD(btf, inode, i_rwsem.count.counter);
	st->owner = DL_RD(btf, inode, i_rwsem.owner.counter);
	st->readers = (st->count >> RWSEM_READER_SHIFT) & ((1ULL << 55) - 1);
	owner = (void *)(st->owner & RWSEM_OWNER_MASK);
	/* Gate on count: owner is only a hint for readers and may be stale. */
	if (st->count & RWSEM_WRITER_LOCKED) {
		st->mode = DL_LOCK_WRITE;
		if (!(st->owner & RWSEM_READER_OWNED) && (__u64)owner == cur)
			st->cur_holds = DL_HOLD_WRITE;
	} else if (st->readers) {
		st->mode = DL_LOCK_READ;
		if ((st->owner & RWSEM_READER_OWNED) && (__u64)owner == cur)
			st->cur_holds = DL_HOLD_READ_HINT;
	}
}

/*
 * The holder's tid, from the owner pointer of a state read before: a helper
 * call, so the hot path reads it only for a record that crosses.
 */
static __always_inline void dl_rwsem_holder(struct dl_rwsem_state *st)
{
	struct task_struct *owner = (void *)(st->owner & RWSEM_OWNER_MASK);

	st->holder_tid = 0;
	if ((st->mode == DL_LOCK_READ || st->mode == DL_LOCK_WRITE) && owner)
		st->holder_tid = BPF_CORE_READ(owner, pid);
}

/* The lock's state with its holder: for records, waits and stat. */
static __always_inline void dl_read_rwsem(struct inode *inode, struct dl_rwsem_state *st)
{
	dl_read_rwsem_btf(inode, st, false);
	dl_rwsem_holder(st);
}

static __always_inline bool dl_fs_matches(const char *fs)
{
	if (!targ_fs[0])
		return true;
	for (int i = 0; i < DL_FS_LEN; i++) {
		if (fs[i] != targ_fs[i])
			return false;
		if (!fs[i])
			break;
	}
	return true;
}

/*
 * The device users see in stat(2). btrfs gives each subvolume its own
 * anonymous device (btrfs_getattr), which is not the superblock's s_dev.
 */
static __always_inline __u32 dl_inode_dev_btf(struct inode *inode, struct super_block *sb, __u8 fsid, bool btf)
{
	struct btrfs_inode *bi;
	__u64 addr = (__u64)inode;
	__u32 dev;

	if (bpf_core_type_exists(struct btrfs_inode) && fsid == DL_FSID_BTRFS) {
		/* container_of on a BTF pointer is not allowed: go through its value */
		if (btf)
			bpf_probe_read_kernel(&addr, sizeof(addr), &addr);
		bi = (void *)(addr - bpf_core_field_offset(struct btrfs_inode, vfs_inode));
		dev = BPF_CORE_READ(bi, root, anon_dev);
		if (dev)
			return dev;
	}
	return DL_RD(btf, sb, s_dev);
}

static __always_inline __u32 dl_inode_dev(struct inode *inode, struct super_block *sb, __u8 fsid)
{
	return dl_inode_dev_btf(inode, sb, fsid, false);
}

/*
 * With acquisition tracking, who holds the lock and what this task holds
 * are known, not guessed from the owner hint.
 */
static __always_inline void dl_exact_holds(struct dl_event *e)
{
	struct dl_lock_holders *lh;
	struct dl_task_held *th;
	struct dl_task_ctx *tc;

	/* v6.1 verifiers refuse ring buffer memory as a map key: copy it */
	__u64 lock = e->lock_addr;

	e->flags |= DL_F_EXACT;
	lh = bpf_map_lookup_elem(&holders, &lock);
	if (lh) {
		if (lh->writer) {
			e->holders[0] = lh->writer;
		} else {
			for (int i = 0; i < DL_MAX_HOLDERS; i++)
				e->holders[i] = lh->readers[i];
		}
	}
	tc = dl_ctx(false);
	if (!tc)
		return;
	th = &tc->held;
	for (int i = 0; i < DL_MAX_HELD; i++) {
		e->held[i] = th->lock[i];
		e->held_mode[i] = th->mode[i];
		if (th->lock[i] == e->lock_addr)
			e->lock.cur_holds = th->mode[i] == DL_LOCK_WRITE ? DL_HOLD_WRITE : DL_HOLD_READ;
	}
}

/* An inode as the hot path knows it: integers only, the filters applied. */
struct dl_ino_id {
	__u64 ino;
	__u32 dev;
	__u8 fsid;		/* enum dl_fsid */
};

/*
 * A one-entry cache per CPU of a super block's filesystem name: a busy run
 * names one or two. Static: each object file keeps its own, and user space
 * never sees it.
 */
struct dl_fs_name_slot {
	__u64 sb;		/* struct super_block *; 0: empty or being written */
	char name[DL_FS_LEN];
};
static struct dl_fs_name_slot dl_fs_names[DL_MAX_CPUS];

/* sb->s_type->name, the string read only when this CPU last named another super block. */
static __always_inline void dl_fs_name(struct super_block *sb, char fs[DL_FS_LEN])
{
	struct dl_fs_name_slot *c = &dl_fs_names[bpf_get_smp_processor_id() & (DL_MAX_CPUS - 1)];

	if (c->sb == (__u64)sb) {
		__builtin_memcpy(fs, c->name, DL_FS_LEN);
		/* a program nested on this CPU may have refilled the slot meanwhile */
		asm volatile("" ::: "memory");
		if (c->sb == (__u64)sb)
			return;
	}
	bpf_probe_read_kernel_str(fs, DL_FS_LEN, BPF_CORE_READ(sb, s_type, name));
	c->sb = 0;
	asm volatile("" ::: "memory");
	__builtin_memcpy(c->name, fs, DL_FS_LEN);
	asm volatile("" ::: "memory");
	c->sb = (__u64)sb;
}

static __always_inline bool dl_fs_name_matches(struct super_block *sb)
{
	char fs[DL_FS_LEN];

	dl_fs_name(sb, fs);
	return dl_fs_matches(fs);
}

/* false when the filters reject the inode (rodata tests first: the verifier drops unset ones). */
static __always_inline bool dl_ino_id_btf(struct inode *inode, struct dl_ino_id *id, bool btf)
{
	struct super_block *sb = DL_RD(btf, inode, i_sb);

	id->ino = DL_RD(btf, inode, i_ino);
	if (targ_ino && id->ino != targ_ino)
		return false;
	if (targ_fs[0] && !dl_fs_name_matches(sb))
		return false;
	id->fsid = dl_fsid_of_magic(DL_RD(btf, sb, s_magic));
	id->dev = dl_inode_dev_btf(inode, sb, id->fsid, btf);
	return !(targ_dev && id->dev != targ_dev);
}

static __always_inline bool dl_ino_id(struct inode *inode, struct dl_ino_id *id)
{
	return dl_ino_id_btf(inode, id, false);
}

/*
 * The identity part of a record (with the filesystem's name); false
 * when the filters reject the inode. The caller then discards the record.
 * `btf`: inode is a BTF-typed pointer (plain loads), as in DL_RD.
 */
static __always_inline bool dl_read_ident_btf(struct inode *inode, __u64 *ino, char fs[DL_FS_LEN], __u32 *dev,
					      bool btf)
{
	struct super_block *sb = DL_RD(btf, inode, i_sb);

	*ino = DL_RD(btf, inode, i_ino);
	if (targ_ino && *ino != targ_ino)
		return false;
	dl_fs_name(sb, fs);
	if (!dl_fs_matches(fs))
		return false;
	*dev = dl_inode_dev_btf(inode, sb, dl_fsid_of_magic(DL_RD(btf, sb, s_magic)), btf);
	return !(targ_dev && *dev != targ_dev);
}

static __always_inline bool dl_read_ident(struct inode *inode, __u64 *ino, char fs[DL_FS_LEN], __u32 *dev)
{
	return dl_read_ident_btf(inode, ino, fs, dev, false);
}

static __always_inline bool dl_fill_ident_btf(struct dl_event *e, struct inode *inode, bool btf)
{
	if (!dl_read_ident_btf(inode, &e->ino, e->fs, &e->dev, btf))
		return false;
	e->lock_addr = (__u64)&inode->i_rwsem;
	return true;
}

static __always_inline bool dl_fill_ident(struct dl_event *e, struct inode *inode)
{
	return dl_fill_ident_btf(e, inode, false);
}

/* The inode part of a record, with the lock's state now. */
static __always_inline bool dl_fill_inode_btf(struct dl_event *e, struct inode *inode, bool btf)
{
	if (!dl_fill_ident_btf(e, inode, btf))
		return false;
	dl_read_rwsem_btf(inode, &e->lock, btf);
	dl_rwsem_holder(&e->lock);
	if (track_acquire)
		dl_exact_holds(e);
	return true;
}

static __always_inline bool dl_fill_inode(struct dl_event *e, struct inode *inode)
{
	return dl_fill_inode_btf(e, inode, false);
}

static __always_inline struct dl_event *dl_reserve(__u16 type)
{
	struct dl_event *e;
	__u64 id = bpf_get_current_pid_tgid();

	/* records switched off is not a loss: nothing is counted */
	if (events_off)
		return NULL;
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		dl_count(DL_CNT_RINGBUF_LOST);
		return NULL;
	}
	__builtin_memset(e, 0, sizeof(*e));
	e->hdr.type = type;
	e->hdr.size = sizeof(*e);
	e->hdr.cpu = bpf_get_smp_processor_id();
	e->hdr.ts_ns = bpf_ktime_get_ns();
	e->hdr.tgid = id >> 32;
	e->hdr.tid = (__u32)id;
	e->stack_id = -1;
	/* two plain loads from the task, not the helper's string copy */
	__builtin_memcpy(e->comm, bpf_get_current_task_btf()->comm, sizeof(e->comm));
	return e;
}

/* A record about an inode: NULL when the buffer is full or the filters reject the inode. */
static __always_inline struct dl_event *dl_reserve_inode_btf(__u16 type, struct inode *inode, bool btf)
{
	struct dl_event *e = dl_reserve(type);

	if (e && !dl_fill_inode_btf(e, inode, btf)) {
		bpf_ringbuf_discard(e, 0);
		return NULL;
	}
	return e;
}

static __always_inline struct dl_event *dl_reserve_inode(__u16 type, struct inode *inode)
{
	return dl_reserve_inode_btf(type, inode, false);
}

/* Unread bytes past which user space is woken even for routine records. */
#define DL_WAKEUP_BYTES (256 << 10)

/*
 * Waking user space costs more than the record: only the start of a wait
 * (where a deadlock shows) wakes it at once; the rest is read at the next
 * poll (100 ms) or when the buffer fills up.
 */
static __always_inline void dl_submit(struct dl_event *e)
{
	__u16 type = e->hdr.type;
	__u64 flags = BPF_RB_NO_WAKEUP;
	/*
	 * Records are the current task's: its storage says its exit will matter
	 * (without storage, as in a completion that interrupted it, the analyzer
	 * just keeps the task until the report).
	 */
	struct dl_task_ctx *tc = dl_ctx(true);

	if (tc)
		tc->reported = 1;
	if (type == DL_EV_WAIT_BEGIN || type == DL_EV_DRAIN_WAIT_BEGIN || type == DL_EV_RECURSIVE_ACQUIRE ||
	    e->stack_id >= 0 || bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) > DL_WAKEUP_BYTES)
		flags = BPF_RB_FORCE_WAKEUP;
	bpf_ringbuf_submit(e, flags);
}

/* A record that was kept in the task, sent now: its own time and lock state. */
static __always_inline struct dl_event *dl_reserve_kept(__u16 type, __u64 inode, __u64 ts,
							const struct dl_rwsem_state *lock)
{
	struct dl_event *e = dl_reserve(type);

	if (!e)
		return NULL;
	if (!dl_fill_ident(e, (void *)inode)) {
		bpf_ringbuf_discard(e, 0);
		return NULL;
	}
	e->hdr.ts_ns = ts;
	e->lock = *lock;
	dl_rwsem_holder(&e->lock);
	if (track_acquire)
		dl_exact_holds(e);
	return e;
}

/*
 * Something the analyzer must see happens inside this task's DIO (it waits,
 * syncs under the lock, or its completion is worth a record): send the DIO's
 * begin first, with the time and lock state of the submission, so that the
 * analyzer knows the task is inside it.
 */
static __always_inline void dl_flush_dio(struct dl_task_ctx *tc)
{
	struct dl_dio_ctx *d;
	struct dl_event *e;

	if (!tc || stream_all || events_off)
		return;
	d = &tc->dio;
	if (!d->inode || d->emitted)
		return;
	e = dl_reserve_kept(DL_EV_DIO_BEGIN, d->inode, d->ts, &d->lock);
	if (!e)
		return;
	e->ki_flags = d->ki_flags;
	e->pos = d->pos;
	e->len = d->len;
	e->flags |= d->flags;
	d->emitted = 1;
	dl_submit(e);
	if (!d->synced || d->sync_emitted)
		return;
	/* and the fsync it is in, so that a wait inside it reads as the seed bug's shape */
	e = dl_reserve_kept(DL_EV_SYNC_BEGIN, d->inode, d->sync_ts, &d->sync_lock);
	if (!e)
		return;
	e->arg = d->sync_arg;
	e->flags |= d->sync_flags;
	d->sync_emitted = 1;
	dl_submit(e);
}

static __always_inline void dl_stack(void *ctx, struct dl_event *e)
{
	/* the rare records only: FAST_STACK_CMP skips comparing a bucket's old stack */
	e->stack_id = bpf_get_stackid(ctx, &stacks, BPF_F_FAST_STACK_CMP);
}

/*
 * One tracepoint, two tiers: the BTF-typed tp_btf program and the raw_tp
 * one for kernels whose tracepoint has no BTF. Neither autoloads; the
 * loader enables the tier it chose for the hook.
 */
#define DL_TRACEPOINT(tp, call, ...)					\
	SEC("?tp_btf/" #tp)						\
	int BPF_PROG(tp_btf__##tp, ##__VA_ARGS__) { const bool btf __attribute__((unused)) = true; return call; } \
	SEC("?raw_tp/" #tp)						\
	int BPF_PROG(raw_tp__##tp, ##__VA_ARGS__) { const bool btf __attribute__((unused)) = false; return call; }

/* The same hook point at the function tiers (see DL_TRACEPOINT). */
#define DL_FENTRY(func, call, ...)					\
	SEC("?fentry/" #func)						\
	int BPF_PROG(fentry__##func, ##__VA_ARGS__) { const bool btf __attribute__((unused)) = true; return call; }
#define DL_FEXIT(func, call, ...)					\
	SEC("?fexit/" #func)						\
	int BPF_PROG(fexit__##func, ##__VA_ARGS__) { const bool btf __attribute__((unused)) = true; return call; }
#define DL_KPROBE(func, call, ...)					\
	SEC("?kprobe/" #func)						\
	int BPF_KPROBE(kprobe__##func, ##__VA_ARGS__) { const bool btf __attribute__((unused)) = false; return call; }
#define DL_KRETPROBE(func, call, ...)					\
	SEC("?kretprobe/" #func)					\
	int BPF_KRETPROBE(kretprobe__##func, ##__VA_ARGS__) { const bool btf __attribute__((unused)) = false; return call; }

/*
 * fexit's return value, as a number. Where the function returns a pointer the
 * verifier types it and forbids the arithmetic an ERR_PTR check needs.
 */
static __always_inline long dl_fexit_ret(void *ctx)
{
	__u64 r = 0;

	bpf_get_func_ret(ctx, &r);
	return (long)r;
}

/* btrfs's DIO-write stub: fs/btrfs/transaction.h, BTRFS_TRANS_DIO_WRITE_STUB (v6.11, 6.1.110). */
#define BTRFS_TRANS_DIO_WRITE_STUB 1

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
 * btrfs's per-file DIO-write flag: 939b656bc8ab (v6.10, 6.1/6.6 stables) until
 * cd9253c23aed moved it into journal_info. A module type: libbpf finds it in
 * btrfs.ko's BTF when btrfs is loaded, and where the member is missing the
 * read below is dead code.
 */
struct btrfs_file_private___dl {
	bool fsync_skip_inode_lock;
} __attribute__((preserve_access_index));

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

static __always_inline void dl_dio_count(__u8 fsid, enum dl_dio_counter c)
{
	__u32 cpu = bpf_get_smp_processor_id() & (DL_MAX_CPUS - 1);

	/* this CPU's own row: the atomic is never contended */
	__sync_fetch_and_add(&dl_dio[cpu][fsid & (DL_FSID_MAX - 1)][c & (DL_DIO_CNT_MAX - 1)], 1);
}

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
static __always_inline bool dl_fold(const struct dl_fold_key *k, __u64 now, bool count_first)
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
			f->count = count_first;
			f->last_ts = now;
			/* user space reads the slot concurrently: the key before the flag */
			asm volatile("" ::: "memory");
			f->used = 1;
			return count_first;
		}
		if (dl_fold_key_eq(&f->key, k)) {
			f->count++;
			f->last_ts = now;
			return true;
		}
	}
	return false;
}

#endif /* DIOLOCK_BPF_H */
