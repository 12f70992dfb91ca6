// SPDX-License-Identifier: GPL-2.0
#include "analyzer/an_internal.h"

_Static_assert(AN_INFO == DL_SEV_INFO && AN_WARNING == DL_SEV_WARNING && AN_ERROR == DL_SEV_ERROR,
	       "the analyzer's severities are the shared rules' (include/diolock/rules.h)");

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
	free(an->finding);
	free(an->cont);
	table_free(&an->finding_index);
	table_free(&an->cont_index);
	free_all(&an->tasks);
	free_all(&an->locks);
	an_order_free(an);
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

/* ---- per record ---- */

static const char NOTE_SKIPS_UNHELD[] =
	"btrfs_sync_file sees the DIO-write stub but this task does not hold the inode's i_rwsem "
	"(the race cd9253c23aed fixed)";

static void on_sync_begin(struct analyzer *an, struct an_task *t, const struct dl_event *e)
{
	bool exact;
	__u8 mode = an_held_mode(t, e, &exact);

	(void)an;
	if (t->dio_active && t->dio_lock == e->lock_addr)
		t->dio_synced = true;	/* iomap ended the DIO (inode_dio_end) before syncing */
	if (an_is_fs(e->fs, "btrfs") &&
	    dl_sync_skips_unheld(e->flags & DL_F_STUB, mode != DL_LOCK_NONE, e->flags & DL_F_EXACT,
				 e->lock.mode == DL_LOCK_NONE, e->lock.mode == DL_LOCK_WRITE))
		an_raise(an, AN_SYNC_SKIPS_UNHELD, AN_ERROR, true, e, DL_LOCK_NONE, NOTE_SKIPS_UNHELD);
	if (mode == DL_LOCK_NONE)
		return;
	t->sync_under_lock = true;
	t->sync_lock = e->lock_addr;
}

static const char NOTE_SELF_WRITE[] = "waits for an i_rwsem it holds for write";
static const char NOTE_SELF_READ[] = "waits to write-lock an i_rwsem it holds shared";
static const char NOTE_SELF_READ_HINT[] =
	"waits to write-lock an i_rwsem it holds shared (inferred from the reader-owner hint or its "
	"own DIO's shared hold; confirmed: the wait stayed unbroken and no other holder showed)";

static void start_wait(struct analyzer *an, struct an_task *t, struct an_lock *l, const struct dl_event *e,
		       __u8 mode)
{
	/* i_rwsem and drain waits make order edges; invalidate_lock's come from acquisitions, the others' not yet */
	bool order = l->kind == AN_LOCK_RWSEM || l->kind == AN_LOCK_DRAIN;

	if (t->waiting_on) {
		struct an_lock *old = an_lock_get(an, t->waiting_on, false);

		if (old && old->waiters)
			old->waiters--;
	}
	/* a new wait means the old one ended: a suspicion resting on it is refuted */
	an_suspect_drop(an, t, true);
	t->waiting_on = l->id;
	t->wait_mode = mode;
	t->wait_since = e->hdr.ts_ns;
	t->wait_stack = e->stack_id;
	t->wait_reported = false;
	t->in_cycle = false;
	l->waiters++;
	if (order)
		an_order_edges(an, t, l, e);
	an_check_cycle(an, t, l, e);
}

static void completion_drain_end(struct analyzer *an, struct an_task *t)
{
	if (!t->completion_drain)
		return;
	an_reg_del(an_lock_get(an, t->completion_drain, false), t->tid);
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
	drain = an_drain_of(an, e);
	if (!drain)
		return;
	an_reg_add(drain, t->tid, DL_LOCK_READ, false);
	t->completion_drain = drain->id;
}

static void end_wait(struct analyzer *an, struct an_task *t)
{
	struct an_lock *l = t->waiting_on ? an_lock_get(an, t->waiting_on, false) : NULL;

	if (l && l->waiters)
		l->waiters--;
	completion_drain_end(an, t);
	t->waiting_on = 0;
	an_suspect_drop(an, t, true);
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
	__u8 mode = an_held_mode(t, e, &exact);
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

	an_note_contention(an, e);
	/* Waiting to read-lock what we hold shared is not a self-deadlock. */
	if (self && exact) {
		an_raise(an, AN_SELF_DEADLOCK, AN_ERROR, true, d, mode,
		       mode == DL_LOCK_WRITE ? NOTE_SELF_WRITE : NOTE_SELF_READ);
		if (seed)
			an_raise(an, AN_DIO_COMPLETE_UNDER_LOCK, AN_ERROR, true, d, mode, AN_NOTE_BTRFS_DEADLOCK);
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
		an_suspect_drop(an, t, false);
	}
	s = an_suspect_new(an, t, AN_SELF_DEADLOCK, d, mode, NOTE_SELF_READ_HINT);
	if (!s)
		return;
	s->seed_shape = seed;
	s->n = 1;
	s->tids[0] = t->tid;
	s->locks[0] = l->id;
	s->since[0] = t->wait_since;
	s->explained = an_other_holder_possible(an, t->tid, l->id, e);
	l->suspect_tid = t->tid;
}

