// SPDX-License-Identifier: GPL-2.0
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "analyzer.h"
#include "diolock/rules.h"

_Static_assert(AN_INFO == DL_SEV_INFO && AN_WARNING == DL_SEV_WARNING && AN_ERROR == DL_SEV_ERROR,
	       "the analyzer's severities are the shared rules' (include/diolock/rules.h)");

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

/* A lock as far as the records tell: an inode's i_rwsem, or its DIO drain. */
struct an_lock {
	__u64 id;		/* &inode->i_rwsem; the drain resource: id | 1 */
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
	return kind == AN_LOCK_DRAIN ? "dio_drain" : "i_rwsem";
}

void an_init(struct analyzer *an, const struct dl_filter *filter)
{
	memset(an, 0, sizeof(*an));
	if (filter)
		an->filter = *filter;
	an->long_wait_ns = AN_DEFAULT_LONG_WAIT_NS;
	an->confirm_ns = AN_CONFIRM_NS;
}

static void free_all(struct table *t)
{
	void *v;

	for (size_t i = 0; table_next(t, &i, &v);)
		free(v);
	table_free(t);
}

void an_fini(struct analyzer *an)
{
	void *v;

	for (size_t i = 0; table_next(&an->tasks, &i, &v);)
		free(((struct an_task *)v)->suspect);
	free(an->viol);
	free(an->cont);
	table_free(&an->viol_index);
	table_free(&an->cont_index);
	free_all(&an->tasks);
	free_all(&an->locks);
	memset(an, 0, sizeof(*an));
}

size_t an_live_tasks(const struct analyzer *an)
{
	return an->tasks.n;
}

size_t an_live_locks(const struct analyzer *an)
{
	return an->locks.n;
}

static void *grow(void *arr, size_t *cap, size_t n, size_t elem, bool *oom)
{
	void *p;
	size_t ncap;

	if (n < *cap)
		return arr;
	ncap = *cap ? *cap * 2 : 16;
	p = realloc(arr, ncap * elem);
	if (!p) {
		*oom = true;
		return NULL;
	}
	*cap = ncap;
	return p;
}

static bool is_fs(const char *fs, const char *name)
{
	return !strncmp(fs, name, DL_FS_LEN);
}

/* The shared rules (include/diolock/rules.h) know filesystems by number. */
static __u8 fsid_of(const char *fs)
{
	return is_fs(fs, "ext4") ? DL_FSID_EXT4 : is_fs(fs, "xfs") ? DL_FSID_XFS :
	       is_fs(fs, "btrfs") ? DL_FSID_BTRFS : DL_FSID_OTHER;
}

/* ---- tasks and locks ---- */

static struct an_task *task_get(struct analyzer *an, __u32 tid, bool create)
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

static void task_note(struct an_task *t, const struct dl_event *e)
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

static struct an_lock *lock_get(struct analyzer *an, __u64 id, bool create)
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
	l->kind = (id & 1) ? AN_LOCK_DRAIN : AN_LOCK_RWSEM;
	return l;
}

static __u64 drain_id(__u64 rwsem)
{
	return rwsem | 1;	/* i_rwsem is 8-byte aligned: bit 0 is free */
}

/* The in-flight DIO of the record's inode, as a lock, named after that inode. */
static struct an_lock *drain_of(struct analyzer *an, const struct dl_event *e)
{
	struct an_lock *drain = lock_get(an, drain_id(e->lock_addr), true);

	if (drain) {
		memcpy(drain->fs, e->fs, DL_FS_LEN);
		drain->dev = e->dev;
		drain->ino = e->ino;
	}
	return drain;
}

/*
 * Could a task other than the suspect hold the lock it waits for? Yes when
 * the lock is not read-held at all, or when its reader hint names a task
 * that is not itself stuck on this lock: a running reader will release it,
 * and the wait will end. A real read-held self-deadlock keeps the suspect's
 * own shared hold, and its hint, for as long as it lasts.
 */
static bool other_holder_possible(struct analyzer *an, __u32 suspect, __u64 lock, const struct dl_event *e)
{
	struct an_task *h;

	if (e->lock.mode != DL_LOCK_READ)
		return true;
	if (e->lock.holder_tid == suspect)
		return false;
	h = e->lock.holder_tid ? task_get(an, e->lock.holder_tid, false) : NULL;
	return !h || h->waiting_on != lock;
}

/* Every record naming a suspect's lock shows its state anew: the latest one decides. */
static void weigh_suspect(struct analyzer *an, struct an_lock *l, const struct dl_event *e)
{
	struct an_task *t = task_get(an, l->suspect_tid, false);

	if (!t || !t->suspect || t->suspect->locks[0] != l->id) {
		l->suspect_tid = 0;
		return;
	}
	t->suspect->explained = other_holder_possible(an, t->tid, l->id, e);
}

/* The lock a record names, with its holders as the record saw them. */
static struct an_lock *lock_seen(struct analyzer *an, const struct dl_event *e)
{
	struct an_lock *l = lock_get(an, e->lock_addr, true);

	if (!l)
		return NULL;
	memcpy(l->fs, e->fs, DL_FS_LEN);
	l->fs[DL_FS_LEN - 1] = '\0';
	l->dev = e->dev;
	l->ino = e->ino;
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
	return l;
}

static void reg_add(struct an_lock *l, __u32 tid, __u8 mode, bool exact)
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

static void reg_del(struct an_lock *l, __u32 tid)
{
	for (int i = 0; l && i < MAX_REG; i++)
		if (l->reg[i] == tid)
			l->reg[i] = 0;
}

/* Exact tiers list what the task holds: keep it. */
static void note_exact_holds(struct analyzer *an, struct an_task *t, const struct dl_event *e)
{
	if (!(e->flags & DL_F_EXACT))
		return;
	for (int i = 0; i < DL_MAX_HELD; i++) {
		if (t->held[i] && t->held[i] != e->held[i])
			reg_del(lock_get(an, t->held[i], false), t->tid);
		t->held[i] = e->held[i];
		t->held_mode[i] = e->held_mode[i];
		if (e->held[i]) {
			struct an_lock *l = lock_get(an, e->held[i], true);

			if (l)
				reg_add(l, t->tid, e->held_mode[i], true);
		}
	}
}

/* ---- findings ---- */

/*
 * Past this many folded findings, info findings stop being kept per
 * process: task churn would otherwise grow the list without bound.
 */
#define AN_MAX_PER_PID 4096

