// SPDX-License-Identifier: GPL-2.0
/*
 * Who froze a filesystem, and when it thawed: freeze_super() and
 * thaw_super() returning (the FIFREEZE/FITHAW ioctls, fsfreeze, snapshot
 * tools, device-mapper, hibernation all end there). No tracepoint fires in
 * either, so only the function tiers see them; the analyzer names the freezer
 * in the long waits of the writers it stopped (sb.bpf.h sees those in every
 * tier). A freeze is rare: a record each, never on the I/O path.
 */
#include "diolock.bpf.h"
#include "sb.bpf.h"

static __always_inline int on_freeze_done(struct super_block *sb, int ret, __u16 type)
{
	struct dl_event *e;

	/* not the task filters: who froze a filesystem matters whoever is watched */
	if (!sb || dl_records_off())
		return 0;
	e = dl_reserve_sb(type, sb);
	if (!e)
		return 0;
	e->ret = ret;
	e->len = BPF_CORE_READ(sb, s_writers.frozen);
	dl_submit(e);
	return 0;
}

DL_FEXIT(freeze_super, on_freeze_done(sb, (int)dl_fexit_ret(ctx), DL_EV_FREEZE), struct super_block *sb)
DL_KPROBE(freeze_super, (dl_stash(DL_STASH_FREEZE, (__u64)sb), 0), struct super_block *sb)
DL_KRETPROBE(freeze_super, on_freeze_done((void *)dl_unstash(DL_STASH_FREEZE), ret, DL_EV_FREEZE), int ret)
DL_FEXIT(thaw_super, on_freeze_done(sb, (int)dl_fexit_ret(ctx), DL_EV_THAW), struct super_block *sb)
DL_KPROBE(thaw_super, (dl_stash(DL_STASH_FREEZE, (__u64)sb), 0), struct super_block *sb)
DL_KRETPROBE(thaw_super, on_freeze_done((void *)dl_unstash(DL_STASH_FREEZE), ret, DL_EV_THAW), int ret)
