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

/* fs/btrfs/btrfs_inode.h */
#define BTRFS_INODE_NODATASUM	(1U << 0)

/* maps.bpf.c defines what every other file declares. */
#ifdef DL_DEFINE_MAPS
#define DL_EXTERN
#else
#define DL_EXTERN extern
#endif

/* Configuration, set by the loader between open and load. */
DL_EXTERN const volatile __u32 targ_tgid;
DL_EXTERN const volatile __u32 targ_dev;
DL_EXTERN const volatile __u64 targ_ino;
DL_EXTERN const volatile char targ_fs[DL_FS_LEN];
/* `stat`/`top`: no records at all; histograms are folded in maps instead (stat.bpf.h). */
DL_EXTERN const volatile __u8 events_off;
/* trace: stream routine records too (every O_DIRECT write, not only fallbacks) */
DL_EXTERN const volatile __u8 stream_all;

/*
 * Set once both acquisition and release hooks are attached: holds are then
 * exact. In .bss, not .rodata: it is known only after attaching.
 */
DL_EXTERN __u8 track_acquire;

/* Per-CPU loss counters: every output mode reports them. */
DL_EXTERN __u64 dl_counters[DL_MAX_CPUS][DL_CNT_MAX];

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

/* Tasks diolock has reported on: their exit is worth a record. */
struct dl_seen_tasks_map {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, __u8);
};
DL_EXTERN struct dl_seen_tasks_map seen_tasks SEC(".maps");

/* An O_DIRECT write syscall in progress, by tid (see syscall.bpf.c). */
struct dl_dwrite {
	__u64 inode;		/* struct inode * of the file written */
	__s64 pos;
	__u64 len;
	__u32 nr;		/* syscall number */
	__u16 iomap_seen;	/* the write entered iomap's DIO path */
	__u16 dsync;		/* opened O_DSYNC or O_SYNC */
};

struct dl_dwrites_map {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__type(key, __u32);
	__type(value, struct dl_dwrite);
};
DL_EXTERN struct dl_dwrites_map dwrites SEC(".maps");

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

/* The i_rwsems one task holds. */
struct dl_task_held {
	__u64 lock[DL_MAX_HELD];
	__u8 mode[DL_MAX_HELD];
	__s32 stack[DL_MAX_HELD];	/* acquisition stack, for `stat --by stack` */
	__u64 ts[DL_MAX_HELD];		/* acquired at (ns), for hold-time histograms */
};

struct dl_task_held_map {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, struct dl_task_held);
};
DL_EXTERN struct dl_task_held_map task_held SEC(".maps");