static bool same_key(const struct an_violation *v, enum an_kind kind, enum an_severity sev,
		     const struct dl_event *e, __u8 mode, const char *note, bool any_pid)
{
	return v->kind == kind && v->severity == sev && (any_pid || v->pid == e->hdr.tgid) &&
	       v->dev == e->dev && v->ino == e->ino && v->lock_mode == mode &&
	       v->dsync == !!(e->flags & DL_F_DSYNC) && v->note == note;
}

static __u64 mix(__u64 h, __u64 v)
{
	h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
	return h;
}

static __u64 fold_hash(enum an_kind kind, enum an_severity sev, const struct dl_event *e, __u8 mode,
		       const char *note, bool any_pid)
{
	__u64 h = mix(mix(mix(kind, sev), any_pid ? 0 : e->hdr.tgid), e->dev);

	h = mix(mix(mix(h, e->ino), mode), !!(e->flags & DL_F_DSYNC));
	h = mix(h, (__u64)(uintptr_t)note);
	return h ? h : 1;
}

/* The folded finding a new occurrence joins; NULL: it is a new one. */
static struct an_violation *find_violation(struct analyzer *an, enum an_kind kind, enum an_severity sev,
					   const struct dl_event *e, __u8 mode, const char *note, uintptr_t *at)
{
	bool any_pid = sev == AN_INFO && an->nviol >= AN_MAX_PER_PID;
	struct an_violation *v;

	*at = (uintptr_t)table_get(&an->viol_index, fold_hash(kind, sev, e, mode, note, any_pid));
	/* the index holds one finding per hash; a collision falls back to a scan */
	v = *at ? &an->viol[*at - 1] : NULL;
	if (v && same_key(v, kind, sev, e, mode, note, any_pid))
		return v;
	v = NULL;
	for (size_t i = 0; *at && i < an->nviol; i++)
		if (same_key(&an->viol[i], kind, sev, e, mode, note, any_pid))
			v = &an->viol[i];
	return v;
}

static bool find_fold(struct analyzer *an, enum an_kind kind, enum an_severity sev, const struct dl_event *e,
		      __u8 mode, const char *note)
{
	uintptr_t at;

	return find_violation(an, kind, sev, e, mode, note, &at) != NULL;
}

/* n occurrences at once: a fold slot's increment counts as many as it says. */
static struct an_violation *report_n(struct analyzer *an, enum an_kind kind, enum an_severity sev,
				     bool exact, const struct dl_event *e, __u8 mode, const char *note, __u64 n)
{
	bool any_pid = sev == AN_INFO && an->nviol >= AN_MAX_PER_PID;
	__u64 key = fold_hash(kind, sev, e, mode, note, any_pid);
	uintptr_t at;
	struct an_violation *v = find_violation(an, kind, sev, e, mode, note, &at);

	an->summary[kind] += n;
	if (v) {
		v->count += n;
		if (e->hdr.ts_ns > v->last_ts)
			v->last_ts = e->hdr.ts_ns;
		v->exact = v->exact && exact;
		return NULL;
	}
	v = grow(an->viol, &an->capviol, an->nviol, sizeof(*v), &an->oom);
	if (!v)
		return NULL;
	an->viol = v;
	if (!at && table_put(&an->viol_index, key, (void *)(uintptr_t)(an->nviol + 1)))
		an->oom = true;
	v = &an->viol[an->nviol++];
	memset(v, 0, sizeof(*v));
	v->kind = kind;
	v->severity = sev;
	v->exact = exact;
	v->pid = e->hdr.tgid;
	v->tid = e->hdr.tid;
	memcpy(v->comm, e->comm, sizeof(v->comm));
	memcpy(v->fs, e->fs, sizeof(v->fs));
	v->comm[DL_COMM_LEN - 1] = v->fs[DL_FS_LEN - 1] = '\0';
	v->dev = e->dev;
	v->ino = e->ino;
	v->lock_mode = mode;
	v->dsync = !!(e->flags & DL_F_DSYNC);
	/* a self-deadlock's holder is the task itself, whatever the hint says */
	v->holder_tid = kind == AN_SELF_DEADLOCK ? e->hdr.tid : e->lock.holder_tid;
	v->stack_id = e->stack_id;
	v->first_ts = v->last_ts = e->hdr.ts_ns;
	v->count = n;
	v->note = note;
	return v;
}

static struct an_violation *report(struct analyzer *an, enum an_kind kind, enum an_severity sev,
				   bool exact, const struct dl_event *e, __u8 mode, const char *note)
{
	return report_n(an, kind, sev, exact, e, mode, note, 1);
}

/* ---- findings inferred from hints, until time confirms them ---- */

static void suspect_drop(struct analyzer *an, struct an_task *t, bool retract)
{
	struct an_suspect *s = t->suspect;
	struct an_lock *l;

	if (!s)
		return;
	if (retract)
		an->retracted[s->kind]++;
	l = lock_get(an, s->locks[0], false);
	if (l && l->suspect_tid == t->tid)
		l->suspect_tid = 0;
	free(s);
	t->suspect = NULL;
}

static struct an_suspect *suspect_new(struct analyzer *an, struct an_task *t, enum an_kind kind,
				      const struct dl_event *e, __u8 mode, const char *note)
{
	struct an_suspect *s;

	/* a task waits for one thing at a time: an older suspicion's wait is over */
	suspect_drop(an, t, true);
	s = calloc(1, sizeof(*s));
	if (!s) {
		an->oom = true;
		return NULL;
	}
	s->kind = kind;
	s->e = *e;
	s->mode = mode;
	s->note = note;
	an->suspected[kind]++;
	t->suspect = s;
	return s;
}

static const char NOTE_CYCLE[] = "each task waits for a lock the next one holds";
static const char NOTE_CYCLE_INFERRED[] =
	"each task waits for a lock the next one holds (a holder is inferred from hints; "
	"confirmed: every wait stayed unbroken for the confirmation interval)";
static const char NOTE_CYCLE_DIO_END_LATE[] =
	"a DIO completion waits in its fsync for an i_rwsem whose holder waits in inode_dio_wait for "
	"DIOs that completion still counts (inode_dio_end after generic_write_sync: the seed series' "
	"patch 04/15 undone); its hold on the DIO count is inferred from i_dio_count, confirmed: "
	"every wait stayed unbroken for the confirmation interval";
static const char NOTE_BTRFS_DEADLOCK[] =
	"btrfs_sync_file in this completion takes the i_rwsem its own task holds: deadlock";

