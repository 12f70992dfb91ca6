// SPDX-License-Identifier: GPL-2.0
/*
 * inode_dio_wait(): a task draining an inode's in-flight DIO, as truncate
 * and fallocate do under i_rwsem. The drain is a lock on the wait-for
 * graph (the DIO is its holder) and a lock-order edge from what the task
 * holds; its record says how many of the DIOs the task itself owes.
 */
#include "diolock.bpf.h"
#include "order.bpf.h"
#include "owed.bpf.h"

static __always_inline int on_drain(void *ctx, __u16 type, struct inode *inode)
{
	struct dl_task_ctx *tc;
	struct dl_event *e;
	__u32 count;

	if (!inode || dl_task_filtered())
		return 0;
	/* draining an inode's DIO is taking its in-flight DIO: an order edge from what the task holds */
	if (type == DL_EV_DRAIN_WAIT_BEGIN && track_acquire) {
		tc = dl_ctx(false);
		if (tc)
			dl_order_edges(ctx, tc, dl_dio_lock(inode), DL_LK_DIO, DL_LOCK_WRITE);
	}
	count = BPF_CORE_READ(inode, i_dio_count.counter);
	if (!dl_stream_all()) {
		tc = dl_ctx(true);
		if (!tc)
			return 0;
		/* i_dio_count 0: inode_dio_wait returns at once; its end matters only after a begin */
		if (type == DL_EV_DRAIN_WAIT_BEGIN ? !count : !tc->drain_emitted)
			return 0;
		tc->drain_emitted = type == DL_EV_DRAIN_WAIT_BEGIN;
	}
	e = dl_reserve_inode(type, inode, DL_PROBED);
	if (!e)
		return 0;
	e->arg = count;
	if (type == DL_EV_DRAIN_WAIT_BEGIN) {
		struct dl_owed_key k = { .inode = (__u64)inode, .tid = (__u32)bpf_get_current_pid_tgid() };
		__u32 *owed = bpf_map_lookup_elem(&owed_dio, &k);

		e->len = owed ? *owed : 0;
		dl_stack(ctx, e);
	}
	dl_submit(e);
	return 0;
}

DL_FENTRY(inode_dio_wait, on_drain(ctx, DL_EV_DRAIN_WAIT_BEGIN, inode), struct inode *inode)
DL_FEXIT(inode_dio_wait, on_drain(ctx, DL_EV_DRAIN_WAIT_END, inode), struct inode *inode)
DL_KPROBE(inode_dio_wait, (dl_stash(DL_STASH_DRAIN, (__u64)inode),
			   on_drain(ctx, DL_EV_DRAIN_WAIT_BEGIN, inode)), struct inode *inode)
DL_KRETPROBE(inode_dio_wait, on_drain(ctx, DL_EV_DRAIN_WAIT_END, (void *)dl_unstash(DL_STASH_DRAIN)))
