// SPDX-License-Identifier: GPL-2.0
/*
 * i_rwsem acquisition and release (function tiers only: no tracepoint sees
 * an uncontended acquire). Nothing is streamed per acquisition: the state is
 * folded into two maps, who holds each lock and what each task holds, that
 * every other record reads (dl_exact_holds). Two things cross: a second
 * acquisition of a lock by its holder, the self-deadlock one step early,
 * and the first time a task acquires one of an inode's locks (i_rwsem, or
 * its mapping's invalidate_lock, tracked for this alone) while holding
 * another, the lock-order edge the analyzer predicts inversions from (once
 * per pair: order_seen; order.bpf.h).
 */
#include "diolock.bpf.h"
#include "order.bpf.h"
#include "stat.bpf.h"

static __always_inline int held_slot(struct dl_task_held *th, __u64 lock)
{
	for (int i = 0; i < DL_MAX_HELD; i++)
		if (th->lock[i] == lock)
			return i;
	return -1;
}

/* kind: enum dl_lock_kind of the lock taken again; held: how an invalidate_lock is held */
static __always_inline void report_recursion(void *ctx, struct inode *inode, __u8 mode, __u8 kind, __u8 held)
{
	struct dl_event *e;

	if (dl_task_filtered())
		return;
	e = dl_reserve_inode(DL_EV_RECURSIVE_ACQUIRE, inode, DL_PROBED);
	if (!e)
		return;
	e->arg = kind | (__u32)held << 8;
	e->flags |= mode == DL_LOCK_WRITE ? DL_F_WAIT_WRITE : DL_F_WAIT_READ;
	dl_stack(ctx, e);
	dl_submit(e);
}

static __always_inline int on_acquire_begin(void *ctx, struct rw_semaphore *sem, __u8 mode, bool trylock)
{
	struct dl_task_ctx *tc;
	struct inode *inode;

	dl_stash(DL_STASH_ACQUIRE, (__u64)sem);
	/* a trylock on a held lock just fails: it never waits */
	if (trylock)
		return 0;
	tc = dl_ctx(false);
	if (!tc)
		return 0;
	/* held already: this down_*() can only wait for itself (or nest a reader) */
	if (held_slot(&tc->held, (__u64)sem) >= 0) {
		inode = dl_inode_of_rwsem(sem);
		if (inode)
			report_recursion(ctx, inode, mode, DL_LK_I_RWSEM, 0);
		return 0;
	}
	/* a mapping's invalidate_lock taken again (xfs zero-range/unshare before 6.12-rc4) */
	for (int i = 0; i < DL_MAX_INVAL; i++) {
		if (tc->inval.lock[i] != (__u64)sem)
			continue;
		inode = dl_inode_of_invalidate_lock(sem);
		if (inode)
			report_recursion(ctx, inode, mode, DL_LK_INVALIDATE, tc->inval.mode[i]);
		break;
	}
	return 0;
}

static __always_inline void holders_add(__u64 lock, __u32 tid, __u8 mode)
{
	struct dl_lock_holders zero = {}, *lh;

	lh = dl_lookup_or_init(&holders, &lock, &zero);
	if (!lh)
		return;
	if (mode == DL_LOCK_WRITE) {
		lh->writer = tid;
		return;
	}
	__sync_fetch_and_add(&lh->nreaders, 1);
	for (int i = 0; i < DL_MAX_HOLDERS; i++) {
		if (!lh->readers[i]) {
			lh->readers[i] = tid;
			break;
		}
	}
}

static __always_inline void holders_del(__u64 lock, __u32 tid, __u8 mode)
{
	struct dl_lock_holders *lh = bpf_map_lookup_elem(&holders, &lock);

	if (!lh)
		return;
	if (mode == DL_LOCK_WRITE) {
		lh->writer = 0;
	} else {
		for (int i = 0; i < DL_MAX_HOLDERS; i++)
			if (lh->readers[i] == tid)
				lh->readers[i] = 0;
		if (lh->nreaders)
			__sync_fetch_and_add(&lh->nreaders, -1);
	}
	if (!lh->writer && !lh->nreaders)
		bpf_map_delete_elem(&holders, &lock);
}

