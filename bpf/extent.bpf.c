// SPDX-License-Identifier: GPL-2.0
/*
 * btrfs: a task inside its own direct I/O about to wait for what that DIO
 * holds, the page-fault deadlocks 51bd9563b678 (v5.16, fstests generic/647)
 * fixed. A DIO whose user buffer maps the very range it transfers pins the
 * buffer after btrfs_dio_iomap_begin() has taken the range, and the fault
 * re-enters the inode: btrfs_page_mkwrite() or btrfs's readahead lock the
 * page's range in the inode's io tree and wait for ordered extents in it. A
 * DIO read keeps its range locked until its bio ends; a DIO write's range is
 * its ordered extent, complete only after its bio is submitted: either way
 * the fault waits for the task itself.
 *
 * Fixed kernels fault such buffers in outside the DIO (nofault iov_iters,
 * IOMAP_DIO_PARTIAL), so nothing fires there. The hooks, all btrfs's own
 * (6.1's fentry cannot attach to __iomap_dio_rw: seven arguments):
 *   btrfs_dio_iomap_begin  each chunk the DIO maps, and the io tree its own
 *                          lock_extent() locks it in: the DIO holds them;
 *   lock_extent            any other lock by the task on that tree over
 *                          those chunks before the DIO returns: a DIO read's
 *                          self-wait, a DIO write's first step to one;
 *   btrfs_start_ordered_extent  ... the write's second;
 *   btrfs_dio_read/btrfs_dio_write returning: the DIO holds nothing more
 *                          this task could fault into.
 * Function tiers only: no tracepoint fires in lock_extent (btrfs's
 * btrfs_set_extent_bit fires for every bit set in every tree: far too hot),
 * and lock_extent() is the name of v6.1 to v6.11 (v6.12 locks DIO ranges
 * with EXTENT_DIO_LOCKED through __lock_extent: the read case is gone). A
 * hit is rare and once per DIO: a record, never a fold.
 */
#include "diolock.bpf.h"

#define IOMAP_WRITE	(1 << 0)

/* btrfs_dio_iomap_begin() entered: the lock_extent() it makes is the DIO's own. */
static __always_inline int on_map_begin(struct inode *inode, unsigned int flags, struct iomap *iomap)
{
	struct dl_task_ctx *tc;
	struct dl_extent_ctx *x;

	if (dl_task_filtered())
		return 0;
	tc = dl_ctx(true);
	if (!tc)
		return 0;
	x = &tc->ext;
	if (x->inode != (__u64)inode) {
		/* its first chunk: a new DIO */
		__builtin_memset(x, 0, sizeof(*x));
		x->inode = (__u64)inode;
	}
	x->mapping = 1;
	x->hit = 0;
	x->write = !!(flags & IOMAP_WRITE);
	x->iomap = (__u64)iomap;
	return 0;
}

/* ... returned (ret 0: mapped): iomap's chunk is the DIO's until its bio ends. */
static __always_inline int on_map_end(long ret)
{
	struct dl_task_ctx *tc = dl_ctx(false);
	struct dl_extent_ctx *x;
	struct iomap *iomap;
	__u64 off, len;

	if (!tc || !tc->ext.mapping)
		return 0;
	x = &tc->ext;
	x->mapping = 0;
	iomap = (void *)x->iomap;
	if (ret || !iomap || !x->tree)
		return 0;
	off = BPF_CORE_READ(iomap, offset);
	len = BPF_CORE_READ(iomap, length);
	if (!len)
		return 0;
	if (!x->mapped || off < x->start)
		x->start = off;
	if (!x->mapped || off + len - 1 > x->end)
		x->end = off + len - 1;
	x->mapped = 1;
	return 0;
}

/* btrfs_dio_read()/btrfs_dio_write() returned: the DIO's submission is over. */
static __always_inline int on_dio_return(void)
{
	struct dl_task_ctx *tc = dl_ctx(false);

	if (tc)
		tc->ext.inode = 0;
	return 0;
}

static __always_inline void emit_self_wait(void *ctx, struct dl_task_ctx *tc, __u32 what, __u64 start, __u64 end)
{
	struct inode *inode = (void *)tc->ext.inode;
	struct dl_event *e;

	if (tc->ext.emitted)
		return;
	tc->ext.emitted = 1;
	dl_flush_dio(tc);	/* the DIO it waits inside crosses first, where a hook saw it */
	e = dl_reserve(DL_EV_EXTENT_WAIT);
	if (!e)
		return;
	if (!dl_fill_ident(e, inode, DL_PROBED)) {
		bpf_ringbuf_discard(e, 0);
		return;
	}
	e->lock_addr = (__u64)&inode->i_rwsem;
	e->arg = what;
	e->pos = start;
	e->len = end - start + 1;
	e->flags |= DL_F_WAIT_WRITE;
	if (track_acquire)
		dl_exact_holds(e);
	dl_stack(ctx, e);
	dl_submit(e);
}

/* lock_extent(tree, start, end): the DIO's own lock, or another over its range. */
static __always_inline int on_lock_extent(void *ctx, void *tree, __u64 start, __u64 end)
{
	struct dl_task_ctx *tc = dl_ctx(false);
	struct dl_extent_ctx *x;

	if (!tc || !tc->ext.inode)
		return 0;
	x = &tc->ext;
	if (x->mapping) {
		x->tree = (__u64)tree;
		return 0;
	}
	if (!x->mapped || x->tree != (__u64)tree || end < x->start || start > x->end)
		return 0;
	if (!x->write) {
		emit_self_wait(ctx, tc, DL_EXT_RANGE, start, end);
		return 0;
	}
	/* a write's range is not locked: this lock is taken, its ordered extent is what waits */
	x->hit = 1;
	x->hit_start = start;
	x->hit_end = end;
	return 0;
}

/* btrfs_start_ordered_extent(): once the write's range was locked again, its own. */
static __always_inline int on_ordered_wait(void *ctx)
{
	struct dl_task_ctx *tc = dl_ctx(false);

	if (tc && tc->ext.inode && tc->ext.hit && !tc->ext.mapping)
		emit_self_wait(ctx, tc, DL_EXT_ORDERED, tc->ext.hit_start, tc->ext.hit_end);
	return 0;
}

DL_FENTRY(btrfs_dio_iomap_begin, on_map_begin(inode, flags, iomap), struct inode *inode, loff_t start,
	  loff_t length, unsigned int flags, struct iomap *iomap)
DL_FEXIT(btrfs_dio_iomap_begin, on_map_end(dl_fexit_ret(ctx)), struct inode *inode)
DL_KPROBE(btrfs_dio_iomap_begin, on_map_begin(inode, flags, iomap), struct inode *inode, loff_t start,
	  loff_t length, unsigned int flags, struct iomap *iomap)
DL_KRETPROBE(btrfs_dio_iomap_begin, on_map_end((int)ret), long ret)
DL_FEXIT(btrfs_dio_read, on_dio_return(), void *iocb)
DL_KRETPROBE(btrfs_dio_read, on_dio_return())
DL_FEXIT(btrfs_dio_write, on_dio_return(), void *iocb)
DL_KRETPROBE(btrfs_dio_write, on_dio_return())
DL_FENTRY(lock_extent, on_lock_extent(ctx, tree, start, end), void *tree, u64 start, u64 end)
DL_KPROBE(lock_extent, on_lock_extent(ctx, tree, start, end), void *tree, u64 start, u64 end)
DL_FENTRY(btrfs_start_ordered_extent, on_ordered_wait(ctx))
DL_KPROBE(btrfs_start_ordered_extent, on_ordered_wait(ctx))
