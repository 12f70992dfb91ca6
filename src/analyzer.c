// SPDX-License-Identifier: GPL-2.0
#include <stdlib.h>
#include <string.h>
#include "analyzer.h"

/* What one task is doing, as far as the events tell. */
struct an_task {
	__u32 tid;
	/* a DIO this task submitted and has not completed */
	bool dio_active;
	__u32 dio_dev;
	__u64 dio_ino;
	__u8 dio_hold;		/* enum dl_hold at submission */
	__u8 dio_mode;		/* enum dl_lock_mode at submission */
	/* a fsync this task began while holding that inode's i_rwsem */
	bool sync_under_lock;
	__u32 sync_dev;
	__u64 sync_ino;
};

static const char *const kind_names[AN_KIND_MAX] = {
	[AN_DIO_COMPLETE_UNDER_LOCK] = "dio_complete_under_i_rwsem",
	[AN_SELF_DEADLOCK] = "self_deadlock",
	[AN_DIO_FALLBACK] = "dio_fallback_buffered",
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

void an_init(struct analyzer *an, const struct dl_filter *filter)
{
	memset(an, 0, sizeof(*an));
	if (filter)
		an->filter = *filter;
}

void an_fini(struct analyzer *an)
{
	free(an->viol);
	free(an->cont);
	free(an->tasks);
	memset(an, 0, sizeof(*an));
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

static struct an_task *task_find(struct analyzer *an, __u32 tid, bool create)
{
	struct an_task *t;

	for (size_t i = 0; i < an->ntasks; i++)
		if (an->tasks[i].tid == tid)
			return &an->tasks[i];
	if (!create)
		return NULL;
	t = grow(an->tasks, &an->captasks, an->ntasks, sizeof(*t), &an->oom);
	if (!t)
		return NULL;
	an->tasks = t;
	t = &an->tasks[an->ntasks++];
	memset(t, 0, sizeof(*t));
	t->tid = tid;
	return t;
}

static void task_drop(struct analyzer *an, __u32 tid)
{
	struct an_task *t = task_find(an, tid, false);

	if (t)
		*t = an->tasks[--an->ntasks];
}

static bool same_key(const struct an_violation *v, enum an_kind kind, enum an_severity sev,
		     const struct dl_event *e, __u8 mode, const char *note)
{
	return v->kind == kind && v->severity == sev && v->pid == e->hdr.tgid &&
	       v->dev == e->dev && v->ino == e->ino && v->lock_mode == mode &&
	       v->dsync == !!(e->flags & DL_F_DSYNC) && v->note == note;
}

static void report(struct analyzer *an, enum an_kind kind, enum an_severity sev, bool exact,
		   const struct dl_event *e, __u8 mode, const char *note)
{
	struct an_violation *v;

	an->summary[kind]++;
	for (size_t i = 0; i < an->nviol; i++) {
		v = &an->viol[i];
		if (same_key(v, kind, sev, e, mode, note)) {
			v->count++;
			v->last_ts = e->hdr.ts_ns;
			v->exact = v->exact && exact;
			return;
		}
	}
	v = grow(an->viol, &an->capviol, an->nviol, sizeof(*v), &an->oom);
	if (!v)
		return;
	an->viol = v;
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
	v->holder_tid = e->lock.holder_tid;
	v->stack_id = e->stack_id;
	v->first_ts = v->last_ts = e->hdr.ts_ns;
	v->count = 1;
	v->note = note;
}

static bool is_fs(const struct dl_event *e, const char *name)
{
	return !strncmp(e->fs, name, DL_FS_LEN);
}

/*
 * ext4, xfs and btrfs hold i_rwsem (shared or exclusive) around every
 * iomap_dio_rw/__iomap_dio_rw call, reads and writes alike (ext4_dio_*_iter,
 * xfs_file_dio_*, btrfs_direct_*). When the lock is read-held at submission
 * and the reader hint names another task, this task is still one of the
 * readers: the hint only remembers the last one.
 */
static bool holds_across_dio(const struct dl_event *e)
{
	return is_fs(e, "ext4") || is_fs(e, "xfs") || is_fs(e, "btrfs");
}

static void on_dio_begin(struct analyzer *an, const struct dl_event *e)
{
	struct an_task *t = task_find(an, e->hdr.tid, true);

	if (!t)
		return;
	t->dio_active = true;
	t->dio_dev = e->dev;
	t->dio_ino = e->ino;
	t->dio_hold = e->lock.cur_holds;
	if (t->dio_hold == DL_HOLD_NO && e->lock.mode == DL_LOCK_READ && holds_across_dio(e))
		t->dio_hold = DL_HOLD_READ_HINT;
	t->dio_mode = e->lock.mode;
	t->sync_under_lock = false;
}

/* Does the event's task hold this inode's i_rwsem, and in which mode? */
static __u8 held_mode(const struct an_task *t, const struct dl_event *e)
{
	if (e->lock.cur_holds == DL_HOLD_WRITE)
		return DL_LOCK_WRITE;
	if (e->lock.cur_holds == DL_HOLD_READ_HINT)
		return DL_LOCK_READ;
	/*
	 * The reader hint names only the last reader. A task that held the
	 * lock shared when it submitted a synchronous DIO still holds it while
	 * completing, as long as the lock is still read-held.
	 */
	if (t && t->dio_active && t->dio_dev == e->dev && t->dio_ino == e->ino &&
	    t->dio_hold == DL_HOLD_READ_HINT && e->lock.mode == DL_LOCK_READ)
		return DL_LOCK_READ;
	return DL_LOCK_NONE;
}

static void on_sync_begin(struct analyzer *an, const struct dl_event *e)
{
	struct an_task *t = task_find(an, e->hdr.tid, false);

	if (held_mode(t, e) == DL_LOCK_NONE)
		return;
	t = t ? t : task_find(an, e->hdr.tid, true);
	if (!t)
		return;
	t->sync_under_lock = true;
	t->sync_dev = e->dev;
	t->sync_ino = e->ino;
}

static const char NOTE_BTRFS_STUB[] =
	"btrfs_sync_file ran under this task's i_rwsem without taking it (DIO-write stub); "
	"inferred from the completion finishing";
static const char NOTE_BTRFS_NOSYNC[] = "no fsync ran in this completion";
static const char NOTE_SYNC_NO_RWSEM[] = "this filesystem's fsync does not take i_rwsem";
static const char NOTE_NOT_DSYNC[] = "not a DSYNC write: completion runs no fsync";
static const char NOTE_UNKNOWN_FS[] = "unknown whether this filesystem's fsync takes i_rwsem";
static const char NOTE_BTRFS_DEADLOCK[] =
	"btrfs_sync_file in this completion takes the i_rwsem its own task holds: deadlock";

static void on_dio_complete(struct analyzer *an, const struct dl_event *e)
{
	struct an_task *t = task_find(an, e->hdr.tid, false);
	__u8 mode = held_mode(t, e);
	bool dsync = e->flags & DL_F_DSYNC;
	bool synced = t && t->sync_under_lock && t->sync_dev == e->dev && t->sync_ino == e->ino;
	enum an_severity sev = AN_INFO;
	const char *note;

	if (t) {
		t->dio_active = false;
		t->sync_under_lock = false;
	}
	if (mode == DL_LOCK_NONE)
		return;
	if (is_fs(e, "btrfs"))
		note = synced ? NOTE_BTRFS_STUB : NOTE_BTRFS_NOSYNC;
	else if (!dsync)
		note = NOTE_NOT_DSYNC;
	else if (is_fs(e, "ext4") || is_fs(e, "xfs"))
		note = NOTE_SYNC_NO_RWSEM;
	else {
		note = NOTE_UNKNOWN_FS;
		sev = AN_WARNING;
	}
	report(an, AN_DIO_COMPLETE_UNDER_LOCK, sev, mode == DL_LOCK_WRITE, e, mode, note);
}

static void note_contention(struct analyzer *an, const struct dl_event *e)
{
	struct an_contention *c = NULL;

	for (size_t i = 0; i < an->ncont; i++)
		if (an->cont[i].dev == e->dev && an->cont[i].ino == e->ino)
			c = &an->cont[i];
	if (!c) {
		c = grow(an->cont, &an->capcont, an->ncont, sizeof(*c), &an->oom);
		if (!c)
			return;
		an->cont = c;
		c = &an->cont[an->ncont++];
		memset(c, 0, sizeof(*c));
		c->dev = e->dev;
		c->ino = e->ino;
		memcpy(c->fs, e->fs, sizeof(c->fs));
		c->fs[DL_FS_LEN - 1] = '\0';
	}
	if (e->hdr.type == DL_EV_WAIT_END) {
		c->wait_ns_total += e->len;
		if (e->len > c->wait_ns_max)
			c->wait_ns_max = e->len;
		return;
	}
	c->waits++;
	if (e->flags & DL_F_WAIT_READ)
		c->read_waits++;
	else
		c->write_waits++;
	for (int i = 0; e->lock.holder_tid; i++) {
		if (i == c->nholders) {
			if (c->nholders < AN_MAX_HOLDERS)
				c->holders[c->nholders++] = e->lock.holder_tid;
			break;
		}
		if (c->holders[i] == e->lock.holder_tid)
			break;
	}
	for (int i = 0;; i++) {
		if (i == c->nwaiters) {
			if (c->nwaiters < AN_MAX_HOLDERS)
				c->waiters[c->nwaiters++] = e->hdr.tid;
			break;
		}
		if (c->waiters[i] == e->hdr.tid)
			break;
	}
}

static const char NOTE_SELF_WRITE[] = "waits for an i_rwsem it holds for write";
static const char NOTE_SELF_READ[] =
	"waits to write-lock an i_rwsem it holds shared (reader owner is a hint)";

static void on_wait_begin(struct analyzer *an, const struct dl_event *e)
{
	struct an_task *t = task_find(an, e->hdr.tid, false);
	__u8 mode = held_mode(t, e);
	bool wants_write = e->flags & DL_F_WAIT_WRITE;

	note_contention(an, e);
	/* Waiting to read-lock what we hold shared is not a self-deadlock. */
	if (mode == DL_LOCK_NONE || (mode == DL_LOCK_READ && !wants_write))
		return;
	report(an, AN_SELF_DEADLOCK, AN_ERROR, mode == DL_LOCK_WRITE, e, mode,
	       mode == DL_LOCK_WRITE ? NOTE_SELF_WRITE : NOTE_SELF_READ);
	/* The seed bug's shape: the wait comes from the completion's own fsync. */
	if (t && t->dio_active && t->sync_under_lock && t->sync_dev == e->dev &&
	    t->sync_ino == e->ino)
		report(an, AN_DIO_COMPLETE_UNDER_LOCK, AN_ERROR, mode == DL_LOCK_WRITE, e, mode,
		       NOTE_BTRFS_DEADLOCK);
}

static const char NOTE_FB_BTRFS_CSUM[] =
	"btrfs inode has data checksums: since v6.15 (968f19c5b1b7) btrfs writes O_DIRECT "
	"through the page cache unless the inode is nodatasum/NOCOW";
static const char NOTE_FB_UNALIGNED[] = "offset or length not block aligned";
static const char NOTE_FB_OTHER[] = "the write never reached iomap's direct I/O path";

static void on_direct_write(struct analyzer *an, const struct dl_event *e)
{
	const char *note = NOTE_FB_OTHER;
	size_t i;

	if ((e->flags & DL_F_IOMAP) || e->ret <= 0)
		return;
	if ((e->flags & DL_F_FS_FLAGS) && !(e->flags & DL_F_NODATASUM))
		note = NOTE_FB_BTRFS_CSUM;
	else if (e->flags & DL_F_UNALIGNED)
		note = NOTE_FB_UNALIGNED;
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

void an_feed(struct analyzer *an, const struct dl_event *e)
{
	if (e->hdr.type == DL_EV_TASK_EXIT) {
		task_drop(an, e->hdr.tid);
		return;
	}
	if (!dl_filter_match_comm(&an->filter, e->comm))
		return;
	an->events++;
	if (e->hdr.type < DL_EV_TYPE_MAX)
		an->by_type[e->hdr.type]++;
	switch (e->hdr.type) {
	case DL_EV_DIO_BEGIN:
		on_dio_begin(an, e);
		break;
	case DL_EV_DIO_COMPLETE:
		on_dio_complete(an, e);
		break;
	case DL_EV_SYNC_BEGIN:
		on_sync_begin(an, e);
		break;
	case DL_EV_WAIT_BEGIN:
		on_wait_begin(an, e);
		break;
	case DL_EV_WAIT_END:
		note_contention(an, e);
		break;
	case DL_EV_DIRECT_WRITE:
		on_direct_write(an, e);
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
