/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The analyzer owns what diolock's events mean. It is fed records one at a
 * time (live from the ring buffer, or from a recording) and keeps a
 * wait-for graph: tasks, locks (each inode's i_rwsem, and each inode's
 * in-flight DIO as a resource inode_dio_wait() waits on), "task waits for
 * lock" and "lock is held by task" edges. Its memory is bounded by the live
 * tasks and locks, not by the number of records. It never touches libbpf,
 * so unit tests feed it synthetic records.
 */
#ifndef DIOLOCK_ANALYZER_H
#define DIOLOCK_ANALYZER_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "diolock/event.h"
#include "lib/filter.h"
#include "lib/table.h"

enum an_kind {
	AN_DIO_COMPLETE_UNDER_LOCK,	/* dio_complete_under_i_rwsem */
	AN_SELF_DEADLOCK,		/* self_deadlock */
	AN_DIO_FALLBACK,		/* dio_fallback_buffered */
	AN_DEADLOCK_CYCLE,		/* deadlock_cycle */
	AN_LONG_WAIT,			/* long_wait_chain */
	AN_LOCK_ORDER,			/* lock_order_inversion */
	AN_RECURSIVE_ACQUIRE,		/* recursive_acquire */
	AN_SYNC_SKIPS_UNHELD,		/* sync_skips_unheld_lock */
	AN_KIND_MAX,
};

enum an_severity {
	AN_INFO,
	AN_WARNING,
	AN_ERROR,
};

/* The kinds of lock in the graphs (invalidate_lock: in the lock-order graph only). */
enum an_lock_kind {
	AN_LOCK_RWSEM,		/* inode->i_rwsem */
	AN_LOCK_DRAIN,		/* the inode's in-flight DIO, drained by inode_dio_wait */
	AN_LOCK_INVALIDATE,	/* the mapping's invalidate_lock (lock order; waits that matter, recursion) */
	AN_LOCK_SB_WRITERS,	/* a super block's sb_writers: held by whoever froze the filesystem */
	AN_LOCK_MMAP,		/* a process's mmap_lock (mm->mmap_lock) */
	AN_LOCK_EXTENT,		/* btrfs: an extent range locked in an inode's io tree */
	AN_LOCK_ORDERED,	/* btrfs: an inode's ordered extent (a DIO write's, until its bio ends) */
};

/* One task of a cycle or a wait chain, and the lock it waits for. */
struct an_member {
	__u32 pid, tid;
	char comm[DL_COMM_LEN];
	__u8 lock_kind;		/* enum an_lock_kind */
	char fs[DL_FS_LEN];
	__u32 dev;
	__u64 ino;
	__u32 mm_pid;		/* AN_LOCK_MMAP: the process whose mmap_lock it is */
	__u8 mode;		/* enum dl_lock_mode waited for */
	__u64 wait_ns;		/* how long it had waited at the report */
	__s32 stack_id;
	bool exact;		/* the holder edge out of this lock is exact */
};

#define AN_MAX_MEMBERS 8