static void member_of(struct an_member *m, const struct an_task *t, const struct an_lock *l,
		      __u64 now, bool exact);

/* Time passed: a suspect whose waits all still stand, long enough, is a finding. */
static void suspect_confirm(struct analyzer *an, struct an_task *t, __u64 now)
{
	struct an_suspect *s = t->suspect;
	struct an_violation *v;

	for (int i = 0; i < s->n; i++) {
		struct an_task *m = task_get(an, s->tids[i], false);

		if (!m || m->waiting_on != s->locks[i] || m->wait_since != s->since[i]) {
			suspect_drop(an, t, true);
			return;
		}
	}
	if (now < s->since[0] + an->confirm_ns || (s->kind == AN_SELF_DEADLOCK && s->explained))
		return;
	an->confirmed[s->kind]++;
	v = report(an, s->kind, AN_ERROR, false, &s->e, s->mode, s->note);
	if (s->kind == AN_SELF_DEADLOCK && s->seed_shape)
		report(an, AN_DIO_COMPLETE_UNDER_LOCK, AN_ERROR, false, &s->e, s->mode, NOTE_BTRFS_DEADLOCK);
	if (v && s->kind == AN_DEADLOCK_CYCLE) {
		v->nmembers = s->n;
		for (int i = 0; i < s->n; i++) {
			struct an_task *m = task_get(an, s->tids[i], false);

			member_of(&v->members[i], m, lock_get(an, s->locks[i], false), now, s->exact[i]);
			m->in_cycle = true;
		}
	}
	suspect_drop(an, t, false);
}

/* ---- holds ---- */


/* Does the event's task hold the event's i_rwsem, and in which mode? */
static __u8 held_mode(const struct an_task *t, const struct dl_event *e, bool *exact)
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

/* ---- the wait-for graph ---- */

/*
 * Holders of a lock: its last snapshot and what task state registered, each
 * with whether the edge is certain. A snapshot names who held the lock when
 * it was read; releases send no record, so that holder is certain to hold it
 * still only if it has been asleep since before the snapshot. One that began
 * to wait later may have released the lock first (and the waiter it woke not
 * yet run to say so): that edge is inferred, and time must confirm a cycle
 * through it.
 */
static int holders_of(struct analyzer *an, struct an_lock *l, __u32 *out, bool *exact)
{
	int n = 0;

	if (l->kind == AN_LOCK_RWSEM)
		for (int i = 0; i < DL_MAX_HOLDERS; i++) {
			struct an_task *h;

			if (!l->snap[i])
				continue;
			h = task_get(an, l->snap[i], false);
			exact[n] = l->snap_exact && h && h->waiting_on && h->wait_since <= l->snap_ts;
			out[n++] = l->snap[i];
		}
	for (int i = 0; i < MAX_REG; i++) {
		bool dup = false;

		if (!l->reg[i])
			continue;
		for (int k = 0; k < n; k++)
			if (out[k] == l->reg[i]) {
				dup = true;
				/* acquisition tracking saw it take the lock, and it has not released it */
				exact[k] |= l->reg_exact[i];
			}
		if (!dup) {
			exact[n] = l->reg_exact[i];
			out[n++] = l->reg[i];
		}
	}
	return n;
}

static void member_of(struct an_member *m, const struct an_task *t, const struct an_lock *l,
		      __u64 now, bool exact)
{
	memset(m, 0, sizeof(*m));
	m->pid = t->pid;
	m->tid = t->tid;
	memcpy(m->comm, t->comm, DL_COMM_LEN);
	if (l) {
		m->lock_kind = l->kind;
		memcpy(m->fs, l->fs, DL_FS_LEN);
		m->dev = l->dev;
		m->ino = l->ino;
	}
	m->mode = t->wait_mode;
	m->wait_ns = now > t->wait_since ? now - t->wait_since : 0;
	m->stack_id = t->wait_stack;
	m->exact = exact;
}

/*
 * Depth-first from the lock `start` waits on: a path of holder -> its lock
 * -> holder ... back to `start` is a deadlock. path[] collects the tasks.
 */
static bool find_cycle(struct analyzer *an, struct an_task *start, struct an_lock *l,
		       struct an_task **path, bool *exact, int depth)
{
	__u32 h[DL_MAX_HOLDERS + MAX_REG];
	bool hexact[DL_MAX_HOLDERS + MAX_REG];
	int n = holders_of(an, l, h, hexact);

	if (depth >= AN_MAX_MEMBERS)
		return false;
	for (int i = 0; i < n; i++) {
		struct an_task *t;
		struct an_lock *next;
		bool seen = false;

		if (h[i] == start->tid) {
			if (!depth)
				continue;	/* waiting on itself: self_deadlock's business */
			exact[depth] = hexact[i];
			return true;
		}
		t = task_get(an, h[i], false);
		/* a holder queued on the very lock it holds waits for itself, not for us */
		if (!t || !t->waiting_on || t->waiting_on == l->id)
			continue;
		for (int k = 0; k <= depth; k++)
			seen |= path[k] == t;
		if (seen)
			continue;
		next = lock_get(an, t->waiting_on, false);
		if (!next)
			continue;
		path[depth + 1] = t;
		exact[depth] = hexact[i];
		if (find_cycle(an, start, next, path, exact, depth + 1))
			return true;
	}
	return false;
}

static void check_cycle(struct analyzer *an, struct an_task *t, struct an_lock *l, const struct dl_event *e)
{
	struct an_task *path[AN_MAX_MEMBERS + 1] = { t };
	bool exact[AN_MAX_MEMBERS + 1] = {};
	struct an_violation *v;
	bool all_exact = true;
	int n;

	if (!find_cycle(an, t, l, path, exact, 0))
		return;
	for (n = 1; n <= AN_MAX_MEMBERS && path[n]; n++)
		;
	for (int i = 0; i < n; i++)
		all_exact &= exact[i];
	if (!all_exact) {
		/* a holder edge rests on a hint: the cycle must last to be one */
		const char *note = NOTE_CYCLE_INFERRED;
		struct an_suspect *s;

		if (t->suspect)
			return;
		for (int i = 0; i < n; i++)
			if (path[i]->completion_drain)
				note = NOTE_CYCLE_DIO_END_LATE;
		s = suspect_new(an, t, AN_DEADLOCK_CYCLE, e, t->wait_mode, note);
		if (!s)
			return;
		s->n = n;
		for (int i = 0; i < n; i++) {
			s->tids[i] = path[i]->tid;
			s->locks[i] = path[i]->waiting_on;
			s->since[i] = path[i]->wait_since;
			s->exact[i] = exact[i];
		}
		return;
	}
	v = report(an, AN_DEADLOCK_CYCLE, AN_ERROR, all_exact, e, t->wait_mode, NOTE_CYCLE);
	if (!v)
		return;
	v->nmembers = n;
	for (int i = 0; i < n; i++) {
		member_of(&v->members[i], path[i], lock_get(an, path[i]->waiting_on, false),
			  e->hdr.ts_ns, exact[i]);
		path[i]->in_cycle = true;
	}
}