/* An invalidate_lock taken: kept for the lock order it makes, nothing else. */
static __always_inline void inval_acquired(void *ctx, struct rw_semaphore *sem, __u8 mode)
{
	struct dl_task_ctx *tc = dl_ctx(true);
	int i;

	if (!tc) {
		dl_count(DL_CNT_MAP_FULL);
		return;
	}
	for (i = 0; i < DL_MAX_INVAL; i++)
		if (!tc->inval.lock[i])
			break;
	if (i >= DL_MAX_INVAL) {
		dl_count(DL_CNT_MAP_FULL);
		return;
	}
	tc->inval.lock[i] = (__u64)sem;
	tc->inval.mode[i] = mode;
	dl_order_edges(ctx, tc, (__u64)sem, DL_LK_INVALIDATE, mode);
}

static __always_inline int on_acquired(void *ctx, struct rw_semaphore *sem, __u8 mode, bool ok)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct dl_task_ctx *tc;
	struct dl_task_held *th;
	__u64 lock = (__u64)sem;
	int slot;

	if (!sem || !ok)
		return 0;
	if (!dl_inode_of_rwsem(sem)) {
		if (dl_inode_of_invalidate_lock(sem))
			inval_acquired(ctx, sem, mode);
		return 0;
	}
	tc = dl_ctx(true);
	if (!tc) {
		dl_count(DL_CNT_MAP_FULL);
		return 0;
	}
	th = &tc->held;
	slot = held_slot(th, 0);
	if (slot < 0 || slot >= DL_MAX_HELD) {
		/* more i_rwsems at once than we track (rename holds four) */
		dl_count(DL_CNT_MAP_FULL);
		return 0;
	}
	th->lock[slot] = lock;
	th->mode[slot] = mode;
	if (stat_on) {
		th->ts[slot] = bpf_ktime_get_ns();
		th->stack[slot] = dl_stat_stack(ctx);
	}
	holders_add(lock, tid, mode);
	dl_order_edges(ctx, tc, lock, DL_LK_I_RWSEM, mode);
	return 0;
}

/* One hold ended (release, or the write half of a downgrade). */
static __always_inline void stat_hold(struct rw_semaphore *sem, __u8 mode, __u64 since, __s32 stack_id)
{
	struct inode *inode = dl_inode_of_rwsem(sem);
	__u64 now = bpf_ktime_get_ns();
	struct dl_ident id = {};

	if (!inode || !since || now < since || !dl_ident_of(inode, &id, DL_PROBED))
		return;
	dl_hist_add(mode == DL_LOCK_WRITE ? DL_HIST_HOLD_WRITE : DL_HIST_HOLD_READ, &id, stack_id, NULL, 0,
		    now - since);
}

static __always_inline int on_release(void *ctx, struct rw_semaphore *sem, bool downgrade)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct dl_task_ctx *tc = dl_ctx(false);
	struct dl_task_held *th;
	__u64 lock = (__u64)sem;
	int slot;

	if (!tc)
		return 0;
	th = &tc->held;
	slot = held_slot(th, lock);
	if (slot < 0 || slot >= DL_MAX_HELD) {
		/* an invalidate_lock's release (a downgrade leaves it held, as a reader) */
		for (int i = 0; i < DL_MAX_INVAL; i++)
			if (tc->inval.lock[i] == lock) {
				tc->inval.mode[i] = DL_LOCK_READ;
				if (!downgrade)
					tc->inval.lock[i] = 0;
			}
		return 0;
	}
	holders_del(lock, tid, th->mode[slot]);
	if (stat_on && !dl_task_filtered()) {
		stat_hold(sem, th->mode[slot], th->ts[slot], th->stack[slot]);
		th->ts[slot] = bpf_ktime_get_ns();
	}
	if (downgrade) {
		th->mode[slot] = DL_LOCK_READ;
		holders_add(lock, tid, DL_LOCK_READ);
		return 0;
	}
	th->lock[slot] = 0;
	th->mode[slot] = 0;
	return 0;
}