static const char NOTE_SELF_INVAL[] =
	"waits for its mapping's invalidate_lock, which it holds for write (the lock's owner is this task): "
	"a recursion, as xfs zero-range and unshare under iomap before 6.12-rc4 (99c29f16b79f, f66815a521bd)";

/* A wait on a mapping's invalidate_lock: on the graph; its owner being the waiter is a self-deadlock. */
static void on_inval_wait_begin(struct analyzer *an, struct an_task *t, struct an_lock *l, const struct dl_event *e)
{
	__u8 mode = (e->flags & DL_F_WAIT_WRITE) ? DL_LOCK_WRITE : DL_LOCK_READ;
	struct an_finding *v;

	if (!l)
		return;
	l->kind = AN_LOCK_INVALIDATE;
	start_wait(an, t, l, e, mode);
	if (e->lock.cur_holds != DL_HOLD_WRITE)
		return;
	v = an_raise(an, AN_SELF_DEADLOCK, AN_ERROR, true, e, DL_LOCK_WRITE, NOTE_SELF_INVAL);
	if (v)
		v->lock_kind = AN_LOCK_INVALIDATE;
	t->in_cycle = true;	/* reported as a deadlock: not news as a long wait */
}

static const char NOTE_SELF_EXTENT[] =
	"in a page fault inside its own direct I/O read, waits to lock a btrfs extent range that this read "
	"keeps locked until its bio ends, and the bio is submitted only after the fault: the buffer maps "
	"the range read (btrfs before 51bd9563b678, v5.16, faulted buffers in inside the DIO)";
static const char NOTE_SELF_ORDERED[] =
	"in a page fault inside its own direct I/O write, waits for the btrfs ordered extent of that very "
	"write, which completes only after its bio is submitted, after the fault: the buffer maps the range "
	"written (btrfs before 51bd9563b678, v5.16, faulted buffers in inside the DIO)";

/*
 * btrfs: inside its own DIO the task waits for what that DIO holds (BPF
 * matched range and io tree, bpf/extent.bpf.c). The resource is the inode's
 * extent ranges or ordered extents, held by the task itself: a self-deadlock,
 * and the task's wait on the graph for the chains ending at it.
 */
static void on_extent_wait(struct analyzer *an, struct an_task *t, const struct dl_event *e)
{
	bool ordered = e->arg == DL_EXT_ORDERED;
	struct an_lock *l = an_lock_get(an, e->lock_addr | (ordered ? 5 : 4), true);
	struct an_finding *v;

	if (!l)
		return;
	l->kind = ordered ? AN_LOCK_ORDERED : AN_LOCK_EXTENT;
	memcpy(l->fs, e->fs, DL_FS_LEN);
	l->dev = e->dev;
	l->ino = e->ino;
	start_wait(an, t, l, e, DL_LOCK_WRITE);
	v = an_raise(an, AN_SELF_DEADLOCK, AN_ERROR, true, e, DL_LOCK_WRITE,
		     ordered ? NOTE_SELF_ORDERED : NOTE_SELF_EXTENT);
	if (v)
		v->lock_kind = l->kind;
	t->in_cycle = true;	/* reported as a deadlock: not news as a long wait */
}

/* inode_dio_wait: waits until no DIO is in flight on the inode. */
static const char NOTE_DRAIN_OWN_DIO[] =
	"waits in inode_dio_wait for a DIO whose completion (inode_dio_end) it owes itself: io_uring left "
	"it to this task's task_work (IOCB_DIO_CALLER_COMP), which cannot run while the task waits "
	"(v6.6-rc's 099ada2c8726; fixed by 838b35bb6a89)";

static void on_drain_begin(struct analyzer *an, struct an_task *t, const struct dl_event *e)
{
	struct an_lock *drain;

	/* i_dio_count already 0: inode_dio_wait returns at once */
	if (!e->arg)
		return;
	drain = an_drain_of(an, e);
	if (!drain)
		return;
	start_wait(an, t, drain, e, DL_LOCK_WRITE);
	/*
	 * len: DIOs of this inode issued with IOCB_DIO_CALLER_COMP by this task
	 * (bpf/dio.bpf.c). iomap still completes one in a kworker when it cannot
	 * defer it (an extending write, a sync): a suspicion, confirmed if the
	 * wait outlasts the confirmation interval.
	 */
	if (e->len && !t->suspect) {
		struct an_suspect *s = an_suspect_new(an, t, AN_SELF_DEADLOCK, e, DL_LOCK_WRITE, NOTE_DRAIN_OWN_DIO);

		if (!s)
			return;
		s->n = 1;
		s->tids[0] = t->tid;
		s->locks[0] = drain->id;
		s->since[0] = t->wait_since;
	}
}

