/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Which struct rw_semaphore the kernel has, decided by CO-RE at load time:
 * shared by the decoder (diolock.bpf.h) and the lock_layout programs of the
 * main object and of probe, so what they report is what the decoder does.
 */
#ifndef DIOLOCK_RWSEM_LAYOUT_BPF_H
#define DIOLOCK_RWSEM_LAYOUT_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "diolock/event.h"

/*
 * PREEMPT_RT builds struct rw_semaphore on an rwbase_rt: no count/owner but
 * a reader count with biases and an rt_mutex that a writer owns from the
 * moment it queues (kernel/locking/rwbase_rt.c). These flavours match the RT
 * kernel's types; CO-RE picks the layout at load time, never a build flag.
 */
struct rwbase_rt___dl {
	atomic_t readers;
	struct rt_mutex_base rtmutex;
} __attribute__((preserve_access_index));

struct rw_semaphore___rt {
	struct rwbase_rt___dl rwbase;
} __attribute__((preserve_access_index));

#define RWBASE_READER_BIAS	(1U << 31)	/* set while no writer is in */
#define RWBASE_WRITER_BIAS	(1U << 30)	/* readers == this: a writer holds it */
#define RT_MUTEX_HAS_WAITERS	1UL

static __always_inline bool dl_rwsem_is_rt(void)
{
	return bpf_core_field_exists(((struct rw_semaphore___rt *)0)->rwbase);
}

/* One answer for the decoder, the wait hooks and the lock_layout program (enum dl_lock_layout). */
static __always_inline int dl_rwsem_layout(void)
{
	if (dl_rwsem_is_rt())
		return DL_LAYOUT_RWBASE_RT;
	if (bpf_core_field_exists(((struct rw_semaphore *)0)->count))
		return DL_LAYOUT_RWSEM;
	return DL_LAYOUT_UNKNOWN;
}

/*
 * The program each BPF object carries so that user space can ask which
 * layout it was relocated for: the loader runs it once (BPF_PROG_RUN) and
 * reads dl_lock_layout from .bss.
 */
#define DL_LOCK_LAYOUT_PROG						\
	__u8 dl_lock_layout = 0;					\
	SEC("?syscall")							\
	int lock_layout(void *ctx)					\
	{								\
		(void)ctx;						\
		dl_lock_layout = dl_rwsem_layout();			\
		return 0;						\
	}

#endif
