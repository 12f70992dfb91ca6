// SPDX-License-Identifier: GPL-2.0
/*
 * Direct I/O through iomap: submission, queueing and completion (the
 * inode_dio_wait() drain is drain.bpf.c's).
 *
 * The hot path. A routine DIO sends no record: its submission is kept in
 * the task's storage (struct dl_dio_ctx), its completion is judged here with
 * the shared rules (include/diolock/rules.h) and, when benign, counted in a
 * per-CPU fold slot. Records cross only for what the analyzer must act on
 * (see dl_flush_dio and on_dio_complete), and `trace` streams everything.
 */
#include "diolock.bpf.h"
#include "fold.bpf.h"
#include "order.bpf.h"
#include "stat.bpf.h"
#include "origin.bpf.h"
#include "owed.bpf.h"

/* fs/iomap/direct-io.c, private dio->flags; unchanged from v5.10 to v6.18. */
#define IOMAP_DIO_NEED_SYNC	(1U << 29)
#define EIOCBQUEUED		529

/*
 * An asynchronous DIO completes in another context: its submission moves
 * from the task's storage to dio_starts, keyed by iocb (stat only).
 */
static __always_inline void stat_dio_queued(const struct dl_task_ctx *tc)
{
	struct dl_dio_start ds = {};
	__u64 iocb = tc->dio.iocb;
	struct task_struct *sub;

	ds.ts = tc->dio.ts;
	ds.stack_id = tc->stat_dio_stack;
	/* the submitter's name, not an io-wq worker's */
	ds.path = dl_kiocb_origin((void *)iocb, bpf_get_current_task_btf(), false, &sub, false);
	if (sub)
		bpf_core_read(ds.comm, sizeof(ds.comm), &sub->comm);
	else
		bpf_get_current_comm(ds.comm, sizeof(ds.comm));
	ds.cgroup = bpf_get_current_cgroup_id();
	/* an LRU map: a full one evicts, so no loss to count here */
	bpf_map_update_elem(&dio_starts, &iocb, &ds, BPF_ANY);
}

/* The submit -> complete histogram: a synchronous DIO's start is its task's own. */
static __always_inline void stat_dio_complete(struct kiocb *iocb, struct inode *inode, const struct dl_dio_ctx *d,
					      const struct dl_task_ctx *tc, __u8 mode, bool btf)
{
	__u64 key = (__u64)iocb, now = bpf_ktime_get_ns(), ts;
	struct task_struct *cur = bpf_get_current_task_btf(), *sub = NULL;
	struct dl_dio_start *ds = NULL;
	char sub_comm[DL_COMM_LEN];
	const char *comm = NULL;
	struct dl_ident id = {};
	__s32 stack;
	__u8 path;

	if (d) {
		ts = d->ts;
		stack = tc->stat_dio_stack;
		/* the origin only where the key names it: an io-wq worker's DIO by its submitter's name */
		path = stat_by == DL_BY_PATH || stat_by == DL_BY_COMM ? dl_kiocb_origin(iocb, cur, false, &sub, btf) : 0;
		if (stat_by == DL_BY_COMM && sub && (__u64)sub != (__u64)cur) {
			bpf_core_read(sub_comm, sizeof(sub_comm), &sub->comm);
			comm = sub_comm;
		}
	} else {
		ds = bpf_map_lookup_elem(&dio_starts, &key);
		if (!ds)
			return;
		ts = ds->ts;
		stack = ds->stack_id;
		comm = ds->comm;
		path = ds->path;
	}
	if (now > ts && dl_ident_of(inode, &id, btf)) {
		/* a kworker's or an interrupt's completion: the submission's cgroup */
		if (ds)
			id.cgroup = ds->cgroup;
		dl_hist_add(mode != DL_LOCK_NONE ? DL_HIST_DIO_LOCKED : DL_HIST_DIO_UNLOCKED, &id, stack, comm, path,
			    now - ts);
	}
	if (ds)
		bpf_map_delete_elem(&dio_starts, &key);
}

/* The task's own synchronous DIO on this inode, if one is in progress. */
static __always_inline struct dl_dio_ctx *own_dio(struct dl_task_ctx *tc, struct inode *inode)
{
	return tc && tc->dio.inode == (__u64)inode ? &tc->dio : NULL;
}