static __always_inline void dl_count(enum dl_counter c)
{
	__u32 cpu = bpf_get_smp_processor_id() & (DL_MAX_CPUS - 1);

	__sync_fetch_and_add(&dl_counters[cpu][c & (DL_CNT_MAX - 1)], 1);
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

static __always_inline void dl_read_rwsem(struct inode *inode, struct dl_rwsem_state *st)
{
	struct rw_semaphore *sem = &inode->i_rwsem;
	struct task_struct *owner;
	__u64 cur = (__u64)bpf_get_current_task();

	/* PREEMPT_RT replaces count/owner with an rtmutex: say we cannot tell. */
	if (!bpf_core_field_exists(sem->count)) {
		st->mode = DL_LOCK_UNKNOWN;
		return;
	}
	st->count = BPF_CORE_READ(sem, count.counter);
	st->owner = BPF_CORE_READ(sem, owner.counter);
	st->readers = (st->count >> RWSEM_READER_SHIFT) & ((1ULL << 55) - 1);
	owner = (void *)(st->owner & RWSEM_OWNER_MASK);
	if (owner)
		st->holder_tid = BPF_CORE_READ(owner, pid);
	/* Gate on count: owner is only a hint for readers and may be stale. */
	if (st->count & RWSEM_WRITER_LOCKED) {
		st->mode = DL_LOCK_WRITE;
		if (!(st->owner & RWSEM_READER_OWNED) && (__u64)owner == cur)
			st->cur_holds = DL_HOLD_WRITE;
	} else if (st->readers) {
		st->mode = DL_LOCK_READ;
		if ((st->owner & RWSEM_READER_OWNED) && (__u64)owner == cur)
			st->cur_holds = DL_HOLD_READ_HINT;
	} else {
		st->holder_tid = 0;
	}
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

static __always_inline bool dl_is_btrfs(const char *fs)
{
	return fs[0] == 'b' && fs[1] == 't' && fs[2] == 'r' && fs[3] == 'f' && fs[4] == 's' && !fs[5];
}

/*
 * The device users see in stat(2). btrfs gives each subvolume its own
 * anonymous device (btrfs_getattr), which is not the superblock's s_dev.
 */
static __always_inline __u32 dl_inode_dev(struct inode *inode, struct super_block *sb, const char *fs)
{
	struct btrfs_inode *bi;
	__u32 dev;

	if (bpf_core_type_exists(struct btrfs_inode) && dl_is_btrfs(fs)) {
		bi = (void *)((char *)inode - bpf_core_field_offset(struct btrfs_inode, vfs_inode));
		dev = BPF_CORE_READ(bi, root, anon_dev);
		if (dev)
			return dev;
	}
	return BPF_CORE_READ(sb, s_dev);
}

/*
 * With acquisition tracking, who holds the lock and what this task holds
 * are known, not guessed from the owner hint.
 */
static __always_inline void dl_exact_holds(struct dl_event *e)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct dl_lock_holders *lh;
	struct dl_task_held *th;

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
	th = bpf_map_lookup_elem(&task_held, &tid);
	if (!th)
		return;
	for (int i = 0; i < DL_MAX_HELD; i++) {
		e->held[i] = th->lock[i];
		e->held_mode[i] = th->mode[i];
		if (th->lock[i] == e->lock_addr)
			e->lock.cur_holds = th->mode[i] == DL_LOCK_WRITE ? DL_HOLD_WRITE : DL_HOLD_READ;
	}
}

/*
 * Fill the inode part of a record; false when the filters reject it.
 * The caller then discards the record.
 */
static __always_inline bool dl_fill_inode(struct dl_event *e, struct inode *inode)
{
	struct super_block *sb = BPF_CORE_READ(inode, i_sb);

	e->ino = BPF_CORE_READ(inode, i_ino);
	if (targ_ino && e->ino != targ_ino)
		return false;
	bpf_probe_read_kernel_str(e->fs, sizeof(e->fs), BPF_CORE_READ(sb, s_type, name));
	if (!dl_fs_matches(e->fs))
		return false;
	e->dev = dl_inode_dev(inode, sb, e->fs);
	if (targ_dev && e->dev != targ_dev)
		return false;
	e->lock_addr = (__u64)&inode->i_rwsem;
	dl_read_rwsem(inode, &e->lock);
	if (track_acquire)
		dl_exact_holds(e);
	return true;
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
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	return e;
}

/* A record about an inode: NULL when the buffer is full or the filters reject the inode. */
static __always_inline struct dl_event *dl_reserve_inode(__u16 type, struct inode *inode)
{
	struct dl_event *e = dl_reserve(type);

	if (e && !dl_fill_inode(e, inode)) {
		bpf_ringbuf_discard(e, 0);
		return NULL;
	}
	return e;
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
	__u8 one = 1;
	__u32 tid = e->hdr.tid;	/* not ring buffer memory as a key: see dl_exact_holds */
	__u16 type = e->hdr.type;
	__u64 flags = BPF_RB_NO_WAKEUP;

	if (!bpf_map_lookup_elem(&seen_tasks, &tid) &&
	    bpf_map_update_elem(&seen_tasks, &tid, &one, BPF_ANY))
		dl_count(DL_CNT_MAP_FULL);
	if (type == DL_EV_WAIT_BEGIN || type == DL_EV_DRAIN_WAIT_BEGIN || type == DL_EV_RECURSIVE_ACQUIRE ||
	    e->stack_id >= 0 || bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) > DL_WAKEUP_BYTES)
		flags = BPF_RB_FORCE_WAKEUP;
	bpf_ringbuf_submit(e, flags);
}

