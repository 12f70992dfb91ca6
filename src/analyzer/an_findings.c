// SPDX-License-Identifier: GPL-2.0
/* Findings, folded by key; the ones inferred from hints wait here until time confirms them. */
#include "analyzer/an_internal.h"

/* ---- findings ---- */

/*
 * Past this many folded findings, info findings stop being kept per
 * process: task churn would otherwise grow the list without bound.
 */
#define AN_MAX_PER_PID 4096

/* The process a record is about: the I/O's submitter where the record names one. */
static __u32 owner_tgid(const struct dl_event *e)
{
	return e->sub_tgid ? e->sub_tgid : e->hdr.tgid;
}

static bool same_key(const struct an_finding *v, enum an_kind kind, enum an_severity sev,
		     const struct dl_event *e, __u8 mode, const char *note, bool any_pid)
{
	return v->kind == kind && v->severity == sev && (any_pid || v->pid == owner_tgid(e)) &&
	       /* a path of 0 (an older recording, a lost first record) joins any */
	       (!e->path || !v->io_path || v->io_path == e->path) &&
	       v->dev == e->dev && v->ino == e->ino && v->lock_mode == mode &&
	       v->dsync == !!(e->flags & DL_F_DSYNC) && v->note == note;
}

static __u64 finding_hash(enum an_kind kind, enum an_severity sev, const struct dl_event *e, __u8 mode,
		       const char *note, bool any_pid)
{
	__u64 h = dl_mix(dl_mix(dl_mix(kind, sev), any_pid ? 0 : owner_tgid(e)), e->dev);

	h = dl_mix(dl_mix(dl_mix(h, e->ino), mode), !!(e->flags & DL_F_DSYNC));
	h = dl_mix(h, (__u64)(uintptr_t)note);
	/* not the path: same_key lets a path of 0 join any, so it cannot pick the bucket */
	return h ? h : 1;
}

struct finding_key {
	enum an_kind kind;
	enum an_severity sev;
	const struct dl_event *e;
	__u8 mode;
	const char *note;
	bool any_pid;
};

static bool key_matches(const void *entry, const void *ctx)
{
	const struct finding_key *k = ctx;

	return same_key(entry, k->kind, k->sev, k->e, k->mode, k->note, k->any_pid);
}

/* The folded finding a new occurrence joins; NULL: it is a new one, to index at *key. */
static struct an_finding *find_finding(struct analyzer *an, enum an_kind kind, enum an_severity sev,
					   const struct dl_event *e, __u8 mode, const char *note, __u64 *key)
{
	struct finding_key k = { kind, sev, e, mode, note, sev == AN_INFO && an->nfindings >= AN_MAX_PER_PID };

	*key = finding_hash(kind, sev, e, mode, note, k.any_pid);
	return an_index_find(&an->finding_index, key, an->finding, sizeof(struct an_finding), key_matches, &k);
}

bool an_finding_exists(struct analyzer *an, enum an_kind kind, enum an_severity sev, const struct dl_event *e,
		      __u8 mode, const char *note)
{
	__u64 key;

	return find_finding(an, kind, sev, e, mode, note, &key) != NULL;
}

