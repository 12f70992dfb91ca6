/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The analyzer's insides, shared by its files (one concern each). Calls go
 * one way, down this list, never back up:
 *
 *   analyzer.c       records in, per record type (the dispatcher)
 *   an_waitfor.c     wait-for cycles and long-wait chains
 *   an_order.c       predictive lock order (classes and i_rwsem instances)
 *   an_contention.c  the contention table
 *   an_fallback.c    O_DIRECT writes that went through the page cache
 *   an_findings.c    findings folded by key; the inferred ones until time confirms them
 *   an_registry.c    tasks, locks, holders
 *   an_index.c       arrays with a hash index
 *   an_names.c       names of the enums, filesystem names
 *
 * Nothing outside src/analyzer/ includes this.
 */
#ifndef DIOLOCK_AN_INTERNAL_H
#define DIOLOCK_AN_INTERNAL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "analyzer/analyzer.h"
#include "diolock/mix.h"
#include "diolock/rules.h"

#define MAX_REG 8		/* registered holders per lock */
#define MAX_LOCKS 65536		/* locks remembered before idle ones are forgotten */
#define WAIT_CHECK_NS 100000000ULL

/*
 * A finding inferred from hints (the reader-owner hint, a DIO's shared hold,
 * a holder edge through a read-held lock) is held here until time confirms
 * it: the waits it rests on must stay unbroken for an->confirm_ns. A wait
 * that ends first refutes it: it is counted as retracted, never reported.
 */
struct an_suspect {
	enum an_kind kind;
	struct dl_event e;		/* the wait record that raised it */
	__u8 mode;
	const char *note;
	bool seed_shape;		/* also the completion's own fsync deadlock */
	bool explained;			/* the lock's latest state names another holder */
	/* the waits that must stay unbroken: [0] is the suspect task's own */
	__u32 tids[AN_MAX_MEMBERS];
	__u64 locks[AN_MAX_MEMBERS];
	__u64 since[AN_MAX_MEMBERS];
	bool exact[AN_MAX_MEMBERS];	/* the holder edge out of each wait is certain */
	int n;
};

/* A lock as far as the records tell: an inode's i_rwsem, its DIO drain, or a super block's sb_writers. */
struct an_lock {
	/*
	 * &inode->i_rwsem; the drain resource: id | 1; sb_writers: the super
	 * block | 2; &mm->mmap_lock | 3; btrfs's extent ranges of the inode:
	 * &inode->i_rwsem | 4, its ordered extents | 5
	 */
	__u64 id;
	__u8 kind;		/* enum an_lock_kind */
	char fs[DL_FS_LEN];
	__u32 dev;
	__u64 ino;
	/* holders as last read from the lock itself */
	__u8 mode;
	__u32 snap[DL_MAX_HOLDERS];
	bool snap_exact;
	__u64 snap_ts;		/* when the snapshot was read */
	/* holders known from task state: DIO submitters, exact holds */
	__u32 reg[MAX_REG];
	__u8 reg_mode[MAX_REG];
	bool reg_exact[MAX_REG];	/* from acquisition tracking, not from a DIO's inferred hold */
	int waiters;
	__u32 suspect_tid;	/* a task suspected of waiting for its own hold on this lock */
	struct dl_sb_wait sb;	/* AN_LOCK_SB_WRITERS: the freeze state its last waiter read */
	__u32 freezer_pid, freezer_tid;	/* ... and who froze it (function tiers), 0 unknown or thawed */
	char freezer_comm[DL_COMM_LEN];
	__u64 frozen_at;	/* when its freeze_super returned */
	__u32 mm_pid;		/* AN_LOCK_MMAP: the process whose mmap_lock it is */
};

/* What one task is doing, as far as the records tell. */
struct an_task {
	__u32 tid, pid;
	char comm[DL_COMM_LEN];
	/* a DIO this task submitted (or is completing) and has not completed */
	bool dio_active, dio_synced, complete_classified, dio_dsync;
	__u64 dio_lock;
	__u8 dio_hold;		/* enum dl_lock_mode held across the DIO */
	/* a fsync this task began while holding that inode's i_rwsem */
	bool sync_under_lock;
	__u64 sync_lock;
	/* the lock it sleeps on */
	__u64 waiting_on;
	__u8 wait_mode;
	__u64 wait_since;
	__s32 wait_stack;
	bool wait_reported;
	bool in_cycle;		/* this wait is in a reported deadlock_cycle: no long_wait_chain too */
	/* exact holds, from acquisition tracking */
	__u64 held[DL_MAX_HELD];
	__u8 held_mode[DL_MAX_HELD];
	__u8 last_type;		/* what it did last: for wait-chain roots */
	/* the drain it holds while its completion waits in fsync (DL_F_COMPLETING) */
	__u64 completion_drain;
	struct an_suspect *suspect;	/* NULL, or an inferred finding awaiting confirmation */
};

/* An inode as the hashed tables (contention, the order graph) look it up: their match's ctx. */
struct an_inode_key {
	__u32 dev;
	__u64 ino;
};

