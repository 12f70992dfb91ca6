/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What every diolock BPF program includes: the kernel's types, the shared
 * record and rules, the read and wrapper macros; the rest is one header per
 * job, included below in dependency order:
 *
 *   kernel.bpf.h  the kernel's constants and CO-RE flavours, each with its source
 *   maps.bpf.h    every map and setting (defined once in maps.bpf.c), counters
 *   task.bpf.h    per-task state (task-local storage), stash, the DIO-write stub
 *   lock.bpf.h    lock decoding: lock -> inode, i_rwsem state, exact holders
 *   inode.bpf.h   an inode's identity and the filters
 *   emit.bpf.h    records out: reserve, fill, submit, stacks, kept DIO records
 */
#ifndef DIOLOCK_BPF_H
#define DIOLOCK_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "diolock/event.h"
#include "diolock/mix.h"
#include "diolock/mode.h"
#include "diolock/rules.h"
#include "rwsem_layout.bpf.h"

/* maps.bpf.c defines what every other file declares. */
#ifdef DL_DEFINE_MAPS
#define DL_EXTERN
#else
#define DL_EXTERN extern
#endif

/*
 * One field of a kernel object: a plain load where the verifier knows the
 * pointer's BTF type (tp_btf and fentry/fexit arguments, and what they lead
 * to), bpf_probe_read_kernel() elsewhere (kprobes, raw_tp, pointers kept as
 * numbers). `btf` is a constant at every call site: the other branch is
 * compiled away. A plain load costs a nanosecond, a helper call tens.
 */
#define DL_RD(btf, p, f) ((btf) ? (p)->f : BPF_CORE_READ(p, f))

/* The `btf` argument of a helper given a pointer the verifier does not type. */
#define DL_PROBED false

#include "kernel.bpf.h"
#include "maps.bpf.h"
#include "task.bpf.h"
#include "lock.bpf.h"
#include "inode.bpf.h"
#include "emit.bpf.h"

/*
 * One tracepoint, two tiers: the BTF-typed tp_btf program and the raw_tp
 * one for kernels whose tracepoint has no BTF. Neither autoloads; the
 * loader enables the tier it chose for the hook.
 */
#define DL_TRACEPOINT(tp, call, ...)					\
	SEC("?tp_btf/" #tp)						\
	int BPF_PROG(tp_btf__##tp, ##__VA_ARGS__) { const bool btf __attribute__((unused)) = true; return call; } \
	SEC("?raw_tp/" #tp)						\
	int BPF_PROG(raw_tp__##tp, ##__VA_ARGS__) { const bool btf __attribute__((unused)) = false; return call; }

/* The same hook point at the function tiers (see DL_TRACEPOINT). */
#define DL_FENTRY(func, call, ...)					\
	SEC("?fentry/" #func)						\
	int BPF_PROG(fentry__##func, ##__VA_ARGS__) { const bool btf __attribute__((unused)) = true; return call; }
#define DL_FEXIT(func, call, ...)					\
	SEC("?fexit/" #func)						\
	int BPF_PROG(fexit__##func, ##__VA_ARGS__) { const bool btf __attribute__((unused)) = true; return call; }
#define DL_KPROBE(func, call, ...)					\
	SEC("?kprobe/" #func)						\
	int BPF_KPROBE(kprobe__##func, ##__VA_ARGS__) { const bool btf __attribute__((unused)) = false; return call; }
#define DL_KRETPROBE(func, call, ...)					\
	SEC("?kretprobe/" #func)					\
	int BPF_KRETPROBE(kretprobe__##func, ##__VA_ARGS__) { const bool btf __attribute__((unused)) = false; return call; }

/*
 * fexit's return value, as a number. Where the function returns a pointer the
 * verifier types it and forbids the arithmetic an ERR_PTR check needs.
 */
static __always_inline long dl_fexit_ret(void *ctx)
{
	__u64 r = 0;

	bpf_get_func_ret(ctx, &r);
	return (long)r;
}

#endif /* DIOLOCK_BPF_H */
