/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The analyzer owns what diolock's events mean. It is fed records one at a
 * time (live from the ring buffer, later from a file), keeps per-task state
 * bounded by the tasks alive, and turns patterns into findings. It never
 * touches libbpf, so unit tests feed it synthetic records.
 */
#ifndef DIOLOCK_ANALYZER_H
#define DIOLOCK_ANALYZER_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "diolock/event.h"
#include "filter.h"

enum an_kind {
	AN_DIO_COMPLETE_UNDER_LOCK,	/* dio_complete_under_i_rwsem */
	AN_SELF_DEADLOCK,		/* self_deadlock */
	AN_DIO_FALLBACK,		/* dio_fallback_buffered */
	AN_KIND_MAX,
};

enum an_severity {
	AN_INFO,
	AN_WARNING,
	AN_ERROR,
};

/* Findings with the same key are folded into one, with a count. */
struct an_violation {
	enum an_kind kind;
	enum an_severity severity;
	bool exact;		/* false: inferred from hints (see note) */
	__u32 pid, tid;		/* first occurrence */
	char comm[DL_COMM_LEN];
	char fs[DL_FS_LEN];
	__u32 dev;
	__u64 ino;
	__u8 lock_mode;		/* enum dl_lock_mode the task held or waited for */
	bool dsync;
	__u32 holder_tid;
	__s32 stack_id;
	__u64 first_ts, last_ts, count;
	const char *note;	/* why this severity; static string */
};

/* Waits on one inode's i_rwsem. */
#define AN_MAX_HOLDERS 8
struct an_contention {
	__u32 dev;
	__u64 ino;
	char fs[DL_FS_LEN];
	__u64 waits, wait_ns_total, wait_ns_max;
	__u64 read_waits, write_waits;
	__u32 holders[AN_MAX_HOLDERS];	/* distinct holder tids seen */
	__u32 waiters[AN_MAX_HOLDERS];	/* distinct waiter tids seen */
	int nholders, nwaiters;
};

struct an_fs_count {
	char fs[DL_FS_LEN];
	__u64 count;
};

struct an_task;

struct analyzer {
	struct dl_filter filter;
	__u64 events;
	__u64 by_type[DL_EV_TYPE_MAX];
	__u64 summary[AN_KIND_MAX];	/* occurrences, not folded entries */
	struct an_violation *viol;
	size_t nviol, capviol;
	struct an_contention *cont;
	size_t ncont, capcont;
	struct an_fs_count fallbacks[16];
	size_t nfallbacks;
	struct an_task *tasks;
	size_t ntasks, captasks;
	bool oom;
};

void an_init(struct analyzer *an, const struct dl_filter *filter);
void an_feed(struct analyzer *an, const struct dl_event *e);
void an_fini(struct analyzer *an);

const char *an_kind_name(enum an_kind k);
const char *an_severity_name(enum an_severity s);
const char *an_lock_mode_name(__u8 mode);
/* Number of findings at or above sev. */
__u64 an_count_severity(const struct analyzer *an, enum an_severity sev);

#endif
