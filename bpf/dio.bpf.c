// SPDX-License-Identifier: GPL-2.0
/*
 * Direct I/O through iomap: submission, queueing, completion, and the
 * inode_dio_wait() drain that truncate/fallocate do under i_rwsem.
 */
#include "diolock.bpf.h"
#include "stat.bpf.h"

/* fs/iomap/direct-io.c, private dio->flags; unchanged from v5.10 to v6.18. */
#define IOMAP_DIO_NEED_SYNC	(1U << 29)
#define EIOCBQUEUED		529

struct dl_entry_map submit_iocb SEC(".maps");	/* __iomap_dio_rw entry -> return */
struct dl_entry_map complete_iocb SEC(".maps");	/* iomap_dio_complete entry -> return */
struct dl_entry_map drain_inode SEC(".maps");	/* inode_dio_wait entry -> return */

/* Submission time by iocb, for the submit -> complete histogram. */
static __always_inline void stat_dio_begin(void *ctx, struct kiocb *iocb, struct inode *inode)
{
	__u64 key = (__u64)iocb;
	struct dl_dio_start ds = {};
	struct dl_rwsem_state st = {};

	dl_read_rwsem(inode, &st);
	ds.read_held = st.mode == DL_LOCK_READ;
	ds.tid = (__u32)bpf_get_current_pid_tgid();
	ds.ts = bpf_ktime_get_ns();
	ds.stack_id = dl_stat_stack(ctx);
	bpf_get_current_comm(ds.comm, sizeof(ds.comm));
	/* an LRU map: a full one evicts, so no loss to count here */
	bpf_map_update_elem(&dio_starts, &key, &ds, BPF_ANY);
}

/* Filesystems that hold i_rwsem across iomap_dio_rw() (see research/kernel-facts.md). */
static __always_inline bool dl_holds_across_dio(const char *fs)
{
	return (fs[0] == 'e' && fs[1] == 'x' && fs[2] == 't' && fs[3] == '4' && !fs[4]) ||
	       (fs[0] == 'x' && fs[1] == 'f' && fs[2] == 's' && !fs[3]) || dl_is_btrfs(fs);
}

/* Does the completing task hold the inode's i_rwsem, and how? */
static __always_inline __u8 completion_lock_mode(struct inode *inode)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	__u64 lock = (__u64)&inode->i_rwsem;
	struct dl_rwsem_state st = {};
	struct dl_task_held *th;

	if (track_acquire) {
		th = bpf_map_lookup_elem(&task_held, &tid);
		if (!th)
			return DL_LOCK_NONE;
		for (int i = 0; i < DL_MAX_HELD; i++)
			if (th->lock[i] == lock)
				return th->mode[i];
		return DL_LOCK_NONE;
	}
	dl_read_rwsem(inode, &st);
	if (st.cur_holds == DL_HOLD_WRITE)
		return DL_LOCK_WRITE;
	/* the tracepoint tier knows a reader only from the owner hint */
	if (st.cur_holds == DL_HOLD_READ_HINT)
		return DL_LOCK_READ;
	return DL_LOCK_NONE;
}

static __always_inline void stat_dio_complete(struct kiocb *iocb, struct inode *inode)
{
	__u64 key = (__u64)iocb, now = bpf_ktime_get_ns();
	struct dl_fs_dio zero = {}, *fd;
	struct dl_ident id = {};
	struct dl_dio_start *ds;
	__u8 mode;

	if (!dl_ident_of(inode, &id))
		return;
	mode = completion_lock_mode(inode);
	ds = bpf_map_lookup_elem(&dio_starts, &key);
	/*
	 * Shared holders are invisible to the owner hint but for the last
	 * reader. ext4, xfs and btrfs hold i_rwsem across iomap_dio_rw(), so a
	 * completion in the submitting task, with the lock read-held at both
	 * ends, ran under the submitter's shared hold (the analyzer's rule too).
	 */
	if (mode == DL_LOCK_NONE && !track_acquire && ds && ds->read_held &&
	    ds->tid == (__u32)bpf_get_current_pid_tgid() && dl_holds_across_dio(id.fs) &&
	    (BPF_CORE_READ(inode, i_rwsem.count.counter) >> RWSEM_READER_SHIFT))
		mode = DL_LOCK_READ;
	fd = bpf_map_lookup_elem(&fs_dio, id.fs);
	if (!fd) {
		bpf_map_update_elem(&fs_dio, id.fs, &zero, BPF_NOEXIST);
		fd = bpf_map_lookup_elem(&fs_dio, id.fs);
	}
	if (fd) {
		__sync_fetch_and_add(&fd->completions, 1);
		if (mode == DL_LOCK_READ)
			__sync_fetch_and_add(&fd->under_read, 1);
		else if (mode == DL_LOCK_WRITE)
			__sync_fetch_and_add(&fd->under_write, 1);
	} else {
		dl_count(DL_CNT_MAP_FULL);
	}
	if (!ds)
		return;
	if (now > ds->ts)
		dl_hist_add(mode != DL_LOCK_NONE ? DL_HIST_DIO_LOCKED : DL_HIST_DIO_UNLOCKED, &id,
			    ds->stack_id, ds->comm, now - ds->ts);
	bpf_map_delete_elem(&dio_starts, &key);
}

