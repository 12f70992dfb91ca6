// SPDX-License-Identifier: GPL-2.0
/*
 * Filesystem fsync entry and exit. A sync that starts while the task holds
 * the inode's i_rwsem is where the O_DSYNC self-deadlock happens: btrfs's
 * fsync takes i_rwsem unless the DIO-write stub tells it not to. Only the
 * function tiers can still see the stub: btrfs clears it before its
 * tracepoint fires.
 */
#include "diolock.bpf.h"

struct dl_entry_map sync_inode SEC(".maps");	/* *_sync_file entry -> return (kretprobe) */

static __always_inline int emit_sync(void *ctx, __u16 type, struct inode *inode, int arg, long ret,
				     bool see_stub)
{
	struct dl_event *e;

	if (!inode || dl_task_filtered())
		return 0;
	e = dl_reserve_inode(type, inode);
	if (!e)
		return 0;
	e->arg = arg;
	e->ret = ret;
	if (see_stub)
		dl_note_journal_info(e);
	if (type == DL_EV_SYNC_BEGIN)
		dl_stack(ctx, e);
	dl_submit(e);
	return 0;
}

static __always_inline int sync_enter_probe(void *ctx, struct file *file, int datasync)
{
	struct inode *inode = BPF_CORE_READ(file, f_inode);

	dl_stash(&sync_inode, (__u64)inode);
	return emit_sync(ctx, DL_EV_SYNC_BEGIN, inode, datasync, 0, true);
}

#define FILE_INODE(f) BPF_CORE_READ(f, f_inode)

DL_TRACEPOINT(btrfs_sync_file,
	      emit_sync(ctx, DL_EV_SYNC_BEGIN, FILE_INODE(file), datasync, 0, false),
	      const struct file *file, int datasync)
DL_TRACEPOINT(ext4_sync_file_enter,
	      emit_sync(ctx, DL_EV_SYNC_BEGIN, FILE_INODE(file), datasync, 0, false),
	      struct file *file, int datasync)
DL_TRACEPOINT(ext4_sync_file_exit, emit_sync(ctx, DL_EV_SYNC_END, inode, 0, ret, false),
	      struct inode *inode, int ret)

DL_FENTRY(btrfs_sync_file, emit_sync(ctx, DL_EV_SYNC_BEGIN, FILE_INODE(file), datasync, 0, true),
	  struct file *file, loff_t start, loff_t end, int datasync)
DL_FEXIT(btrfs_sync_file, emit_sync(ctx, DL_EV_SYNC_END, FILE_INODE(file), datasync, ret, false),
	 struct file *file, loff_t start, loff_t end, int datasync, int ret)
DL_KPROBE(btrfs_sync_file, sync_enter_probe(ctx, file, datasync),
	  struct file *file, loff_t start, loff_t end, int datasync)
DL_KRETPROBE(btrfs_sync_file,
	     emit_sync(ctx, DL_EV_SYNC_END, (void *)dl_unstash(&sync_inode), 0, ret, false), int ret)

DL_FENTRY(ext4_sync_file, emit_sync(ctx, DL_EV_SYNC_BEGIN, FILE_INODE(file), datasync, 0, true),
	  struct file *file, loff_t start, loff_t end, int datasync)
DL_FEXIT(ext4_sync_file, emit_sync(ctx, DL_EV_SYNC_END, FILE_INODE(file), datasync, ret, false),
	 struct file *file, loff_t start, loff_t end, int datasync, int ret)
DL_KPROBE(ext4_sync_file, sync_enter_probe(ctx, file, datasync),
	  struct file *file, loff_t start, loff_t end, int datasync)
DL_KRETPROBE(ext4_sync_file,
	     emit_sync(ctx, DL_EV_SYNC_END, (void *)dl_unstash(&sync_inode), 0, ret, false), int ret)
