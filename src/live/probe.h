/* SPDX-License-Identifier: GPL-2.0 */
/* Decide tiers by trying them: load (and attach) an empty program per hook. */
#ifndef DIOLOCK_PROBE_H
#define DIOLOCK_PROBE_H

#include <linux/types.h>
#include "lib/hooks.h"

struct bpf_program;

struct dl_tier_result {
	int err;		/* 0: works; -errno otherwise */
	char why[200];		/* for err != 0: why the tier was refused */
};

/*
 * Try one tier for one hook: every function or tracepoint its programs at
 * that tier attach to. Returns 0 or -errno, with the reason in res. Results
 * are cached per target for the life of the process.
 */
int dl_probe_tier(enum dl_hook_id hook, enum dl_tier tier, struct dl_tier_result *res);

/*
 * Checks that hold before any BPF is attempted: privileges, and kernel BTF
 * or a BTF file given with --btf. Returns 0, or -errno with a one-line reason.
 */
int dl_env_check(const char *btf_path, char *why, size_t len);

/*
 * The struct rw_semaphore layout (enum dl_lock_layout) a BPF object was
 * relocated for: enable its lock_layout program before load (-EOPNOTSUPP on
 * kernels without syscall programs), run it after load; value is its
 * dl_lock_layout in .bss. DL_LAYOUT_UNKNOWN when it cannot run.
 */
int dl_lock_layout_enable(struct bpf_program *prog);
int dl_lock_layout_run(const struct bpf_program *prog, const volatile __u8 *value);
/* The same with probe's own object, for `diolock probe`. */
int dl_probe_lock_layout(void);

#endif