/*
 * Does the completing task hold the inode's i_rwsem? As enum dl_hold: the
 * exact answers (owner == current, acquisition tracking), the reader hint,
 * or the filesystems' rule that a synchronous DIO's submitter holds the lock
 * it found read-held (include/diolock/rules.h).
 */
static __always_inline __u8 completion_hold(struct inode *inode, __u8 fsid, struct dl_task_ctx *tc,
					    const struct dl_dio_ctx *d, struct dl_rwsem_state *st, bool btf)
{
	__u64 lock = (__u64)&inode->i_rwsem;

	dl_rwsem_state(inode, st, btf);
	if (track_acquire) {
		if (!tc)
			return DL_HOLD_NO;
		for (int i = 0; i < DL_MAX_HELD; i++)
			if (tc->held.lock[i] == lock)
				return tc->held.mode[i] == DL_LOCK_WRITE ? DL_HOLD_WRITE : DL_HOLD_READ;
		return DL_HOLD_NO;
	}
	if (st->cur_holds != DL_HOLD_NO)
		return st->cur_holds;
	if (d && d->lock.mode == DL_LOCK_READ && st->mode == DL_LOCK_READ && dl_fs_holds_across_dio(fsid))
		return DL_HOLD_READ_HINT;
	return DL_HOLD_NO;
}

static __always_inline __u8 hold_mode(__u8 hold)
{
	return hold == DL_HOLD_WRITE ? DL_LOCK_WRITE : hold == DL_HOLD_NO ? DL_LOCK_NONE : DL_LOCK_READ;
}

static __always_inline bool hold_exact(__u8 hold)
{
	return hold == DL_HOLD_WRITE || hold == DL_HOLD_READ;
}

static __always_inline void dio_iocb_flags(struct kiocb *iocb, __u32 *flags, __u64 *ki_flags, __s64 *pos,
					   bool btf)
{
	int kf = DL_RD(btf, iocb, ki_flags);

	*ki_flags = (__u32)kf;
	if (kf & IOCB_DIRECT)
		*flags |= DL_F_DIRECT;
	if (kf & IOCB_DSYNC)
		*flags |= DL_F_DSYNC;
	if (kf & IOCB_SYNC)
		*flags |= DL_F_SYNC | DL_F_DSYNC;
	/* is_sync_kiocb(): no completion callback means the caller waits. */
	if (DL_RD(btf, iocb, ki_complete))
		*flags |= DL_F_AIO;
	*pos = DL_RD(btf, iocb, ki_pos);
}

/* iov_iter's data_source (a bitfield before v6.0, a bool since): a direct load where typed. */
static __always_inline bool dio_data_source(struct iov_iter *iter, bool btf)
{
	return btf ? BPF_CORE_READ_BITFIELD(iter, data_source) : BPF_CORE_READ_BITFIELD_PROBED(iter, data_source);
}

static __always_inline void dl_iocb_flags(struct dl_event *e, struct kiocb *iocb)
{
	dio_iocb_flags(iocb, &e->flags, &e->ki_flags, &e->pos, false);
}

/*
 * An AIO's submitter, for `trace` only: nothing from the kiocb leads back to
 * the task that called io_submit(2), and an AIO completes in a kworker or an
 * interrupt. The submission leaves it here, by kiocb (LRU: a failed
 * submission never completes); other commands never pay for it.
 */
struct dl_aio_owner {
	__u32 tgid;
	__u32 tid;
	char comm[DL_COMM_LEN];
	__u64 cgroup;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct dl_aio_owner);
} aio_owners SEC(".maps");

/* The record's path and submitter; elsewhere: not running in a task that could have submitted it. */
static __always_inline void set_origin(struct dl_event *e, struct kiocb *iocb, struct task_struct *cur,
				       bool elsewhere, bool btf)
{
	struct task_struct *sub;
	__u8 path = dl_kiocb_origin(iocb, cur, elsewhere, &sub, btf);
	__u64 key = (__u64)iocb;
	struct dl_aio_owner *o;

	if (path == DL_PATH_IO_URING_SQPOLL)
		sub = BPF_CORE_READ(cur, group_leader);
	dl_set_origin(e, path, sub);
	if (elsewhere)
		e->flags |= (cur->flags & PF_KTHREAD) ? DL_F_KWORKER : DL_F_IRQ;
	if (path != DL_PATH_AIO || !dl_stream_all())
		return;
	if (e->hdr.type == DL_EV_DIO_BEGIN) {
		struct dl_aio_owner v = { .tgid = e->sub_tgid, .tid = e->sub_tid, .cgroup = e->cgroup };

		__builtin_memcpy(v.comm, e->sub_comm, sizeof(v.comm));
		bpf_map_update_elem(&aio_owners, &key, &v, BPF_ANY);
	} else if (e->hdr.type == DL_EV_DIO_COMPLETE && !sub) {
		o = bpf_map_lookup_elem(&aio_owners, &key);
		if (!o)
			return;
		e->sub_tgid = o->tgid;
		e->sub_tid = o->tid;
		__builtin_memcpy(e->sub_comm, o->comm, sizeof(e->sub_comm));
		e->cgroup = o->cgroup;
		bpf_map_delete_elem(&aio_owners, &key);
	}
}