/* an_index.c */
void *an_grow(void *arr, size_t *cap, size_t n, size_t elem, bool *oom);
/*
 * Arrays of entries with a hash index (findings, contention): find returns
 * the entry match accepts, NULL if none. A hash that another entry holds is
 * probed on (dl_mix again) until a free one: *key comes back as the hash to
 * give append, which indexes the new, zeroed entry there (NULL: out of memory).
 */
void *an_index_find(const struct table *index, __u64 *key, void *arr, size_t elem,
		    bool (*match)(const void *entry, const void *ctx), const void *ctx);
void *an_index_append(struct analyzer *an, struct table *index, __u64 key, void **arr, size_t *cap,
		      size_t *n, size_t elem);

/* an_dio.c: a DIO's submission, hand-off, completion, and BPF's folded completions */
void an_dio_begin(struct analyzer *an, struct an_task *t, const struct dl_event *e);
void an_dio_end(struct analyzer *an, struct an_task *t);
void an_dio_queued(struct analyzer *an, struct an_task *t, const struct dl_event *e);
void an_complete_begin(struct analyzer *an, struct an_task *t, const struct dl_event *e);
void an_dio_complete(struct analyzer *an, struct an_task *t, const struct dl_event *e);

/* an_registry.c: tasks, locks, holders */
__u64 an_drain_id(__u64 rwsem);
struct an_lock *an_drain_of(struct analyzer *an, const struct dl_event *e);
struct an_lock *an_sb_writers_of(struct analyzer *an, const struct dl_event *e);
void an_note_freeze(struct analyzer *an, const struct dl_event *e);
__u8 an_held_mode(const struct an_task *t, const struct dl_event *e, bool *exact);
struct an_lock *an_lock_get(struct analyzer *an, __u64 id, bool create);
struct an_lock *an_lock_seen(struct analyzer *an, const struct dl_event *e);
struct an_lock *an_mmap_lock_of(struct analyzer *an, const struct dl_event *e);
void an_note_exact_holds(struct analyzer *an, struct an_task *t, const struct dl_event *e);
bool an_other_holder_possible(struct analyzer *an, __u32 suspect, __u64 lock, const struct dl_event *e);
void an_reg_add(struct an_lock *l, __u32 tid, __u8 mode, bool exact);
void an_reg_del(struct an_lock *l, __u32 tid);
struct an_task *an_task_get(struct analyzer *an, __u32 tid, bool create);
void an_task_note(struct an_task *t, const struct dl_event *e);

/* an_findings.c: findings and suspects */
bool an_finding_exists(struct analyzer *an, enum an_kind kind, enum an_severity sev, const struct dl_event *e,
		      __u8 mode, const char *note);
struct an_finding *an_raise(struct analyzer *an, enum an_kind kind, enum an_severity sev,
				   bool exact, const struct dl_event *e, __u8 mode, const char *note);
struct an_finding *an_raise_n(struct analyzer *an, enum an_kind kind, enum an_severity sev,
				     bool exact, const struct dl_event *e, __u8 mode, const char *note, __u64 n);
void an_suspect_confirm(struct analyzer *an, struct an_task *t, __u64 now);
void an_suspect_drop(struct analyzer *an, struct an_task *t, bool retract);
struct an_suspect *an_suspect_new(struct analyzer *an, struct an_task *t, enum an_kind kind,
				      const struct dl_event *e, __u8 mode, const char *note);
/* A cycle's or a chain's member: task t waiting on l (NULL: waits on nothing known). */
void an_member_of(struct an_member *m, const struct an_task *t, const struct an_lock *l,
		      __u64 now, bool exact);

/* an_waitfor.c: the wait-for graph */
void an_check_cycle(struct analyzer *an, struct an_task *t, struct an_lock *l, const struct dl_event *e);
void an_check_long_waits(struct analyzer *an, __u64 now);

/* an_order.c: lock order */
void an_order_edges(struct analyzer *an, struct an_task *t, const struct an_lock *wanted,
			const struct dl_event *e);
void an_order_instance(struct analyzer *an, const struct dl_event *e);
/* A wait for a frozen filesystem's sb_writers by a task holding one of its i_rwsems (exact tiers): against the order. */
void an_order_sb_wait(struct analyzer *an, const struct dl_event *e);
void an_order_free(struct analyzer *an);

/* an_contention.c: contention */
void an_note_contention(struct analyzer *an, const struct dl_event *e);

/* notes shared by the wait-for search and the suspects */
extern const char AN_NOTE_CYCLE[];
extern const char AN_NOTE_CYCLE_INFERRED[];
extern const char AN_NOTE_CYCLE_DIO_END_LATE[];
extern const char AN_NOTE_BTRFS_DEADLOCK[];

/* an_names.c: whether a record's fs name is NAME */
bool an_is_fs(const char *fs, const char *name);
/* A direct_write record: a fallback to the page cache, judged (an_fallback.c). */
void an_on_direct_write(struct analyzer *an, const struct dl_event *e);

#endif