static __always_inline int on_dio_begin(void *ctx, struct kiocb *iocb, struct iov_iter *iter)
{
	struct inode *inode = BPF_CORE_READ(iocb, ki_filp, f_inode);
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct dl_dwrite *dw;
	struct dl_event *e;

	/* The direct-write syscall reached iomap: it did not fall back. */
	dw = bpf_map_lookup_elem(&dwrites, &tid);
	if (dw && dw->inode == (__u64)inode)
		dw->iomap_seen = 1;
	if (dl_task_filtered())
		return 0;
	if (stat_on)
		stat_dio_begin(ctx, iocb, inode);
	e = dl_reserve_inode(DL_EV_DIO_BEGIN, inode);
	if (!e)
		return 0;
	dl_iocb_flags(e, iocb);
	e->len = BPF_CORE_READ(iter, count);
	if (bpf_core_field_exists(iter->data_source) && BPF_CORE_READ_BITFIELD_PROBED(iter, data_source))
		e->flags |= DL_F_WRITE;
	dl_submit(e);
	return 0;
}

static __always_inline int on_dio_complete(void *ctx, struct kiocb *iocb, int error, ssize_t ret)
{
	struct inode *inode = BPF_CORE_READ(iocb, ki_filp, f_inode);
	struct dl_event *e;

	if (!iocb || dl_task_filtered())
		return 0;
	if (stat_on)
		stat_dio_complete(iocb, inode);
	e = dl_reserve_inode(DL_EV_DIO_COMPLETE, inode);
	if (!e)
		return 0;
	dl_iocb_flags(e, iocb);
	e->ret = error ? error : ret;
	/*
	 * A stack costs microseconds: keep it only where this completion can be
	 * more than benign, a DSYNC completion on a filesystem diolock does not
	 * know. (btrfs's deadlock shows at the fsync's lock wait, with its stack.)
	 */
	if (e->lock.cur_holds != DL_HOLD_NO && (e->flags & DL_F_DSYNC) && !dl_fs_sync_benign(e->fs) &&
	    !dl_is_btrfs(e->fs))
		dl_stack(ctx, e);
	dl_submit(e);
	return 0;
}

static __always_inline int on_dio_queued(void *ctx, struct inode *inode, loff_t off, u64 len)
{
	struct dl_event *e;

	if (dl_task_filtered())
		return 0;
	e = dl_reserve_inode(DL_EV_DIO_QUEUED, inode);
	if (!e)
		return 0;
	e->pos = off;
	e->len = len;
	e->flags |= DL_F_AIO;
	dl_submit(e);
	return 0;
}

/* __iomap_dio_rw returned: ERR_PTR(-EIOCBQUEUED) means completion runs elsewhere. */
static __always_inline int on_submit_return(void *ctx, struct kiocb *iocb, long ret)
{
	if (!iocb || ret != -EIOCBQUEUED)
		return 0;
	return on_dio_queued(ctx, BPF_CORE_READ(iocb, ki_filp, f_inode), BPF_CORE_READ(iocb, ki_pos), 0);
}

/*
 * iomap_dio_complete() entered: the fsync it may run has not started yet,
 * and btrfs's DIO-write stub is still in journal_info (btrfs_sync_file
 * clears it before its own tracepoint).
 */
