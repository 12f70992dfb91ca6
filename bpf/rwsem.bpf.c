// SPDX-License-Identifier: GPL-2.0
/*
 * i_rwsem waits. lock:contention_begin/end (v5.19+) fire only in the rwsem
 * slow path after the task queued itself: optimistic spinning and reader
 * lock stealing are invisible there. The function tiers hook the slow paths
 * themselves, so they also see waits that end by spinning.
 *
 * Every i_rwsem wait crosses as a record, with its stack: a wait is where a
 * self-deadlock, a cycle or a long wait shows, and the self-deadlock must be
 * printed before the task hangs. The wait in progress lives in the task's
 * storage; if the task is inside a DIO, that DIO's begin crosses first.
 */
#include "diolock.bpf.h"
#include "stat.bpf.h"

/* Who makes this task wait: read at wait begin, charged at wait end. */
static __always_inline void note_holder(struct inode *inode, struct dl_wait *w)
{
	struct dl_rwsem_state st = {};
	struct task_struct *owner;

	dl_read_rwsem(inode, &st);
	w->holder = st.holder_tid;
	w->holder_mode = st.mode;
	owner = (void *)(st.owner & RWSEM_OWNER_MASK);
	if (w->holder && owner)
		bpf_probe_read_kernel_str(w->holder_comm, sizeof(w->holder_comm), &owner->comm);
}

static __always_inline int on_wait_begin(void *ctx, void *lock, unsigned int flags)
{
	struct dl_ident id = {};
	struct dl_task_ctx *tc;
	struct inode *inode;
	struct dl_event *e;
	struct dl_wait *w;

	/* Plain rwsem read/write waits (RT rwsems add LCB_F_RT); nothing else. */
	if ((flags & ~LCB_F_RT) != LCB_F_READ && (flags & ~LCB_F_RT) != LCB_F_WRITE)
		return 0;
	if (dl_task_filtered())
		return 0;
	inode = dl_inode_of_rwsem(lock);
	if (!inode)
		return 0;
	tc = dl_ctx(true);
	if (!tc) {
		dl_count(DL_CNT_MAP_FULL);
		return 0;
	}
	w = &tc->wait;
	w->lock = 0;
	w->emitted = 0;
	w->flags = flags;
	w->stack_id = -1;
	if (!events_off) {
		dl_flush_dio(tc);
		e = dl_reserve(DL_EV_WAIT_BEGIN);
		if (!e)
			return 0;	/* ring buffer full: counted by dl_reserve */
		if (!dl_fill_inode(e, inode)) {
			bpf_ringbuf_discard(e, 0);
			return 0;
		}
		e->arg = flags;
		e->flags |= (flags & LCB_F_READ) ? DL_F_WAIT_READ : DL_F_WAIT_WRITE;
		if (tc->completing == (__u64)inode) {
			e->flags |= DL_F_COMPLETING;
			e->len = (__u32)BPF_CORE_READ(inode, i_dio_count.counter);
		}
		dl_stack(ctx, e);
		w->ts = e->hdr.ts_ns;
		w->stack_id = e->stack_id;
		w->emitted = 1;
		w->lock = (__u64)lock;
		if (stat_on)
			note_holder(inode, w);
		dl_submit(e);
		return 0;
	}
	if (!stat_on || !dl_ident_of(inode, &id))
		return 0;
	/* histograms only: the filters dl_fill_inode would have applied */
	w->ts = bpf_ktime_get_ns();
	w->stack_id = dl_stat_stack(ctx);
	w->lock = (__u64)lock;
	note_holder(inode, w);
	return 0;
}

/* One wait ended: its histogram, and top's waiter and holder totals. */
static __always_inline void stat_wait_end(struct inode *inode, struct dl_wait *w)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	__u8 mode = (w->flags & LCB_F_READ) ? DL_LOCK_READ : DL_LOCK_WRITE;
	__u64 ns = bpf_ktime_get_ns() - w->ts;
	struct dl_ident id = {};

	if (!dl_ident_of(inode, &id))
		return;
	dl_hist_add(mode == DL_LOCK_READ ? DL_HIST_WAIT_READ : DL_HIST_WAIT_WRITE, &id, w->stack_id, NULL, ns);
	dl_lock_task_add(&id, tid, DL_ROLE_WAITER, NULL, mode, ns);
	if (w->holder && w->holder != tid)
		dl_lock_task_add(&id, w->holder, DL_ROLE_HOLDER, w->holder_comm, w->holder_mode, ns);
}

static __always_inline int on_wait_end(void *ctx, void *lock, int ret)
{
	struct dl_task_ctx *tc = dl_ctx(false);
	struct dl_event *e;
	struct inode *inode;
	struct dl_wait *w;

	if (!tc)
		return 0;
	w = &tc->wait;
	/* a return probe does not know the lock: the task waits on one at a time */
	if (!w->lock || (lock && w->lock != (__u64)lock))
		return 0;
	lock = (void *)w->lock;
	w->lock = 0;
	inode = dl_inode_of_rwsem(lock);
	if (!inode)
		return 0;
	if (stat_on)
		stat_wait_end(inode, w);
	if (!w->emitted)
		return 0;
	e = dl_reserve(DL_EV_WAIT_END);
	if (e) {
		dl_fill_inode(e, inode);
		e->ret = ret;
		e->len = e->hdr.ts_ns - w->ts;
		dl_submit(e);
	}
	return 0;
}

DL_TRACEPOINT(contention_begin, on_wait_begin(ctx, lock, flags), void *lock, unsigned int flags)
DL_TRACEPOINT(contention_end, on_wait_end(ctx, lock, ret), void *lock, int ret)

/* The slow paths return the semaphore, or ERR_PTR(-EINTR) for killable waits. */
#define SLOWPATH_RET(r) ((long)(r) < 0 && (long)(r) >= -4095 ? (int)(long)(r) : 0)

DL_FENTRY(rwsem_down_write_slowpath, on_wait_begin(ctx, sem, LCB_F_WRITE),
	  struct rw_semaphore *sem)
DL_FEXIT(rwsem_down_write_slowpath, on_wait_end(ctx, sem, SLOWPATH_RET(dl_fexit_ret(ctx))),
	 struct rw_semaphore *sem)
DL_FENTRY(rwsem_down_read_slowpath, on_wait_begin(ctx, sem, LCB_F_READ),
	  struct rw_semaphore *sem)
DL_FEXIT(rwsem_down_read_slowpath, on_wait_end(ctx, sem, SLOWPATH_RET(dl_fexit_ret(ctx))),
	 struct rw_semaphore *sem)
DL_KPROBE(rwsem_down_write_slowpath, on_wait_begin(ctx, sem, LCB_F_WRITE), struct rw_semaphore *sem)
DL_KRETPROBE(rwsem_down_write_slowpath, on_wait_end(ctx, NULL, SLOWPATH_RET(ret)), void *ret)
DL_KPROBE(rwsem_down_read_slowpath, on_wait_begin(ctx, sem, LCB_F_READ), struct rw_semaphore *sem)
DL_KRETPROBE(rwsem_down_read_slowpath, on_wait_end(ctx, NULL, SLOWPATH_RET(ret)), void *ret)
