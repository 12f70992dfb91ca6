// SPDX-License-Identifier: GPL-2.0
/* The wait-for graph: deadlock cycles as they close, and long-wait chains. */
#include "analyzer/an_internal.h"

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

	/* the snapshot of an rwsem's owner: i_rwsem, mmap_lock */
	if (l->kind == AN_LOCK_RWSEM || l->kind == AN_LOCK_MMAP || l->kind == AN_LOCK_INVALIDATE)
		for (int i = 0; i < DL_MAX_HOLDERS; i++) {
			struct an_task *h;

			if (!l->snap[i])
				continue;
			h = an_task_get(an, l->snap[i], false);
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
		t = an_task_get(an, h[i], false);
		/* a holder queued on the very lock it holds waits for itself, not for us */
		if (!t || !t->waiting_on || t->waiting_on == l->id)
			continue;
		for (int k = 0; k <= depth; k++)
			seen |= path[k] == t;
		if (seen)
			continue;
		next = an_lock_get(an, t->waiting_on, false);
		if (!next)
			continue;
		path[depth + 1] = t;
		exact[depth] = hexact[i];
		if (find_cycle(an, start, next, path, exact, depth + 1))
			return true;
	}
	return false;
}

void an_check_cycle(struct analyzer *an, struct an_task *t, struct an_lock *l, const struct dl_event *e)
{
	struct an_task *path[AN_MAX_MEMBERS + 1] = { t };
	bool exact[AN_MAX_MEMBERS + 1] = {};
	struct an_finding *v;
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
		const char *note = AN_NOTE_CYCLE_INFERRED;
		struct an_suspect *s;

		if (t->suspect)
			return;
		for (int i = 0; i < n; i++)
			if (path[i]->completion_drain)
				note = AN_NOTE_CYCLE_DIO_END_LATE;
		s = an_suspect_new(an, t, AN_DEADLOCK_CYCLE, e, t->wait_mode, note);
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
	v = an_raise(an, AN_DEADLOCK_CYCLE, AN_ERROR, all_exact, e, t->wait_mode, AN_NOTE_CYCLE);
	if (!v)
		return;
	v->nmembers = n;
	for (int i = 0; i < n; i++) {
		an_member_of(&v->members[i], path[i], an_lock_get(an, path[i]->waiting_on, false),
			  e->hdr.ts_ns, exact[i]);
		path[i]->in_cycle = true;
	}
}

/* ---- long waits ---- */

static const char NOTE_LONG_WAIT[] = "waited longer than the threshold; the chain ends at the root holder";

/*
 * A wait on sb_writers: the freeze state the waiter read says why it sleeps
 * (a fact, not a hint); who froze it, where a freeze record named the task
 * (function tiers), and how long before the wait began.
 */
static void sb_writers_detail(struct an_finding *finding, const struct an_lock *l, __u64 wait_since)
{
	char who[96] = "who froze it: not seen in this run";

	if (l->freezer_pid)
		snprintf(who, sizeof(who), "the freeze: pid %u (%.16s), %.3f s before the wait", l->freezer_pid,
			 l->freezer_comm, wait_since > l->frozen_at ? (wait_since - l->frozen_at) / 1e9 : 0.0);
	static const char *const levels[] = { "sb_start_write", "sb_start_pagefault", "sb_start_intwrite" };
	const struct dl_sb_wait *w = &l->sb;
	const char *by = w->user_freezes && w->kernel_freezes ? "user space and the kernel" :
			 w->user_freezes ? "user space (FIFREEZE)" : w->kernel_freezes ? "the kernel" : NULL;

	snprintf(finding->detail, sizeof(finding->detail),
		 "%s on a %s filesystem (sb_writers.frozen %u)%s%s; %s",
		 w->level < 3 ? levels[w->level] : "sb_writers", w->frozen >= 4 ? "frozen" : w->frozen ? "freezing" :
		 "thawing", w->frozen, by ? ", frozen by " : "", by ? by : "", who);
}

void an_check_long_waits(struct analyzer *an, __u64 now)
{
	void *v;

	for (size_t i = 0; table_next(&an->tasks, &i, &v);) {
		struct an_task *t = v, *cur = t;
		struct an_finding *finding;
		struct dl_event e = {};
		struct an_lock *l;

		if (t->suspect)
			an_suspect_confirm(an, t, now);
		/* a wait already in a deadlock_cycle is not news as a long wait */
		if (!t->waiting_on || t->wait_reported || t->in_cycle || now < t->wait_since + an->long_wait_ns)
			continue;
		t->wait_reported = true;
		l = an_lock_get(an, t->waiting_on, false);
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
		finding = an_raise(an, AN_LONG_WAIT, AN_WARNING, true, &e, t->wait_mode, NOTE_LONG_WAIT);
		if (!finding)
			continue;
		/* follow the first holder of each lock to the task that is not waiting */
		while (cur && finding->nmembers < AN_MAX_MEMBERS) {
			__u32 h[DL_MAX_HOLDERS + MAX_REG];
			bool hexact[DL_MAX_HOLDERS + MAX_REG];
			struct an_lock *cl = cur->waiting_on ? an_lock_get(an, cur->waiting_on, false) : NULL;
			int n = cl ? holders_of(an, cl, h, hexact) : 0;
			bool frozen = cl && cl->kind == AN_LOCK_SB_WRITERS && !n;
			/* the root holder is not waiting: its edge is as good as its snapshot */
			bool exact = (n && (hexact[0] || cl->snap_exact)) || frozen;

			an_member_of(&finding->members[finding->nmembers++], cur, cl, now, exact);
			finding->exact &= exact;
			if (frozen)
				sb_writers_detail(finding, cl, cur->wait_since);
			if (!n)
				break;
			cur = an_task_get(an, h[0], false);
			if (cur == t)
				break;
			if (!cur && finding->nmembers < AN_MAX_MEMBERS) {
				/* a root holder no hook of this tier saw (only the lock's owner names it) */
				struct an_member *m = &finding->members[finding->nmembers++];

				memset(m, 0, sizeof(*m));
				m->tid = h[0];
				m->stack_id = -1;
				m->exact = exact;
				snprintf(finding->detail, sizeof(finding->detail),
					 "root holder tid %u: known only as the lock's owner, no record of its own", h[0]);
				break;
			}
			if (cur && !cur->waiting_on) {
				/* the root holder: say what it last did */
				if (finding->nmembers < AN_MAX_MEMBERS)
					an_member_of(&finding->members[finding->nmembers++], cur, NULL, now, true);
				snprintf(finding->detail, sizeof(finding->detail), "root holder tid %u last seen in %s",
					 cur->tid, cur->last_type == DL_EV_DIO_COMPLETE_BEGIN ? "DIO completion" :
					 cur->last_type == DL_EV_SYNC_BEGIN ? "fsync" :
					 cur->last_type == DL_EV_DIO_BEGIN ? "DIO submission" : "other work");
				break;
			}
		}
	}
}