static __always_inline int on_dio_complete_begin(void *ctx, struct iomap_dio *dio)
{
	struct kiocb *iocb = BPF_CORE_READ(dio, iocb);
	struct dl_event *e;

	dl_stash(&complete_iocb, (__u64)iocb);
	if (dl_task_filtered())
		return 0;
	e = dl_reserve_inode(DL_EV_DIO_COMPLETE_BEGIN, BPF_CORE_READ(iocb, ki_filp, f_inode));
	if (!e)
		return 0;
	dl_iocb_flags(e, iocb);
	if (BPF_CORE_READ(dio, flags) & IOMAP_DIO_NEED_SYNC)
		e->flags |= DL_F_NEED_SYNC;
	dl_note_journal_info(e);
	/* the stack of a completion that will sync under its own lock (see on_dio_complete) */
	if (e->lock.cur_holds != DL_HOLD_NO && (e->flags & DL_F_NEED_SYNC) && !dl_fs_sync_benign(e->fs) &&
	    !(dl_is_btrfs(e->fs) && (e->flags & DL_F_STUB)))
		dl_stack(ctx, e);
	dl_submit(e);
	return 0;
}

static __always_inline int on_drain(void *ctx, __u16 type, struct inode *inode)
{
	struct dl_event *e;

	if (!inode || dl_task_filtered())
		return 0;
	e = dl_reserve_inode(type, inode);
	if (!e)
		return 0;
	e->arg = BPF_CORE_READ(inode, i_dio_count.counter);
	if (type == DL_EV_DRAIN_WAIT_BEGIN)
		dl_stack(ctx, e);
	dl_submit(e);
	return 0;
}

DL_TRACEPOINT(iomap_dio_rw_begin, on_dio_begin(ctx, iocb, iter),
	      struct kiocb *iocb, struct iov_iter *iter, unsigned int dio_flags, size_t done_before)
DL_TRACEPOINT(iomap_dio_complete, on_dio_complete(ctx, iocb, error, ret),
	      struct kiocb *iocb, int error, ssize_t ret)
DL_TRACEPOINT(iomap_dio_rw_queued, on_dio_queued(ctx, inode, off, len),
	      struct inode *inode, loff_t off, u64 len)

DL_FENTRY(__iomap_dio_rw, on_dio_begin(ctx, iocb, iter),
	  struct kiocb *iocb, struct iov_iter *iter)
DL_FEXIT(__iomap_dio_rw, on_submit_return(ctx, iocb, dl_fexit_ret(ctx)), struct kiocb *iocb)
DL_KPROBE(__iomap_dio_rw, (dl_stash(&submit_iocb, (__u64)iocb), on_dio_begin(ctx, iocb, iter)),
	  struct kiocb *iocb, struct iov_iter *iter)
DL_KRETPROBE(__iomap_dio_rw, on_submit_return(ctx, (void *)dl_unstash(&submit_iocb), (long)ret),
	     void *ret)

DL_FENTRY(iomap_dio_complete, on_dio_complete_begin(ctx, dio), struct iomap_dio *dio)
DL_FEXIT(iomap_dio_complete, on_dio_complete(ctx, (void *)dl_unstash(&complete_iocb), 0, ret),
	 struct iomap_dio *dio, ssize_t ret)
DL_KPROBE(iomap_dio_complete, on_dio_complete_begin(ctx, dio), struct iomap_dio *dio)
DL_KRETPROBE(iomap_dio_complete, on_dio_complete(ctx, (void *)dl_unstash(&complete_iocb), 0, ret),
	     ssize_t ret)

DL_FENTRY(inode_dio_wait, on_drain(ctx, DL_EV_DRAIN_WAIT_BEGIN, inode), struct inode *inode)
DL_FEXIT(inode_dio_wait, on_drain(ctx, DL_EV_DRAIN_WAIT_END, inode), struct inode *inode)
DL_KPROBE(inode_dio_wait, (dl_stash(&drain_inode, (__u64)inode),
			   on_drain(ctx, DL_EV_DRAIN_WAIT_BEGIN, inode)), struct inode *inode)
DL_KRETPROBE(inode_dio_wait, on_drain(ctx, DL_EV_DRAIN_WAIT_END, (void *)dl_unstash(&drain_inode)))
