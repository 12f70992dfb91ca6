// SPDX-License-Identifier: GPL-2.0
/*
 * A DIO's life as the records tell it: its submission (the locks its
 * submitter holds across it), an async submission handing it off, its
 * completion judged by the shared rule (include/diolock/rules.h), and the
 * completions BPF folded instead of sending.
 */
#include <stdio.h>
#include "analyzer/an_internal.h"

/* The shared rules (include/diolock/rules.h) know filesystems by number. */
static __u8 fsid_of(const char *fs)
{
	/* the names records built from a fsid carry (rules.h) */
	for (int id = DL_FSID_OTHER + 1; id < DL_FSID_MAX; id++)
		if (an_is_fs(fs, dl_fsid_name((__u8)id)))
			return (__u8)id;
	return DL_FSID_OTHER;
}

void an_dio_begin(struct analyzer *an, struct an_task *t, const struct dl_event *e)
{
	bool exact;
	struct an_lock *drain;

	t->dio_active = true;
	t->dio_synced = false;
	t->dio_dsync = e->flags & DL_F_DSYNC;
	t->complete_classified = false;
	t->sync_under_lock = false;
	t->dio_lock = e->lock_addr;
	t->dio_hold = an_held_mode(NULL, e, &exact);
	/* ext4, xfs and btrfs hold i_rwsem across iomap_dio_rw: a reader at submission stays one */
	if (t->dio_hold == DL_LOCK_NONE && e->lock.mode == DL_LOCK_READ &&
	    dl_fs_holds_across_dio(fsid_of(e->fs)))
		t->dio_hold = DL_LOCK_READ;
	if (t->dio_hold != DL_LOCK_NONE) {
		struct an_lock *l = an_lock_get(an, e->lock_addr, false);

		if (l)
			an_reg_add(l, t->tid, t->dio_hold, false);
	}
	drain = an_drain_of(an, e);
	if (drain)
		an_reg_add(drain, t->tid, DL_LOCK_READ, false);
}

void an_dio_end(struct analyzer *an, struct an_task *t)
{
	if (!t->dio_active)
		return;
	t->dio_active = false;
	an_reg_del(an_lock_get(an, t->dio_lock, false), t->tid);
	an_reg_del(an_lock_get(an, an_drain_id(t->dio_lock), false), t->tid);
}

/*
 * An async submission returned -EIOCBQUEUED: the submitter unlocked and went
 * on, and the completion runs later in a kworker (or in io_getevents' caller
 * for IOMAP_DIO_INLINE_COMP). So the submitter no longer holds anything for
 * this DIO; keeping its shared hold would make any later wait of its look
 * like a wait on itself.
 */
void an_dio_queued(struct analyzer *an, struct an_task *t, const struct dl_event *e)
{
	if (t->dio_active && t->dio_lock == e->lock_addr)
		an_dio_end(an, t);
}

static const char NOTE_BTRFS_STUB[] =
	"btrfs_sync_file ran under this task's i_rwsem without taking it (DIO-write stub); "
	"inferred from the completion finishing";
static const char NOTE_BTRFS_STUB_SEEN[] =
	"btrfs's DIO-write stub is set (journal_info, or the file's flag before cd9253c23aed): "
	"btrfs_sync_file will skip i_rwsem";
static const char NOTE_BTRFS_NO_STUB[] =
	"no DIO-write stub (journal_info, or the file's flag before cd9253c23aed): "
	"btrfs_sync_file will take the i_rwsem this task holds";
static const char NOTE_BTRFS_NOSYNC[] = "no fsync ran in this completion";
static const char NOTE_SYNC_NO_RWSEM[] = "this filesystem's fsync does not take i_rwsem";
static const char NOTE_NOT_DSYNC[] = "not a DSYNC write: completion runs no fsync";
static const char NOTE_UNKNOWN_FS[] = "unknown whether this filesystem's fsync takes i_rwsem";

/* Each reason of the shared completion rule (include/diolock/rules.h), in words. */
static const char *const complete_notes[DL_CR_MAX] = {
	[DL_CR_NOT_DSYNC] = NOTE_NOT_DSYNC,
	[DL_CR_SYNC_NO_RWSEM] = NOTE_SYNC_NO_RWSEM,
	[DL_CR_UNKNOWN_FS] = NOTE_UNKNOWN_FS,
	[DL_CR_BTRFS_STUB_INFERRED] = NOTE_BTRFS_STUB,
	[DL_CR_BTRFS_NOSYNC] = NOTE_BTRFS_NOSYNC,
	[DL_CR_BTRFS_STUB_SEEN] = NOTE_BTRFS_STUB_SEEN,
	[DL_CR_BTRFS_NO_STUB] = NOTE_BTRFS_NO_STUB,
};

