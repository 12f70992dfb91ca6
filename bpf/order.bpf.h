/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Lock order between instances, in the function tiers: the first time a
 * task takes one of an inode's locks while it holds another, one
 * ORDER_EDGE record crosses (once per pair: order_seen). The locks are an
 * inode's i_rwsem, its mapping's invalidate_lock, and its in-flight DIO
 * (enum dl_lock_kind): taken by inode_dio_wait() (the drain waits for it
 * to empty), held by a completion until inode_dio_end(), which no hook
 * sees, so that hold is inferred from i_dio_count.
 */
#ifndef DIOLOCK_ORDER_BPF_H
#define DIOLOCK_ORDER_BPF_H

#include "diolock.bpf.h"

/* The inode a lock of this kind belongs to; NULL: not one of an inode's locks. */
static __always_inline struct inode *dl_lock_inode(__u64 lock, __u8 kind)
{
	switch (kind) {
	case DL_LK_I_RWSEM:
		return dl_inode_of_rwsem((void *)lock);
	case DL_LK_INVALIDATE:
		return dl_inode_of_invalidate_lock((void *)lock);
	case DL_LK_DIO:
		return (void *)(lock - bpf_core_field_offset(struct inode, i_dio_count));
	default:
		return NULL;
	}
}

/*
 * The task took `to` (kind to_kind, mode) while holding `from`: send the
 * edge if order_seen has not. A is named by numbers read without the
 * filters: the filters choose the acquired inode, not the one held before.
 */
static __always_inline void dl_order_edge(void *ctx, struct dl_task_ctx *tc, __u64 from, __u8 from_kind,
					  __u8 from_mode, __u64 to, __u8 to_kind, __u8 mode)
{
	struct dl_order_key k = { .from = from, .to = to };
	struct inode *a, *b;
	struct super_block *sb;
	struct dl_event *e;
	__u8 one = 1;
	__u8 fsid;

	if (bpf_map_lookup_elem(&order_seen, &k))
		return;
	a = dl_lock_inode(from, from_kind);
	b = dl_lock_inode(to, to_kind);
	if (!a || !b)
		return;
	e = dl_reserve_inode(DL_EV_ORDER_EDGE, b, DL_PROBED);
	if (!e)
		return;
	/* only once sent: a full ring buffer (counted) sends the pair again next time */
	bpf_map_update_elem(&order_seen, &k, &one, BPF_ANY);
	sb = BPF_CORE_READ(a, i_sb);
	fsid = dl_fsid_of_magic(BPF_CORE_READ(sb, s_magic));
	e->flags |= mode == DL_LOCK_WRITE ? DL_F_WAIT_WRITE : DL_F_WAIT_READ;
	DL_ORDER_FROM_PUT(e, BPF_CORE_READ(a, i_ino), dl_inode_dev(a, sb, fsid, DL_PROBED), fsid, from_mode, from_kind,
			  to_kind, from, tc->gate);
	dl_stack(ctx, e);
	dl_submit(e);
}

/*
 * The task takes `to` while it write-holds its own process's mmap_lock:
 * against the kernel's documented order (i_rwsem -> mmap_lock ->
 * invalidate_lock), an inversion by itself. Read from the lock (its owner
 * is this task, the count says write-locked) only here, at an inode lock's
 * acquisition: nothing runs where mmap_lock is taken. Read holds leave
 * only a hint in the owner field, and are not taken for holds.
 */
static __always_inline void dl_mm_order_edge(void *ctx, struct dl_task_ctx *tc, __u64 to, __u8 to_kind, __u8 mode)
{
	__u64 cur = bpf_get_current_task();
	struct dl_order_key k = { .to = to };
	struct dl_rwsem_state st = {};
	struct mm_struct *mm;
	struct rw_semaphore *sem;
	struct inode *b;
	struct dl_event *e;
	__u8 one = 1;

	if (!bpf_core_field_exists(struct mm_struct, mmap_lock) || dl_rwsem_layout() != DL_LAYOUT_RWSEM)
		return;
	mm = BPF_CORE_READ((struct task_struct *)cur, mm);
	if (!mm)
		return;
	sem = (void *)((char *)mm + bpf_core_field_offset(struct mm_struct, mmap_lock));
	/* the owner first: the count is read only when it names this task */
	st.owner = BPF_CORE_READ(sem, owner.counter);
	if ((st.owner & RWSEM_OWNER_MASK) != cur)
		return;
	st.count = BPF_CORE_READ(sem, count.counter);
	dl_rwsem_decode(&st, cur);
	if (st.cur_holds != DL_HOLD_WRITE)
		return;
	k.from = (__u64)sem;
	if (bpf_map_lookup_elem(&order_seen, &k))
		return;
	b = dl_lock_inode(to, to_kind);
	if (!b)
		return;
	e = dl_reserve_inode(DL_EV_ORDER_EDGE, b, DL_PROBED);
	if (!e)
		return;
	bpf_map_update_elem(&order_seen, &k, &one, BPF_ANY);
	e->flags |= mode == DL_LOCK_WRITE ? DL_F_WAIT_WRITE : DL_F_WAIT_READ;
	DL_ORDER_FROM_PUT(e, bpf_get_current_pid_tgid() >> 32, 0, 0, DL_LOCK_WRITE, DL_LK_MMAP, to_kind, (__u64)sem,
			  tc->gate);
	dl_stack(ctx, e);
	dl_submit(e);
}

/* The in-flight DIO of an inode, as a lock address: its i_dio_count. */
static __always_inline __u64 dl_dio_lock(struct inode *inode)
{
	return (__u64)inode + bpf_core_field_offset(struct inode, i_dio_count);
}

/*
 * Edges from every lock the task holds to `to`: its i_rwsems and
 * invalidate_locks, and, inside an fsyncing DIO completion while that
 * inode still has DIO in flight, the in-flight DIO it may be holding
 * (inferred: i_dio_count may be other DIOs').
 */
static __always_inline void dl_order_edges(void *ctx, struct dl_task_ctx *tc, __u64 to, __u8 to_kind, __u8 mode)
{
	struct inode *completing = (void *)tc->completing;

	if (dl_records_off() || dl_task_filtered())
		return;
	for (int i = 0; i < DL_MAX_HELD; i++)
		if (tc->held.lock[i] && tc->held.lock[i] != to)
			dl_order_edge(ctx, tc, tc->held.lock[i], DL_LK_I_RWSEM, tc->held.mode[i], to, to_kind, mode);
	for (int i = 0; i < DL_MAX_INVAL; i++)
		if (tc->inval.lock[i] && tc->inval.lock[i] != to)
			dl_order_edge(ctx, tc, tc->inval.lock[i], DL_LK_INVALIDATE, tc->inval.mode[i], to, to_kind,
				      mode);
	if (completing && to_kind != DL_LK_DIO && BPF_CORE_READ(completing, i_dio_count.counter) > 0)
		dl_order_edge(ctx, tc, dl_dio_lock(completing), DL_LK_DIO, DL_LOCK_READ, to, to_kind, mode);
	if (to_kind != DL_LK_DIO)
		dl_mm_order_edge(ctx, tc, to, to_kind, mode);
}

#endif /* DIOLOCK_ORDER_BPF_H */