static const char NOTE_RECURSIVE_WRITE[] = "acquires an i_rwsem it already holds: it will wait for itself";
static const char NOTE_RECURSIVE_READ[] =
	"read-acquires an i_rwsem it already holds shared: deadlocks if a writer queues in between";

static const char NOTE_RECURSIVE_INVAL[] =
	"takes its mapping's invalidate_lock while holding it: it waits for itself (xfs zero-range and unshare "
	"under iomap before 6.12-rc4's 99c29f16b79f and f66815a521bd)";
static const char NOTE_RECURSIVE_INVAL_READ[] =
	"read-takes its mapping's invalidate_lock again while holding it shared: a writer queued in between "
	"(truncate, fallocate) deadlocks both";

/* An invalidate_lock taken again: held write, or wanted write, waits for itself. */
static void on_recursive_invalidate(struct analyzer *an, const struct dl_event *e)
{
	bool read_read = (e->arg >> 8) == DL_LOCK_READ && (e->flags & DL_F_WAIT_READ);
	struct an_finding *v;

	v = an_raise(an, AN_RECURSIVE_ACQUIRE, read_read ? AN_WARNING : AN_ERROR, true, e,
		     (e->flags & DL_F_WAIT_WRITE) ? DL_LOCK_WRITE : DL_LOCK_READ,
		     read_read ? NOTE_RECURSIVE_INVAL_READ : NOTE_RECURSIVE_INVAL);
	if (v)
		v->lock_kind = AN_LOCK_INVALIDATE;
}

static void on_recursive(struct analyzer *an, struct an_task *t, const struct dl_event *e)
{
	bool exact;
	__u8 mode = an_held_mode(t, e, &exact);
	bool read_read = mode == DL_LOCK_READ && (e->flags & DL_F_WAIT_READ);
	struct dl_event copy;

	if ((e->arg & 0xff) == DL_LK_INVALIDATE) {
		on_recursive_invalidate(an, e);
		return;
	}
	an_raise(an, AN_RECURSIVE_ACQUIRE, read_read ? AN_WARNING : AN_ERROR, exact, in_dio(t, e, &copy),
	       (e->flags & DL_F_WAIT_WRITE) ? DL_LOCK_WRITE : DL_LOCK_READ,
	       read_read ? NOTE_RECURSIVE_READ : NOTE_RECURSIVE_WRITE);
}

static void task_exit(struct analyzer *an, __u32 tid)
{
	struct an_task *t = an_task_get(an, tid, false);

	if (!t)
		return;
	end_wait(an, t);
	an_suspect_drop(an, t, true);
	an_dio_end(an, t);
	for (int i = 0; i < DL_MAX_HELD; i++)
		if (t->held[i])
			an_reg_del(an_lock_get(an, t->held[i], false), tid);
	free(table_del(&an->tasks, tid ? tid : ~0ULL));
}

static bool names_inode(__u16 type)
{
	return type != DL_EV_TASK_EXIT && type != DL_EV_TICK && type != DL_EV_SB_WAIT_BEGIN &&
	       type != DL_EV_SB_WAIT_END && type != DL_EV_FREEZE && type != DL_EV_THAW &&
	       type != DL_EV_MMAP_WAIT_BEGIN && type != DL_EV_MMAP_WAIT_END;
}

/* Whether a record is a wait's beginning or end (any other from a task says its wait is over). */
static bool is_wait_record(__u16 type)
{
	return type == DL_EV_WAIT_BEGIN || type == DL_EV_DRAIN_WAIT_BEGIN || type == DL_EV_SB_WAIT_BEGIN ||
	       type == DL_EV_MMAP_WAIT_BEGIN || type == DL_EV_INVAL_WAIT_BEGIN || type == DL_EV_WAIT_END ||
	       type == DL_EV_DRAIN_WAIT_END || type == DL_EV_SB_WAIT_END || type == DL_EV_MMAP_WAIT_END ||
	       type == DL_EV_INVAL_WAIT_END || type == DL_EV_EXTENT_WAIT;
}

