// SPDX-License-Identifier: GPL-2.0
/*
 * Filesystem fsync entry and exit. A sync that starts while the task holds
 * the inode's i_rwsem is where the O_DSYNC self-deadlock happens: btrfs's
 * fsync takes i_rwsem unless the DIO-write stub tells it not to.
 */
#include "diolock.bpf.h"

static __always_inline int emit_sync(void *ctx, __u16 type, struct inode *inode, int arg, long ret)
{
	struct dl_event *e;

	if (dl_task_filtered())
		return 0;
	e = dl_reserve(type);
	if (!e)
		return 0;
	if (!dl_fill_inode(e, inode)) {
		bpf_ringbuf_discard(e, 0);
		return 0;
	}
	e->arg = arg;
	e->ret = ret;
	if (type == DL_EV_SYNC_BEGIN)
		dl_stack(ctx, e);
	dl_submit(e);
	return 0;
}

DL_TRACEPOINT(btrfs_sync_file,
	      emit_sync(ctx, DL_EV_SYNC_BEGIN, BPF_CORE_READ(file, f_inode), datasync, 0),
	      const struct file *file, int datasync)
DL_TRACEPOINT(ext4_sync_file_enter,
	      emit_sync(ctx, DL_EV_SYNC_BEGIN, BPF_CORE_READ(file, f_inode), datasync, 0),
	      struct file *file, int datasync)
DL_TRACEPOINT(ext4_sync_file_exit, emit_sync(ctx, DL_EV_SYNC_END, inode, 0, ret),
	      struct inode *inode, int ret)
