// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <string.h>
#include "lib/hooks.h"

static const char NO_TP_RWSEM[] =
	"no tracepoint for uncontended acquire/release: lock state is read at each event instead";
static const char NO_TP_DIO_WAIT[] = "inode_dio_wait has no tracepoint";
static const char NO_TP_FREEZE[] =
	"freeze_super and thaw_super have no tracepoint: a frozen filesystem's writers are still seen "
	"(sb_wait_begin), who froze it is not";
static const char NO_TP_RENAME[] =
	"lock_rename has no tracepoint, and lock order needs the acquisitions, which only the function tiers see";
static const char FALLBACK_COST[] =
	"runs when a clean page-cache folio is dirtied, never per syscall: a folio of a filesystem other "
	"than ext4, xfs and btrfs costs three loads, a buffered write to those an fd lookup at its first "
	"folio (bench/sysloop: ~0 ns per getppid or /dev/null write, a few hundred per 4 KiB buffered write "
	"to a new page); a folio dirtied inside io_submit reads the batch's iocbs from user memory (two "
	"reads each, 32 at most), one dirtied by io_uring reads the request's file and position (a few "
	"loads); attached by check, record and trace, not by stat, top or serve";
static const char URING_SUBMIT_COST[] =
	"runs at every io_uring submission of the machine: an opcode load and a compare, and for a write "
	"a task-storage lookup; attached by check, record and trace (with the fallback hook)";
static const char URING_PUNT_COST[] =
	"runs when io_uring hands a request to an io-wq worker, never on the inline path; a punted "
	"O_DIRECT write costs a hash-map update";
static const char NO_TP_BTRFS_EXTENT[] =
	"no tracepoint where btrfs locks an extent range or maps a DIO (btrfs_set_extent_bit fires for "
	"every bit of every io tree): a page fault waiting inside its own DIO is seen by the function "
	"tiers only";
static const char BTRFS_EXTENT_COST[] =
	"runs at each btrfs lock_extent (a few per btrfs I/O, buffered too) and btrfs DIO mapping: a "
	"task-storage lookup, and compares for a task inside a btrfs DIO; attached by check, record and "
	"trace, on v6.1 to v6.11 (lock_extent)";
static const char MMAP_HOLD_COST[] =
	"runs at every mmap_lock acquisition and release of the machine (the tracepoints' static key on): a "
	"read returns after a global load unless a write hold is being timed; a write acquisition of the "
	"task's own process a task-storage write; attached by stat, top and serve";
/* The program-name rules of bpf/diolock.bpf.h, for hooks.def. */
#define FE(fn) { "fentry__" #fn, #fn }
#define FX(fn) { "fexit__" #fn, #fn }
#define KP(fn) { "kprobe__" #fn, #fn }
#define KR(fn) { "kretprobe__" #fn, #fn }
#define PROGS(...) [DL_TIER_FENTRY] = { __VA_ARGS__ },
#define PROGS_K(...) [DL_TIER_KPROBE] = { __VA_ARGS__ },
#define NO_PROGS

/*
 * .leader defaults to none (-1): a row that names one overrides it, which is
 * what -Woverride-init would warn about.
 */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Woverride-init"
#ifdef __clang__
#pragma GCC diagnostic ignored "-Winitializer-overrides"
#endif
const struct dl_hook dl_hooks[DL_HOOK_MAX] = {
#define X(id, ...) [DL_HOOK_##id] = { .leader = -1, __VA_ARGS__ },
#include "lib/hooks.def"
#undef X
};
#pragma GCC diagnostic pop

const char *dl_tier_name(enum dl_tier t)
{
	switch (t) {
	case DL_TIER_FENTRY: return "fentry";
	case DL_TIER_KPROBE: return "kprobe";
	case DL_TIER_TP_BTF: return "tp_btf";
	case DL_TIER_RAW_TP: return "raw_tp";
	default: return "none";
	}
}

const char *dl_lock_layout_name(int layout)
{
	switch (layout) {
	case DL_LAYOUT_RWSEM: return "rwsem";
	case DL_LAYOUT_RWBASE_RT: return "rwbase_rt";
	default: return "unknown";
	}
}

bool dl_tier_is_tp(enum dl_tier t)
{
	return t == DL_TIER_TP_BTF || t == DL_TIER_RAW_TP;
}

bool dl_hook_has_tier(enum dl_hook_id h, enum dl_tier t)
{
	if (t == DL_TIER_TP_BTF || t == DL_TIER_RAW_TP)
		return dl_hooks[h].tp != NULL;
	return t > DL_TIER_NONE && t < DL_TIER_MAX && dl_hooks[h].progs[t][0].name;
}

bool dl_hook_prog(enum dl_hook_id h, enum dl_tier t, int i, char *buf, size_t len)
{
	if (t == DL_TIER_TP_BTF || t == DL_TIER_RAW_TP) {
		if (i || !dl_hooks[h].tp)
			return false;
		snprintf(buf, len, "%s__%s", dl_tier_name(t), dl_hooks[h].tp);
		return true;
	}
	if (t <= DL_TIER_NONE || t >= DL_TIER_MAX || i < 0 || i >= DL_HOOK_MAX_PROGS || !dl_hooks[h].progs[t][i].name)
		return false;
	snprintf(buf, len, "%s", dl_hooks[h].progs[t][i].name);
	return true;
}

const char *dl_hook_target(enum dl_hook_id h, enum dl_tier t, int i)
{
	if (t == DL_TIER_TP_BTF || t == DL_TIER_RAW_TP)
		return i ? NULL : dl_hooks[h].tp;
	if (t <= DL_TIER_NONE || t >= DL_TIER_MAX || i < 0 || i >= DL_HOOK_MAX_PROGS)
		return NULL;
	return dl_hooks[h].progs[t][i].target;
}

int dl_parse_tier(const char *s, enum dl_tier *t)
{
	if (!strcmp(s, "fentry"))
		*t = DL_TIER_FENTRY;
	else if (!strcmp(s, "kprobe"))
		*t = DL_TIER_KPROBE;
	else if (!strcmp(s, "tracepoint"))
		*t = DL_TIER_TP_BTF;
	else
		return -1;
	return 0;
}
