/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `stat`, `top` and `serve`: histograms folded into BPF maps inside the
 * existing handlers, so that these modes stream nothing per event. The maps
 * are defined in maps.bpf.c; the update helpers are inlined into the
 * handlers of rwsem.bpf.c (waits), acquire.bpf.c (holds) and dio.bpf.c.
 */
#ifndef DIOLOCK_STAT_BPF_H
#define DIOLOCK_STAT_BPF_H

#include "diolock.bpf.h"

/* Set by the loader: fold histograms, and how to key them (enum dl_stat_by). */
DL_EXTERN const volatile __u8 stat_on;
DL_EXTERN const volatile __u8 stat_by;

/* The initial value of a new histogram: too large for the BPF stack. */
DL_EXTERN struct dl_hist dl_hist_zero;

struct dl_hists_map {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, struct dl_hist_key);
	__type(value, struct dl_hist);
};
DL_EXTERN struct dl_hists_map hists SEC(".maps");

struct dl_lock_tasks_map {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct dl_lock_task_key);
	__type(value, struct dl_lock_task);
};
DL_EXTERN struct dl_lock_tasks_map lock_tasks SEC(".maps");

/*
 * An asynchronous DIO's submission by iocb, from its queueing to its
 * completion in another context. A synchronous DIO's is in its task's
 * storage (struct dl_dio_ctx): the hash is for AIO only. LRU: a failed
 * submission never completes.
 */
struct dl_dio_start {
	__u64 ts;
	char comm[DL_COMM_LEN];	/* the submitter: AIO completes in a kworker */
	__s32 stack_id;
	__u32 path;		/* enum dl_io_path */
	__u64 cgroup;		/* the submitter's cgroup v2 id (io-wq workers share it) */
};

struct dl_dio_starts_map {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct dl_dio_start);
};
DL_EXTERN struct dl_dio_starts_map dio_starts SEC(".maps");

/* What a histogram key may name about an inode. */
struct dl_ident {
	__u64 ino;
	__u32 dev;
	__u32 pad;
	char fs[DL_FS_LEN];
	__u64 cgroup;		/* whose work, for --by cgroup; 0: the current task's */
};

/* An inode's identity for histogram keys, the filters applied (false: they reject it). */
static __always_inline bool dl_ident_of(struct inode *inode, struct dl_ident *id, bool btf)
{
	struct dl_ino_id ino;

	if (!dl_ino_id(inode, &ino, btf))
		return false;
	id->ino = ino.ino;
	id->dev = ino.dev;
	id->cgroup = 0;
	dl_fs_name(DL_RD(btf, inode, i_sb), id->fs);
	return true;
}


/* The stack a --by stack key names; -1 in the other modes (no cost). */
static __always_inline __s32 dl_stat_stack(void *ctx)
{
	return stat_by == DL_BY_STACK ? dl_stackid(ctx, 0) : -1;
}

/*
 * comm: whose name a --by comm key carries; NULL: the current task. path:
 * the I/O's (enum dl_io_path), 0 for a lock's wait or hold.
 */
static __always_inline void dl_hist_add(__u32 kind, const struct dl_ident *id, __s32 stack_id,
					const char *comm, __u8 path, __u64 ns)
{
	struct dl_hist_key k = {};
	struct dl_hist *h;

	k.kind = kind;
	k.stack_id = -1;
	switch (stat_by) {
	case DL_BY_INODE:
		k.dev = id->dev;
		k.ino = id->ino;
		__builtin_memcpy(k.fs, id->fs, DL_FS_LEN);
		/* a process's mmap_lock: its name, read while it lives (stat prints after it exited) */
		if (comm && (kind == DL_HIST_MMAP_WAIT_READ || kind == DL_HIST_MMAP_WAIT_WRITE ||
			     kind == DL_HIST_MMAP_HOLD_WRITE))
			__builtin_memcpy(k.comm, comm, DL_COMM_LEN);
		break;
	case DL_BY_FS:
		k.dev = id->dev;
		__builtin_memcpy(k.fs, id->fs, DL_FS_LEN);
		break;
	case DL_BY_COMM:
		if (comm)
			__builtin_memcpy(k.comm, comm, DL_COMM_LEN);
		else
			bpf_get_current_comm(k.comm, sizeof(k.comm));
		break;
	case DL_BY_PATH:
		k.path = path;
		break;
	case DL_BY_CGROUP:
		k.cgroup = id->cgroup ? id->cgroup : bpf_get_current_cgroup_id();
		break;
	default:
		k.stack_id = stack_id;
		__builtin_memcpy(k.fs, id->fs, DL_FS_LEN);
		break;
	}
	h = dl_lookup_or_init(&hists, &k, &dl_hist_zero);
	if (!h)
		return;
	__sync_fetch_and_add(&h->slots[dl_hist_slot(ns) & (DL_HIST_SLOTS - 1)], 1);
	__sync_fetch_and_add(&h->count, 1);
	__sync_fetch_and_add(&h->sum_ns, ns);
	if (ns > h->max_ns)
		h->max_ns = ns;
}

/* top's waiters and holders: comm NULL (and cgroup 0) is the current task's. */
static __always_inline void dl_lock_task_add(const struct dl_ident *id, __u32 tid, __u32 role,
					     const char *comm, __u64 cgroup, __u8 mode, __u64 ns)
{
	struct dl_lock_task_key k = { .ino = id->ino, .dev = id->dev, .tid = tid, .role = role };
	struct dl_lock_task nv = {}, *v;

	v = bpf_map_lookup_elem(&lock_tasks, &k);
	if (!v) {
		/* the name only for a new entry: it costs a helper call */
		if (comm)
			__builtin_memcpy(nv.comm, comm, DL_COMM_LEN);
		else
			bpf_get_current_comm(nv.comm, sizeof(nv.comm));
		nv.cgroup = comm ? cgroup : bpf_get_current_cgroup_id();
		v = dl_lookup_or_init(&lock_tasks, &k, &nv);
		if (!v)
			return;
	}
	__sync_fetch_and_add(&v->wait_ns, ns);
	__sync_fetch_and_add(&v->waits, 1);
	v->modes |= 1u << (mode & 3);
}

#endif /* DIOLOCK_STAT_BPF_H */
