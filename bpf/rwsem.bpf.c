// SPDX-License-Identifier: GPL-2.0
/*
 * i_rwsem waits. lock:contention_begin/end (v5.19+) fire only in the rwsem
 * slow path after the task queued itself: optimistic spinning and reader
 * lock stealing are invisible there. The function tiers hook the slow paths
 * themselves, so they also see waits that end by spinning.
 */
#include "diolock.bpf.h"
#include "stat.bpf.h"

struct wait_start {
	__u64 lock;
	__u64 ts;
	/* for the stat histograms, folded at the wait's end */
	__u32 flags;		/* lock:contention_begin flags */
	__u32 holder;		/* holder tid at wait begin (for readers: the hint) */
	__s32 stack_id;
	__u8 holder_mode;	/* enum dl_lock_mode at wait begin */
	__u8 pad[3];
	char holder_comm[DL_COMM_LEN];
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, struct wait_start);
} waits SEC(".maps");

/* Who makes this task wait: read at wait begin, charged at wait end. */
static __always_inline void note_holder(struct inode *inode, struct wait_start *ws)
{
	struct dl_rwsem_state st = {};
	struct task_struct *owner;

	dl_read_rwsem(inode, &st);
	ws->holder = st.holder_tid;
	ws->holder_mode = st.mode;
	owner = (void *)(st.owner & RWSEM_OWNER_MASK);
	if (ws->holder && owner)
		bpf_probe_read_kernel_str(ws->holder_comm, sizeof(ws->holder_comm), &owner->comm);
}

static __always_inline int on_wait_begin(void *ctx, void *lock, unsigned int flags)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct wait_start ws = {};
	struct dl_ident id = {};
	struct inode *inode;
	struct dl_event *e;

	/* Plain rwsem read/write waits (RT rwsems add LCB_F_RT); nothing else. */
	if ((flags & ~LCB_F_RT) != LCB_F_READ && (flags & ~LCB_F_RT) != LCB_F_WRITE)
		return 0;
	if (dl_task_filtered())
		return 0;
	inode = dl_inode_of_rwsem(lock);
	if (!inode)
		return 0;
	ws.lock = (__u64)lock;
	ws.flags = flags;
	e = dl_reserve(DL_EV_WAIT_BEGIN);
	if (e) {
		if (!dl_fill_inode(e, inode)) {
			bpf_ringbuf_discard(e, 0);
			return 0;
		}
		e->arg = flags;
		e->flags |= (flags & LCB_F_READ) ? DL_F_WAIT_READ : DL_F_WAIT_WRITE;
		dl_stack(ctx, e);
		ws.ts = e->hdr.ts_ns;
		ws.stack_id = e->stack_id;
	} else if (events_off && stat_on) {
		/* histograms only: the filters dl_fill_inode would have applied */
		if (!dl_ident_of(inode, &id))
			return 0;
		ws.ts = bpf_ktime_get_ns();
		ws.stack_id = dl_stat_stack(ctx);
	} else {
		return 0;	/* ring buffer full: counted by dl_reserve */
	}
	if (stat_on)
		note_holder(inode, &ws);
	if (bpf_map_update_elem(&waits, &tid, &ws, BPF_ANY))
		dl_count(DL_CNT_MAP_FULL);
	if (e)
		dl_submit(e);
	return 0;
}

/* One wait ended: its histogram, and top's waiter and holder totals. */
static __always_inline void stat_wait_end(struct inode *inode, struct wait_start *ws)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	__u8 mode = (ws->flags & LCB_F_READ) ? DL_LOCK_READ : DL_LOCK_WRITE;
	__u64 ns = bpf_ktime_get_ns() - ws->ts;
	struct dl_ident id = {};

	if (!dl_ident_of(inode, &id))
		return;
	dl_hist_add(mode == DL_LOCK_READ ? DL_HIST_WAIT_READ : DL_HIST_WAIT_WRITE, &id, ws->stack_id, NULL, ns);
	dl_lock_task_add(&id, tid, DL_ROLE_WAITER, NULL, mode, ns);
	if (ws->holder && ws->holder != tid)
		dl_lock_task_add(&id, ws->holder, DL_ROLE_HOLDER, ws->holder_comm, ws->holder_mode, ns);
}

static __always_inline int on_wait_end(void *ctx, void *lock, int ret)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct wait_start *ws;
	struct dl_event *e;
	struct inode *inode;

	ws = bpf_map_lookup_elem(&waits, &tid);
	/* a return probe does not know the lock: the task waits on one at a time */
	if (!ws || (lock && ws->lock != (__u64)lock))
		return 0;
	lock = (void *)ws->lock;
	inode = dl_inode_of_rwsem(lock);
	if (stat_on && inode)
		stat_wait_end(inode, ws);
	e = inode ? dl_reserve(DL_EV_WAIT_END) : NULL;
	if (e) {
		dl_fill_inode(e, inode);
		e->ret = ret;
		e->len = e->hdr.ts_ns - ws->ts;
		dl_submit(e);
	}
	bpf_map_delete_elem(&waits, &tid);
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