/* ---- predictive lock order ---- */

const char *an_class_name(__u8 kind, const char *fs, char *buf, size_t len)
{
	snprintf(buf, len, "%s[%.16s]", an_lock_kind_name(kind), fs);
	return buf;
}

/* A lock class is a lock kind on one filesystem: i_rwsem[ext4], dio_drain[btrfs]. */
static int class_of(struct analyzer *an, const struct an_lock *l)
{
	for (int i = 0; i < an->nclasses; i++)
		if (an->class_kind[i] == l->kind && !strncmp(an->class_fs[i], l->fs, DL_FS_LEN))
			return i;
	if (an->nclasses == AN_MAX_CLASSES)
		return -1;
	an->class_kind[an->nclasses] = l->kind;
	memcpy(an->class_fs[an->nclasses], l->fs, DL_FS_LEN);
	return an->nclasses++;
}

/* Is there a path from class a to class b? Fills via[] with the classes on it. */
static bool class_path(struct analyzer *an, int a, int b, int *via, int *nvia, bool *visited)
{
	if (a == b)
		return true;
	visited[a] = true;
	for (int c = 0; c < an->nclasses; c++) {
		if (!an->order[a][c].seen || visited[c])
			continue;
		via[(*nvia)++] = c;
		if (class_path(an, c, b, via, nvia, visited))
			return true;
		(*nvia)--;
	}
	return false;
}

static const char NOTE_ORDER[] =
	"these lock classes are taken in opposite orders by different code paths: a deadlock "
	"waits for the wrong interleaving";

/* The task, holding `held`, waits for `wanted`: remember class order held -> wanted. */
static void order_edge(struct analyzer *an, struct an_task *t, const struct an_lock *held,
		       const struct an_lock *wanted, const struct dl_event *e, bool exact)
{
	int a = class_of(an, held), b = class_of(an, wanted), via[AN_MAX_CLASSES], nvia = 0;
	bool visited[AN_MAX_CLASSES] = {};
	struct an_class_edge *edge;
	struct an_violation *v;
	char cname[40];
	size_t n;

	/* same class (two i_rwsem[ext4]): lockdep needs subclasses for those */
	if (a < 0 || b < 0 || a == b || an->order[a][b].seen)
		return;
	edge = &an->order[a][b];
	edge->seen = true;
	edge->stack_id = e->stack_id;
	edge->tid = t->tid;
	edge->pid = t->pid;
	memcpy(edge->comm, t->comm, DL_COMM_LEN);
	if (!class_path(an, b, a, via, &nvia, visited))
		return;
	v = report(an, AN_LOCK_ORDER, exact ? AN_ERROR : AN_WARNING, exact, e, t->wait_mode, NOTE_ORDER);
	if (!v)
		return;
	n = snprintf(v->detail, sizeof(v->detail), "%s", an_class_name(an->class_kind[a], an->class_fs[a], cname,
									  sizeof(cname)));
	n += snprintf(v->detail + n, sizeof(v->detail) - n, " -> %s",
		      an_class_name(an->class_kind[b], an->class_fs[b], cname, sizeof(cname)));
	for (int i = 0; i < nvia && n < sizeof(v->detail); i++)
		n += snprintf(v->detail + n, sizeof(v->detail) - n, " -> %s",
			      an_class_name(an->class_kind[via[i]], an->class_fs[via[i]], cname, sizeof(cname)));
	/* one member per edge of the class cycle: who created it first, and where */
	int prev = a, cls[AN_MAX_CLASSES + 1];

	cls[0] = b;
	for (int i = 0; i < nvia; i++)
		cls[i + 1] = via[i];
	for (int i = 0; i <= nvia && v->nmembers < AN_MAX_MEMBERS; i++) {
		const struct an_class_edge *ce = &an->order[prev][cls[i]];
		struct an_member *m = &v->members[v->nmembers++];

		memset(m, 0, sizeof(*m));
		m->pid = ce->pid;
		m->tid = ce->tid;
		memcpy(m->comm, ce->comm, DL_COMM_LEN);
		m->stack_id = ce->stack_id;
		m->exact = exact;
		/* the class it leads to: kind and filesystem, printed as "kind[fs]" */
		m->lock_kind = an->class_kind[cls[i]];
		memcpy(m->fs, an->class_fs[cls[i]], DL_FS_LEN);
		prev = cls[i];
	}
}

/* Edges from everything the task holds to the lock it now waits for. */
static void order_edges(struct analyzer *an, struct an_task *t, const struct an_lock *wanted,
			const struct dl_event *e)
{
	for (int i = 0; i < DL_MAX_HELD; i++) {
		struct an_lock *h = t->held[i] ? lock_get(an, t->held[i], false) : NULL;

		if (h && h != wanted)
			order_edge(an, t, h, wanted, e, true);
	}
	if (!t->dio_active)
		return;
	/* a DIO in flight: it holds its inode's drain until the completion syncs */
	struct an_lock *drain = lock_get(an, drain_id(t->dio_lock), false);
	struct an_lock *rw = lock_get(an, t->dio_lock, false);

	if (drain && !t->dio_synced && drain != wanted)
		order_edge(an, t, drain, wanted, e, false);
	if (rw && t->dio_hold != DL_LOCK_NONE && rw != wanted)
		order_edge(an, t, rw, wanted, e, false);
}

/* ---- long waits ---- */

static const char NOTE_LONG_WAIT[] = "waited longer than the threshold; the chain ends at the root holder";