#define SEM_BACK() ((struct rw_semaphore *)dl_unstash(DL_STASH_ACQUIRE))

/*
 * void down_*(): returning means acquired. int *_killable(): 0 means
 * acquired; *_trylock(): 1 (so `success` doubles as "is a trylock").
 */
#define ACQUIRE_VOID(fn, mode)								\
	DL_FENTRY(fn, on_acquire_begin(ctx, sem, mode, false), struct rw_semaphore *sem)	\
	DL_FEXIT(fn, (dl_unstash(DL_STASH_ACQUIRE), on_acquired(ctx, sem, mode, true)),	\
		 struct rw_semaphore *sem)						\
	DL_KPROBE(fn, on_acquire_begin(ctx, sem, mode, false), struct rw_semaphore *sem)	\
	DL_KRETPROBE(fn, on_acquired(ctx, SEM_BACK(), mode, true))
#define ACQUIRE_RET(fn, mode, success)							\
	DL_FENTRY(fn, on_acquire_begin(ctx, sem, mode, success), struct rw_semaphore *sem)	\
	DL_FEXIT(fn, (dl_unstash(DL_STASH_ACQUIRE), on_acquired(ctx, sem, mode, ret == success)), \
		 struct rw_semaphore *sem, int ret)					\
	DL_KPROBE(fn, on_acquire_begin(ctx, sem, mode, success), struct rw_semaphore *sem)	\
	DL_KRETPROBE(fn, on_acquired(ctx, SEM_BACK(), mode, ret == success), int ret)
#define RELEASE(fn, downgrade)								\
	DL_FENTRY(fn, on_release(ctx, sem, downgrade), struct rw_semaphore *sem)	\
	DL_KPROBE(fn, on_release(ctx, sem, downgrade), struct rw_semaphore *sem)

ACQUIRE_VOID(down_write, DL_LOCK_WRITE)
ACQUIRE_VOID(down_read, DL_LOCK_READ)
ACQUIRE_RET(down_write_killable, DL_LOCK_WRITE, 0)
ACQUIRE_RET(down_read_killable, DL_LOCK_READ, 0)
ACQUIRE_RET(down_write_trylock, DL_LOCK_WRITE, 1)
ACQUIRE_RET(down_read_trylock, DL_LOCK_READ, 1)
RELEASE(up_write, false)
RELEASE(up_read, false)
RELEASE(downgrade_write, true)

/*
 * Renaming across directories takes the two parents in either order once
 * it holds the filesystem's s_vfs_rename_mutex: those orders are gated.
 * The parents are taken inside lock_rename(), or, since v6.5 (and Debian
 * 6.1's backport, where do_renameat2 inlines lock_rename), inside
 * lock_two_directories(): edges made in there carry its super_block.
 */
static __always_inline int on_rename_gate(struct dentry *p1, bool enter, bool btf)
{
	struct dl_task_ctx *tc = dl_ctx(enter);

	if (tc)
		tc->gate = enter ? (__u64)DL_RD(btf, p1, d_sb) : 0;
	return 0;
}

#define RENAME_GATE(fn)								\
	DL_FENTRY(fn, on_rename_gate(p1, true, btf), struct dentry *p1)		\
	DL_FEXIT(fn, on_rename_gate(p1, false, btf), struct dentry *p1)		\
	DL_KPROBE(fn, on_rename_gate(p1, true, btf), struct dentry *p1)		\
	DL_KRETPROBE(fn, on_rename_gate(NULL, false, btf))

RENAME_GATE(lock_rename)
RENAME_GATE(lock_two_directories)
