/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Lock decoding: which inode a lock pointer belongs to, an i_rwsem's state
 * (count, owner, RT's rwbase) and, with acquisition tracking, its exact
 * holders. Included by diolock.bpf.h.
 */
#ifndef DIOLOCK_LOCK_BPF_H
#define DIOLOCK_LOCK_BPF_H

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
 * rwbase_rt: readers == WRITER_BIAS while a writer holds it (the rt_mutex
 * owner); READER_BIAS + n with n readers and no writer; n (< WRITER_BIAS)
 * while a writer owns the rt_mutex and waits for n readers to leave. Readers
 * are counted, never named: no reader hint on RT.
 */
static __always_inline void dl_read_rwsem_rt(struct rw_semaphore___rt *sem, struct dl_rwsem_state *st, __u64 cur)
{
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

/* count and owner, read: the mode, the readers, and whether the current task (cur) holds it. */
static __always_inline void dl_rwsem_decode(struct dl_rwsem_state *st, __u64 cur)
{
	__u64 owner = st->owner & RWSEM_OWNER_MASK;

	st->readers = (st->count >> RWSEM_READER_SHIFT) & ((1ULL << 55) - 1);
	/* Gate on count: owner is only a hint for readers and may be stale. */
	if (st->count & RWSEM_WRITER_LOCKED) {
		st->mode = DL_LOCK_WRITE;
		if (!(st->owner & RWSEM_READER_OWNED) && owner == cur)
			st->cur_holds = DL_HOLD_WRITE;
	} else if (st->readers) {
		st->mode = DL_LOCK_READ;
		if ((st->owner & RWSEM_READER_OWNED) && owner == cur)
			st->cur_holds = DL_HOLD_READ_HINT;
	}
}

static __always_inline void dl_rwsem_state(struct inode *inode, struct dl_rwsem_state *st, bool btf)
{
	/*
	 * A number, not bpf_get_current_task_btf(): the verifier keeps a BTF
	 * pointer a pointer through casts, and refuses the masking the
	 * comparisons below compile to (PREEMPT_RT's branch, seen on 6.12-rt).
	 */
	__u64 cur = (__u64)bpf_get_current_task();

	if (dl_rwsem_layout() == DL_LAYOUT_RWBASE_RT) {
		dl_read_rwsem_rt((void *)&inode->i_rwsem, st, cur);
		return;
	}
	/* neither layout: say we cannot tell */
	if (dl_rwsem_layout() != DL_LAYOUT_RWSEM) {
		st->mode = DL_LOCK_UNKNOWN;
		return;
	}
	st->count = DL_RD(btf, inode, i_rwsem.count.counter);
	st->owner = DL_RD(btf, inode, i_rwsem.owner.counter);
	dl_rwsem_decode(st, cur);
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
static __always_inline void dl_read_rwsem(struct inode *inode, struct dl_rwsem_state *st, bool btf)
{
	dl_rwsem_state(inode, st, btf);
	dl_rwsem_holder(st);
}

/*
 * Any rw_semaphore's state with its holder (an mmap_lock), read through
 * probes: the same layouts as an inode's i_rwsem.
 */
static __always_inline void dl_read_sem(struct rw_semaphore *sem, struct dl_rwsem_state *st)
{
	__u64 cur = (__u64)bpf_get_current_task();

	if (dl_rwsem_layout() == DL_LAYOUT_RWBASE_RT) {
		dl_read_rwsem_rt((void *)sem, st, cur);
	} else if (dl_rwsem_layout() == DL_LAYOUT_RWSEM) {
		st->count = BPF_CORE_READ(sem, count.counter);
		st->owner = BPF_CORE_READ(sem, owner.counter);
		dl_rwsem_decode(st, cur);
	} else {
		st->mode = DL_LOCK_UNKNOWN;
		return;
	}
	dl_rwsem_holder(st);
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

#endif /* DIOLOCK_LOCK_BPF_H */