/* n occurrences at once: a fold slot's increment counts as many as it says. */
struct an_finding *an_raise_n(struct analyzer *an, enum an_kind kind, enum an_severity sev,
				     bool exact, const struct dl_event *e, __u8 mode, const char *note, __u64 n)
{
	__u64 key;
	struct an_finding *v = find_finding(an, kind, sev, e, mode, note, &key);
	void *arr;

	an->summary[kind] += n;
	if (v) {
		v->count += n;
		if (e->hdr.ts_ns > v->last_ts)
			v->last_ts = e->hdr.ts_ns;
		v->exact = v->exact && exact;
		return NULL;
	}
	arr = an->finding;
	v = an_index_append(an, &an->finding_index, key, &arr, &an->capfindings, &an->nfindings, sizeof(*v));
	an->finding = arr;
	if (!v)
		return NULL;
	v->kind = kind;
	v->severity = sev;
	v->exact = exact;
	v->pid = e->hdr.tgid;
	v->tid = e->hdr.tid;
	memcpy(v->comm, e->comm, sizeof(v->comm));
	v->io_path = e->path;
	v->cgroup = e->cgroup;
	if (e->sub_tgid) {
		v->pid = e->sub_tgid;
		v->tid = e->sub_tid;
		memcpy(v->comm, e->sub_comm, sizeof(v->comm));
		if (e->sub_tid != e->hdr.tid) {
			v->run_tid = e->hdr.tid;
			memcpy(v->run_comm, e->comm, sizeof(v->run_comm));
			v->run_comm[DL_COMM_LEN - 1] = '\0';
		}
	}
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

struct an_finding *an_raise(struct analyzer *an, enum an_kind kind, enum an_severity sev,
				   bool exact, const struct dl_event *e, __u8 mode, const char *note)
{
	return an_raise_n(an, kind, sev, exact, e, mode, note, 1);
}

/* ---- findings inferred from hints, until time confirms them ---- */

void an_suspect_drop(struct analyzer *an, struct an_task *t, bool retract)
{
	struct an_suspect *s = t->suspect;
	struct an_lock *l;

	if (!s)
		return;
	if (retract)
		an->retracted[s->kind]++;
	l = an_lock_get(an, s->locks[0], false);
	if (l && l->suspect_tid == t->tid)
		l->suspect_tid = 0;
	free(s);
	t->suspect = NULL;
}

struct an_suspect *an_suspect_new(struct analyzer *an, struct an_task *t, enum an_kind kind,
				      const struct dl_event *e, __u8 mode, const char *note)
{
	struct an_suspect *s;

	/* a task waits for one thing at a time: an older suspicion's wait is over */
	an_suspect_drop(an, t, true);
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

const char AN_NOTE_CYCLE[] = "each task waits for a lock the next one holds";
const char AN_NOTE_CYCLE_INFERRED[] =
	"each task waits for a lock the next one holds (a holder is inferred from hints; "
	"confirmed: every wait stayed unbroken for the confirmation interval)";
const char AN_NOTE_CYCLE_DIO_END_LATE[] =
	"a DIO completion waits in its fsync for an i_rwsem whose holder waits in inode_dio_wait for "
	"DIOs that completion still counts (inode_dio_end after generic_write_sync: the seed series' "
	"patch 04/15 undone); its hold on the DIO count is inferred from i_dio_count, confirmed: "
	"every wait stayed unbroken for the confirmation interval";
const char AN_NOTE_BTRFS_DEADLOCK[] =
	"btrfs_sync_file in this completion takes the i_rwsem its own task holds: deadlock";


/* Time passed: a suspect whose waits all still stand, long enough, is a finding. */
void an_suspect_confirm(struct analyzer *an, struct an_task *t, __u64 now)
{
	struct an_suspect *s = t->suspect;
	struct an_finding *v;

	for (int i = 0; i < s->n; i++) {
		struct an_task *m = an_task_get(an, s->tids[i], false);

		if (!m || m->waiting_on != s->locks[i] || m->wait_since != s->since[i]) {
			an_suspect_drop(an, t, true);
			return;
		}
	}
	if (now < s->since[0] + an->confirm_ns || (s->kind == AN_SELF_DEADLOCK && s->explained))
		return;
	an->confirmed[s->kind]++;
	v = an_raise(an, s->kind, AN_ERROR, false, &s->e, s->mode, s->note);
	if (s->kind == AN_SELF_DEADLOCK && s->seed_shape)
		an_raise(an, AN_DIO_COMPLETE_UNDER_LOCK, AN_ERROR, false, &s->e, s->mode, AN_NOTE_BTRFS_DEADLOCK);
	if (v && s->kind == AN_DEADLOCK_CYCLE) {
		v->nmembers = s->n;
		for (int i = 0; i < s->n; i++) {
			struct an_task *m = an_task_get(an, s->tids[i], false);

			an_member_of(&v->members[i], m, an_lock_get(an, s->locks[i], false), now, s->exact[i]);
			m->in_cycle = true;
		}
	}
	an_suspect_drop(an, t, false);
}

void an_member_of(struct an_member *m, const struct an_task *t, const struct an_lock *l,
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
		m->mm_pid = l->mm_pid;
	}
	m->mode = t->wait_mode;
	m->wait_ns = now > t->wait_since ? now - t->wait_since : 0;
	m->stack_id = t->wait_stack;
	m->exact = exact;
}