static void check_long_waits(struct analyzer *an, __u64 now)
{
	void *v;

	for (size_t i = 0; table_next(&an->tasks, &i, &v);) {
		struct an_task *t = v, *cur = t;
		struct an_violation *viol;
		struct dl_event e = {};
		struct an_lock *l;

		if (t->suspect)
			suspect_confirm(an, t, now);
		/* a wait already in a deadlock_cycle is not news as a long wait */
		if (!t->waiting_on || t->wait_reported || t->in_cycle || now < t->wait_since + an->long_wait_ns)
			continue;
		t->wait_reported = true;
		l = lock_get(an, t->waiting_on, false);
		e.hdr.ts_ns = now;
		e.hdr.tgid = t->pid;
		e.hdr.tid = t->tid;
		memcpy(e.comm, t->comm, DL_COMM_LEN);
		if (l) {
			memcpy(e.fs, l->fs, DL_FS_LEN);
			e.dev = l->dev;
			e.ino = l->ino;
		}
		e.stack_id = t->wait_stack;
		viol = report(an, AN_LONG_WAIT, AN_WARNING, true, &e, t->wait_mode, NOTE_LONG_WAIT);
		if (!viol)
			continue;
		/* follow the first holder of each lock to the task that is not waiting */
		while (cur && viol->nmembers < AN_MAX_MEMBERS) {
			__u32 h[DL_MAX_HOLDERS + MAX_REG];
			bool hexact[DL_MAX_HOLDERS + MAX_REG];
			struct an_lock *cl = cur->waiting_on ? lock_get(an, cur->waiting_on, false) : NULL;
			int n = cl ? holders_of(an, cl, h, hexact) : 0;
			/* the root holder is not waiting: its edge is as good as its snapshot */
			bool exact = n && (hexact[0] || cl->snap_exact);

			member_of(&viol->members[viol->nmembers++], cur, cl, now, exact);
			viol->exact &= exact;
			if (!n)
				break;
			cur = task_get(an, h[0], false);
			if (cur == t)
				break;
			if (!cur && viol->nmembers < AN_MAX_MEMBERS) {
				/* a root holder no hook of this tier saw (only the lock's owner names it) */
				struct an_member *m = &viol->members[viol->nmembers++];

				memset(m, 0, sizeof(*m));
				m->tid = h[0];
				m->stack_id = -1;
				m->exact = exact;
				snprintf(viol->detail, sizeof(viol->detail),
					 "root holder tid %u: known only as the lock's owner, no record of its own", h[0]);
				break;
			}
			if (cur && !cur->waiting_on) {
				/* the root holder: say what it last did */
				if (viol->nmembers < AN_MAX_MEMBERS)
					member_of(&viol->members[viol->nmembers++], cur, NULL, now, true);
				snprintf(viol->detail, sizeof(viol->detail), "root holder tid %u last seen in %s",
					 cur->tid, cur->last_type == DL_EV_DIO_COMPLETE_BEGIN ? "DIO completion" :
					 cur->last_type == DL_EV_SYNC_BEGIN ? "fsync" :
					 cur->last_type == DL_EV_DIO_BEGIN ? "DIO submission" : "other work");
				break;
			}
		}
	}
}


/* ---- per record ---- */

static void on_dio_begin(struct analyzer *an, struct an_task *t, const struct dl_event *e)
{
	bool exact;
	struct an_lock *drain;

	t->dio_active = true;
	t->dio_synced = false;
	t->dio_dsync = e->flags & DL_F_DSYNC;
	t->complete_classified = false;
	t->sync_under_lock = false;
	t->dio_lock = e->lock_addr;
	t->dio_hold = held_mode(NULL, e, &exact);
	/* ext4, xfs and btrfs hold i_rwsem across iomap_dio_rw: a reader at submission stays one */
	if (t->dio_hold == DL_LOCK_NONE && e->lock.mode == DL_LOCK_READ &&
	    dl_fs_holds_across_dio(fsid_of(e->fs)))
		t->dio_hold = DL_LOCK_READ;
	if (t->dio_hold != DL_LOCK_NONE) {
		struct an_lock *l = lock_get(an, e->lock_addr, false);

		if (l)
			reg_add(l, t->tid, t->dio_hold, false);
	}
	drain = drain_of(an, e);
	if (drain)
		reg_add(drain, t->tid, DL_LOCK_READ, false);
}

static void dio_end(struct analyzer *an, struct an_task *t)
{
	if (!t->dio_active)
		return;
	t->dio_active = false;
	reg_del(lock_get(an, t->dio_lock, false), t->tid);
	reg_del(lock_get(an, drain_id(t->dio_lock), false), t->tid);
}

/*
 * An async submission returned -EIOCBQUEUED: the submitter unlocked and went
 * on, and the completion runs later in a kworker (or in io_getevents' caller
 * for IOMAP_DIO_INLINE_COMP). So the submitter no longer holds anything for
 * this DIO; keeping its shared hold would make any later wait of its look
 * like a wait on itself.
 */
static void on_dio_queued(struct analyzer *an, struct an_task *t, const struct dl_event *e)
{
	if (t->dio_active && t->dio_lock == e->lock_addr)
		dio_end(an, t);
}

static const char NOTE_BTRFS_STUB[] =
	"btrfs_sync_file ran under this task's i_rwsem without taking it (DIO-write stub); "
	"inferred from the completion finishing";
static const char NOTE_BTRFS_STUB_SEEN[] =
	"journal_info holds btrfs's DIO-write stub: btrfs_sync_file will skip i_rwsem";
static const char NOTE_BTRFS_NO_STUB[] =
	"no DIO-write stub in journal_info: btrfs_sync_file will take the i_rwsem this task holds";
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
	report(an, AN_DIO_COMPLETE_UNDER_LOCK, dl_complete_severity(reason, exact), exact, e, mode,
	       complete_notes[reason]);
}

/* Function tiers: the completion has not synced yet and the stub is visible. */
static void on_complete_begin(struct analyzer *an, struct an_task *t, const struct dl_event *e)
{
	bool exact;
	__u8 mode = held_mode(t, e, &exact);

	if (mode == DL_LOCK_NONE)
		return;
	t->complete_classified = true;
	t->dio_dsync |= !!(e->flags & DL_F_DSYNC);
	report_completion(an, e, dl_complete_reason_at_entry(fsid_of(e->fs), e->flags & DL_F_DSYNC,
							   e->flags & DL_F_NEED_SYNC, e->flags & DL_F_STUB),
			  exact, mode);
}

