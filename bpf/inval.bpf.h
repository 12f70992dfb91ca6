/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Waits on a mapping's invalidate_lock (v5.15+): truncate, hole punching and
 * fallocate write-take it, page faults and readahead read-take it, and xfs
 * holds it for write across zero-range and unshare. Reached like mmap_lock
 * (mm.bpf.h): only a contended one, after the lock proved no inode's
 * i_rwsem. A wait crosses as a record when the graph needs it: the task is
 * inside a DIO or holds an i_rwsem, it write-holds this very lock itself
 * (the recursion of xfs zero-range and unshare under iomap before 6.12-rc4,
 * a self-deadlock every tier sees from the lock's owner), or `trace`
 * streams everything. Included by rwsem.bpf.c after mm.bpf.h.
 */
#ifndef DIOLOCK_INVAL_BPF_H
#define DIOLOCK_INVAL_BPF_H

/*
 * A task starts to sleep on lock, a mapping's invalidate_lock: false if it is
 * not one. via: DL_WAIT_VIA_RTMUTEX for an RT writer on its rt_mutex.
 */
static __always_inline bool dl_inval_wait_begin(void *ctx, void *lock, unsigned int flags, __u32 via)
{
	struct inode *inode = dl_inode_of_invalidate_lock(lock);
	struct dl_rwsem_state st = {};
	struct dl_task_ctx *tc;
	struct dl_event *e;
	struct dl_wait *w;

	if (!inode)
		return false;
	if (dl_records_off())
		return true;
	dl_read_sem(lock, &st);
	tc = dl_ctx(false);
	if (st.cur_holds != DL_HOLD_WRITE && !dl_stream_all() && !dl_other_wait_on_graph(tc))
		return true;
	tc = dl_ctx_made(tc);
	if (!tc)
		return true;
	dl_flush_dio(tc);	/* the DIO it waits inside crosses first */
	e = dl_reserve(DL_EV_INVAL_WAIT_BEGIN);
	if (!e)
		return true;
	if (!dl_fill_ident(e, inode, DL_PROBED)) {
		bpf_ringbuf_discard(e, 0);
		return true;
	}
	e->lock_addr = (__u64)lock;
	e->lock = st;
	if (track_acquire)
		dl_exact_holds(e);
	e->arg = flags;
	e->flags |= (flags & LCB_F_READ) ? DL_F_WAIT_READ : DL_F_WAIT_WRITE;
	dl_stack(ctx, e);
	w = &tc->wait;
	w->lock = (__u64)lock;
	w->flags = flags | via | DL_WAIT_VIA_INVAL;
	w->ts = e->hdr.ts_ns;
	w->stack_id = -1;
	w->emitted = 1;
	w->deferred = 0;
	dl_submit(e);
	return true;
}

static __always_inline int dl_inval_wait_end(struct dl_wait *w, int ret)
{
	struct inode *inode = dl_inode_of_invalidate_lock((void *)w->lock);
	__u64 lock = w->lock;
	struct dl_event *e;

	w->lock = 0;
	if (!inode)
		return 0;
	e = dl_reserve(DL_EV_INVAL_WAIT_END);
	if (!e)
		return 0;
	if (!dl_fill_ident(e, inode, DL_PROBED)) {
		bpf_ringbuf_discard(e, 0);
		return 0;
	}
	e->lock_addr = lock;
	e->ret = ret;
	e->len = e->hdr.ts_ns - w->ts;
	dl_submit(e);
	return 0;
}

#endif /* DIOLOCK_INVAL_BPF_H */
