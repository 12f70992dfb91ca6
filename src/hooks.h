/* SPDX-License-Identifier: GPL-2.0 */
/*
 * diolock's hook points and the tiers that can feed each. One table, read
 * by the probe (what the kernel allows), the loader (what to enable) and
 * the reports (what each hook got).
 */
#ifndef DIOLOCK_HOOKS_H
#define DIOLOCK_HOOKS_H

#include <stdbool.h>

enum dl_tier {
	DL_TIER_NONE = 0,
	DL_TIER_FENTRY,
	DL_TIER_KPROBE,
	DL_TIER_TP_BTF,
	DL_TIER_RAW_TP,
	DL_TIER_MAX,
};

struct dl_hook {
	const char *name;	/* hook point, as users see it */
	const char *func;	/* fentry/kprobe target; NULL: none */
	const char *module;	/* module owning func/tracepoint; NULL: vmlinux */
	const char *tp;		/* tracepoint; NULL: none */
	const char *tp_system;	/* its trace system, for messages */
	bool check_needs;	/* `check` depends on it */
	const char *no_tp_why;	/* why there is no tracepoint tier */
};

enum dl_hook_id {
	DL_HOOK_DIO_SUBMIT,
	DL_HOOK_DIO_COMPLETE,
	DL_HOOK_DIO_QUEUED,
	DL_HOOK_BTRFS_SYNC,
	DL_HOOK_EXT4_SYNC_ENTER,
	DL_HOOK_EXT4_SYNC_EXIT,
	DL_HOOK_WAIT_BEGIN,
	DL_HOOK_WAIT_END,
	DL_HOOK_TASK_EXIT,
	DL_HOOK_SYSCALL_ENTER,
	DL_HOOK_SYSCALL_EXIT,
	DL_HOOK_RWSEM_ACQUIRE,
	DL_HOOK_RWSEM_RELEASE,
	DL_HOOK_DIO_DRAIN_WAIT,
	DL_HOOK_MAX,
};

/* What a session got for one hook. */
struct dl_hook_state {
	enum dl_tier tier;		/* DL_TIER_NONE: unavailable */
	char why[200];			/* why it is unavailable */
};

extern const struct dl_hook dl_hooks[DL_HOOK_MAX];

const char *dl_tier_name(enum dl_tier t);

#endif