static void on_dio_complete(struct analyzer *an, struct an_task *t, const struct dl_event *e)
{
	bool exact;
	__u8 mode = held_mode(t, e, &exact);
	bool synced = t->sync_under_lock && t->sync_lock == e->lock_addr;
	bool classified = t->complete_classified;

	dio_end(an, t);
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
	struct an_violation *v;

	if (k->kind != DL_FOLD_COMPLETE || !f->count || k->reason == DL_CR_NONE || k->reason >= DL_CR_MAX)
		return;
	e.hdr.type = DL_EV_DIO_COMPLETE;
	e.hdr.ts_ns = f->last_ts;
	e.hdr.tgid = k->tgid;
	e.dev = k->dev;
	e.ino = k->ino;
	e.stack_id = -1;
	snprintf(e.fs, sizeof(e.fs), "%s", dl_fsid_name(k->fsid));
	if (k->flags & DL_FOLD_F_DSYNC)
		e.flags |= DL_F_DSYNC;
	an->folded += f->count;
	/* a comm filter can only be applied to the record that named the task */
	if (an->filter.comm[0] && !find_fold(an, AN_DIO_COMPLETE_UNDER_LOCK, dl_complete_severity(k->reason, exact),
					     &e, k->mode, complete_notes[k->reason]))
		return;
	v = report_n(an, AN_DIO_COMPLETE_UNDER_LOCK, dl_complete_severity(k->reason, exact), exact, &e, k->mode,
		     complete_notes[k->reason], f->count);
	/* the first occurrence was lost: the finding has no task name, say so */
	if (v)
		snprintf(v->comm, sizeof(v->comm), "?");
}

static const char NOTE_SKIPS_UNHELD[] =
	"btrfs_sync_file sees the DIO-write stub but this task does not hold the inode's i_rwsem "
	"(the race cd9253c23aed fixed)";

static void on_sync_begin(struct analyzer *an, struct an_task *t, const struct dl_event *e)
{
	bool exact;
	__u8 mode = held_mode(t, e, &exact);

	(void)an;
	if (t->dio_active && t->dio_lock == e->lock_addr)
		t->dio_synced = true;	/* iomap ended the DIO (inode_dio_end) before syncing */
	/* exact holds, or nobody holds it at all: then "not held by us" is certain */
	if (is_fs(e->fs, "btrfs") && (e->flags & DL_F_STUB) && mode == DL_LOCK_NONE &&
	    ((e->flags & DL_F_EXACT) || e->lock.mode == DL_LOCK_NONE))
		report(an, AN_SYNC_SKIPS_UNHELD, AN_ERROR, true, e, DL_LOCK_NONE, NOTE_SKIPS_UNHELD);
	if (mode == DL_LOCK_NONE)
		return;
	t->sync_under_lock = true;
	t->sync_lock = e->lock_addr;
}

/* The contention entry of an inode, made on first use; NULL when out of memory. */
static struct an_contention *contention_of(struct analyzer *an, __u32 dev, __u64 ino, const char *fs)
{
	__u64 key = mix(dev, ino) | 1;
	uintptr_t at = (uintptr_t)table_get(&an->cont_index, key);
	struct an_contention *c = at ? &an->cont[at - 1] : NULL;

	if (c && (c->dev != dev || c->ino != ino)) {
		c = NULL;
		for (size_t i = 0; i < an->ncont; i++)
			if (an->cont[i].dev == dev && an->cont[i].ino == ino)
				c = &an->cont[i];
	}
	if (c)
		return c;
	c = grow(an->cont, &an->capcont, an->ncont, sizeof(*c), &an->oom);
	if (!c)
		return NULL;
	an->cont = c;
	if (!at && table_put(&an->cont_index, key, (void *)(uintptr_t)(an->ncont + 1)))
		an->oom = true;
	c = &an->cont[an->ncont++];
	memset(c, 0, sizeof(*c));
	c->dev = dev;
	c->ino = ino;
	memcpy(c->fs, fs, sizeof(c->fs));
	c->fs[DL_FS_LEN - 1] = '\0';
	return c;
}

/* A tid into a contention entry's list of distinct holders or waiters. */
static void contention_tid(__u32 *list, int *n, __u32 tid)
{
	for (int i = 0;; i++) {
		if (i == *n) {
			if (*n < AN_MAX_HOLDERS)
				list[(*n)++] = tid;
			return;
		}
		if (list[i] == tid)
			return;
	}
}

static void contention_wait(struct an_contention *c, __u32 tid, __u32 holder, bool read, __u64 n)
{
	c->waits += n;
	if (read)
		c->read_waits += n;
	else
		c->write_waits += n;
	if (holder && holder != tid)
		contention_tid(c->holders, &c->nholders, holder);
	contention_tid(c->waiters, &c->nwaiters, tid);
}

static void note_contention(struct analyzer *an, const struct dl_event *e)
{
	struct an_contention *c = contention_of(an, e->dev, e->ino, e->fs);

	if (!c)
		return;
	if (e->hdr.type == DL_EV_WAIT_END) {
		c->wait_ns_total += e->len;
		if (e->len > c->wait_ns_max)
			c->wait_ns_max = e->len;
		return;
	}
	contention_wait(c, e->hdr.tid, e->lock.holder_tid, e->flags & DL_F_WAIT_READ, 1);
}

void an_wait_fold(struct analyzer *an, const struct dl_wait_fold *f)
{
	const struct dl_wait_fold_key *k = &f->key;
	char fs[DL_FS_LEN];
	struct an_contention *c;

	if (!f->count || !dl_filter_match_comm(&an->filter, f->comm))
		return;
	snprintf(fs, sizeof(fs), "%s", dl_fsid_name(k->fsid));
	c = contention_of(an, k->dev, k->ino, fs);
	if (!c)
		return;
	an->folded_waits += f->count;
	contention_wait(c, k->tid, k->holder, k->mode == DL_LOCK_READ, f->count);
	c->wait_ns_total += f->ns_total;
	if (f->ns_max > c->wait_ns_max)
		c->wait_ns_max = f->ns_max;
}

static const char NOTE_SELF_WRITE[] = "waits for an i_rwsem it holds for write";
static const char NOTE_SELF_READ[] = "waits to write-lock an i_rwsem it holds shared";
static const char NOTE_SELF_READ_HINT[] =
	"waits to write-lock an i_rwsem it holds shared (inferred from the reader-owner hint or its "
	"own DIO's shared hold; confirmed: the wait stayed unbroken and no other holder showed)";

