// SPDX-License-Identifier: GPL-2.0
/*
 * How long a process's mmap_lock is held for write: the freezes production
 * sees most (a big munmap, mremap or mprotect holding it while every fault
 * and every DIO pinning its buffer waits). stat, top and serve fold it per
 * process, as they fold the waits (mm.bpf.h): DL_HIST_MMAP_HOLD_WRITE.
 *
 * The mmap_lock tracepoints (v5.10+) in every tier: no function hook is
 * cheaper, mmap_write_lock() and friends are inlined. They fire for every
 * acquisition and release of every process, reads too (faults before v6.4's
 * per-VMA locks, GUP): a read returns after one global load unless some
 * task is timing a write hold (dl_mm_holds), because only then can a read
 * acquisition be that task's downgrade (mmap_write_downgrade() fires
 * acquire_returned with write false), which ends the write hold. Read holds
 * are not timed: a lookup per fault; a long one shows as writers' waits.
 * Only the task's own process's mmap_lock: khugepaged's and ptrace's holds
 * of another's are left out.
 */
#include "diolock.bpf.h"
#include "stat.bpf.h"
#include "mm.bpf.h"

/* Before v6.11 the tracepoints also took the memcg path, as their second argument. */
struct trace_event_raw_mmap_lock___memcg_path {
	__u32 __data_loc_memcg_path;
} __attribute__((preserve_access_index));

static __always_inline bool old_proto(void)
{
	return bpf_core_field_exists(struct trace_event_raw_mmap_lock___memcg_path, __data_loc_memcg_path);
}

/*
 * The tracepoint's argument at byte offset off of ctx, as one instruction:
 * the verifier wants a constant offset into ctx, and loads written in C in
 * both arms of the prototype test get merged into one through a computed one.
 */
#define CTX_U64(ctx, off) ({ __u64 __v; asm volatile("%0 = *(u64 *)(%1 + " #off ")" : "=r"(__v) : "r"(ctx)); __v; })

/* The task's write hold ends: folded under its process. */
static __always_inline void hold_end(struct dl_task_ctx *tc)
{
	__u64 ns = bpf_ktime_get_ns() - tc->mm_hold_ts;
	struct task_struct *cur = bpf_get_current_task_btf();
	char comm[DL_COMM_LEN] = {};
	struct dl_ident id = {};

	tc->mm_hold_ts = 0;
	__sync_fetch_and_add(&dl_mm_holds, -1);
	dl_mm_ident(&id);
	/* the process's name (its leader's), not the thread's */
	bpf_probe_read_kernel_str(comm, sizeof(comm), cur->group_leader->comm);
	dl_hist_add(DL_HIST_MMAP_HOLD_WRITE, &id, tc->mm_hold_stack, comm, 0, ns);
}

/* The task's write hold of mm ends (released, or downgraded), if it is timing one. */
static __always_inline int end_own_hold(__u64 mm)
{
	struct dl_task_ctx *tc;

	if (!dl_mm_holds)
		return 0;
	tc = dl_ctx(false);
	if (tc && tc->mm_hold_ts && (__u64)bpf_get_current_task_btf()->mm == mm)
		hold_end(tc);
	return 0;
}

/* mmap_lock_acquire_returned(mm, [memcg_path,] write, success) */
static __always_inline int on_acquired(void *ctx, __u64 *a)
{
	bool write = old_proto() ? CTX_U64(a, 16) : CTX_U64(a, 8);
	bool success = old_proto() ? CTX_U64(a, 24) : CTX_U64(a, 16);
	struct task_struct *cur;
	struct dl_task_ctx *tc;

	/* a read acquisition: a downgrade of a timed write hold? */
	if (!write)
		return success ? end_own_hold(a[0]) : 0;
	cur = bpf_get_current_task_btf();
	if (!stat_on || !success || (__u64)cur->mm != a[0] || dl_task_filtered() || dl_files_filtered())
		return 0;
	tc = dl_ctx(true);
	if (!tc || tc->mm_hold_ts)
		return 0;
	tc->mm_hold_stack = dl_stat_stack(ctx);
	tc->mm_hold_ts = bpf_ktime_get_ns();
	__sync_fetch_and_add(&dl_mm_holds, 1);
	return 0;
}

/* mmap_lock_released(mm, [memcg_path,] write) */
static __always_inline int on_released(__u64 *a)
{
	bool write = old_proto() ? CTX_U64(a, 16) : CTX_U64(a, 8);

	return write ? end_own_hold(a[0]) : 0;
}

DL_TRACEPOINT(mmap_lock_acquire_returned, on_acquired(ctx, (__u64 *)ctx))
DL_TRACEPOINT(mmap_lock_released, on_released((__u64 *)ctx))
