// SPDX-License-Identifier: GPL-2.0
/*
 * caller_comp - a livepatch that puts back, in a running Debian 6.12 kernel,
 * what 838b35bb6a89 "io_uring/rw: disable IOCB_DIO_CALLER_COMP" (v6.6-rc7)
 * took out of io_uring: its O_DIRECT writes ask iomap to leave their
 * completion, inode_dio_end() included, to the issuing task's task_work
 * (099ada2c8726). FAULT INJECTION FOR diolock's VM TESTS: loaded, a task
 * that issues an io_uring O_DIRECT overwrite and, before reaping it, shrinks
 * the file waits in inode_dio_wait() for a completion only it can run, for
 * ever (the deadlock Andres Freund reported).
 *
 * 6.12 still has both halves of the mechanism (iomap's IOMAP_DIO_CALLER_COMP
 * and io_uring's io_req_rw_complete() calling kiocb->dio_complete); only the
 * flag is never set. iomap_dio_rw(), exported and small, is replaced by a
 * copy that sets it for io_uring's writes, as io_write() did in v6.6-rc.
 */
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/kprobes.h>
#include <linux/livepatch.h>
#include <linux/fs.h>
#include <linux/iomap.h>
#include <linux/uio.h>

/* io_uring's kiocb completion for non-polled requests: static, found at load time. */
static void *io_complete_rw;

static ssize_t lp_iomap_dio_rw(struct kiocb *iocb, struct iov_iter *iter, const struct iomap_ops *ops,
			       const struct iomap_dio_ops *dops, unsigned int dio_flags, void *private,
			       size_t done_before)
{
	struct iomap_dio *dio;

	/* io_write() in v6.6-rc: every io_uring write that is not polled */
	if (iov_iter_rw(iter) == WRITE && (void *)iocb->ki_complete == io_complete_rw &&
	    !(iocb->ki_flags & IOCB_HIPRI))
		iocb->ki_flags |= IOCB_DIO_CALLER_COMP;
	dio = __iomap_dio_rw(iocb, iter, ops, dops, dio_flags, private, done_before);
	if (IS_ERR_OR_NULL(dio))
		return PTR_ERR_OR_ZERO(dio);
	return iomap_dio_complete(dio);
}

static struct klp_func funcs[] = {
	{ .old_name = "iomap_dio_rw", .new_func = lp_iomap_dio_rw },
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

/*
 * kallsyms_lookup_name() is not exported; a kprobe finds it (at an address
 * past its ENDBR, fine for a call). Its answer is the symbol's own address,
 * which is what ki_complete holds.
 */
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

static int __init caller_comp_init(void)
{
	io_complete_rw = (void *)symbol_address("io_complete_rw");
	if (!io_complete_rw) {
		pr_err("caller_comp: io_complete_rw not found\n");
		return -ENOENT;
	}
	return klp_enable_patch(&patch);
}

static void __exit caller_comp_exit(void)
{
}

module_init(caller_comp_init);
module_exit(caller_comp_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("diolock VM tests: io_uring O_DIRECT writes leave their completion to the issuer (fault injection)");
MODULE_INFO(livepatch, "Y");