static void start_wait(struct analyzer *an, struct an_task *t, struct an_lock *l, const struct dl_event *e,
		       __u8 mode)
{
	if (t->waiting_on) {
		struct an_lock *old = lock_get(an, t->waiting_on, false);

		if (old && old->waiters)
			old->waiters--;
	}
	/* a new wait means the old one ended: a suspicion resting on it is refuted */
	suspect_drop(an, t, true);
	t->waiting_on = l->id;
	t->wait_mode = mode;
	t->wait_since = e->hdr.ts_ns;
	t->wait_stack = e->stack_id;
	t->wait_reported = false;
	t->in_cycle = false;
	l->waiters++;
	order_edges(an, t, l, e);
	check_cycle(an, t, l, e);
}

static void completion_drain_end(struct analyzer *an, struct an_task *t)
{
	if (!t->completion_drain)
		return;
	reg_del(lock_get(an, t->completion_drain, false), t->tid);
	t->completion_drain = 0;
}

/*
 * A completion that fsyncs waits on its inode's i_rwsem while i_dio_count is
 * not zero: it may not have ended its own DIO yet (iomap since 5.10 ends it
 * before the fsync; patch 04/15 undone, after), so a truncate or fallocate
 * in inode_dio_wait may be waiting for it. Inferred: the count may be other
 * DIOs', which end by themselves; a cycle through this edge must last.
 */
static void completion_holds_drain(struct analyzer *an, struct an_task *t, const struct dl_event *e)
{
	struct an_lock *drain;

	completion_drain_end(an, t);
	if (!(e->flags & DL_F_COMPLETING) || !e->len)
		return;
	drain = drain_of(an, e);
	if (!drain)
		return;
	reg_add(drain, t->tid, DL_LOCK_READ, false);
	t->completion_drain = drain->id;
}

static void end_wait(struct analyzer *an, struct an_task *t)
{
	struct an_lock *l = t->waiting_on ? lock_get(an, t->waiting_on, false) : NULL;

	if (l && l->waiters)
		l->waiters--;
	completion_drain_end(an, t);
	t->waiting_on = 0;
	suspect_drop(an, t, true);
}

/*
 * Findings made while a task is inside its own DIO describe that DIO: they
 * carry its DSYNC flag even when the record (a lock wait) has no iocb.
 */
static const struct dl_event *in_dio(const struct an_task *t, const struct dl_event *e, struct dl_event *copy)
{
	if (!t->dio_active || t->dio_lock != e->lock_addr || !t->dio_dsync)
		return e;
	*copy = *e;
	copy->flags |= DL_F_DSYNC;
	return copy;
}

static void on_wait_begin(struct analyzer *an, struct an_task *t, struct an_lock *l, const struct dl_event *e)
{
	bool exact;
	__u8 mode = held_mode(t, e, &exact);
	bool wants_write = e->flags & DL_F_WAIT_WRITE;
	struct dl_event copy;
	const struct dl_event *d = in_dio(t, e, &copy);

	bool self = mode == DL_LOCK_WRITE || (mode == DL_LOCK_READ && wants_write);
	/*
	 * The seed bug's shape: the wait comes from the completion's own fsync
	 * (unless completion entry already said so, in exact tiers).
	 */
	bool seed = t->dio_active && t->sync_under_lock && t->sync_lock == e->lock_addr &&
		    !t->complete_classified;
	struct an_suspect *s;

	note_contention(an, e);
	/* Waiting to read-lock what we hold shared is not a self-deadlock. */
	if (self && exact) {
		report(an, AN_SELF_DEADLOCK, AN_ERROR, true, d, mode,
		       mode == DL_LOCK_WRITE ? NOTE_SELF_WRITE : NOTE_SELF_READ);
		if (seed)
			report(an, AN_DIO_COMPLETE_UNDER_LOCK, AN_ERROR, true, d, mode, NOTE_BTRFS_DEADLOCK);
	}
	if (!l)
		return;
	completion_holds_drain(an, t, e);
	start_wait(an, t, l, e, wants_write ? DL_LOCK_WRITE : DL_LOCK_READ);
	if (!self || exact)
		return;
	/* a hint alone is never an error: the wait has to outlast the confirmation interval */
	if (t->suspect) {
		/* this very wait closed an inferred cycle: the self-deadlock is the finding */
		an->suspected[t->suspect->kind]--;
		suspect_drop(an, t, false);
	}
	s = suspect_new(an, t, AN_SELF_DEADLOCK, d, mode, NOTE_SELF_READ_HINT);
	if (!s)
		return;
	s->seed_shape = seed;
	s->n = 1;
	s->tids[0] = t->tid;
	s->locks[0] = l->id;
	s->since[0] = t->wait_since;
	s->explained = other_holder_possible(an, t->tid, l->id, e);
	l->suspect_tid = t->tid;
}

/* inode_dio_wait: waits until no DIO is in flight on the inode. */
static void on_drain_begin(struct analyzer *an, struct an_task *t, const struct dl_event *e)
{
	struct an_lock *drain;

	/* i_dio_count already 0: inode_dio_wait returns at once */
	if (!e->arg)
		return;
	drain = drain_of(an, e);
	if (!drain)
		return;
	start_wait(an, t, drain, e, DL_LOCK_WRITE);
}

/*
 * Why an O_DIRECT write that succeeded never reached iomap, per filesystem
 * (checked against Debian 6.1's fs/{btrfs,xfs,ext4}/file.c and btrfs's direct-io.c of v6.15+).
 */
static const char NOTE_FB_BTRFS_CSUM[] =
	"btrfs inode has data checksums: since v6.15 (968f19c5b1b7) btrfs writes O_DIRECT "
	"through the page cache unless the inode is nodatasum/NOCOW";
static const char NOTE_FB_BTRFS_UNALIGNED[] =
	"not aligned to the btrfs sector size: btrfs_direct_write (check_direct_IO) writes it "
	"through the page cache";
static const char NOTE_FB_XFS_UNALIGNED[] =
	"not aligned to the xfs block: on a reflink/CoW inode xfs_file_dio_write_unaligned "
	"returns -ENOTBLK and xfs writes it buffered";
static const char NOTE_FB_EXT4[] =
	"ext4_should_use_dio() refused direct I/O (data=journal, inline data, verity or "
	"encryption) or iomap returned -ENOTBLK: ext4 wrote it buffered";
static const char NOTE_FB_OTHER[] =
	"the write never reached iomap's direct I/O path (iomap's -ENOTBLK after a page-cache "
	"invalidation failure is written buffered)";

/*
 * Filesystems whose O_DIRECT writes go through iomap_dio_rw; elsewhere (block
 * devices, other filesystems' own DIO code) "never reached iomap" says nothing.
 */