/*
 * Does this completion run somewhere other than in its submitter? A
 * synchronous DIO always completes in the task that waits for it; an
 * asynchronous one only inside that task's submission of the same kiocb
 * (the bio finished first); else in a kworker or, from v6.19, in the bio's
 * end_io in an interrupt: the task running then owns nothing of it.
 */
static __always_inline bool completion_elsewhere(struct kiocb *iocb, const struct dl_dio_ctx *d, bool btf)
{
	if (!DL_RD(btf, iocb, ki_complete))
		return false;
	/* submissions unseen (6.1 refuses fentry on __iomap_dio_rw's 7 arguments): only a kworker is sure */
	if (!track_submit)
		return bpf_get_current_task_btf()->flags & PF_KTHREAD;
	return !d || d->iocb != (__u64)iocb;
}

static __always_inline int on_dio_begin(void *ctx, struct kiocb *iocb, struct iov_iter *iter, bool btf)
{
	struct file *file = DL_RD(btf, iocb, ki_filp);
	struct inode *inode = DL_RD(btf, file, f_inode);
	/* the current task, once: each helper call counts on this path */
	struct task_struct *cur = bpf_get_current_task_btf();
	struct task_struct *owner;
	struct dl_task_ctx *tc;
	struct dl_dio_ctx *d;
	struct dl_ino_id id;
	struct dl_event *e;

	owner = owing_task(iocb, btf);
	if (owner)
		owed_add(owner, inode, 1);
	if (dl_task_filtered())
		return 0;
	/* stat needs it too: the DIO rule splits its latency histogram by lock */
	tc = dl_ctx_of(cur, true);
	/* a fallback later in this write syscall tried iomap first (fallback.bpf.c) */
	if (tc)
		tc->dio_seq = dl_write_seq_of(cur);
	if (!dl_ino_id(inode, &id, btf))
		return 0;
	dl_dio_count(id.fsid, DL_DIO_SUBMITTED);
	if (dl_stream_all()) {
		/* the submitter's own completion is told from one elsewhere by it (completion_elsewhere) */
		if (tc) {
			tc->dio.inode = (__u64)inode;
			tc->dio.iocb = (__u64)iocb;
			tc->dio.lock = (struct dl_rwsem_state){};
		}
		e = dl_reserve_inode(DL_EV_DIO_BEGIN, inode, btf);
		if (!e)
			return 0;
		dio_iocb_flags(iocb, &e->flags, &e->ki_flags, &e->pos, btf);
		e->len = DL_RD(btf, iter, count);
		if (bpf_core_field_exists(iter->data_source) && dio_data_source(iter, btf))
			e->flags |= DL_F_WRITE;
		set_origin(e, iocb, cur, false, btf);
		dl_submit(e);
		return 0;
	}
	if (!tc)
		return 0;
	/* kept, not sent: dl_flush_dio sends it if the DIO turns out to matter */
	d = &tc->dio;
	d->inode = (__u64)inode;
	d->iocb = (__u64)iocb;
	d->ts = bpf_ktime_get_ns();
	d->flags = 0;
	dio_iocb_flags(iocb, &d->flags, &d->ki_flags, &d->pos, btf);
	d->len = DL_RD(btf, iter, count);
	if (bpf_core_field_exists(iter->data_source) && dio_data_source(iter, btf))
		d->flags |= DL_F_WRITE;
	d->emitted = d->synced = d->classified = 0;
	d->lock = (struct dl_rwsem_state){};
	dl_rwsem_state(inode, &d->lock, btf);
	if (stat_on)
		tc->stat_dio_stack = dl_stat_stack(ctx);
	return 0;
}

