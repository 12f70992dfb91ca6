// SPDX-License-Identifier: GPL-2.0
/* Tasks and locks as the records tell them, and who holds what. */
#include "analyzer/an_internal.h"

/* ---- tasks and locks ---- */

struct an_task *an_task_get(struct analyzer *an, __u32 tid, bool create)
{
	struct an_task *t = table_get(&an->tasks, tid ? tid : ~0ULL);

	if (t || !create)
		return t;
	t = calloc(1, sizeof(*t));
	if (!t || table_put(&an->tasks, tid ? tid : ~0ULL, t)) {
		free(t);
		an->oom = true;
		return NULL;
	}
	t->tid = tid;
	t->wait_stack = -1;
	return t;
}

void an_task_note(struct an_task *t, const struct dl_event *e)
{
	t->pid = e->hdr.tgid;
	memcpy(t->comm, e->comm, DL_COMM_LEN);
	t->comm[DL_COMM_LEN - 1] = '\0';
	t->last_type = (__u8)e->hdr.type;
}

static bool lock_idle(const struct an_lock *l)
{
	for (int i = 0; i < MAX_REG; i++)
		if (l->reg[i])
			return false;
	return !l->waiters;
}

/*
 * Forget locks nobody is known to hold or wait for, once there are many.
 * Rebuilding the table keeps it linear, where deleting one by one would
 * shift long runs over and over.
 */
static void locks_trim(struct analyzer *an)
{
	struct table kept = {};
	void *v;

	for (size_t i = 0; table_next(&an->locks, &i, &v);) {
		struct an_lock *l = v;

		if (lock_idle(l)) {
			free(l);
		} else if (table_put(&kept, l->id, l)) {
			free(l);
			an->oom = true;
		}
	}
	table_free(&an->locks);
	an->locks = kept;
}

struct an_lock *an_lock_get(struct analyzer *an, __u64 id, bool create)
{
	struct an_lock *l = table_get(&an->locks, id);

	if (l || !create || !id)
		return l;
	if (an->locks.n >= MAX_LOCKS)
		locks_trim(an);
	l = calloc(1, sizeof(*l));
	if (!l || table_put(&an->locks, id, l)) {
		free(l);
		an->oom = true;
		return NULL;
	}
	l->id = id;
	static const __u8 kinds[8] = { AN_LOCK_RWSEM, AN_LOCK_DRAIN, AN_LOCK_SB_WRITERS, AN_LOCK_MMAP,
				       AN_LOCK_EXTENT, AN_LOCK_ORDERED, AN_LOCK_RWSEM, AN_LOCK_RWSEM };

	l->kind = kinds[id & 7];
	return l;
}

__u64 an_drain_id(__u64 rwsem)
{
	return rwsem | 1;	/* i_rwsem is 8-byte aligned: bit 0 is free */
}

/* The in-flight DIO of the record's inode, as a lock, named after that inode. */
struct an_lock *an_drain_of(struct analyzer *an, const struct dl_event *e)
{
	struct an_lock *drain = an_lock_get(an, an_drain_id(e->lock_addr), true);

	if (drain) {
		memcpy(drain->fs, e->fs, DL_FS_LEN);
		drain->dev = e->dev;
		drain->ino = e->ino;
	}
	return drain;
}

/* The sb_writers of an SB_WAIT record's super block, as a lock, with the freeze state it read. */
struct an_lock *an_sb_writers_of(struct analyzer *an, const struct dl_event *e)
{
	/* a super_block is 8-byte aligned too: bit 1 tells it from an i_rwsem */
	struct an_lock *l = an_lock_get(an, e->lock_addr | 2, true);

	if (l) {
		memcpy(l->fs, e->fs, DL_FS_LEN);
		l->fs[DL_FS_LEN - 1] = '\0';
		l->dev = e->dev;
		l->ino = 0;
		if (e->hdr.type == DL_EV_SB_WAIT_BEGIN)
			l->sb = dl_sb_wait_get(e);
	}
	return l;
}

/* freeze_super()/thaw_super() returned: the super block's freezer, for the waits it causes. */
void an_note_freeze(struct analyzer *an, const struct dl_event *e)
{
	struct an_lock *l;

	if (e->ret)
		return;	/* it failed: nothing changed */
	l = an_sb_writers_of(an, e);
	if (!l)
		return;
	if (e->hdr.type == DL_EV_THAW) {
		/* another freeze (user space and the kernel may both hold one) keeps it frozen */
		if (!e->len)
			l->freezer_pid = l->freezer_tid = 0;
		return;
	}
	l->freezer_pid = e->hdr.tgid;
	l->freezer_tid = e->hdr.tid;
	memcpy(l->freezer_comm, e->comm, DL_COMM_LEN);
	l->frozen_at = e->hdr.ts_ns;
}

/*
 * Could a task other than the suspect hold the lock it waits for? Yes when
 * the lock is not read-held at all, or when its reader hint names a task
 * that is not itself stuck on this lock: a running reader will release it,
 * and the wait will end. A real read-held self-deadlock keeps the suspect's
 * own shared hold, and its hint, for as long as it lasts.
 */