static bool iomap_dio_fs(const char *fs)
{
	static const char *const names[] = { "ext4", "xfs", "btrfs", "f2fs", "gfs2", "zonefs" };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (is_fs(fs, names[i]))
			return true;
	return false;
}

static const char *fallback_note(const struct dl_event *e)
{
	bool unaligned = e->flags & DL_F_UNALIGNED;

	if (is_fs(e->fs, "btrfs")) {
		if ((e->flags & DL_F_FS_FLAGS) && !(e->flags & DL_F_NODATASUM))
			return NOTE_FB_BTRFS_CSUM;
		return unaligned ? NOTE_FB_BTRFS_UNALIGNED : NOTE_FB_OTHER;
	}
	if (is_fs(e->fs, "xfs") && unaligned)
		return NOTE_FB_XFS_UNALIGNED;
	if (is_fs(e->fs, "ext4"))
		return NOTE_FB_EXT4;
	return NOTE_FB_OTHER;
}

static void on_direct_write(struct analyzer *an, const struct dl_event *e)
{
	const char *note;
	size_t i;

	if ((e->flags & DL_F_IOMAP) || e->ret <= 0 || !iomap_dio_fs(e->fs))
		return;
	note = fallback_note(e);
	report(an, AN_DIO_FALLBACK, AN_INFO, true, e, DL_LOCK_NONE, note);
	for (i = 0; i < an->nfallbacks; i++)
		if (!strncmp(an->fallbacks[i].fs, e->fs, DL_FS_LEN))
			break;
	if (i == an->nfallbacks) {
		if (i == sizeof(an->fallbacks) / sizeof(an->fallbacks[0]))
			return;
		memcpy(an->fallbacks[i].fs, e->fs, DL_FS_LEN);
		an->fallbacks[i].fs[DL_FS_LEN - 1] = '\0';
		an->nfallbacks++;
	}
	an->fallbacks[i].count++;
}

static const char NOTE_RECURSIVE_WRITE[] = "acquires an i_rwsem it already holds: it will wait for itself";
static const char NOTE_RECURSIVE_READ[] =
	"read-acquires an i_rwsem it already holds shared: deadlocks if a writer queues in between";

static void on_recursive(struct analyzer *an, struct an_task *t, const struct dl_event *e)
{
	bool exact;
	__u8 mode = held_mode(t, e, &exact);
	bool read_read = mode == DL_LOCK_READ && (e->flags & DL_F_WAIT_READ);
	struct dl_event copy;

	report(an, AN_RECURSIVE_ACQUIRE, read_read ? AN_WARNING : AN_ERROR, exact, in_dio(t, e, &copy),
	       (e->flags & DL_F_WAIT_WRITE) ? DL_LOCK_WRITE : DL_LOCK_READ,
	       read_read ? NOTE_RECURSIVE_READ : NOTE_RECURSIVE_WRITE);
}

static void task_exit(struct analyzer *an, __u32 tid)
{
	struct an_task *t = task_get(an, tid, false);

	if (!t)
		return;
	end_wait(an, t);
	suspect_drop(an, t, true);
	dio_end(an, t);
	for (int i = 0; i < DL_MAX_HELD; i++)
		if (t->held[i])
			reg_del(lock_get(an, t->held[i], false), tid);
	free(table_del(&an->tasks, tid ? tid : ~0ULL));
}

static bool names_inode(__u16 type)
{
	return type != DL_EV_TASK_EXIT && type != DL_EV_TICK;
}

void an_feed(struct analyzer *an, const struct dl_event *e)
{
	struct an_task *t;
	struct an_lock *l = NULL;
	__u16 type = e->hdr.type;

	if (e->hdr.ts_ns > an->last_ts) {
		/* wait chains are checked as time passes, in record time: replay agrees */
		if (e->hdr.ts_ns / WAIT_CHECK_NS != an->last_ts / WAIT_CHECK_NS)
			check_long_waits(an, e->hdr.ts_ns);
		an->last_ts = e->hdr.ts_ns;
	}
	if (type == DL_EV_TICK)
		return;
	if (type == DL_EV_TASK_EXIT) {
		task_exit(an, e->hdr.tid);
		return;
	}
	if (!dl_filter_match_comm(&an->filter, e->comm))
		return;
	an->events++;
	if (type < DL_EV_TYPE_MAX)
		an->by_type[type]++;
	t = task_get(an, e->hdr.tid, true);
	if (!t)
		return;
	task_note(t, e);
	/*
	 * A sleeping task emits nothing: any other record from it means its wait
	 * ended, even if the wait_end record was lost.
	 */
	if (t->waiting_on && type != DL_EV_WAIT_BEGIN && type != DL_EV_DRAIN_WAIT_BEGIN &&
	    type != DL_EV_WAIT_END && type != DL_EV_DRAIN_WAIT_END)
		end_wait(an, t);
	if (names_inode(type) && e->lock_addr)
		l = lock_seen(an, e);
	note_exact_holds(an, t, e);
	switch (type) {
	case DL_EV_DIO_BEGIN:
		on_dio_begin(an, t, e);
		break;
	case DL_EV_DIO_COMPLETE_BEGIN:
		on_complete_begin(an, t, e);
		break;
	case DL_EV_DIO_COMPLETE:
		on_dio_complete(an, t, e);
		break;
	case DL_EV_SYNC_BEGIN:
		on_sync_begin(an, t, e);
		break;
	case DL_EV_WAIT_BEGIN:
		on_wait_begin(an, t, l, e);
		break;
	case DL_EV_WAIT_END:
	case DL_EV_DRAIN_WAIT_END:
		if (type == DL_EV_WAIT_END)
			note_contention(an, e);
		end_wait(an, t);
		break;
	case DL_EV_DRAIN_WAIT_BEGIN:
		on_drain_begin(an, t, e);
		break;
	case DL_EV_DIO_QUEUED:
		on_dio_queued(an, t, e);
		break;
	case DL_EV_DIRECT_WRITE:
		/* the write syscall returned: whatever DIO it ran is over */
		dio_end(an, t);
		on_direct_write(an, e);
		break;
	case DL_EV_RECURSIVE_ACQUIRE:
		on_recursive(an, t, e);
		break;
	default:
		break;
	}
}

__u64 an_count_severity(const struct analyzer *an, enum an_severity sev)
{
	__u64 n = 0;

	for (size_t i = 0; i < an->nviol; i++)
		if (an->viol[i].severity >= sev)
			n++;
	return n;
}