/*
 * A completion under i_rwsem, judged with the shared rules: a benign one
 * folds into this CPU's slot (no record) unless it is the first of its key
 * here; anything worse always crosses, with its stack.
 */
static __always_inline void emit_complete(void *ctx, __u16 type, struct kiocb *iocb, struct inode *inode,
					  const struct dl_ino_id *id, const struct dl_rwsem_state *st, __u8 hold,
					  __u8 reason, __u32 extra_flags, __s64 ret, bool must, bool btf,
					  struct task_struct *cur)
{
	__u8 sev = dl_complete_severity(reason, hold_exact(hold));
	struct dl_fold_key k = {};
	struct task_struct *sub;
	__u64 now = bpf_ktime_get_ns();
	struct dl_event *e;
	__u32 flags = 0;
	__u64 kf;
	__s64 pos;

	dio_iocb_flags(iocb, &flags, &kf, &pos, btf);
	if (dl_fold_all() || (!must && sev == DL_SEV_INFO)) {
		k.kind = DL_FOLD_COMPLETE;
		k.reason = reason;
		k.mode = hold_mode(hold);
		k.flags = ((flags & DL_F_DSYNC) ? DL_FOLD_F_DSYNC : 0) | (hold_exact(hold) ? DL_FOLD_F_EXACT : 0);
		k.fsid = id->fsid;
		k.path = dl_kiocb_origin(iocb, cur, false, &sub, btf);
		k.tgid = cur->tgid;
		k.dev = id->dev;
		k.ino = id->ino;
		if (dl_fold(&k, bpf_get_current_cgroup_id(), now, dl_fold_all())) {
			dl_dio_count(id->fsid, DL_DIO_FOLDED);
			return;
		}
		if (dl_fold_all()) {
			/* this CPU's slot holds another key: counted, but not by kind */
			dl_count(DL_CNT_MAP_FULL);
			return;
		}
	}
	e = dl_reserve(type);
	if (!e)
		return;
	if (!dl_fill_ident(e, inode, DL_PROBED)) {
		bpf_ringbuf_discard(e, 0);
		return;
	}
	e->lock = *st;
	dl_rwsem_holder(&e->lock);
	if (track_acquire)
		dl_exact_holds(e);
	e->lock.cur_holds = hold;
	e->flags |= flags | extra_flags | DL_F_CLASSIFIED;
	e->ki_flags = kf;
	e->pos = pos;
	e->ret = ret;
	e->arg = reason;
	set_origin(e, iocb, cur, false, btf);
	dl_stack(ctx, e);
	dl_submit(e);
}

/*
 * -p for a completion that runs in a kworker or an interrupt: it is the
 * submitter's (io_uring names it; an AIO's is not known here, and passes).
 */
static __always_inline bool submitter_filtered(struct kiocb *iocb, bool btf)
{
	struct task_struct *sub;

	if (!targ_tgid && !targ_cgroup)
		return false;
	dl_kiocb_origin(iocb, bpf_get_current_task_btf(), true, &sub, btf);
	if (!sub)
		return false;
	return (targ_tgid && (__u32)BPF_CORE_READ(sub, tgid) != targ_tgid) ||
	       (targ_cgroup && !dl_task_in_cgroup(sub));
}

