// SPDX-License-Identifier: GPL-2.0
/*
 * xfs_zero_relock - a livepatch that puts back, in a running Debian 6.12
 * kernel, the invalidate_lock recursion of v6.12-rc1..rc3 that 99c29f16b79f
 * "xfs: IOMAP_ZERO and IOMAP_UNSHARE already hold invalidate_lock" (v6.12-rc4)
 * fixed. FAULT INJECTION FOR diolock's VM TESTS: loaded, a zeroing or
 * unsharing operation on an XFS file whose iomap_end has new delalloc blocks
 * to release takes mapping->invalidate_lock for write while its caller
 * (xfs_file_fallocate, xfs_setattr_size, ...: XFS_MMAPLOCK_EXCL) already
 * holds it: the task waits for itself, in D state, for ever.
 *
 * f66815a521bd "iomap: move locking out of iomap_write_delalloc_release"
 * moved the lock into xfs_buffered_write_iomap_end(), which took it around
 * the release for every caller; 99c29f16b79f made it skip the lock when
 * flags has IOMAP_ZERO or IOMAP_UNSHARE (the callers hold it; asserted). The
 * copy below is 6.12's function with that branch undone: the lock is taken
 * whatever the flags. It is reached when the delalloc range this iomap
 * reserved (IOMAP_F_NEW) was not all written: for FALLOC_FL_UNSHARE_RANGE of
 * a reflinked file, a COW-fork reservation cut short because writeback
 * converted it under the unshare (the iomap goes stale) or a fatal signal.
 *
 * xfs_buffered_write_iomap_end() (static, in xfs.ko) is replaced; its static
 * punch callback is found at load time, so xfs must be loaded first.
 */
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/kprobes.h>
#include <linux/livepatch.h>
#include <linux/fs.h>
#include <linux/iomap.h>

/* xfs's static iomap_punch_t for the buffered write path: found at load time */
static iomap_punch_t xfs_delalloc_punch;

static int lp_xfs_buffered_write_iomap_end(struct inode *inode, loff_t offset, loff_t length,
					   ssize_t written, unsigned int flags, struct iomap *iomap)
{
	loff_t start_byte, end_byte;

	/* If we didn't reserve the blocks, we're not allowed to punch them. */
	if (iomap->type != IOMAP_DELALLOC || !(iomap->flags & IOMAP_F_NEW))
		return 0;

	/* Nothing to do if we've written the entire delalloc extent */
	start_byte = iomap_last_written_block(inode, offset, written);
	end_byte = round_up(offset + length, i_blocksize(inode));
	if (start_byte >= end_byte)
		return 0;

	/* 99c29f16b79f undone: zeroing and unsharing callers hold it already */
	if (flags & (IOMAP_UNSHARE | IOMAP_ZERO))
		pr_warn("xfs_zero_relock: %s of ino %lu [%lld, %lld): taking invalidate_lock again\n",
			(flags & IOMAP_ZERO) ? "zero" : "unshare", inode->i_ino, start_byte, end_byte);
	filemap_invalidate_lock(inode->i_mapping);
	iomap_write_delalloc_release(inode, start_byte, end_byte, flags, iomap, xfs_delalloc_punch);
	filemap_invalidate_unlock(inode->i_mapping);
	return 0;
}

static struct klp_func funcs[] = {
	{ .old_name = "xfs_buffered_write_iomap_end", .new_func = lp_xfs_buffered_write_iomap_end },
	{}
};

static struct klp_object objs[] = {
	{ .name = "xfs", .funcs = funcs },
	{}
};

static struct klp_patch patch = {
	.mod = THIS_MODULE,
	.objs = objs,
};

/* kallsyms_lookup_name() is not exported; a kprobe finds it (as caller_comp does). */
static unsigned long symbol_address(const char *name)
{
	struct kprobe kp = { .symbol_name = "kallsyms_lookup_name" };
	unsigned long (*lookup)(const char *name);

	if (register_kprobe(&kp) < 0)
		return 0;
	lookup = (void *)kp.addr;
	unregister_kprobe(&kp);
	return lookup(name);
}

static int __init xfs_zero_relock_init(void)
{
	/* "module:symbol": only xfs's own */
	xfs_delalloc_punch = (iomap_punch_t)symbol_address("xfs:xfs_buffered_write_delalloc_punch");
	if (!xfs_delalloc_punch) {
		pr_err("xfs_zero_relock: xfs_buffered_write_delalloc_punch not found (is xfs loaded?)\n");
		return -ENOENT;
	}
	return klp_enable_patch(&patch);
}

static void __exit xfs_zero_relock_exit(void)
{
}

module_init(xfs_zero_relock_init);
module_exit(xfs_zero_relock_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("diolock VM tests: xfs zero/unshare take invalidate_lock again (99c29f16b79f undone, fault injection)");
MODULE_INFO(livepatch, "Y");
