/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel's constants and CO-RE flavours diolock reads, each with where it
 * comes from; nothing here generates code. Included by diolock.bpf.h.
 */
#ifndef DIOLOCK_KERNEL_BPF_H
#define DIOLOCK_KERNEL_BPF_H

/* kernel/locking/rwsem.c, unchanged from v5.11 to v6.18 (see research notes). */
#define RWSEM_WRITER_LOCKED	0x1UL
#define RWSEM_READER_SHIFT	8
#define RWSEM_READER_OWNED	0x1UL
#define RWSEM_OWNER_MASK	(~0x7UL)

/* include/linux/fs.h: IOCB_* mirror RWF_* (uapi) since v4.13; DIRECT is 1<<17 since v5.1. */
#define IOCB_DSYNC		(1 << 1)
#define IOCB_SYNC		(1 << 2)
#define IOCB_DIRECT		(1 << 17)
/* include/uapi/asm-generic/fcntl.h (x86) */
#define O_DIRECT_FLAG		00040000
#define O_DSYNC_FLAG		00010000

/* include/trace/events/lock.h */
#define LCB_F_READ		(1U << 1)
#define LCB_F_WRITE		(1U << 2)
#define LCB_F_RT		(1U << 3)
#define LCB_F_PERCPU		(1U << 4)	/* a percpu_rw_semaphore (sb_writers, ...) */

/* fs/btrfs/btrfs_inode.h */
#define BTRFS_INODE_NODATASUM	(1U << 0)

/* btrfs's DIO-write stub: fs/btrfs/transaction.h, BTRFS_TRANS_DIO_WRITE_STUB (v6.11, 6.1.110). */
#define BTRFS_TRANS_DIO_WRITE_STUB 1

/*
 * btrfs's per-file DIO-write flag: 939b656bc8ab (v6.10, 6.1/6.6 stables) until
 * cd9253c23aed moved it into journal_info. A module type: libbpf finds it in
 * btrfs.ko's BTF when btrfs is loaded, and where the member is missing
 * dl_stub_flags' read of it (task.bpf.h) is dead code.
 */
struct btrfs_file_private___dl {
	bool fsync_skip_inode_lock;
} __attribute__((preserve_access_index));

/*
 * How many freezes hold a super block, by whom (include/linux/fs.h): the
 * counts that replaced 880b9577855e's freeze_holders bits (v6.6) in later
 * kernels; Debian's 6.12 and this host's 6.18 have them, 6.1 neither.
 */
struct sb_writers___counts {
	int freeze_kcount;
	int freeze_ucount;
} __attribute__((preserve_access_index));

/* include/linux/fs.h: enum { SB_UNFROZEN, ..., SB_FREEZE_COMPLETE = 4 } and the three rw_sem levels */
#define SB_FREEZE_LEVELS	3

#endif /* DIOLOCK_KERNEL_BPF_H */
