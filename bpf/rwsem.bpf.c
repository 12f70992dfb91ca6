// SPDX-License-Identifier: GPL-2.0
/*
 * i_rwsem waits. lock:contention_begin/end (v5.19+) fire only in the rwsem
 * slow path after the task queued itself: optimistic spinning and reader
 * lock stealing are invisible there. The function tiers hook the slow paths
 * themselves, so they also see waits that end by spinning.
 */
#include "diolock.bpf.h"

struct wait_start {
	__u64 lock;
	__u64 ts;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, struct wait_start);
} waits SEC(".maps");

static __always_inline int on_wait_begin(void *ctx, void *lock, unsigned int flags)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct wait_start ws = {};
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
	e = dl_reserve(DL_EV_WAIT_BEGIN);
	if (!e)
		return 0;
	if (!dl_fill_inode(e, inode)) {
		bpf_ringbuf_discard(e, 0);
		return 0;
	}
	e->arg = flags;
	e->flags |= (flags & LCB_F_READ) ? DL_F_WAIT_READ : DL_F_WAIT_WRITE;
	dl_stack(ctx, e);
	ws.lock = (__u64)lock;
	ws.ts = e->hdr.ts_ns;
	if (bpf_map_update_elem(&waits, &tid, &ws, BPF_ANY))
		dl_count(DL_CNT_MAP_FULL);
	dl_submit(e);
	return 0;
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
DL_FEXIT(rwsem_down_write_slowpath, on_wait_end(ctx, sem, SLOWPATH_RET(ret)),
	 struct rw_semaphore *sem, int state, void *ret)
DL_FENTRY(rwsem_down_read_slowpath, on_wait_begin(ctx, sem, LCB_F_READ),
	  struct rw_semaphore *sem)
DL_FEXIT(rwsem_down_read_slowpath, on_wait_end(ctx, sem, SLOWPATH_RET(ret)),
	 struct rw_semaphore *sem, long count, unsigned int state, void *ret)
DL_KPROBE(rwsem_down_write_slowpath, on_wait_begin(ctx, sem, LCB_F_WRITE), struct rw_semaphore *sem)
DL_KRETPROBE(rwsem_down_write_slowpath, on_wait_end(ctx, NULL, SLOWPATH_RET(ret)), void *ret)
DL_KPROBE(rwsem_down_read_slowpath, on_wait_begin(ctx, sem, LCB_F_READ), struct rw_semaphore *sem)
DL_KRETPROBE(rwsem_down_read_slowpath, on_wait_end(ctx, NULL, SLOWPATH_RET(ret)), void *ret)
