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
 *   btrfs_dio_read/btrfs_dio_write  entered and returned: the DIO's
 *                          submission, the only time its task can fault
 *                          into what it holds;
 *   btrfs_dio_iomap_begin  the chunk being submitted, and the io tree its own
 *                          lock_extent() locks it in;
 *   lock_extent            any other lock by the task on that tree over that
 *                          chunk: a DIO read's self-wait, a DIO write's first
 *                          step to one;
 *   btrfs_start_ordered_extent  ... on an ordered extent over it: the
 *                          write's second.
 * Function tiers only: no tracepoint fires in lock_extent (btrfs's
 * btrfs_set_extent_bit fires for every bit set in every tree: far too hot),
 * and lock_extent() is the name of v6.1 to v6.11 (v6.12 locks DIO ranges
 * with EXTENT_DIO_LOCKED through __lock_extent: the read case is gone). A
 * hit is rare and once per DIO: a record, never a fold.
 */
#include "diolock.bpf.h"

#define IOMAP_WRITE	(1 << 0)

/* The fields read of btrfs's ordered extent (module BTF, relocated at load). */
struct btrfs_ordered_extent___dl {
	__u64 file_offset;
	__u64 num_bytes;
} __attribute__((preserve_access_index));

/*
 * btrfs_dio_read()/btrfs_dio_write() entered: a DIO's submission starts with
 * nothing held. An entry probe is never missed, so no state outlives its DIO
 * past the task's next one, even where a return probe was dropped.
 */
static __always_inline int on_dio_enter(void)
{
	struct dl_task_ctx *tc;

	if (dl_task_filtered())
		return 0;
	tc = dl_ctx(true);
	if (!tc)
		return 0;
	__builtin_memset(&tc->ext, 0, sizeof(tc->ext));
	tc->ext.active = 1;
	return 0;
}

/* ... returned: the DIO's submission is over, nothing it holds can be faulted into. */
static __always_inline int on_dio_return(void)
{
	struct dl_task_ctx *tc = dl_ctx(false);

	if (tc)
		tc->ext.active = 0;
	return 0;
}

/* btrfs_dio_iomap_begin() entered: its lock_extent() at start is the DIO's own. */
static __always_inline int on_map_begin(struct inode *inode, __u64 start, unsigned int flags, struct iomap *iomap)
{
	struct dl_task_ctx *tc = dl_ctx(false);
	struct dl_extent_ctx *x;

	if (!tc || !tc->ext.active)
		return 0;
	x = &tc->ext;
	x->mapping = 1;
	x->mapped = 0;
	x->hit = 0;
	x->map_start = start;
	x->inode = (__u64)inode;
	x->write = !!(flags & IOMAP_WRITE);
	x->iomap = (__u64)iomap;
	return 0;
}

/*
 * ... returned (ret 0: mapped): iomap's chunk is the DIO's, locked (read) or
 * an ordered extent (write), until its bio, submitted next, ends. Earlier
 * chunks' bios are submitted already: a fault into them waits, briefly.
 */
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
	x->start = off;
	x->end = off + len - 1;
	x->mapped = 1;
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

/* lock_extent(tree, start, end): the DIO's own lock, or another over its chunk. */
static __always_inline int on_lock_extent(void *ctx, void *tree, __u64 start, __u64 end)
{
	struct dl_task_ctx *tc = dl_ctx(false);
	struct dl_extent_ctx *x;

	if (!tc || !tc->ext.active)
		return 0;
	x = &tc->ext;
	if (x->mapping) {
		/* lock_extent_direct's, not a btree read's on the way */
		if (start == x->map_start)
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

/* btrfs_start_ordered_extent(): after the write's chunk was locked again, the wait for its own. */
static __always_inline int on_ordered_wait(void *ctx, struct btrfs_ordered_extent___dl *oe)
{
	struct dl_task_ctx *tc = dl_ctx(false);
	__u64 off, len;

	if (!tc || !tc->ext.active || !tc->ext.hit || tc->ext.mapping)
		return 0;
	off = BPF_CORE_READ(oe, file_offset);
	len = BPF_CORE_READ(oe, num_bytes);
	if (!len || off > tc->ext.hit_end || off + len - 1 < tc->ext.hit_start)
		return 0;
	emit_self_wait(ctx, tc, DL_EXT_ORDERED, tc->ext.hit_start, tc->ext.hit_end);
	return 0;
}

DL_FENTRY(btrfs_dio_read, on_dio_enter())
DL_FEXIT(btrfs_dio_read, on_dio_return())
DL_KPROBE(btrfs_dio_read, on_dio_enter())
DL_KRETPROBE(btrfs_dio_read, on_dio_return())
DL_FENTRY(btrfs_dio_write, on_dio_enter())
DL_FEXIT(btrfs_dio_write, on_dio_return())
DL_KPROBE(btrfs_dio_write, on_dio_enter())
DL_KRETPROBE(btrfs_dio_write, on_dio_return())
DL_FENTRY(btrfs_dio_iomap_begin, on_map_begin(inode, start, flags, iomap), struct inode *inode, loff_t start,
	  loff_t length, unsigned int flags, struct iomap *iomap)
DL_FEXIT(btrfs_dio_iomap_begin, on_map_end(dl_fexit_ret(ctx)), struct inode *inode)
DL_KPROBE(btrfs_dio_iomap_begin, on_map_begin(inode, start, flags, iomap), struct inode *inode, loff_t start,
	  loff_t length, unsigned int flags, struct iomap *iomap)
DL_KRETPROBE(btrfs_dio_iomap_begin, on_map_end((int)ret), long ret)
DL_FENTRY(lock_extent, on_lock_extent(ctx, tree, start, end), void *tree, u64 start, u64 end)
DL_KPROBE(lock_extent, on_lock_extent(ctx, tree, start, end), void *tree, u64 start, u64 end)
DL_FENTRY(btrfs_start_ordered_extent, on_ordered_wait(ctx, oe), struct btrfs_ordered_extent___dl *oe)
DL_KPROBE(btrfs_start_ordered_extent, on_ordered_wait(ctx, oe), struct btrfs_ordered_extent___dl *oe)
