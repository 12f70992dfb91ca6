/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Where an I/O came from: its submission path (enum dl_io_path) and the task
 * that submitted it. That task is often not the one running the hook:
 * io_uring issues requests in io-wq workers (iou-wrk-*) and in the SQPOLL
 * thread (iou-sqp-*), and DIO completions run in kworkers and, from v6.19
 * (iomap eca9dc20891d), in the bio's end_io, in interrupt context.
 *
 * Where an asynchronous DIO completes is told without asking for the
 * interrupt state (the per-CPU preempt count is a ksym the kernel resolves
 * only with CONFIG_KALLSYMS_ALL): it completes in its submitter only inside
 * that task's own submission of the same kiocb (dio.bpf.c's own_dio), and
 * anywhere else it is in a kernel thread (PF_KTHREAD: a kworker, ksoftirqd)
 * or in an interrupt that stopped an unrelated task.
 *
 * A kiocb tells its path by its completion callback (none: synchronous;
 * aio_complete_rw: AIO; io_complete_rw(_iopoll): io_uring), compared with
 * the kallsyms addresses the loader sets. io_uring's kernel threads carry
 * PF_IO_WORKER; an io-wq worker has its struct io_worker in
 * task->worker_private, the SQPOLL thread has none (io_wq_worker_sleeping()
 * tells them apart the same way).
 */
#ifndef DIOLOCK_ORIGIN_BPF_H
#define DIOLOCK_ORIGIN_BPF_H

#include "diolock.bpf.h"

/* include/linux/sched.h */
#define PF_IO_WORKER	0x00000010
#define PF_KTHREAD	0x00200000
/* include/uapi/linux/io_uring.h: the write opcodes (uapi numbers never change) */
#define IORING_OP_WRITEV_NR		2
#define IORING_OP_WRITE_FIXED_NR	5
#define IORING_OP_WRITE_NR		23
#define IORING_OP_WRITEV_FIXED_NR	61	/* v6.15+ */
/* io_uring/io_uring.h: REQ_F_FORCE_ASYNC_BIT == IOSQE_ASYNC_BIT since v5.6 */
#define DL_REQ_F_FORCE_ASYNC	(1ULL << 4)

/* kallsyms addresses of the kiocb completion callbacks; 0 when unknown (set by the loader). */
DL_EXTERN const volatile __u64 ksym_aio_complete_rw;
DL_EXTERN const volatile __u64 ksym_io_complete_rw;
DL_EXTERN const volatile __u64 ksym_io_complete_rw_iopoll;

/* io_uring writes punted to io-wq after a failed non-blocking attempt (uring.bpf.c) */
struct dl_punts_map {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, struct dl_punt_key);
	__type(value, struct dl_punt);
};
DL_EXTERN struct dl_punts_map punts SEC(".maps");

/* Before v6.13 a request named its task; since, its io_uring_task does (req->tctx->task). */
struct io_kiocb___old {
	struct task_struct *task;
} __attribute__((preserve_access_index));

static __always_inline bool dl_uring_write_op(__u8 op)
{
	return op == IORING_OP_WRITEV_NR || op == IORING_OP_WRITE_FIXED_NR || op == IORING_OP_WRITE_NR ||
	       op == IORING_OP_WRITEV_FIXED_NR;
}

/* The thread that issued an io_uring request: whose task_work its completion runs in. */
static __always_inline struct task_struct *dl_uring_issuer(struct io_kiocb *req)
{
	struct io_kiocb___old *old = (void *)req;

	if (bpf_core_field_exists(req->tctx))
		return BPF_CORE_READ(req, tctx, task);
	if (bpf_core_field_exists(old->task))
		return BPF_CORE_READ(old, task);
	return NULL;
}

/*
 * The task that submitted an io_uring request: for an SQPOLL ring the
 * request is the iou-sqp thread's, and the process's main thread names it.
 */
static __always_inline struct task_struct *dl_uring_task(struct io_kiocb *req)
{
	struct task_struct *task = dl_uring_issuer(req);

	if (task && (BPF_CORE_READ(task, flags) & PF_IO_WORKER))
		task = BPF_CORE_READ(task, group_leader);
	return task;
}

/* An io_uring kernel thread (PF_IO_WORKER): an io-wq worker, or the SQPOLL thread. */
static __always_inline __u8 dl_io_worker_path(struct task_struct *task)
{
	if (bpf_core_field_exists(task->worker_private) && !BPF_CORE_READ(task, worker_private))
		return DL_PATH_IO_URING_SQPOLL;
	return DL_PATH_IO_URING_WQ;
}

/*
 * The submission path of a kiocb, seen from the task running the hook (cur),
 * and the task that submitted it: *sub is NULL where only a lookup could say
 * (an AIO completing in a kworker or an interrupt).
 */
static __always_inline __u8 dl_kiocb_origin(struct kiocb *iocb, struct task_struct *cur, bool elsewhere,
					    struct task_struct **sub, bool btf)
{
	__u64 done = (__u64)DL_RD(btf, iocb, ki_complete);

	*sub = elsewhere ? NULL : cur;
	if (!done)
		return DL_PATH_SYNC;
	if (!ksym_io_complete_rw)
		return DL_PATH_UNKNOWN;
	if (done == ksym_aio_complete_rw)
		return DL_PATH_AIO;
	if (done != ksym_io_complete_rw && done != ksym_io_complete_rw_iopoll)
		return DL_PATH_KERNEL;
	/* io_rw, whose first member is the kiocb, is the request's first member (req->cmd) */
	*sub = dl_uring_task((void *)iocb);
	if (!elsewhere && (cur->flags & PF_IO_WORKER))
		return dl_io_worker_path(cur);
	return DL_PATH_IO_URING;
}

/* A record's origin: the path, and the submitter's identity when known. */
static __always_inline void dl_set_origin(struct dl_event *e, __u8 path, struct task_struct *sub)
{
	e->path = path;
	if (!sub)
		return;
	e->sub_tgid = BPF_CORE_READ(sub, tgid);
	e->sub_tid = BPF_CORE_READ(sub, pid);
	bpf_core_read(e->sub_comm, sizeof(e->sub_comm), &sub->comm);
	/* the work is the submitter's: so is its cgroup (a kworker's is the root) */
	e->cgroup = dl_cgroup_of(sub);
}

#endif /* DIOLOCK_ORIGIN_BPF_H */
