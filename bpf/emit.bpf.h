/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Records out: reserve, fill, submit to the ring buffer, stacks; a DIO's
 * records kept in the task until they matter (dl_flush_dio). Included by
 * diolock.bpf.h.
 */
#ifndef DIOLOCK_EMIT_BPF_H
#define DIOLOCK_EMIT_BPF_H

static __always_inline struct dl_event *dl_reserve(__u16 type)
{
	struct dl_event *e;
	__u64 id = bpf_get_current_pid_tgid();

	/* records switched off is not a loss: nothing is counted */
	if (dl_records_off())
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
	e->cgroup = bpf_get_current_cgroup_id();
	return e;
}

/* A record about an inode: NULL when the buffer is full or the filters reject the inode. */
static __always_inline struct dl_event *dl_reserve_inode(__u16 type, struct inode *inode, bool btf)
{
	struct dl_event *e = dl_reserve(type);

	if (e && !dl_fill_inode(e, inode, btf)) {
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
	if (!dl_fill_ident(e, (void *)inode, DL_PROBED)) {
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

	if (!tc || dl_stream_all() || dl_records_off())
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
	e->stack_id = dl_stackid(ctx, BPF_F_FAST_STACK_CMP);
}

#endif /* DIOLOCK_EMIT_BPF_H */