/* Findings with the same key are folded into one, with a count. */
struct an_finding {
	enum an_kind kind;
	enum an_severity severity;
	bool exact;		/* false: inferred from hints (see note) */
	__u32 pid, tid;		/* first occurrence: the I/O's submitter, when the record names it */
	char comm[DL_COMM_LEN];
	/* the task that ran it, where not the submitter (an io-wq worker, a kworker); 0 none */
	__u32 run_tid;
	char run_comm[DL_COMM_LEN];
	__u8 io_path;		/* enum dl_io_path; 0: not known (or not an I/O) */
	__u64 cgroup;		/* the cgroup v2 id of the work (the submitter's); 0 not known */
	char fs[DL_FS_LEN];
	__u32 dev;
	__u64 ino;
	__u8 lock_mode;		/* enum dl_lock_mode the task held or waited for */
	bool dsync;
	__u32 holder_tid;
	__s32 stack_id;
	__u64 first_ts, last_ts, count;
	const char *note;	/* why this kind and severity; static string */
	/* deadlock_cycle, long_wait_chain, lock_order_inversion */
	struct an_member members[AN_MAX_MEMBERS];
	int nmembers;
	char detail[224];	/* e.g. the lock classes of an inversion */
	__u8 lock_kind;		/* enum an_lock_kind the finding is about, where not its members' */
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

/* Edges kept of the instance order graph: the oldest go first, counted. */
#define AN_ORDER_EDGES 8192
#define AN_ORDER_NODES 8192
struct an_order_graph;

/* Lock classes for predictive lock-order checks: "i_rwsem[btrfs]". */
#define AN_MAX_CLASSES 32
struct an_class_edge {
	bool seen;
	__s32 stack_id;		/* the first stack that created the edge */
	__u32 tid, pid;
	char comm[DL_COMM_LEN];
};

struct analyzer {
	struct dl_filter filter;
	__u64 long_wait_ns;		/* long_wait_chain threshold */
	__u64 events;
	__u64 by_type[DL_EV_TYPE_MAX];
	__u64 summary[AN_KIND_MAX];	/* occurrences, not folded entries */
	__u64 suspected[AN_KIND_MAX];	/* inferred findings held for confirmation */
	__u64 confirmed[AN_KIND_MAX];	/* ... of which time confirmed these (reported) */
	__u64 retracted[AN_KIND_MAX];	/* ... of which time refuted these (never reported) */
	__u64 confirm_ns;		/* AN_CONFIRM_NS */
	__u64 folded;			/* occurrences counted in BPF fold slots, not records */
	__u64 folded_waits;		/* short i_rwsem waits counted in BPF wait-fold slots */
	struct an_finding *finding;
	size_t nfindings, capfindings;
	struct table finding_index;	/* fold key hash -> first index + 1 */
	struct an_contention *cont;
	size_t ncont, capcont;
	struct table cont_index;	/* dev/ino hash -> index + 1 */
	struct an_fs_count fallbacks[16];
	size_t nfallbacks;
	struct table tasks;		/* tid -> struct an_task */
	struct table locks;		/* lock id -> struct an_lock */
	__u8 class_kind[AN_MAX_CLASSES];	/* enum an_lock_kind */
	char class_fs[AN_MAX_CLASSES][DL_FS_LEN];
	int nclasses;
	struct an_class_edge order[AN_MAX_CLASSES][AN_MAX_CLASSES];
	/* lock order between i_rwsem instances (ORDER_EDGE records): an_order.c */
	struct an_order_graph *og;	/* NULL until the first edge */
	__u64 order_edges;		/* distinct edges seen */
	__u64 order_forgotten;		/* ... of which dropped to stay bounded (oldest first) */
	__u64 last_ts;
	bool oom;
};

/*
 * What the renderers read of an analysis: its findings and counters, never
 * the graph behind them. Pointers into the analyzer: valid until it is fed
 * again or freed.
 */
struct an_results {
	const struct an_finding *finding;
	size_t nfindings;
	const struct an_contention *cont;
	size_t ncont;
	const struct an_fs_count *fallbacks;
	size_t nfallbacks;
	const __u64 *summary, *suspected, *confirmed, *retracted;	/* [AN_KIND_MAX] */
	const __u64 *by_type;						/* [DL_EV_TYPE_MAX] */
	__u64 events, folded, folded_waits, confirm_ns, order_edges, order_forgotten;
	const struct dl_filter *filter;	/* the analysis' own filter (replay) */
	bool oom;
};

#define AN_DEFAULT_LONG_WAIT_NS (5ULL * 1000000000ULL)
/*
 * How long a finding inferred from hints (a reader-owner hint, a DIO's
 * shared hold) must stay true before it is an error: see docs/findings.md, "Findings
 * inferred from hints".
 */
#define AN_CONFIRM_NS (2ULL * 1000000000ULL)

void an_init(struct analyzer *an, const struct dl_filter *filter);
void an_feed(struct analyzer *an, const struct dl_event *e);
/* Occurrences BPF counted in a fold slot (f->count is the increment since the last one). */
void an_fold(struct analyzer *an, const struct dl_fold *f);
/* Short i_rwsem waits BPF folded (a wait-fold slot's increment): the contention table only. */
void an_wait_fold(struct analyzer *an, const struct dl_wait_fold *f);
/* Time passes without records (live mode): checks long waits up to now_ns. */
void an_fini(struct analyzer *an);

const char *an_kind_name(enum an_kind k);
const char *an_severity_name(enum an_severity s);
const char *an_lock_mode_name(__u8 mode);
const char *an_lock_kind_name(__u8 kind);
/* The kind of lock a finding is about (i_rwsem unless it says otherwise). */
__u8 an_finding_lock(const struct an_finding *v);
/* A lock class as reports name it: "i_rwsem[ext4]", "dio_drain[btrfs]"; into buf. */
const char *an_class_name(__u8 kind, const char *fs, char *buf, size_t len);
/* The analysis as the renderers see it (struct an_results). */
struct an_results an_results(const struct analyzer *an);
/* Number of folded findings at or above sev. */
__u64 an_results_count(const struct an_results *r, enum an_severity sev);
__u64 an_count_severity(const struct analyzer *an, enum an_severity sev);
size_t an_live_tasks(const struct analyzer *an);
size_t an_live_locks(const struct analyzer *an);

#endif
