// SPDX-License-Identifier: GPL-2.0
/* Task exit: lets the analyzer drop a task's holds and waits. */
#include "diolock.bpf.h"

static __always_inline int on_exit(void *ctx, struct task_struct *p)
{
	/* p is current: its storage (holds, DIO, wait) is freed by the kernel with it */
	struct dl_task_ctx *tc = dl_ctx(false);
	__u32 tid = BPF_CORE_READ(p, pid);
	struct dl_event *e;

	/* Only tasks diolock already reported on; the rest are noise. */
	if (!tc || !tc->reported)
		return 0;
	tc->reported = 0;
	e = dl_reserve(DL_EV_TASK_EXIT);
	if (!e)
		return 0;
	e->hdr.tid = tid;
	e->hdr.tgid = BPF_CORE_READ(p, tgid);
	bpf_probe_read_kernel_str(e->comm, sizeof(e->comm), p->comm);
	e->ret = BPF_CORE_READ(p, exit_code);
	bpf_ringbuf_submit(e, 0);
	return 0;
}

DL_TRACEPOINT(sched_process_exit, on_exit(ctx, p), struct task_struct *p)
