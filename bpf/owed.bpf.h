/* SPDX-License-Identifier: GPL-2.0 */
/*
 * DIO completions an io_uring issuer owes (IOCB_DIO_CALLER_COMP): counted by
 * dio.bpf.c, read by drain.bpf.c when a task drains an inode's DIO.
 */
#ifndef DIOLOCK_OWED_BPF_H
#define DIOLOCK_OWED_BPF_H

#include "diolock.bpf.h"
#include "origin.bpf.h"

/*
 * include/linux/fs.h, v6.6 (099ada2c8726) to v6.18: the issuer runs the
 * completion, iomap leaves it to the kiocb's dio_complete (gone in v6.19
 * with that field, which is how CO-RE tells).
 */
#define IOCB_DIO_CALLER_COMP	(1 << 22)

/*
 * io_uring DIO writes whose completion their issuer owes, by inode and
 * issuing thread: with IOCB_DIO_CALLER_COMP, inode_dio_end() waits for the
 * issuer's task_work. No kernel since 838b35bb6a89 (v6.6-rc7) sets it: the
 * map is touched only where one does.
 */
struct dl_owed_key {
	__u64 inode;
	__u32 tid;
	__u32 pad;
};

struct dl_owed_map {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, struct dl_owed_key);
	__type(value, __u32);
};
DL_EXTERN struct dl_owed_map owed_dio SEC(".maps");

/* The io_uring write's issuing thread, if its completion is left to it; NULL otherwise. */
static __always_inline struct task_struct *owing_task(struct kiocb *iocb, bool btf)
{
	if (!bpf_core_field_exists(iocb->dio_complete) || !(DL_RD(btf, iocb, ki_flags) & IOCB_DIO_CALLER_COMP))
		return NULL;
	if (!ksym_io_complete_rw || (__u64)DL_RD(btf, iocb, ki_complete) != ksym_io_complete_rw)
		return NULL;
	/* io_rw, whose first member is the kiocb, is the request's first member */
	return dl_uring_issuer((void *)iocb);
}

/* One more (delta 1) or one fewer (-1) DIO of inode owed by the task. */
static __always_inline void owed_add(struct task_struct *task, struct inode *inode, int delta)
{
	struct dl_owed_key k = { .inode = (__u64)inode, .tid = BPF_CORE_READ(task, pid) };
	__u32 zero = 0, *n;

	n = delta > 0 ? dl_lookup_or_init(&owed_dio, &k, &zero) : bpf_map_lookup_elem(&owed_dio, &k);
	if (!n)
		return;
	if (delta > 0)
		__sync_fetch_and_add(n, 1);
	else if (*n)
		__sync_fetch_and_sub(n, 1);
}

#endif /* DIOLOCK_OWED_BPF_H */