/* The completion's end: iomap:iomap_dio_complete (after its fsync), or fexit/kretprobe. */
static __always_inline int on_dio_complete(void *ctx, struct kiocb *iocb, int error, ssize_t ret, bool btf)
{
	struct task_struct *cur;
	struct inode *inode;
	struct file *file;
	struct dl_rwsem_state st = {};
	struct dl_task_ctx *tc;
	struct dl_dio_ctx *d;
	struct dl_ino_id id;
	struct dl_event *e;
	struct task_struct *owner;
	bool classified, elsewhere;
	__u8 hold;

	if (!iocb)
		return 0;
	cur = bpf_get_current_task_btf();
	file = DL_RD(btf, iocb, ki_filp);
	inode = DL_RD(btf, file, f_inode);
	tc = dl_ctx_of(cur, false);
	d = own_dio(tc, inode);
	owner = owing_task(iocb, btf);
	if (owner)
		owed_add(owner, inode, -1);
	/* a completion its issuer owed runs in that task's task_work: its own */
	elsewhere = completion_elsewhere(iocb, d, btf) && (__u64)owner != (__u64)cur;
	if (elsewhere ? submitter_filtered(iocb, btf) : dl_task_filtered())
		return 0;
	if (elsewhere) {
		/*
		 * Not the submitter's: a kworker's own state is still its own, an
		 * interrupted task's (v6.19+ completes in the bio's end_io) is not
		 * this completion's at all.
		 */
		d = NULL;
		if (!(cur->flags & PF_KTHREAD))
			tc = NULL;
	}
	if (!dl_ino_id(inode, &id, btf))
		return 0;
	classified = tc && tc->complete_classified;
	if (tc) {
		tc->complete_classified = 0;
		tc->completing = 0;
	}
	dl_dio_count(id.fsid, DL_DIO_COMPLETED);
	if (elsewhere) {
		if (!(cur->flags & PF_KTHREAD))
			dl_dio_count(id.fsid, DL_DIO_IN_IRQ);
		dl_rwsem_state(inode, &st, btf);
		st.cur_holds = DL_HOLD_NO;
		hold = DL_HOLD_NO;
	} else {
		hold = completion_hold(inode, id.fsid, tc, d, &st, btf);
	}
	if (hold != DL_HOLD_NO)
		dl_dio_count(id.fsid, hold == DL_HOLD_WRITE ? DL_DIO_UNDER_WRITE : DL_DIO_UNDER_READ);
	if (stat_on)
		stat_dio_complete(iocb, inode, d, tc, hold_mode(hold), btf);
	if (dl_stream_all()) {
		e = dl_reserve_inode(DL_EV_DIO_COMPLETE, inode, btf);
		if (e) {
			dio_iocb_flags(iocb, &e->flags, &e->ki_flags, &e->pos, btf);
			e->ret = error ? error : ret;
			if (elsewhere)
				e->lock.cur_holds = DL_HOLD_NO;
			set_origin(e, iocb, cur, elsewhere, btf);
			dl_submit(e);
		}
	} else if (!dl_records_off() || dl_fold_all()) {
		/* the analyzer saw this DIO begin: it must see it end */
		bool tracked = d && d->emitted;
		bool dsync = DL_RD(btf, iocb, ki_flags) & (IOCB_DSYNC | IOCB_SYNC);

		if (hold != DL_HOLD_NO && !classified)
			emit_complete(ctx, DL_EV_DIO_COMPLETE, iocb, inode, &id, &st, hold,
				      dl_complete_reason_at_end(id.fsid, dsync, d && d->synced), 0,
				      error ? error : ret, tracked, btf, cur);
		else if (tracked)
			emit_complete(ctx, DL_EV_DIO_COMPLETE, iocb, inode, &id, &st, hold, DL_CR_NONE, 0,
				      error ? error : ret, true, btf, cur);
	}
	if (d)
		d->inode = 0;
	return 0;
}

static __always_inline int on_dio_queued(void *ctx, struct inode *inode, loff_t off, u64 len)
{
	struct dl_task_ctx *tc;
	struct dl_dio_ctx *d;
	struct dl_ino_id id;
	struct dl_event *e;
	bool emitted;

	if (dl_task_filtered() || !dl_ino_id(inode, &id, DL_PROBED))
		return 0;
	dl_dio_count(id.fsid, DL_DIO_QUEUED);
	tc = dl_ctx(false);
	d = own_dio(tc, inode);
	emitted = d && d->emitted;
	/* completion runs elsewhere: the submitter's DIO context ends here */
	if (d) {
		if (stat_on)
			stat_dio_queued(tc);
		d->inode = 0;
	}
	if (!dl_stream_all() && !emitted)
		return 0;
	e = dl_reserve_inode(DL_EV_DIO_QUEUED, inode, DL_PROBED);
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
 * clears it before its own tracepoint) or on the file (v6.10).
 */