bool an_other_holder_possible(struct analyzer *an, __u32 suspect, __u64 lock, const struct dl_event *e)
{
	struct an_task *h;

	if (e->lock.mode != DL_LOCK_READ)
		return true;
	if (e->lock.holder_tid == suspect)
		return false;
	h = e->lock.holder_tid ? an_task_get(an, e->lock.holder_tid, false) : NULL;
	return !h || h->waiting_on != lock;
}

/* Every record naming a suspect's lock shows its state anew: the latest one decides. */
static void weigh_suspect(struct analyzer *an, struct an_lock *l, const struct dl_event *e)
{
	struct an_task *t = an_task_get(an, l->suspect_tid, false);

	if (!t || !t->suspect || t->suspect->locks[0] != l->id) {
		l->suspect_tid = 0;
		return;
	}
	t->suspect->explained = an_other_holder_possible(an, t->tid, l->id, e);
}

/* The holders of l as record e saw them. */
static void lock_snapshot(struct analyzer *an, struct an_lock *l, const struct dl_event *e)
{
	l->mode = e->lock.mode;
	l->snap_ts = e->hdr.ts_ns;
	memset(l->snap, 0, sizeof(l->snap));
	if (e->flags & DL_F_EXACT) {
		memcpy(l->snap, e->holders, sizeof(l->snap));
		l->snap_exact = true;
	} else {
		/* the owner field names the writer exactly, a reader only as a hint */
		if (e->lock.mode != DL_LOCK_NONE)
			l->snap[0] = e->lock.holder_tid;
		l->snap_exact = e->lock.mode != DL_LOCK_READ;
	}
	if (!l->snap[0] && e->lock.mode == DL_LOCK_WRITE)
		l->snap[0] = e->lock.holder_tid;
	if (l->suspect_tid)
		weigh_suspect(an, l, e);
}

/* The lock a record names, with its holders as the record saw them. */
struct an_lock *an_lock_seen(struct analyzer *an, const struct dl_event *e)
{
	struct an_lock *l = an_lock_get(an, e->lock_addr, true);

	if (!l)
		return NULL;
	memcpy(l->fs, e->fs, DL_FS_LEN);
	l->fs[DL_FS_LEN - 1] = '\0';
	l->dev = e->dev;
	l->ino = e->ino;
	lock_snapshot(an, l, e);
	return l;
}

/*
 * The mmap_lock an MMAP_WAIT_BEGIN record's task waits for (its own
 * process's), with the holders it saw: its writer is exact.
 */
struct an_lock *an_mmap_lock_of(struct analyzer *an, const struct dl_event *e)
{
	/* an rw_semaphore is 8-byte aligned: 3 in the low bits tells it from the others */
	struct an_lock *l = an_lock_get(an, e->lock_addr | 3, true);

	if (!l)
		return NULL;
	l->mm_pid = e->hdr.tgid;
	lock_snapshot(an, l, e);
	return l;
}

void an_reg_add(struct an_lock *l, __u32 tid, __u8 mode, bool exact)
{
	int free_slot = -1;

	for (int i = 0; i < MAX_REG; i++) {
		if (l->reg[i] == tid) {
			l->reg_mode[i] = mode;
			l->reg_exact[i] = exact;
			return;
		}
		if (!l->reg[i] && free_slot < 0)
			free_slot = i;
	}
	if (free_slot >= 0) {
		l->reg[free_slot] = tid;
		l->reg_mode[free_slot] = mode;
		l->reg_exact[free_slot] = exact;
	}
}

void an_reg_del(struct an_lock *l, __u32 tid)
{
	for (int i = 0; l && i < MAX_REG; i++)
		if (l->reg[i] == tid)
			l->reg[i] = 0;
}

/* Exact tiers list what the task holds: keep it. */
void an_note_exact_holds(struct analyzer *an, struct an_task *t, const struct dl_event *e)
{
	if (!(e->flags & DL_F_EXACT))
		return;
	for (int i = 0; i < DL_MAX_HELD; i++) {
		if (t->held[i] && t->held[i] != e->held[i])
			an_reg_del(an_lock_get(an, t->held[i], false), t->tid);
		t->held[i] = e->held[i];
		t->held_mode[i] = e->held_mode[i];
		if (e->held[i]) {
			struct an_lock *l = an_lock_get(an, e->held[i], true);

			if (l)
				an_reg_add(l, t->tid, e->held_mode[i], true);
		}
	}
}

/* ---- holds ---- */


/* Does the event's task hold the event's i_rwsem, and in which mode? */
__u8 an_held_mode(const struct an_task *t, const struct dl_event *e, bool *exact)
{
	*exact = true;
	if (e->lock.cur_holds == DL_HOLD_WRITE)
		return DL_LOCK_WRITE;
	if (e->lock.cur_holds == DL_HOLD_READ)
		return DL_LOCK_READ;
	*exact = false;
	if (e->lock.cur_holds == DL_HOLD_READ_HINT)
		return DL_LOCK_READ;
	/* a shared holder stays one while its synchronous DIO runs */
	if (t && t->dio_active && t->dio_lock == e->lock_addr && t->dio_hold == DL_LOCK_READ &&
	    e->lock.mode == DL_LOCK_READ)
		return DL_LOCK_READ;
	return DL_LOCK_NONE;
}
