// SPDX-License-Identifier: GPL-2.0
/*
 * io_uring requests, as io_uring's own tracepoints name them.
 *
 * io_uring:io_uring_submit_req (io_uring_submit_sqe before v6.4) fires in the submitting task (or the SQPOLL
 * thread) right before the request is issued there, inline: a write request
 * is remembered in the task's storage, so that the fallback hook
 * (fallback.bpf.c) knows which write dirties a folio. Other opcodes (reads,
 * sockets, timeouts) cost an opcode load and a compare.
 *
 * io_uring:io_uring_queue_async_work fires when a request goes to an io-wq
 * worker. A write to a regular file that the user did not mark IOSQE_ASYNC
 * gets there only after its non-blocking attempt returned -EAGAIN (say, its
 * i_rwsem was contended: iomap and the filesystems only trylock under
 * IOCB_NOWAIT). Those punts are counted per inode and process, and answer
 * "why do iou-wrk threads show up on my O_DIRECT writes?".
 */
#include "diolock.bpf.h"
#include "origin.bpf.h"

static __always_inline int on_submit_req(struct io_kiocb *req, bool btf)
{
	struct dl_task_ctx *tc;

	if (!dl_uring_write_op(DL_RD(btf, req, opcode)))
		return 0;
	tc = dl_ctx(true);
	if (tc)
		tc->uring_req = (__u64)req;
	else
		dl_count(DL_CNT_MAP_FULL);
	return 0;
}

static __always_inline int on_queue_async(struct io_kiocb *req, bool btf)
{
	struct dl_punt_key k = {};
	struct dl_punt init = {}, *p;
	struct task_struct *sub;
	struct file *file;
	struct inode *inode;
	struct dl_ino_id id;

	if (!dl_uring_write_op(DL_RD(btf, req, opcode)) || (BPF_CORE_READ(req, flags) & DL_REQ_F_FORCE_ASYNC))
		return 0;
	file = BPF_CORE_READ(req, file);
	if (!file || !(BPF_CORE_READ(file, f_flags) & O_DIRECT_FLAG) || dl_task_filtered())
		return 0;
	inode = BPF_CORE_READ(file, f_inode);
	if (!dl_ino_id(inode, &id, DL_PROBED) || id.fsid == DL_FSID_OTHER)
		return 0;
	sub = dl_uring_task(req);
	k.ino = id.ino;
	k.dev = id.dev;
	k.tgid = sub ? BPF_CORE_READ(sub, tgid) : bpf_get_current_pid_tgid() >> 32;
	if (sub)
		bpf_core_read(init.comm, sizeof(init.comm), &sub->comm);
	else
		bpf_get_current_comm(init.comm, sizeof(init.comm));
	dl_fs_name(BPF_CORE_READ(inode, i_sb), init.fs);
	p = dl_lookup_or_init(&punts, &k, &init);
	if (!p)
		return 0;
	__sync_fetch_and_add(&p->count, 1);
	p->last_ts = bpf_ktime_get_ns();
	return 0;
}

DL_TRACEPOINT(io_uring_submit_req, on_submit_req(req, btf), struct io_kiocb *req)
/* its name before v6.4 (2ad57931db64) */
DL_TRACEPOINT(io_uring_submit_sqe, on_submit_req(req, btf), struct io_kiocb *req, bool force_nonblock)
DL_TRACEPOINT(io_uring_queue_async_work, on_queue_async(req, btf), struct io_kiocb *req, int rw)
