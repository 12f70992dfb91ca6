/* SPDX-License-Identifier: GPL-2.0 */
/*
 * diolock's hook points and the programs that feed each, per tier. One
 * table, read by the probe (what the kernel allows), the loader (what to
 * enable) and the reports (what each hook got).
 */
#ifndef DIOLOCK_HOOKS_H
#define DIOLOCK_HOOKS_H

#include <stdbool.h>
#include <stddef.h>
#include "diolock/event.h"

#define DL_HOOK_MAX_PROGS 12

/* One program of a hook point: its name in the BPF object and what it attaches to. */
struct dl_hook_prog {
	const char *name;	/* "<tier>__<target>", as the bpf/ macros name it */
	const char *target;	/* kernel function, or tracepoint for the per-syscall tier */
};

struct dl_hook {
	const char *name;	/* hook point, as users see it */
	const char *func;	/* main fentry/kprobe target, for messages; NULL: none */
	const char *module;	/* module owning func/tracepoint; NULL: vmlinux */
	const char *tp;		/* tracepoint; NULL: none */
	const char *tp_system;	/* its trace system, for messages */
	bool check_needs;	/* `check` depends on it */
	const char *no_tp_why;	/* why there is no tracepoint tier */
	int leader;		/* -1, or the hook whose tier this one must share */
	const char *cost;	/* what it costs and where it is used, for `probe`; NULL: nothing special */
	/* programs per function tier (and the per-syscall tracepoint tier), name NULL after the last */
	struct dl_hook_prog progs[DL_TIER_MAX][DL_HOOK_MAX_PROGS];
};

/* DL_HOOK_DIO_SUBMIT, ...: the entries of hooks.def, in order. */
enum dl_hook_id {
#define X(id, ...) DL_HOOK_##id,
#include "lib/hooks.def"
#undef X
	DL_HOOK_MAX,
};

/* What a session got for one hook. */
struct dl_hook_state {
	enum dl_tier tier;		/* DL_TIER_NONE: unavailable */
	char why[200];			/* why it is unavailable */
	bool unrecorded;		/* a recording made before the hook existed: not the kernel's doing */
};

extern const struct dl_hook dl_hooks[DL_HOOK_MAX];

const char *dl_tier_name(enum dl_tier t);
/* enum dl_lock_layout as the report and probe spell it: rwsem, rwbase_rt, unknown */
const char *dl_lock_layout_name(int layout);
/* Does diolock have programs for this hook at this tier? */
bool dl_hook_has_tier(enum dl_hook_id h, enum dl_tier t);
/*
 * The i-th program name of a hook at a tier into buf (tracepoint tiers are
 * named after the tracepoint); false past the last.
 */
bool dl_hook_prog(enum dl_hook_id h, enum dl_tier t, int i, char *buf, size_t len);
/* What the i-th program of a hook at a tier attaches to (function or tracepoint); NULL past the last. */
const char *dl_hook_target(enum dl_hook_id h, enum dl_tier t, int i);
/* A tracepoint tier (tp_btf, raw_tp or a classic tracepoint)? */
bool dl_tier_is_tp(enum dl_tier t);
/* "fentry", "kprobe", "tracepoint": the tiers --attach can force. */
int dl_parse_tier(const char *s, enum dl_tier *t);

#endif