static __always_inline int on_dio_complete_begin(void *ctx, struct iomap_dio *dio)
{
	struct kiocb *iocb = BPF_CORE_READ(dio, iocb);
	struct inode *inode = BPF_CORE_READ(iocb, ki_filp, f_inode);
	struct dl_rwsem_state st = {};
	struct dl_task_ctx *tc;
	struct dl_dio_ctx *d;
	struct dl_ino_id id;
	struct dl_event *e;
	bool need_sync, stub, dsync;
	__u32 jflags;
	__u8 hold;

	dl_stash(DL_STASH_COMPLETE, (__u64)iocb);
	if (dl_task_filtered() || !dl_ino_id(inode, &id, DL_PROBED))
		return 0;
	need_sync = BPF_CORE_READ(dio, flags) & IOMAP_DIO_NEED_SYNC;
	jflags = id.fsid == DL_FSID_BTRFS ? dl_stub_flags(BPF_CORE_READ(iocb, ki_filp), true) : DL_F_JINFO;
	stub = jflags & DL_F_STUB;
	/* a wait inside this completion's fsync says so (DL_F_COMPLETING) */
	tc = need_sync && !dl_records_off() ? dl_ctx(true) : NULL;
	if (tc)
		tc->completing = (__u64)inode;
	if (dl_stream_all()) {
		e = dl_reserve_inode(DL_EV_DIO_COMPLETE_BEGIN, inode, DL_PROBED);
		if (!e)
			return 0;
		dl_iocb_flags(e, iocb);
		if (need_sync)
			e->flags |= DL_F_NEED_SYNC;
		e->flags |= jflags;
		set_origin(e, iocb, bpf_get_current_task_btf(),
			   completion_elsewhere(iocb, own_dio(dl_ctx(false), inode), false), false);
		dl_submit(e);
		return 0;
	}
	if (dl_records_off() && !dl_fold_all())
		return 0;
	if (!tc)
		tc = dl_ctx(true);
	d = own_dio(tc, inode);
	/* a kworker's or an interrupt's: never judged by the task running it */
	if (completion_elsewhere(iocb, d, false))
		return 0;
	hold = completion_hold(inode, id.fsid, tc, d, &st, false);
	if (hold == DL_HOLD_NO)
		return 0;
	if (tc)
		tc->complete_classified = 1;
	dsync = BPF_CORE_READ(iocb, ki_flags) & (IOCB_DSYNC | IOCB_SYNC);
	emit_complete(ctx, DL_EV_DIO_COMPLETE_BEGIN, iocb, inode, &id, &st, hold,
		      dl_complete_reason_at_entry(id.fsid, dsync, need_sync, stub),
		      jflags | (need_sync ? DL_F_NEED_SYNC : 0), 0,
		      d && d->emitted, false, bpf_get_current_task_btf());
	return 0;
}


DL_TRACEPOINT(iomap_dio_rw_begin, on_dio_begin(ctx, iocb, iter, btf),
	      struct kiocb *iocb, struct iov_iter *iter, unsigned int dio_flags, size_t done_before)
DL_TRACEPOINT(iomap_dio_complete, on_dio_complete(ctx, iocb, error, ret, btf),
	      struct kiocb *iocb, int error, ssize_t ret)
DL_TRACEPOINT(iomap_dio_rw_queued, on_dio_queued(ctx, inode, off, len),
	      struct inode *inode, loff_t off, u64 len)

DL_FENTRY(__iomap_dio_rw, on_dio_begin(ctx, iocb, iter, btf),
	  struct kiocb *iocb, struct iov_iter *iter)
DL_FEXIT(__iomap_dio_rw, on_submit_return(ctx, iocb, dl_fexit_ret(ctx)), struct kiocb *iocb)
DL_KPROBE(__iomap_dio_rw, (dl_stash(DL_STASH_SUBMIT, (__u64)iocb), on_dio_begin(ctx, iocb, iter, btf)),
	  struct kiocb *iocb, struct iov_iter *iter)
DL_KRETPROBE(__iomap_dio_rw, on_submit_return(ctx, (void *)dl_unstash(DL_STASH_SUBMIT), (long)ret),
	     void *ret)

DL_FENTRY(iomap_dio_complete, on_dio_complete_begin(ctx, dio), struct iomap_dio *dio)
DL_FEXIT(iomap_dio_complete, on_dio_complete(ctx, (void *)dl_unstash(DL_STASH_COMPLETE), 0, ret, false),
	 struct iomap_dio *dio, ssize_t ret)
DL_KPROBE(iomap_dio_complete, on_dio_complete_begin(ctx, dio), struct iomap_dio *dio)
DL_KRETPROBE(iomap_dio_complete, on_dio_complete(ctx, (void *)dl_unstash(DL_STASH_COMPLETE), 0, ret, false),
	     ssize_t ret)