/* Filesystems whose fsync never takes i_rwsem (ext4_sync_file, xfs_file_fsync). */
static __always_inline bool dl_fs_sync_benign(const char *fs)
{
	return (fs[0] == 'e' && fs[1] == 'x' && fs[2] == 't' && fs[3] == '4' && !fs[4]) ||
	       (fs[0] == 'x' && fs[1] == 'f' && fs[2] == 's' && !fs[3]);
}

static __always_inline void dl_stack(void *ctx, struct dl_event *e)
{
	e->stack_id = bpf_get_stackid(ctx, &stacks, 0);
}

static __always_inline void dl_iocb_flags(struct dl_event *e, struct kiocb *iocb)
{
	int kf = BPF_CORE_READ(iocb, ki_flags);

	e->ki_flags = (__u32)kf;
	if (kf & IOCB_DIRECT)
		e->flags |= DL_F_DIRECT;
	if (kf & IOCB_DSYNC)
		e->flags |= DL_F_DSYNC;
	if (kf & IOCB_SYNC)
		e->flags |= DL_F_SYNC | DL_F_DSYNC;
	/* is_sync_kiocb(): no completion callback means the caller waits. */
	if (BPF_CORE_READ(iocb, ki_complete))
		e->flags |= DL_F_AIO;
	e->pos = BPF_CORE_READ(iocb, ki_pos);
}

/*
 * One tracepoint, two tiers: the BTF-typed tp_btf program and the raw_tp
 * one for kernels whose tracepoint has no BTF. Neither autoloads; the
 * loader enables the tier it chose for the hook.
 */
#define DL_TRACEPOINT(tp, call, ...)					\
	SEC("?tp_btf/" #tp)						\
	int BPF_PROG(tp_btf__##tp, ##__VA_ARGS__) { return call; }	\
	SEC("?raw_tp/" #tp)						\
	int BPF_PROG(raw_tp__##tp, ##__VA_ARGS__) { return call; }

/* The same hook point at the function tiers (see DL_TRACEPOINT). */
#define DL_FENTRY(func, call, ...)					\
	SEC("?fentry/" #func)						\
	int BPF_PROG(fentry__##func, ##__VA_ARGS__) { return call; }
#define DL_FEXIT(func, call, ...)					\
	SEC("?fexit/" #func)						\
	int BPF_PROG(fexit__##func, ##__VA_ARGS__) { return call; }
#define DL_KPROBE(func, call, ...)					\
	SEC("?kprobe/" #func)						\
	int BPF_KPROBE(kprobe__##func, ##__VA_ARGS__) { return call; }
#define DL_KRETPROBE(func, call, ...)					\
	SEC("?kretprobe/" #func)					\
	int BPF_KRETPROBE(kretprobe__##func, ##__VA_ARGS__) { return call; }

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

static __always_inline void dl_note_journal_info(struct dl_event *e)
{
	struct task_struct *task = (void *)bpf_get_current_task();

	e->flags |= DL_F_JINFO;
	if ((__u64)BPF_CORE_READ(task, journal_info) == BTRFS_TRANS_DIO_WRITE_STUB)
		e->flags |= DL_F_STUB;
}

/* Per-task scratch for return probes, which do not see the arguments. */
struct dl_entry_map {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__type(key, __u32);
	__type(value, __u64);
};

static __always_inline void dl_stash(void *map, __u64 v)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();

	if (bpf_map_update_elem(map, &tid, &v, BPF_ANY))
		dl_count(DL_CNT_MAP_FULL);
}

static __always_inline __u64 dl_unstash(void *map)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	__u64 *v = bpf_map_lookup_elem(map, &tid), r;

	if (!v)
		return 0;
	r = *v;
	bpf_map_delete_elem(map, &tid);
	return r;
}

#endif /* DIOLOCK_BPF_H */