/* What each record type means, once the task and lock it names are known. */
static void dispatch(struct analyzer *an, struct an_task *t, struct an_lock *l, const struct dl_event *e)
{
	switch (e->hdr.type) {
	case DL_EV_DIO_BEGIN:
		an_dio_begin(an, t, e);
		break;
	case DL_EV_DIO_COMPLETE_BEGIN:
		an_complete_begin(an, t, e);
		break;
	case DL_EV_DIO_COMPLETE:
		an_dio_complete(an, t, e);
		break;
	case DL_EV_SYNC_BEGIN:
		on_sync_begin(an, t, e);
		break;
	case DL_EV_WAIT_BEGIN:
		on_wait_begin(an, t, l, e);
		break;
	case DL_EV_SB_WAIT_BEGIN:
		l = an_sb_writers_of(an, e);
		if (l)
			start_wait(an, t, l, e, DL_LOCK_READ);
		an_order_sb_wait(an, e);
		break;
	case DL_EV_MMAP_WAIT_BEGIN:
		l = an_mmap_lock_of(an, e);
		if (l)
			start_wait(an, t, l, e, (e->flags & DL_F_WAIT_WRITE) ? DL_LOCK_WRITE : DL_LOCK_READ);
		break;
	case DL_EV_INVAL_WAIT_BEGIN:
		on_inval_wait_begin(an, t, l, e);
		break;
	case DL_EV_EXTENT_WAIT:
		on_extent_wait(an, t, e);
		break;
	case DL_EV_WAIT_END:
	case DL_EV_DRAIN_WAIT_END:
	case DL_EV_SB_WAIT_END:
	case DL_EV_MMAP_WAIT_END:
	case DL_EV_INVAL_WAIT_END:
		if (e->hdr.type == DL_EV_WAIT_END)
			an_note_contention(an, e);
		end_wait(an, t);
		break;
	case DL_EV_DRAIN_WAIT_BEGIN:
		on_drain_begin(an, t, e);
		break;
	case DL_EV_DIO_QUEUED:
		an_dio_queued(an, t, e);
		break;
	case DL_EV_DIRECT_WRITE:
		/* the write syscall returned: whatever DIO it ran is over */
		an_dio_end(an, t);
		an_on_direct_write(an, e);
		break;
	case DL_EV_RECURSIVE_ACQUIRE:
		on_recursive(an, t, e);
		break;
	case DL_EV_ORDER_EDGE:
		an_order_instance(an, e);
		break;
	default:
		break;
	}
}

void an_feed(struct analyzer *an, const struct dl_event *e)
{
	struct an_task *t;
	struct an_lock *l = NULL;
	__u16 type = e->hdr.type;

	if (e->hdr.ts_ns > an->last_ts) {
		/* wait chains are checked as time passes, in record time: replay agrees */
		if (e->hdr.ts_ns / WAIT_CHECK_NS != an->last_ts / WAIT_CHECK_NS)
			an_check_long_waits(an, e->hdr.ts_ns);
		an->last_ts = e->hdr.ts_ns;
	}
	if (type == DL_EV_TICK)
		return;
	if (type == DL_EV_TASK_EXIT) {
		task_exit(an, e->hdr.tid);
		return;
	}
	/* a freeze is about the filesystem, whoever froze it: not filtered by --comm (nor counted per task) */
	if (type == DL_EV_FREEZE || type == DL_EV_THAW) {
		an->events++;
		an->by_type[type]++;
		an_note_freeze(an, e);
		return;
	}
	if (!dl_filter_match_comm(&an->filter, e->comm))
		return;
	an->events++;
	if (type < DL_EV_TYPE_MAX)
		an->by_type[type]++;
	t = an_task_get(an, e->hdr.tid, true);
	if (!t)
		return;
	an_task_note(t, e);
	/*
	 * A sleeping task emits nothing: any other record from it means its wait
	 * ended, even if the wait_end record was lost.
	 */
	if (t->waiting_on && !is_wait_record(type))
		end_wait(an, t);
	if (names_inode(type) && e->lock_addr)
		l = an_lock_seen(an, e);
	an_note_exact_holds(an, t, e);
	dispatch(an, t, l, e);
}

struct an_results an_results(const struct analyzer *an)
{
	return (struct an_results){
		.finding = an->finding, .nfindings = an->nfindings,
		.cont = an->cont, .ncont = an->ncont,
		.fallbacks = an->fallbacks, .nfallbacks = an->nfallbacks,
		.summary = an->summary, .suspected = an->suspected,
		.confirmed = an->confirmed, .retracted = an->retracted,
		.by_type = an->by_type,
		.events = an->events, .folded = an->folded, .folded_waits = an->folded_waits,
		.confirm_ns = an->confirm_ns, .order_edges = an->order_edges,
		.order_forgotten = an->order_forgotten,
		.filter = &an->filter, .oom = an->oom,
	};
}

__u64 an_results_count(const struct an_results *r, enum an_severity sev)
{
	__u64 n = 0;

	for (size_t i = 0; i < r->nfindings; i++)
		if (r->finding[i].severity >= sev)
			n++;
	return n;
}

__u64 an_count_severity(const struct analyzer *an, enum an_severity sev)
{
	struct an_results r = an_results(an);

	return an_results_count(&r, sev);
}
