// SPDX-License-Identifier: GPL-2.0
/* The names the analyzer's enums have in reports, JSON and metrics. */
#include "analyzer/an_internal.h"

static const char *const kind_names[AN_KIND_MAX] = {
	[AN_DIO_COMPLETE_UNDER_LOCK] = "dio_complete_under_i_rwsem",
	[AN_SELF_DEADLOCK] = "self_deadlock",
	[AN_DIO_FALLBACK] = "dio_fallback_buffered",
	[AN_DEADLOCK_CYCLE] = "deadlock_cycle",
	[AN_LONG_WAIT] = "long_wait_chain",
	[AN_LOCK_ORDER] = "lock_order_inversion",
	[AN_RECURSIVE_ACQUIRE] = "recursive_acquire",
	[AN_SYNC_SKIPS_UNHELD] = "sync_skips_unheld_lock",
};

const char *an_kind_name(enum an_kind k)
{
	return k < AN_KIND_MAX ? kind_names[k] : "unknown";
}

const char *an_severity_name(enum an_severity s)
{
	return s == AN_ERROR ? "error" : s == AN_WARNING ? "warning" : "info";
}

const char *an_lock_mode_name(__u8 mode)
{
	switch (mode) {
	case DL_LOCK_READ: return "read";
	case DL_LOCK_WRITE: return "write";
	case DL_LOCK_UNKNOWN: return "unknown";
	default: return "none";
	}
}

const char *an_lock_kind_name(__u8 kind)
{
	switch (kind) {
	case AN_LOCK_DRAIN: return "dio_drain";
	case AN_LOCK_INVALIDATE: return "invalidate_lock";
	case AN_LOCK_SB_WRITERS: return "sb_writers";
	case AN_LOCK_MMAP: return "mmap_lock";
	case AN_LOCK_EXTENT: return "extent_range";
	case AN_LOCK_ORDERED: return "ordered_extent";
	default: return "i_rwsem";
	}
}

__u8 an_finding_lock(const struct an_finding *v)
{
	/* a wait's finding is about the lock its first task waits for */
	if ((v->kind == AN_DEADLOCK_CYCLE || v->kind == AN_LONG_WAIT) && v->nmembers)
		return v->members[0].lock_kind;
	return v->lock_kind;
}

bool an_is_fs(const char *fs, const char *name)
{
	return !strncmp(fs, name, DL_FS_LEN);
}
