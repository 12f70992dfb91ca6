// SPDX-License-Identifier: GPL-2.0
/*
 * dio_end_late - a livepatch that undoes 1a31182edd00 "iomap: Call
 * inode_dio_end() before generic_write_sync()" (patch 04/15 of the 2020
 * series "BTRFS DIO inode locking/D_SYNC fix") in a running Debian 6.1
 * kernel, whose fs/iomap is built in. FAULT INJECTION FOR diolock's VM
 * TESTS: loaded, an AIO O_DIRECT|O_DSYNC write on btrfs and a shrinking
 * truncate of the same file deadlock (see patches/0002-*.patch).
 *
 * The replacement bodies are not written here: dio_complete.h is extracted
 * at build time from Debian's linux-source-6.1 with patches/0002 applied
 * (extract.sh), so the patch stays the one statement of the change.
 * iomap_dio_complete_work() is replaced too, in case the compiler inlined
 * iomap_dio_complete() into it; its copy calls the kernel's
 * iomap_dio_complete(), redirected here, so that tracers attached to that
 * function see the completion as they would on a kernel built with the patch.
 */
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/kprobes.h>
#include <linux/livepatch.h>
#include <linux/fs.h>
#include <linux/iomap.h>
#include <linux/pagemap.h>
#include <linux/slab.h>
#include <linux/uio.h>

/* Not exported: found through a kprobe's symbol lookup at load time. */
static void (*invalidate_post_direct_write)(struct kiocb *iocb, size_t count);
#define kiocb_invalidate_post_direct_write(iocb, count) invalidate_post_direct_write(iocb, count)

#include "dio_complete.h"

static struct klp_func funcs[] = {
	{ .old_name = "iomap_dio_complete", .new_func = lp_iomap_dio_complete },
	{ .old_name = "iomap_dio_complete_work", .new_func = lp_iomap_dio_complete_work },
	{}
};

static struct klp_object objs[] = {
	{ .funcs = funcs },	/* no name: vmlinux */
	{}
};

static struct klp_patch patch = {
	.mod = THIS_MODULE,
	.objs = objs,
};

static unsigned long symbol_address(const char *name)
{
	struct kprobe kp = { .symbol_name = name };
	unsigned long addr;

	if (register_kprobe(&kp) < 0)
		return 0;
	addr = (unsigned long)kp.addr;
	unregister_kprobe(&kp);
	return addr;
}

static int __init dio_end_late_init(void)
{
	invalidate_post_direct_write = (void *)symbol_address("kiocb_invalidate_post_direct_write");
	if (!invalidate_post_direct_write) {
		pr_err("dio_end_late: kiocb_invalidate_post_direct_write not found\n");
		return -ENOENT;
	}
	return klp_enable_patch(&patch);
}

static void __exit dio_end_late_exit(void)
{
}

module_init(dio_end_late_init);
module_exit(dio_end_late_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("diolock VM tests: iomap_dio_complete() ends the DIO after its fsync (fault injection)");
MODULE_INFO(livepatch, "Y");
