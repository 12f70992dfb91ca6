// SPDX-License-Identifier: GPL-2.0
/*
 * Tier probes. "The kernel has BTF" does not mean "fentry attaches" (this
 * project's CI host refuses fentry with EPERM and has no kprobes), so each
 * tier is decided by loading, and for kprobes attaching, one of these empty
 * programs against the real target. The loader sets the target at run time.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "../rwsem_layout.bpf.h"

SEC("?fentry")
int BPF_PROG(probe_fentry)
{
	return 0;
}

SEC("?kprobe")
int BPF_KPROBE(probe_kprobe)
{
	return 0;
}

SEC("?tp_btf")
int BPF_PROG(probe_tp_btf)
{
	return 0;
}

SEC("?raw_tp")
int BPF_PROG(probe_raw_tp)
{
	return 0;
}

char LICENSE[] SEC("license") = "GPL";

/* what the main object decodes i_rwsem as: the same header decides */
DL_LOCK_LAYOUT_PROG
