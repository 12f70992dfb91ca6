/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Waits on a process's mmap_lock: the rwsem GUP read-takes to pin a DIO's
 * user pages when they are not mapped yet (gup_fast failed), page faults
 * take (all of them before per-VMA locks, v6.4), and mmap, munmap,
 * mprotect and mremap write-take. It is taken far more often than any
 * i_rwsem, so nothing here runs for an uncontended one: only the rwsem slow
 * paths (function tiers) and lock:contention_begin/end (tracepoint tiers)
 * reach it, after they found the lock is no inode's. A wait is recognised
 * by address: the lock is the waiter's own mm->mmap_lock (a DIO pins its own
 * process's pages; io-wq workers share that mm). A wait crosses as a record
 * only where the graph needs it: the task is inside a DIO or holds an
 * i_rwsem (a DIO waiting for its process's mmap_lock while the writer of
 * that lock waits for the DIO's inode is a cycle), or `trace` streams
 * everything; the others count in stat's histograms alone. Included by
 * rwsem.bpf.c, whose wait programs these share.
 */
#ifndef DIOLOCK_MM_BPF_H
#define DIOLOCK_MM_BPF_H

/* What a `stat` key names an mmap_lock by: its process (ino: the pid), no device. */
#define DL_MMAP_FS "mmap_lock"

/* Whether lock is the current task's mm->mmap_lock (kernels before v5.8 call it mmap_sem: never). */
static __always_inline bool dl_is_own_mmap_lock(void *lock)
{
	struct mm_struct *mm;

	if (!bpf_core_field_exists(struct mm_struct, mmap_lock))
		return false;
	mm = BPF_CORE_READ((struct task_struct *)bpf_get_current_task(), mm);
	return mm && (char *)mm + bpf_core_field_offset(struct mm_struct, mmap_lock) == lock;
}

/*
 * Whether this task's wait on a lock other than an i_rwsem (an mmap_lock, an
 * invalidate_lock) belongs on the graph: it is inside a DIO or holds an
 * i_rwsem. Where no hook sees a DIO begin nor an acquisition (the
 * tracepoint tier before v6.5's iomap tracepoints), any wait may be inside
 * one: all cross.
 */
static __always_inline bool dl_other_wait_on_graph(const struct dl_task_ctx *tc)
{
	if (!track_submit && !track_acquire)
		return true;
	if (!tc)
		return false;
	if (tc->dio.inode || tc->completing)
		return true;
	for (int i = 0; i < DL_MAX_HELD; i++)
		if (tc->held.lock[i])
			return true;
	return false;
}

/* --ino, --dev, --fs ask about files: a process's lock is none, unless the waiter is in their I/O. */
static __always_inline bool dl_files_filtered(void)
{
	return targ_ino || targ_dev || targ_fs[0];
}

/* tc, or the task's storage made now if it had none; NULL (counted) when there is no room. */
static __always_inline struct dl_task_ctx *dl_ctx_made(struct dl_task_ctx *tc)
{
	if (!tc)
		tc = dl_ctx(true);
	if (!tc)
		dl_count(DL_CNT_MAP_FULL);
	return tc;
}

static __always_inline void dl_mm_ident(struct dl_ident *id)
{
	id->ino = bpf_get_current_pid_tgid() >> 32;
	id->dev = 0;
	__builtin_memcpy(id->fs, DL_MMAP_FS, sizeof(DL_MMAP_FS));
}

/*
 * A task starts to sleep on lock, its own mm's mmap_lock: false if it is not
 * that. via: DL_WAIT_VIA_RTMUTEX for an RT writer queueing on its rt_mutex.
 */
static __always_inline bool dl_mm_wait_begin(void *ctx, void *lock, unsigned int flags, __u32 via)
{
	struct dl_task_ctx *tc;
	struct dl_event *e;
	bool send, count, graph;
	struct dl_wait *w;

	if (!dl_is_own_mmap_lock(lock))
		return false;
	tc = dl_ctx(false);
	graph = dl_other_wait_on_graph(tc);
	send = !dl_records_off() && (graph || (dl_stream_all() && !dl_files_filtered()));
	count = stat_on && (graph || !dl_files_filtered());
	if (!send && !count)
		return true;
	tc = dl_ctx_made(tc);
	if (!tc)
		return true;
	w = &tc->wait;
	w->lock = (__u64)lock;
	w->flags = flags | via | DL_WAIT_VIA_MM | (count ? DL_WAIT_MM_STAT : 0);
	w->ts = bpf_ktime_get_ns();
	w->stack_id = dl_stat_stack(ctx);
	w->emitted = 0;
	w->deferred = 0;
	if (!send)
		return true;
	dl_flush_dio(tc);	/* the DIO it waits inside crosses first */
	e = dl_reserve(DL_EV_MMAP_WAIT_BEGIN);
	if (!e)
		return true;
	e->lock_addr = (__u64)lock;
	dl_read_sem(lock, &e->lock);
	if (track_acquire)
		dl_exact_holds(e);
	e->arg = flags;
	e->flags |= (flags & LCB_F_READ) ? DL_F_WAIT_READ : DL_F_WAIT_WRITE;
	dl_stack(ctx, e);
	w->ts = e->hdr.ts_ns;
	w->emitted = 1;
	dl_submit(e);
	return true;
}

static __always_inline int dl_mm_wait_end(struct dl_wait *w, int ret)
{
	__u64 ns = bpf_ktime_get_ns() - w->ts;
	__u64 lock = w->lock;
	struct dl_event *e;

	w->lock = 0;
	if (w->flags & DL_WAIT_MM_STAT) {
		struct task_struct *cur = (void *)bpf_get_current_task();
		char comm[DL_COMM_LEN] = {};
		struct dl_ident id = {};

		dl_mm_ident(&id);
		/* the process's name (its leader's), not the waiting thread's */
		bpf_probe_read_kernel_str(comm, sizeof(comm), BPF_CORE_READ(cur, group_leader, comm));
		dl_hist_add((w->flags & LCB_F_READ) ? DL_HIST_MMAP_WAIT_READ : DL_HIST_MMAP_WAIT_WRITE, &id,
			    w->stack_id, comm, 0, ns);
	}
	if (!w->emitted)
		return 0;
	e = dl_reserve(DL_EV_MMAP_WAIT_END);
	if (!e)
		return 0;
	e->lock_addr = lock;
	e->ret = ret;
	e->len = ns;
	dl_submit(e);
	return 0;
}

#endif /* DIOLOCK_MM_BPF_H */