/*
 * A completion under the lock, reported with the shared rule's reason: the
 * one BPF judged (DL_F_CLASSIFIED records), else the same rule applied here
 * (older recordings, or the analyzer's own view of a DIO it tracks).
 */
static void report_completion(struct analyzer *an, const struct dl_event *e, __u8 reason, bool exact, __u8 mode)
{
	if (e->flags & DL_F_CLASSIFIED)
		reason = (__u8)e->arg;
	if (reason == DL_CR_NONE || reason >= DL_CR_MAX)
		return;
	an_raise(an, AN_DIO_COMPLETE_UNDER_LOCK, dl_complete_severity(reason, exact), exact, e, mode,
	       complete_notes[reason]);
}

/* Function tiers: the completion has not synced yet and the stub is visible. */
void an_complete_begin(struct analyzer *an, struct an_task *t, const struct dl_event *e)
{
	bool exact;
	__u8 mode = an_held_mode(t, e, &exact);

	if (mode == DL_LOCK_NONE)
		return;
	t->complete_classified = true;
	t->dio_dsync |= !!(e->flags & DL_F_DSYNC);
	report_completion(an, e, dl_complete_reason_at_entry(fsid_of(e->fs), e->flags & DL_F_DSYNC,
							   e->flags & DL_F_NEED_SYNC, e->flags & DL_F_STUB),
			  exact, mode);
}

void an_dio_complete(struct analyzer *an, struct an_task *t, const struct dl_event *e)
{
	bool exact;
	__u8 mode;
	bool synced = t->sync_under_lock && t->sync_lock == e->lock_addr;
	bool classified = t->complete_classified;

	/*
	 * Completed outside its submitter (a kworker; from v6.19 the bio's end_io
	 * in an interrupt, where the record's task is whichever one it stopped):
	 * that task neither ends a DIO of its own here nor holds a lock for it.
	 */
	if (e->flags & (DL_F_IRQ | DL_F_KWORKER))
		return;
	mode = an_held_mode(t, e, &exact);
	an_dio_end(an, t);
	t->sync_under_lock = false;
	t->complete_classified = false;
	if (mode == DL_LOCK_NONE || classified)
		return;
	report_completion(an, e, dl_complete_reason_at_end(fsid_of(e->fs), e->flags & DL_F_DSYNC, synced),
			  exact, mode);
}

/*
 * Occurrences BPF folded instead of sending (the first one of the key
 * crossed as a record, or was lost): they join that record's finding.
 */
void an_fold(struct analyzer *an, const struct dl_fold *f)
{
	const struct dl_fold_key *k = &f->key;
	bool exact = k->flags & DL_FOLD_F_EXACT;
	struct dl_event e = {};
	struct an_finding *v;

	if (k->kind != DL_FOLD_COMPLETE || !f->count || k->reason == DL_CR_NONE || k->reason >= DL_CR_MAX)
		return;
	e.hdr.type = DL_EV_DIO_COMPLETE;
	e.hdr.ts_ns = f->last_ts;
	e.hdr.tgid = k->tgid;
	e.path = k->path;
	e.cgroup = f->cgroup;
	e.dev = k->dev;
	e.ino = k->ino;
	e.stack_id = -1;
	snprintf(e.fs, sizeof(e.fs), "%s", dl_fsid_name(k->fsid));
	if (k->flags & DL_FOLD_F_DSYNC)
		e.flags |= DL_F_DSYNC;
	an->folded += f->count;
	/* a comm filter can only be applied to the record that named the task */
	if (an->filter.comm[0] && !an_finding_exists(an, AN_DIO_COMPLETE_UNDER_LOCK, dl_complete_severity(k->reason, exact),
					     &e, k->mode, complete_notes[k->reason]))
		return;
	v = an_raise_n(an, AN_DIO_COMPLETE_UNDER_LOCK, dl_complete_severity(k->reason, exact), exact, &e, k->mode,
		     complete_notes[k->reason], f->count);
	/* the first occurrence was lost: the finding has no task name, say so */
	if (v)
		snprintf(v->comm, sizeof(v->comm), "?");
}
