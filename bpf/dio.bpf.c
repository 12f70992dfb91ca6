// SPDX-License-Identifier: GPL-2.0
/* Direct I/O through iomap: submission, queueing and completion. */
#include "diolock.bpf.h"

static __always_inline int on_dio_begin(void *ctx, struct kiocb *iocb, struct iov_iter *iter)
{
	struct inode *inode = BPF_CORE_READ(iocb, ki_filp, f_inode);
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct dl_dwrite *dw;
	struct dl_event *e;

	/* The direct-write syscall reached iomap: it did not fall back. */
	dw = bpf_map_lookup_elem(&dwrites, &tid);
	if (dw && dw->inode == (__u64)inode)
		dw->iomap_seen = 1;
	if (dl_task_filtered())
		return 0;
	e = dl_reserve(DL_EV_DIO_BEGIN);
	if (!e)
		return 0;
	if (!dl_fill_inode(e, inode)) {
		bpf_ringbuf_discard(e, 0);
		return 0;
	}
	dl_iocb_flags(e, iocb);
	e->len = BPF_CORE_READ(iter, count);
	if (bpf_core_field_exists(iter->data_source) && BPF_CORE_READ_BITFIELD_PROBED(iter, data_source))
		e->flags |= DL_F_WRITE;
	dl_submit(e);
	return 0;
}

static __always_inline int on_dio_complete(void *ctx, struct kiocb *iocb, int error, ssize_t ret)
{
	struct inode *inode = BPF_CORE_READ(iocb, ki_filp, f_inode);
	struct dl_event *e;

	if (dl_task_filtered())
		return 0;
	e = dl_reserve(DL_EV_DIO_COMPLETE);
	if (!e)
		return 0;
	if (!dl_fill_inode(e, inode)) {
		bpf_ringbuf_discard(e, 0);
		return 0;
	}
	dl_iocb_flags(e, iocb);
	e->ret = error ? error : ret;
	/* A completion under the holder's i_rwsem is a finding: keep its stack. */
	if (e->lock.cur_holds != DL_HOLD_NO)
		dl_stack(ctx, e);
	dl_submit(e);
	return 0;
}

static __always_inline int on_dio_queued(void *ctx, struct inode *inode, loff_t off, u64 len)
{
	struct dl_event *e;

	if (dl_task_filtered())
		return 0;
	e = dl_reserve(DL_EV_DIO_QUEUED);
	if (!e)
		return 0;
	if (!dl_fill_inode(e, inode)) {
		bpf_ringbuf_discard(e, 0);
		return 0;
	}
	e->pos = off;
	e->len = len;
	e->flags |= DL_F_AIO;
	dl_submit(e);
	return 0;
}

DL_TRACEPOINT(iomap_dio_rw_begin, on_dio_begin(ctx, iocb, iter),
	      struct kiocb *iocb, struct iov_iter *iter, unsigned int dio_flags, size_t done_before)
DL_TRACEPOINT(iomap_dio_complete, on_dio_complete(ctx, iocb, error, ret),
	      struct kiocb *iocb, int error, ssize_t ret)
DL_TRACEPOINT(iomap_dio_rw_queued, on_dio_queued(ctx, inode, off, len),
	      struct inode *inode, loff_t off, u64 len)
