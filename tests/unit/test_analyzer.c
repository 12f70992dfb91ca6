// SPDX-License-Identifier: GPL-2.0
/* The analyzer's verdicts on synthetic record streams shaped like real runs. */
#include <string.h>
#include "unit.h"
#include "analyzer/analyzer.h"
#include "output/report.h"
#include <stdlib.h>
#include <unistd.h>

static __u64 clock_ns = 1000;

static struct dl_event ev(__u16 type, __u32 tid, const char *fs, __u64 ino, __u8 mode, __u8 holds,
			  __u32 flags)
{
	struct dl_event e;

	memset(&e, 0, sizeof(e));
	e.hdr.type = type;
	e.hdr.size = sizeof(e);
	e.hdr.ts_ns = clock_ns += 1000;
	e.hdr.tgid = tid;
	e.hdr.tid = tid;
	snprintf(e.comm, sizeof(e.comm), "task%u", tid);
	snprintf(e.fs, sizeof(e.fs), "%s", fs);
	e.dev = (7 << 20) | 1;
	e.ino = ino;
	e.lock.mode = mode;
	e.lock.cur_holds = holds;
	e.lock.readers = mode == DL_LOCK_READ;
	e.lock.holder_tid = mode ? tid : 0;
	e.flags = flags;
	e.stack_id = 7;
	e.lock_addr = 0xffff888000000000ULL + ino * 0x1000;
	return e;
}

/* Records about inode `ino` name the lock at a made-up address derived from it. */
static __u64 lock_of(__u64 ino)
{
	return 0xffff888000000000ULL + ino * 0x1000;
}

static struct dl_event evl(__u16 type, __u32 tid, const char *fs, __u64 ino, __u8 mode, __u32 holder,
			   __u32 flags)
{
	struct dl_event e = ev(type, tid, fs, ino, mode, DL_HOLD_NO, flags);

	e.lock_addr = lock_of(ino);
	e.lock.holder_tid = holder;
	return e;
}

static void feed(struct analyzer *an, struct dl_event e)
{
	an_feed(an, &e);
}

/* Time passes: what user space feeds once a second (a DL_EV_TICK record). */
static void an_tick(struct analyzer *an, __u64 now_ns)
{
	struct dl_event e = {};

	e.hdr.type = DL_EV_TICK;
	e.hdr.size = sizeof(e);
	e.hdr.ts_ns = now_ns;
	an_feed(an, &e);
}

/* A synchronous O_DIRECT|O_DSYNC write: begin, fs sync, complete. */
static void dsync_write(struct analyzer *an, __u32 tid, const char *fs, __u8 mode, __u8 holds)
{
	__u32 f = DL_F_DIRECT | DL_F_DSYNC | DL_F_WRITE;

	feed(an, ev(DL_EV_DIO_BEGIN, tid, fs, 100, mode, holds, f));
	feed(an, ev(DL_EV_SYNC_BEGIN, tid, fs, 100, mode, holds, 0));
	feed(an, ev(DL_EV_DIO_COMPLETE, tid, fs, 100, mode, holds, f));
}

static void xfs_dsync_is_info(void)
{
	struct analyzer an;

	an_init(&an, NULL);
	dsync_write(&an, 10, "xfs", DL_LOCK_WRITE, DL_HOLD_WRITE);
	dsync_write(&an, 10, "xfs", DL_LOCK_WRITE, DL_HOLD_WRITE);
	CHECK(an.nfindings == 1);
	CHECK(an.finding[0].kind == AN_DIO_COMPLETE_UNDER_LOCK);
	CHECK(an.finding[0].severity == AN_INFO);
	CHECK(an.finding[0].count == 2);
	CHECK(an.finding[0].exact);
	CHECK(an.finding[0].pid == 10);
	CHECK(!strcmp(an.finding[0].fs, "xfs"));
	CHECK(an.finding[0].lock_mode == DL_LOCK_WRITE);
	CHECK(an.finding[0].dsync);
	CHECK(an.summary[AN_DIO_COMPLETE_UNDER_LOCK] == 2);
	CHECK(an_count_severity(&an, AN_ERROR) == 0);
	an_fini(&an);
}

/* Shared hold: the reader hint names another reader at completion. */
static void shared_hold_tracked_from_submission(void)
{
	struct analyzer an;
	__u32 f = DL_F_DIRECT | DL_F_DSYNC | DL_F_WRITE;

	an_init(&an, NULL);
	feed(&an, ev(DL_EV_DIO_BEGIN, 11, "ext4", 100, DL_LOCK_READ, DL_HOLD_READ_HINT, f));
	feed(&an, ev(DL_EV_DIO_COMPLETE, 11, "ext4", 100, DL_LOCK_READ, DL_HOLD_NO, f));
	CHECK(an.nfindings == 1);
	CHECK(an.finding[0].lock_mode == DL_LOCK_READ);
	CHECK(!an.finding[0].exact);
	an_fini(&an);
}

/* Two readers: the hint names the other one, yet ext4 holds i_rwsem across the DIO. */
static void shared_hold_hint_names_other_reader(void)
{
	struct analyzer an;
	__u32 f = DL_F_DIRECT | DL_F_WRITE;

	an_init(&an, NULL);
	feed(&an, ev(DL_EV_DIO_BEGIN, 22, "ext4", 100, DL_LOCK_READ, DL_HOLD_NO, f));
	feed(&an, ev(DL_EV_DIO_COMPLETE, 22, "ext4", 100, DL_LOCK_READ, DL_HOLD_NO, f));
	CHECK(an.nfindings == 1 && an.finding[0].lock_mode == DL_LOCK_READ && !an.finding[0].exact);
	/* a filesystem not known to hold i_rwsem across DIO gets no such benefit */
	feed(&an, ev(DL_EV_DIO_BEGIN, 23, "zonefs", 100, DL_LOCK_READ, DL_HOLD_NO, f));
	feed(&an, ev(DL_EV_DIO_COMPLETE, 23, "zonefs", 100, DL_LOCK_READ, DL_HOLD_NO, f));
	CHECK(an.nfindings == 1);
	an_fini(&an);
}

static void btrfs_stub_completion_is_info(void)
{
	struct analyzer an;

	an_init(&an, NULL);
	dsync_write(&an, 12, "btrfs", DL_LOCK_WRITE, DL_HOLD_WRITE);
	CHECK(an.nfindings == 1);
	CHECK(an.finding[0].severity == AN_INFO);
	CHECK(an.finding[0].note && strstr(an.finding[0].note, "stub"));
	an_fini(&an);
}

/* The seed bug: btrfs_sync_file inside completion waits for our own i_rwsem. */
static void btrfs_dsync_self_deadlock(void)
{
	struct analyzer an;
	__u32 f = DL_F_DIRECT | DL_F_DSYNC | DL_F_WRITE;

	an_init(&an, NULL);
	feed(&an, ev(DL_EV_DIO_BEGIN, 13, "btrfs", 100, DL_LOCK_WRITE, DL_HOLD_WRITE, f));
	feed(&an, ev(DL_EV_SYNC_BEGIN, 13, "btrfs", 100, DL_LOCK_WRITE, DL_HOLD_WRITE, 0));
	feed(&an, ev(DL_EV_WAIT_BEGIN, 13, "btrfs", 100, DL_LOCK_WRITE, DL_HOLD_WRITE, DL_F_WAIT_WRITE));
	CHECK(an.nfindings == 2);
	CHECK(an.finding[0].kind == AN_SELF_DEADLOCK && an.finding[0].severity == AN_ERROR);
	CHECK(an.finding[0].exact && an.finding[0].stack_id == 7 && an.finding[0].holder_tid == 13);
	CHECK(an.finding[1].kind == AN_DIO_COMPLETE_UNDER_LOCK && an.finding[1].severity == AN_ERROR);
	CHECK(an_count_severity(&an, AN_ERROR) == 2);
	an_fini(&an);
}

/* A shared holder that wants the lock exclusive waits for itself too. */
static void read_holder_waiting_for_write(void)
{
	struct analyzer an;
	__u32 f = DL_F_DIRECT | DL_F_DSYNC | DL_F_WRITE;

	an_init(&an, NULL);
	feed(&an, ev(DL_EV_DIO_BEGIN, 14, "btrfs", 100, DL_LOCK_READ, DL_HOLD_READ_HINT, f));
	feed(&an, ev(DL_EV_SYNC_BEGIN, 14, "btrfs", 100, DL_LOCK_READ, DL_HOLD_READ_HINT, 0));
	feed(&an, ev(DL_EV_WAIT_BEGIN, 14, "btrfs", 100, DL_LOCK_READ, DL_HOLD_NO, DL_F_WAIT_WRITE));
	/* inferred: nothing until the wait has outlasted the confirmation interval */
	CHECK(an.nfindings == 0 && an.suspected[AN_SELF_DEADLOCK] == 1);
	an_tick(&an, clock_ns + AN_CONFIRM_NS / 2);
	CHECK(an.nfindings == 0);
	an_tick(&an, clock_ns + AN_CONFIRM_NS + 200000000ULL);
	CHECK(an.nfindings == 2);
	CHECK(an.finding[0].kind == AN_SELF_DEADLOCK && !an.finding[0].exact && an.finding[0].severity == AN_ERROR);
	CHECK(an.finding[0].lock_mode == DL_LOCK_READ && an.finding[0].holder_tid == 14);
	CHECK(an.finding[1].kind == AN_DIO_COMPLETE_UNDER_LOCK && an.finding[1].severity == AN_ERROR);
	CHECK(an.confirmed[AN_SELF_DEADLOCK] == 1 && an.retracted[AN_SELF_DEADLOCK] == 0);
	an_fini(&an);
}

/* A read-held "self-deadlock" whose wait ends is a stale hint: retracted, never reported. */
static void suspect_retracted_when_wait_ends(void)
{
	struct analyzer an;
	struct dl_event end;

	an_init(&an, NULL);
	feed(&an, ev(DL_EV_WAIT_BEGIN, 30, "xfs", 100, DL_LOCK_READ, DL_HOLD_READ_HINT, DL_F_WAIT_WRITE));
	CHECK(an.suspected[AN_SELF_DEADLOCK] == 1);
	end = ev(DL_EV_WAIT_END, 30, "xfs", 100, DL_LOCK_WRITE, DL_HOLD_WRITE, 0);
	end.len = 700000;
	an_feed(&an, &end);
	an_tick(&an, clock_ns + 3 * AN_CONFIRM_NS);
	CHECK(an.nfindings == 0 && an.retracted[AN_SELF_DEADLOCK] == 1 && an_count_severity(&an, AN_WARNING) == 0);
	/* a task's own later record also ends its wait (a lost wait_end) */
	feed(&an, ev(DL_EV_WAIT_BEGIN, 31, "xfs", 101, DL_LOCK_READ, DL_HOLD_READ_HINT, DL_F_WAIT_WRITE));
	feed(&an, ev(DL_EV_DIO_BEGIN, 31, "xfs", 101, DL_LOCK_WRITE, DL_HOLD_WRITE, DL_F_DIRECT | DL_F_WRITE));
	an_tick(&an, clock_ns + 3 * AN_CONFIRM_NS);
	CHECK(an.retracted[AN_SELF_DEADLOCK] == 2 && an_count_severity(&an, AN_ERROR) == 0);
	an_fini(&an);
}

/* A later record shows a running reader holding the lock: not confirmed, whatever the time. */
static void suspect_explained_by_other_reader(void)
{
	struct analyzer an;

	an_init(&an, NULL);
	feed(&an, ev(DL_EV_WAIT_BEGIN, 32, "ext4", 100, DL_LOCK_READ, DL_HOLD_READ_HINT, DL_F_WAIT_WRITE));
	/* another task's wait on the same lock: the hint now names reader 77, which runs */
	feed(&an, evl(DL_EV_WAIT_BEGIN, 33, "ext4", 100, DL_LOCK_READ, 77, DL_F_WAIT_READ));
	an_tick(&an, clock_ns + AN_CONFIRM_NS + 500000000ULL);
	CHECK(an_count_severity(&an, AN_ERROR) == 0 && an.confirmed[AN_SELF_DEADLOCK] == 0);
	/* the hint names a task that is itself stuck on this lock: no other explanation left */
	feed(&an, evl(DL_EV_WAIT_BEGIN, 34, "ext4", 100, DL_LOCK_READ, 33, DL_F_WAIT_READ));
	an_tick(&an, clock_ns + AN_CONFIRM_NS + 900000000ULL);
	CHECK(an.confirmed[AN_SELF_DEADLOCK] == 1 && an_count_severity(&an, AN_ERROR) == 1);
	an_fini(&an);
}

/* AIO: -EIOCBQUEUED ends the submitter's hold; a later wait of its own is plain contention. */
static void aio_queued_ends_hold(void)
{
	struct analyzer an;
	__u32 f = DL_F_DIRECT | DL_F_WRITE | DL_F_AIO;

	an_init(&an, NULL);
	/* the submission held i_rwsem shared (the hint names the other submitter) */
	feed(&an, evl(DL_EV_DIO_BEGIN, 40, "ext4", 12, DL_LOCK_READ, 41, f));
	feed(&an, evl(DL_EV_DIO_QUEUED, 40, "ext4", 12, DL_LOCK_READ, 41, f));
	/* the next io_submit goes buffered (O_DIRECT toggled off) and waits to write-lock */
	feed(&an, evl(DL_EV_WAIT_BEGIN, 40, "ext4", 12, DL_LOCK_READ, 41, DL_F_WAIT_WRITE));
	an_tick(&an, clock_ns + 2 * AN_CONFIRM_NS);
	CHECK(an.suspected[AN_SELF_DEADLOCK] == 0 && an.nfindings == 0);
	an_fini(&an);
}

/* Block devices and filesystems without iomap DIO have no "fallback" to report. */
static void fallback_only_on_iomap_fs(void)
{
	struct analyzer an;
	struct dl_event e = ev(DL_EV_DIRECT_WRITE, 42, "devtmpfs", 5, 0, 0, DL_F_DIRECT | DL_F_WRITE);

	an_init(&an, NULL);
	e.ret = 1 << 20;
	an_feed(&an, &e);
	snprintf(e.fs, sizeof(e.fs), "bdev");
	an_feed(&an, &e);
	CHECK(an.nfindings == 0 && an.nfallbacks == 0);
	snprintf(e.fs, sizeof(e.fs), "xfs");
	e.flags |= DL_F_UNALIGNED;
	an_feed(&an, &e);
	CHECK(an.nfindings == 1 && strstr(an.finding[0].note, "reflink") != NULL);
	an_fini(&an);
}

/* Waiting on a lock somebody else holds is contention, not a finding. */
static void other_holder_is_contention(void)
{
	struct analyzer an;
	struct dl_event w = ev(DL_EV_WAIT_BEGIN, 15, "ext4", 200, DL_LOCK_WRITE, DL_HOLD_NO, DL_F_WAIT_WRITE);
	struct dl_event end = ev(DL_EV_WAIT_END, 15, "ext4", 200, DL_LOCK_WRITE, DL_HOLD_WRITE, 0);

	an_init(&an, NULL);
	w.lock.holder_tid = 99;
	an_feed(&an, &w);
	end.len = 5000000;
	an_feed(&an, &end);
	CHECK(an.nfindings == 0);
	CHECK(an.ncont == 1);
	CHECK(an.cont[0].ino == 200 && an.cont[0].waits == 1 && an.cont[0].write_waits == 1);
	CHECK(an.cont[0].nholders == 1 && an.cont[0].holders[0] == 99);
	CHECK(an.cont[0].nwaiters == 1 && an.cont[0].waiters[0] == 15);
	CHECK(an.cont[0].wait_ns_total == 5000000 && an.cont[0].wait_ns_max == 5000000);
	an_fini(&an);
}

/* Waits BPF folded join the same contention entry as the ones that crossed, and filter by comm. */
static void folded_waits_join_contention(void)
{
	struct analyzer an;
	struct dl_filter f = {};
	struct dl_event w = ev(DL_EV_WAIT_BEGIN, 15, "ext4", 200, DL_LOCK_WRITE, DL_HOLD_NO, DL_F_WAIT_WRITE);
	struct dl_wait_fold wf = { .key = { .ino = 200, .dev = w.dev, .tid = 16, .holder = 99,
					    .mode = DL_LOCK_READ, .fsid = DL_FSID_EXT4 },
				   .count = 4, .ns_total = 4000, .ns_max = 2500, .comm = "fold", .used = 1 };

	an_init(&an, NULL);
	w.lock.holder_tid = 99;
	an_feed(&an, &w);
	an_wait_fold(&an, &wf);
	wf.count = 1;
	wf.ns_total = 100;
	wf.ns_max = 2500;
	wf.key.tid = 17;
	wf.key.holder = 17;	/* its own tid as the reader hint: not a holder */
	an_wait_fold(&an, &wf);
	CHECK(an.nfindings == 0);
	CHECK(an.ncont == 1);
	CHECK(an.cont[0].waits == 6 && an.cont[0].read_waits == 5 && an.cont[0].write_waits == 1);
	CHECK(an.cont[0].wait_ns_total == 4100 && an.cont[0].wait_ns_max == 2500);
	CHECK(an.cont[0].nholders == 1 && an.cont[0].holders[0] == 99);
	CHECK(an.cont[0].nwaiters == 3);
	CHECK(an.folded_waits == 5);
	an_fini(&an);

	snprintf(f.comm, sizeof(f.comm), "other");
	an_init(&an, &f);
	an_wait_fold(&an, &wf);
	CHECK(an.ncont == 0 && an.folded_waits == 0);
	an_fini(&an);
}

/* Readers share: a reader queueing behind a writer while holding shared is no self-deadlock. */
static void reader_waiting_to_read_is_benign(void)
{
	struct analyzer an;

	an_init(&an, NULL);
	feed(&an, ev(DL_EV_WAIT_BEGIN, 16, "xfs", 300, DL_LOCK_READ, DL_HOLD_READ_HINT, DL_F_WAIT_READ));
	CHECK(an.nfindings == 0);
	an_fini(&an);
}

static void fallback_reasons(void)
{
	struct analyzer an;
	struct dl_event e = ev(DL_EV_DIRECT_WRITE, 17, "btrfs", 400, 0, 0,
			       DL_F_DIRECT | DL_F_WRITE | DL_F_FS_FLAGS);

	an_init(&an, NULL);
	e.ret = 4096;
	an_feed(&an, &e);
	an_feed(&an, &e);
	e.flags |= DL_F_IOMAP;		/* reached iomap: no fallback */
	an_feed(&an, &e);
	e.flags = DL_F_DIRECT | DL_F_WRITE | DL_F_FS_FLAGS | DL_F_NODATASUM | DL_F_UNALIGNED;
	an_feed(&an, &e);
	e.ret = -22;			/* failed writes are not fallbacks */
	an_feed(&an, &e);
	CHECK(an.nfindings == 2);
	CHECK(an.finding[0].kind == AN_DIO_FALLBACK && an.finding[0].count == 2);
	CHECK(strstr(an.finding[0].note, "checksums") != NULL);
	CHECK(strstr(an.finding[1].note, "aligned") != NULL);
	CHECK(an.nfallbacks == 1 && an.fallbacks[0].count == 3);
	CHECK(an_count_severity(&an, AN_ERROR) == 0);
	an_fini(&an);
}

/*
 * v6.19 completes pure overwrites in the bio's end_io, in an interrupt: the
 * record's task is the one the interrupt stopped, here a writer inside its
 * own DIO on the same inode, holding its i_rwsem. The interrupt's completion
 * is not that task's: no finding for it, and the task's own DIO still ends
 * with its own completion.
 */
static void irq_completion_owns_nothing(void)
{
	struct analyzer an;
	__u32 f = DL_F_DIRECT | DL_F_WRITE;
	struct dl_event irq = ev(DL_EV_DIO_COMPLETE, 30, "btrfs", 100, DL_LOCK_WRITE, DL_HOLD_WRITE,
				 f | DL_F_AIO | DL_F_IRQ);

	an_init(&an, NULL);
	feed(&an, ev(DL_EV_DIO_BEGIN, 30, "btrfs", 100, DL_LOCK_WRITE, DL_HOLD_WRITE, f | DL_F_DSYNC));
	irq.sub_tgid = irq.sub_tid = 31;
	irq.path = DL_PATH_IO_URING;
	feed(&an, irq);
	CHECK(an.nfindings == 0);
	/* a kworker's completion neither */
	irq.flags = f | DL_F_AIO | DL_F_KWORKER;
	feed(&an, irq);
	CHECK(an.nfindings == 0);
	/* the task's own completion is judged as ever: btrfs, no stub, under its lock */
	feed(&an, ev(DL_EV_SYNC_BEGIN, 30, "btrfs", 100, DL_LOCK_WRITE, DL_HOLD_WRITE, 0));
	feed(&an, ev(DL_EV_DIO_COMPLETE, 30, "btrfs", 100, DL_LOCK_WRITE, DL_HOLD_WRITE, f | DL_F_DSYNC));
	CHECK(an.nfindings == 1 && an.finding[0].pid == 30);
	an_fini(&an);
}

/*
 * A fallback an io-wq worker ran is the submitter's: its pid and comm, the
 * path, and the worker named apart; by path and submitter, not by worker.
 */
static void origin_names_submitter(void)
{
	struct analyzer an;
	struct dl_event e = ev(DL_EV_DIRECT_WRITE, 41, "btrfs", 500, 0, 0,
			       DL_F_DIRECT | DL_F_WRITE | DL_F_BUFFERED | DL_F_AIO);

	an_init(&an, NULL);
	snprintf(e.comm, sizeof(e.comm), "iou-wrk-40");
	e.hdr.tgid = 40;
	e.sub_tgid = e.sub_tid = 40;
	snprintf(e.sub_comm, sizeof(e.sub_comm), "postgres");
	e.path = DL_PATH_IO_URING_WQ;
	an_feed(&an, &e);
	e.hdr.tid = 42;			/* another worker of the same ring: the same finding */
	an_feed(&an, &e);
	e.path = DL_PATH_AIO;		/* another path: another finding */
	e.hdr.tid = e.sub_tid = 40;
	snprintf(e.comm, sizeof(e.comm), "postgres");
	an_feed(&an, &e);
	CHECK(an.nfindings == 2);
	CHECK(an.finding[0].pid == 40 && an.finding[0].tid == 40 && !strcmp(an.finding[0].comm, "postgres"));
	CHECK(an.finding[0].io_path == DL_PATH_IO_URING_WQ && an.finding[0].count == 2);
	CHECK(an.finding[0].run_tid == 41 && !strcmp(an.finding[0].run_comm, "iou-wrk-40"));
	CHECK(an.finding[1].io_path == DL_PATH_AIO && an.finding[1].run_tid == 0 && an.finding[1].count == 1);
	an_fini(&an);
}

/*
 * The io_uring drain self-wait (v6.6-rc, 838b35bb6a89): a task waits in
 * inode_dio_wait for DIOs, one of which it owes itself (its completion is in
 * the task's own task_work): a self_deadlock at once, exact. Owing none, the
 * same wait is a wait like any other.
 */
static void drain_of_own_dio_is_self_deadlock(void)
{
	struct analyzer an;
	struct dl_event e = ev(DL_EV_DRAIN_WAIT_BEGIN, 50, "ext4", 600, DL_LOCK_WRITE, DL_HOLD_WRITE, 0);

	an_init(&an, NULL);
	e.arg = 2;		/* i_dio_count */
	e.len = 0;		/* owes none */
	feed(&an, e);
	CHECK(an.nfindings == 0);
	feed(&an, ev(DL_EV_DRAIN_WAIT_END, 50, "ext4", 600, DL_LOCK_WRITE, DL_HOLD_WRITE, 0));
	e.len = 1;		/* owes one of the two: a suspicion, retracted when the wait ends */
	feed(&an, e);
	CHECK(an.nfindings == 0 && an.suspected[AN_SELF_DEADLOCK] == 1);
	feed(&an, ev(DL_EV_DRAIN_WAIT_END, 50, "ext4", 600, DL_LOCK_WRITE, DL_HOLD_WRITE, 0));
	an_tick(&an, clock_ns + 10ULL * 1000000000);
	CHECK(an.nfindings == 0 && an.retracted[AN_SELF_DEADLOCK] == 1);
	/* the same wait, later, unbroken past the confirmation interval: the finding */
	clock_ns += 20ULL * 1000000000;
	e.hdr.ts_ns = clock_ns;
	feed(&an, e);
	/* past the confirmation interval (2 s), short of a long wait (5 s) */
	an_tick(&an, clock_ns + 3ULL * 1000000000);
	CHECK(an.nfindings == 1);
	if (an.nfindings != 1)
		return;
	CHECK(an.finding[0].kind == AN_SELF_DEADLOCK && an.finding[0].severity == AN_ERROR);
	CHECK(an.finding[0].pid == 50 && an.finding[0].ino == 600);
	CHECK(strstr(an.finding[0].note, "task_work") != NULL);
	an_fini(&an);
}

/*
 * recursive_acquire (exact tiers: down_*() on an i_rwsem the task holds):
 * write after a write hold, and write after a read hold, wait for the task
 * itself: errors. Read after read deadlocks only if a writer queues in
 * between: a warning.
 */
static void recursive_acquire_by_modes(void)
{
	struct analyzer an;
	struct dl_event e;

	an_init(&an, NULL);
	e = ev(DL_EV_RECURSIVE_ACQUIRE, 60, "ext4", 700, DL_LOCK_WRITE, DL_HOLD_WRITE, DL_F_WAIT_WRITE | DL_F_EXACT);
	feed(&an, e);
	e = ev(DL_EV_RECURSIVE_ACQUIRE, 61, "ext4", 701, DL_LOCK_READ, DL_HOLD_READ, DL_F_WAIT_WRITE | DL_F_EXACT);
	feed(&an, e);
	e = ev(DL_EV_RECURSIVE_ACQUIRE, 62, "ext4", 702, DL_LOCK_READ, DL_HOLD_READ, DL_F_WAIT_READ | DL_F_EXACT);
	feed(&an, e);
	feed(&an, e);
	CHECK(an.nfindings == 3);
	CHECK(an.finding[0].kind == AN_RECURSIVE_ACQUIRE && an.finding[0].severity == AN_ERROR);
	CHECK(an.finding[0].pid == 60 && an.finding[0].lock_mode == DL_LOCK_WRITE && an.finding[0].exact);
	CHECK(strstr(an.finding[0].note, "wait for itself") != NULL);
	CHECK(an.finding[1].severity == AN_ERROR && an.finding[1].pid == 61 && an.finding[1].lock_mode == DL_LOCK_WRITE);
	CHECK(an.finding[2].severity == AN_WARNING && an.finding[2].pid == 62 && an.finding[2].count == 2);
	CHECK(an.finding[2].lock_mode == DL_LOCK_READ && strstr(an.finding[2].note, "writer queues") != NULL);
	CHECK(an_count_severity(&an, AN_ERROR) == 2);
	an_fini(&an);
}

/* An exit forgets the task: a later task reusing the tid starts clean. */
static void exit_drops_task_state(void)
{
	struct analyzer an;
	__u32 f = DL_F_DIRECT | DL_F_DSYNC | DL_F_WRITE;

	an_init(&an, NULL);
	feed(&an, ev(DL_EV_DIO_BEGIN, 18, "btrfs", 100, DL_LOCK_READ, DL_HOLD_READ_HINT, f));
	CHECK(an_live_tasks(&an) == 1);
	feed(&an, ev(DL_EV_TASK_EXIT, 18, "", 0, 0, 0, 0));
	CHECK(an_live_tasks(&an) == 0);
	feed(&an, ev(DL_EV_DIO_COMPLETE, 18, "btrfs", 100, DL_LOCK_READ, DL_HOLD_NO, f));
	CHECK(an.nfindings == 0);
	an_fini(&an);
}

static void comm_filter(void)
{
	struct dl_filter f = {};
	struct analyzer an;

	snprintf(f.comm, sizeof(f.comm), "task20");
	an_init(&an, &f);
	dsync_write(&an, 19, "xfs", DL_LOCK_WRITE, DL_HOLD_WRITE);
	CHECK(an.nfindings == 0 && an.events == 0);
	dsync_write(&an, 20, "xfs", DL_LOCK_WRITE, DL_HOLD_WRITE);
	CHECK(an.nfindings == 1 && an.events == 3);
	an_fini(&an);
}

static void unknown_fs_dsync_is_warning(void)
{
	struct analyzer an;

	an_init(&an, NULL);
	dsync_write(&an, 21, "f2fs", DL_LOCK_WRITE, DL_HOLD_WRITE);
	CHECK(an.nfindings == 1 && an.finding[0].severity == AN_WARNING);
	an_fini(&an);
}


static const struct an_finding *find(const struct analyzer *an, enum an_kind kind)
{
	for (size_t i = 0; i < an->nfindings; i++)
		if (an->finding[i].kind == kind)
			return &an->finding[i];
	return NULL;
}

/* Task 30 holds inode 1 and waits for 2; task 31 holds 2 and waits for 1. */
static void abba_two_inodes(void)
{
	struct analyzer an;
	const struct an_finding *v;

	an_init(&an, NULL);
	feed(&an, evl(DL_EV_WAIT_BEGIN, 30, "ext4", 2, DL_LOCK_WRITE, 31, DL_F_WAIT_WRITE));
	CHECK(!find(&an, AN_DEADLOCK_CYCLE));
	feed(&an, evl(DL_EV_WAIT_BEGIN, 31, "ext4", 1, DL_LOCK_WRITE, 30, DL_F_WAIT_WRITE));
	/*
	 * Inode 2's holder was read when 30 began to wait; 31 began to wait only
	 * later, so it may have released 2 first (and 30, woken, not yet run):
	 * the cycle has to stand for the confirmation interval.
	 */
	CHECK(!find(&an, AN_DEADLOCK_CYCLE) && an.suspected[AN_DEADLOCK_CYCLE] == 1);
	an_tick(&an, clock_ns + AN_CONFIRM_NS + 200000000ULL);
	v = find(&an, AN_DEADLOCK_CYCLE);
	CHECK(v != NULL);
	if (!v)
		goto out;
	CHECK(v->severity == AN_ERROR && !v->exact && an.confirmed[AN_DEADLOCK_CYCLE] == 1);
	CHECK(v->nmembers == 2);
	/* reported by the task that closed the cycle, then the task it waits for */
	CHECK(v->members[0].tid == 31 && v->members[0].ino == 1);
	CHECK(v->members[1].tid == 30 && v->members[1].ino == 2);
	CHECK(v->members[0].mode == DL_LOCK_WRITE && v->members[0].stack_id == 7);
	CHECK(!find(&an, AN_SELF_DEADLOCK));
out:
	an_fini(&an);
}

/* Acquisition tracking says each still holds the other's lock: exact at once. */
static void abba_exact_holds(void)
{
	struct analyzer an;
	struct dl_event a = evl(DL_EV_WAIT_BEGIN, 30, "ext4", 2, DL_LOCK_WRITE, 31, DL_F_WAIT_WRITE | DL_F_EXACT);
	struct dl_event b = evl(DL_EV_WAIT_BEGIN, 31, "ext4", 1, DL_LOCK_WRITE, 30, DL_F_WAIT_WRITE | DL_F_EXACT);
	const struct an_finding *v;

	an_init(&an, NULL);
	a.holders[0] = 31;
	a.held[0] = lock_of(1);
	a.held_mode[0] = DL_LOCK_WRITE;
	b.holders[0] = 30;
	b.held[0] = lock_of(2);
	b.held_mode[0] = DL_LOCK_WRITE;
	an_feed(&an, &a);
	an_feed(&an, &b);
	v = find(&an, AN_DEADLOCK_CYCLE);
	CHECK(v && v->exact && v->severity == AN_ERROR && v->nmembers == 2);
	CHECK(an.suspected[AN_DEADLOCK_CYCLE] == 0);
	an_fini(&an);
}

/* The stress mix's false cycle: a woken reader whose wait_end has not arrived yet. */
static void woken_waiter_is_not_a_cycle(void)
{
	struct analyzer an;
	struct dl_event end;

	an_init(&an, NULL);
	/* 60 waits for inode 14, write-held by 61 (61 runs) */
	feed(&an, evl(DL_EV_WAIT_BEGIN, 60, "xfs", 14, DL_LOCK_WRITE, 61, DL_F_WAIT_READ));
	/* 61 released 14 (no record), and now waits for 12, whose reader hint names 60 */
	feed(&an, evl(DL_EV_WAIT_BEGIN, 61, "xfs", 12, DL_LOCK_READ, 60, DL_F_WAIT_WRITE));
	CHECK(!find(&an, AN_DEADLOCK_CYCLE));
	/* 60 runs at last: its wait had ended */
	end = evl(DL_EV_WAIT_END, 60, "xfs", 14, DL_LOCK_READ, 60, 0);
	an_feed(&an, &end);
	an_tick(&an, clock_ns + 2 * AN_CONFIRM_NS);
	CHECK(!find(&an, AN_DEADLOCK_CYCLE) && an_count_severity(&an, AN_WARNING) == 0);
	CHECK(an.retracted[AN_DEADLOCK_CYCLE] == 1);
	an_fini(&an);
}

static void three_task_cycle(void)
{
	struct analyzer an;
	const struct an_finding *v;

	an_init(&an, NULL);
	feed(&an, evl(DL_EV_WAIT_BEGIN, 40, "xfs", 2, DL_LOCK_WRITE, 41, DL_F_WAIT_WRITE));
	feed(&an, evl(DL_EV_WAIT_BEGIN, 41, "xfs", 3, DL_LOCK_WRITE, 42, DL_F_WAIT_WRITE));
	CHECK(!find(&an, AN_DEADLOCK_CYCLE));
	feed(&an, evl(DL_EV_WAIT_BEGIN, 42, "xfs", 1, DL_LOCK_WRITE, 40, DL_F_WAIT_WRITE));
	an_tick(&an, clock_ns + AN_CONFIRM_NS + 200000000ULL);
	v = find(&an, AN_DEADLOCK_CYCLE);
	CHECK(v && v->nmembers == 3);
	if (v) {
		CHECK(v->members[0].tid == 42 && v->members[0].ino == 1);
		CHECK(v->members[1].tid == 40 && v->members[1].ino == 2);
		CHECK(v->members[2].tid == 41 && v->members[2].ino == 3);
	}
	an_fini(&an);
}

/*
 * The seed's second shape: A's DSYNC completion waits for i_rwsem held by
 * B; B, in fallocate, waits in inode_dio_wait for A's DIO to drain.
 */
static void dio_completion_vs_fallocate(void)
{
	struct analyzer an;
	const struct an_finding *v;
	__u32 f = DL_F_DIRECT | DL_F_DSYNC | DL_F_WRITE;
	struct dl_event drain;

	an_init(&an, NULL);
	feed(&an, evl(DL_EV_DIO_BEGIN, 50, "btrfs", 9, DL_LOCK_NONE, 0, f | DL_F_AIO));
	feed(&an, evl(DL_EV_DIO_COMPLETE_BEGIN, 50, "btrfs", 9, DL_LOCK_WRITE, 51, f | DL_F_NEED_SYNC));
	feed(&an, evl(DL_EV_WAIT_BEGIN, 50, "btrfs", 9, DL_LOCK_WRITE, 51, DL_F_WAIT_WRITE));
	CHECK(!find(&an, AN_DEADLOCK_CYCLE));
	drain = evl(DL_EV_DRAIN_WAIT_BEGIN, 51, "btrfs", 9, DL_LOCK_WRITE, 51, 0);
	drain.lock.cur_holds = DL_HOLD_WRITE;
	drain.arg = 1;		/* one DIO in flight */
	an_feed(&an, &drain);
	/* the in-flight DIO's holder is inferred: the cycle must stand for the confirmation interval */
	CHECK(!find(&an, AN_DEADLOCK_CYCLE) && an.suspected[AN_DEADLOCK_CYCLE] == 1);
	an_tick(&an, clock_ns + AN_CONFIRM_NS + 200000000ULL);
	v = find(&an, AN_DEADLOCK_CYCLE);
	CHECK(v && v->nmembers == 2 && v->severity == AN_ERROR && !v->exact);
	if (v) {
		CHECK(v->members[0].tid == 51 && v->members[0].lock_kind == AN_LOCK_DRAIN);
		CHECK(v->members[1].tid == 50 && v->members[1].lock_kind == AN_LOCK_RWSEM);
		CHECK(v->members[0].ino == 9 && v->members[1].ino == 9);
		CHECK(!v->exact);	/* who holds a DIO in flight is inferred */
	}
	an_fini(&an);
}

/*
 * The same shape as the kernel has it on 6.1 (VM: btrfs-aio-truncate-*):
 * the AIO completion runs in a kworker that sent no record of its DIO; its
 * wait says it is inside an fsyncing iomap_dio_complete (DL_F_COMPLETING)
 * with i_dio_count in len. T (51) holds i_rwsem for write and waits in
 * inode_dio_wait; K (55) waits for that i_rwsem.
 */
static void kworker_vs_truncate(struct analyzer *an, __u64 dio_count, bool drain_ends)
{
	struct dl_event drain = evl(DL_EV_DRAIN_WAIT_BEGIN, 51, "btrfs", 9, DL_LOCK_WRITE, 51, DL_F_EXACT);
	struct dl_event k = evl(DL_EV_WAIT_BEGIN, 55, "btrfs", 9, DL_LOCK_WRITE, 51,
				DL_F_WAIT_WRITE | DL_F_COMPLETING | DL_F_EXACT);

	an_init(an, NULL);
	drain.lock.cur_holds = DL_HOLD_WRITE;
	drain.held[0] = lock_of(9);
	drain.held_mode[0] = DL_LOCK_WRITE;
	drain.arg = 1;
	an_feed(an, &drain);
	k.holders[0] = 51;
	k.len = dio_count;
	an_feed(an, &k);
	if (drain_ends)
		feed(an, evl(DL_EV_DRAIN_WAIT_END, 51, "btrfs", 9, DL_LOCK_WRITE, 51, 0));
	an_tick(an, clock_ns + AN_CONFIRM_NS + 200000000ULL);
}

static void kworker_completion_vs_truncate(void)
{
	struct analyzer an;
	const struct an_finding *v;

	kworker_vs_truncate(&an, 1, false);
	v = find(&an, AN_DEADLOCK_CYCLE);
	CHECK(v && v->nmembers == 2 && v->severity == AN_ERROR && !v->exact);
	if (v) {
		/* K waits for the i_rwsem T holds (certain), T for the drain K holds (inferred) */
		CHECK(v->members[0].tid == 55 && v->members[0].lock_kind == AN_LOCK_RWSEM && v->members[0].exact);
		CHECK(v->members[1].tid == 51 && v->members[1].lock_kind == AN_LOCK_DRAIN && !v->members[1].exact);
		CHECK(strstr(v->note, "04/15") != NULL);
	}
	an_fini(&an);
	/* stock order: the completion ended its DIO before the fsync (count 0): no edge at all */
	kworker_vs_truncate(&an, 0, false);
	CHECK(!find(&an, AN_DEADLOCK_CYCLE) && an.suspected[AN_DEADLOCK_CYCLE] == 0);
	an_fini(&an);
	/* the count was another DIO's, which ended: the truncate went on, the suspicion is refuted */
	kworker_vs_truncate(&an, 1, true);
	CHECK(!find(&an, AN_DEADLOCK_CYCLE) && an.suspected[AN_DEADLOCK_CYCLE] == 1 &&
	      an.retracted[AN_DEADLOCK_CYCLE] == 1);
	an_fini(&an);
}

/* inode_dio_wait with nothing in flight returns at once: no edge. */
static void drain_with_nothing_in_flight(void)
{
	struct analyzer an;
	struct dl_event drain = evl(DL_EV_DRAIN_WAIT_BEGIN, 52, "ext4", 9, DL_LOCK_WRITE, 52, 0);

	an_init(&an, NULL);
	feed(&an, evl(DL_EV_DIO_BEGIN, 53, "ext4", 9, DL_LOCK_NONE, 0, DL_F_DIRECT | DL_F_AIO));
	feed(&an, evl(DL_EV_WAIT_BEGIN, 53, "ext4", 9, DL_LOCK_WRITE, 52, DL_F_WAIT_WRITE));
	drain.arg = 0;
	an_feed(&an, &drain);
	CHECK(!find(&an, AN_DEADLOCK_CYCLE));
	an_fini(&an);
}

/* Readers share: two readers and a queued reader are no deadlock. */
static void readers_share(void)
{
	struct analyzer an;
	struct dl_event w = evl(DL_EV_WAIT_BEGIN, 61, "xfs", 5, DL_LOCK_READ, 60, DL_F_WAIT_READ);

	an_init(&an, NULL);
	feed(&an, evl(DL_EV_DIO_BEGIN, 60, "xfs", 5, DL_LOCK_READ, 60, DL_F_DIRECT));
	an_feed(&an, &w);
	feed(&an, evl(DL_EV_WAIT_BEGIN, 62, "xfs", 5, DL_LOCK_READ, 60, DL_F_WAIT_READ));
	CHECK(an.nfindings == 0);
	CHECK(an.ncont == 1 && an.cont[0].read_waits == 2);
	an_fini(&an);
}

/* A writer queued behind readers waits; nobody waits for it: no finding. */
static void writer_behind_readers(void)
{
	struct analyzer an;

	an_init(&an, NULL);
	feed(&an, evl(DL_EV_DIO_BEGIN, 70, "ext4", 6, DL_LOCK_READ, 70, DL_F_DIRECT));
	feed(&an, evl(DL_EV_WAIT_BEGIN, 71, "ext4", 6, DL_LOCK_READ, 70, DL_F_WAIT_WRITE));
	feed(&an, evl(DL_EV_DIO_COMPLETE, 70, "ext4", 6, DL_LOCK_READ, 70, DL_F_DIRECT));
	feed(&an, evl(DL_EV_WAIT_END, 71, "ext4", 6, DL_LOCK_WRITE, 71, 0));
	CHECK(!find(&an, AN_DEADLOCK_CYCLE) && !find(&an, AN_SELF_DEADLOCK));
	CHECK(an.ncont == 1 && an.cont[0].write_waits == 1);
	an_fini(&an);
}

/* A failed trylock emits no record at all: nothing to wait on, nothing reported. */
static void trylock_failure_has_no_edge(void)
{
	struct analyzer an;

	an_init(&an, NULL);
	feed(&an, evl(DL_EV_WAIT_BEGIN, 80, "ext4", 7, DL_LOCK_WRITE, 81, DL_F_WAIT_WRITE));
	/* 81 only tried lock 8 held by 80 (trylock, failed): no wait record */
	feed(&an, evl(DL_EV_DIO_BEGIN, 81, "ext4", 8, DL_LOCK_WRITE, 80, DL_F_DIRECT));
	CHECK(!find(&an, AN_DEADLOCK_CYCLE));
	an_fini(&an);
}

/* Exact tiers: after downgrade_write the holder is a reader. */
static void downgrade_then_readers(void)
{
	struct analyzer an;
	struct dl_event e = evl(DL_EV_SYNC_BEGIN, 90, "ext4", 4, DL_LOCK_READ, 90, DL_F_EXACT);

	an_init(&an, NULL);
	e.held[0] = lock_of(4);
	e.held_mode[0] = DL_LOCK_READ;	/* was write, downgraded */
	e.holders[0] = 90;
	e.lock.cur_holds = DL_HOLD_READ;
	an_feed(&an, &e);
	e = evl(DL_EV_WAIT_BEGIN, 91, "ext4", 4, DL_LOCK_READ, 90, DL_F_EXACT | DL_F_WAIT_READ);
	e.holders[0] = 90;
	an_feed(&an, &e);
	CHECK(an.nfindings == 0);
	/* the downgraded holder wanting write again waits for itself */
	e = evl(DL_EV_WAIT_BEGIN, 90, "ext4", 4, DL_LOCK_READ, 90, DL_F_EXACT | DL_F_WAIT_WRITE);
	e.held[0] = lock_of(4);
	e.held_mode[0] = DL_LOCK_READ;
	e.holders[0] = 90;
	e.lock.cur_holds = DL_HOLD_READ;
	an_feed(&an, &e);
	CHECK(find(&an, AN_SELF_DEADLOCK) && find(&an, AN_SELF_DEADLOCK)->exact);
	an_fini(&an);
}

/* A holder that exits drops out: its lock's waiters form no cycle through it. */
static void exit_while_holding(void)
{
	struct analyzer an;
	struct dl_event e = evl(DL_EV_SYNC_BEGIN, 100, "xfs", 3, DL_LOCK_WRITE, 100, DL_F_EXACT);

	an_init(&an, NULL);
	e.held[0] = lock_of(3);
	e.held_mode[0] = DL_LOCK_WRITE;
	e.holders[0] = 100;
	e.lock.cur_holds = DL_HOLD_WRITE;
	an_feed(&an, &e);
	feed(&an, evl(DL_EV_WAIT_BEGIN, 100, "xfs", 4, DL_LOCK_WRITE, 101, DL_F_WAIT_WRITE));
	feed(&an, ev(DL_EV_TASK_EXIT, 100, "", 0, 0, 0, 0));
	feed(&an, evl(DL_EV_WAIT_BEGIN, 101, "xfs", 3, DL_LOCK_WRITE, 0, DL_F_WAIT_WRITE));
	CHECK(!find(&an, AN_DEADLOCK_CYCLE));
	CHECK(an_live_tasks(&an) == 1);
	an_fini(&an);
}

static void long_wait_chain(void)
{
	struct analyzer an;
	const struct an_finding *v;
	struct dl_event e = evl(DL_EV_WAIT_BEGIN, 110, "ext4", 2, DL_LOCK_WRITE, 111, DL_F_WAIT_WRITE);

	an_init(&an, NULL);
	feed(&an, evl(DL_EV_DIO_BEGIN, 111, "ext4", 2, DL_LOCK_WRITE, 111, DL_F_DIRECT));
	an_feed(&an, &e);
	an_tick(&an, e.hdr.ts_ns + 4000000000ULL);
	CHECK(!find(&an, AN_LONG_WAIT));
	an_tick(&an, e.hdr.ts_ns + 6000000000ULL);
	v = find(&an, AN_LONG_WAIT);
	CHECK(v && v->severity == AN_WARNING && v->pid == 110);
	if (v) {
		CHECK(v->nmembers == 2 && v->members[0].tid == 110 && v->members[1].tid == 111);
		CHECK(v->members[0].wait_ns >= 6000000000ULL);
		CHECK(strstr(v->detail, "DIO submission") != NULL);
	}
	an_tick(&an, e.hdr.ts_ns + 9000000000ULL);
	CHECK(an.summary[AN_LONG_WAIT] == 1);	/* once per wait */
	an_fini(&an);

	/* a holder no record came from (tracepoint tier: a truncate in inode_dio_wait) is still named */
	an_init(&an, NULL);
	e = evl(DL_EV_WAIT_BEGIN, 112, "btrfs", 3, DL_LOCK_WRITE, 113, DL_F_WAIT_WRITE);
	an_feed(&an, &e);
	an_tick(&an, e.hdr.ts_ns + 6000000000ULL);
	v = find(&an, AN_LONG_WAIT);
	CHECK(v && v->nmembers == 2 && v->members[1].tid == 113 && v->members[1].pid == 0);
	CHECK(v && strstr(v->detail, "known only as the lock's owner") != NULL);
	an_fini(&an);
}

/* A writer sleeping on a frozen filesystem's sb_writers (SB_WAIT_BEGIN, as bpf/sb.bpf.h sends it). */
static struct dl_event sb_wait(__u16 type, __u32 tid, __u8 frozen, __u32 user)
{
	struct dl_event e = ev(type, tid, "xfs", 0, DL_LOCK_NONE, DL_HOLD_NO, 0);

	e.lock_addr = 0xffff888012345000ULL;	/* the super block */
	if (type == DL_EV_SB_WAIT_BEGIN) {
		DL_SB_WAIT_PUT(&e, 2, frozen, user, 0);
		e.flags = DL_F_WAIT_READ;
	}
	return e;
}

/*
 * sb_writers is outermost: waiting for a frozen filesystem's write level
 * while holding an i_rwsem (exact holds) is an inversion; the page-fault and
 * internal levels are taken under it by design, and without exact holds
 * nothing is known.
 */
static void sb_writers_after_i_rwsem(void)
{
	struct analyzer an;
	const struct an_finding *v;
	struct dl_event e;

	for (int level = 0; level < 3; level++) {
		an_init(&an, NULL);
		e = sb_wait(DL_EV_SB_WAIT_BEGIN, 140, 4, 1);
		e.pos = level;
		DL_SB_HELD_PUT(&e, 21, DL_LOCK_WRITE);
		an_feed(&an, &e);
		v = find(&an, AN_LOCK_ORDER);
		if (level) {
			CHECK(!v);
		} else {
			CHECK(v && v->severity == AN_ERROR && v->exact && v->tid == 140);
			CHECK(v && an_finding_lock(v) == AN_LOCK_SB_WRITERS && strstr(v->note, "outside every inode lock"));
			CHECK(v && strstr(v->detail, "i_rwsem of xfs") && strstr(v->detail, "ino 21 held (write)"));
		}
		an_fini(&an);
	}
	/* the tracepoint tiers: no holds known, no finding */
	an_init(&an, NULL);
	e = sb_wait(DL_EV_SB_WAIT_BEGIN, 141, 4, 1);
	e.pos = 0;
	an_feed(&an, &e);
	CHECK(!find(&an, AN_LOCK_ORDER));
	an_fini(&an);
}

/* A wait on the process's mmap_lock (its own, at lock_addr MM_LOCK), the writer named by the lock's owner. */
#define MM_LOCK 0xffff888000777000ULL
static struct dl_event mmap_wait(__u32 tid, __u32 tgid, __u32 writer)
{
	struct dl_event e = ev(DL_EV_MMAP_WAIT_BEGIN, tid, "", 0, DL_LOCK_WRITE, DL_HOLD_NO, DL_F_WAIT_READ);

	e.hdr.tgid = tgid;
	e.lock_addr = MM_LOCK;
	e.lock.holder_tid = writer;
	return e;
}

/*
 * A DIO holding its inode's i_rwsem waits for its process's mmap_lock; the
 * thread that write-holds it waits for that i_rwsem: one cycle across the
 * two lock types. Before the second wait, the DIO's is a long wait whose
 * chain ends at the mmap_lock's writer.
 */
static void mmap_lock_cycle_across_types(void)
{
	struct analyzer an;
	const struct an_finding *v;
	struct dl_event w;

	an_init(&an, NULL);
	feed(&an, ev(DL_EV_DIO_BEGIN, 140, "ext4", 5, DL_LOCK_WRITE, DL_HOLD_WRITE, DL_F_DIRECT | DL_F_WRITE));
	feed(&an, mmap_wait(140, 140, 141));
	clock_ns += 6000000000ULL;
	an_tick(&an, clock_ns);
	v = find(&an, AN_LONG_WAIT);
	CHECK(v && v->nmembers >= 1 && v->members[0].lock_kind == AN_LOCK_MMAP && v->members[0].mm_pid == 140);
	CHECK(v && v->nmembers >= 2 && v->members[1].tid == 141);
	CHECK(!find(&an, AN_DEADLOCK_CYCLE) && !find(&an, AN_LOCK_ORDER));
	w = evl(DL_EV_WAIT_BEGIN, 141, "ext4", 5, DL_LOCK_WRITE, 140, DL_F_WAIT_WRITE);
	w.hdr.tgid = 140;
	an_feed(&an, &w);
	an_tick(&an, clock_ns + AN_CONFIRM_NS + 200000000ULL);
	v = find(&an, AN_DEADLOCK_CYCLE);
	CHECK(v && v->severity == AN_ERROR && v->nmembers == 2);
	if (v && v->nmembers == 2) {
		const struct an_member *mm = v->members[0].lock_kind == AN_LOCK_MMAP ? &v->members[0] : &v->members[1];
		const struct an_member *ir = mm == &v->members[0] ? &v->members[1] : &v->members[0];

		CHECK(mm->lock_kind == AN_LOCK_MMAP && mm->tid == 140 && mm->mm_pid == 140 && mm->mode == DL_LOCK_READ);
		CHECK(ir->lock_kind == AN_LOCK_RWSEM && ir->tid == 141 && ir->ino == 5);
	}
	an_fini(&an);

	/* the writer released it (the DIO's wait ended): no cycle when 141 later waits on the inode */
	an_init(&an, NULL);
	feed(&an, ev(DL_EV_DIO_BEGIN, 150, "ext4", 6, DL_LOCK_WRITE, DL_HOLD_WRITE, DL_F_DIRECT | DL_F_WRITE));
	feed(&an, mmap_wait(150, 150, 151));
	w = ev(DL_EV_MMAP_WAIT_END, 150, "", 0, DL_LOCK_NONE, DL_HOLD_NO, 0);
	w.lock_addr = MM_LOCK;
	an_feed(&an, &w);
	feed(&an, evl(DL_EV_WAIT_BEGIN, 151, "ext4", 6, DL_LOCK_WRITE, 150, DL_F_WAIT_WRITE));
	an_tick(&an, clock_ns + AN_CONFIRM_NS + 200000000ULL);
	CHECK(!find(&an, AN_DEADLOCK_CYCLE));
	an_fini(&an);
}

/* invalidate_lock taken again: at the acquisition (exact tiers), and as a wait on one's own write hold (all). */
static void invalidate_lock_recursion(void)
{
	struct analyzer an;
	const struct an_finding *v;
	struct dl_event e;

	an_init(&an, NULL);
	e = ev(DL_EV_RECURSIVE_ACQUIRE, 160, "xfs", 9, DL_LOCK_NONE, DL_HOLD_NO, DL_F_WAIT_WRITE | DL_F_EXACT);
	e.arg = DL_LK_INVALIDATE | DL_LOCK_WRITE << 8;
	an_feed(&an, &e);
	v = find(&an, AN_RECURSIVE_ACQUIRE);
	CHECK(v && v->severity == AN_ERROR && v->exact && an_finding_lock(v) == AN_LOCK_INVALIDATE && v->ino == 9);
	CHECK(v && strstr(v->note, "99c29f16b79f") != NULL);
	an_fini(&an);

	/* read over read: a warning (a queued writer would deadlock both) */
	an_init(&an, NULL);
	e = ev(DL_EV_RECURSIVE_ACQUIRE, 161, "xfs", 9, DL_LOCK_NONE, DL_HOLD_NO, DL_F_WAIT_READ | DL_F_EXACT);
	e.arg = DL_LK_INVALIDATE | DL_LOCK_READ << 8;
	an_feed(&an, &e);
	v = find(&an, AN_RECURSIVE_ACQUIRE);
	CHECK(v && v->severity == AN_WARNING && an_finding_lock(v) == AN_LOCK_INVALIDATE);
	an_fini(&an);

	/* the tracepoint tier: the task sleeps on the invalidate_lock whose owner it is */
	an_init(&an, NULL);
	e = ev(DL_EV_INVAL_WAIT_BEGIN, 162, "xfs", 9, DL_LOCK_WRITE, DL_HOLD_WRITE, DL_F_WAIT_WRITE);
	e.lock_addr = lock_of(9) + 0x200;
	an_feed(&an, &e);
	v = find(&an, AN_SELF_DEADLOCK);
	CHECK(v && v->severity == AN_ERROR && v->exact && an_finding_lock(v) == AN_LOCK_INVALIDATE);
	/* a deadlock already: no long_wait_chain for it */
	clock_ns += 6000000000ULL;
	an_tick(&an, clock_ns);
	CHECK(!find(&an, AN_LONG_WAIT));
	/* another task's hold is no finding, only a wait on the graph */
	e = ev(DL_EV_INVAL_WAIT_BEGIN, 163, "xfs", 9, DL_LOCK_WRITE, DL_HOLD_NO, DL_F_WAIT_READ);
	e.lock_addr = lock_of(9) + 0x200;
	e.lock.holder_tid = 162;
	an_feed(&an, &e);
	CHECK(an.summary[AN_SELF_DEADLOCK] == 1 && !find(&an, AN_DEADLOCK_CYCLE));
	an_fini(&an);
}

/*
 * btrfs before 51bd9563b678: a fault inside the task's own DIO waits for its
 * locked extent range (read) or its ordered extent (write). A self-deadlock
 * naming the lock; the task waits on the graph, so a chain ending at it
 * says so, and no long_wait of its own follows.
 */
static void btrfs_fault_in_own_dio(void)
{
	struct analyzer an;
	const struct an_finding *v;
	struct dl_event e;

	for (int what = DL_EXT_RANGE; what <= DL_EXT_ORDERED; what++) {
		an_init(&an, NULL);
		e = ev(DL_EV_EXTENT_WAIT, 170, "btrfs", 12, DL_LOCK_NONE, DL_HOLD_NO, DL_F_WAIT_WRITE);
		e.arg = what;
		e.pos = 0;
		e.len = 4096;
		an_feed(&an, &e);
		v = find(&an, AN_SELF_DEADLOCK);
		CHECK(v && v->severity == AN_ERROR && v->exact && v->ino == 12 && v->tid == 170);
		CHECK(v && an_finding_lock(v) == (what == DL_EXT_RANGE ? AN_LOCK_EXTENT : AN_LOCK_ORDERED));
		CHECK(v && strstr(v->note, "51bd9563b678") != NULL &&
		      strstr(v->note, what == DL_EXT_RANGE ? "extent range" : "ordered extent") != NULL);
		CHECK(!strcmp(an_lock_kind_name(an_finding_lock(v)), what == DL_EXT_RANGE ? "extent_range" : "ordered_extent"));
		clock_ns += 6000000000ULL;
		an_tick(&an, clock_ns);
		CHECK(an.summary[AN_SELF_DEADLOCK] == 1 && !find(&an, AN_LONG_WAIT));
		an_fini(&an);
	}
}

/* Against the kernel's documented order (i_rwsem -> mmap_lock -> invalidate_lock), one edge is an inversion. */
static void order_against_reference(void)
{
	struct analyzer an;
	const struct an_finding *v;
	struct dl_event e;

	/* an inode's i_rwsem taken while the process's mmap_lock is write-held */
	an_init(&an, NULL);
	e = ev(DL_EV_ORDER_EDGE, 170, "ext4", 12, DL_LOCK_NONE, DL_HOLD_NO, DL_F_WAIT_WRITE);
	DL_ORDER_FROM_PUT(&e, 170, 0, 0, DL_LOCK_WRITE, DL_LK_MMAP, DL_LK_I_RWSEM, MM_LOCK, 0);
	an_feed(&an, &e);
	v = find(&an, AN_LOCK_ORDER);
	CHECK(v && v->severity == AN_ERROR && v->exact && v->nmembers == 1);
	CHECK(v && strstr(v->detail, "mmap_lock of pid 170 held (write), then i_rwsem of ext4") != NULL);
	an_fini(&an);

	/* the documented way round, and i_rwsem after i_rwsem, are no finding */
	an_init(&an, NULL);
	e = ev(DL_EV_ORDER_EDGE, 171, "ext4", 12, DL_LOCK_NONE, DL_HOLD_NO, DL_F_WAIT_WRITE);
	DL_ORDER_FROM_PUT(&e, 12, (7 << 20) | 1, 0, DL_LOCK_WRITE, DL_LK_I_RWSEM, DL_LK_INVALIDATE, lock_of(12), 0);
	an_feed(&an, &e);
	e = ev(DL_EV_ORDER_EDGE, 171, "ext4", 13, DL_LOCK_NONE, DL_HOLD_NO, DL_F_WAIT_WRITE);
	DL_ORDER_FROM_PUT(&e, 12, (7 << 20) | 1, 0, DL_LOCK_WRITE, DL_LK_I_RWSEM, DL_LK_I_RWSEM, lock_of(12), 0);
	an_feed(&an, &e);
	CHECK(!find(&an, AN_LOCK_ORDER));
	/* an i_rwsem taken holding an invalidate_lock (another inode's): against it */
	e = ev(DL_EV_ORDER_EDGE, 172, "ext4", 14, DL_LOCK_NONE, DL_HOLD_NO, DL_F_WAIT_WRITE);
	DL_ORDER_FROM_PUT(&e, 15, (7 << 20) | 1, DL_FSID_EXT4, DL_LOCK_WRITE, DL_LK_INVALIDATE, DL_LK_I_RWSEM, lock_of(15), 0);
	an_feed(&an, &e);
	v = find(&an, AN_LOCK_ORDER);
	CHECK(v && v->severity == AN_ERROR && strstr(v->detail, "invalidate_lock of ext4 7:1 ino 15") != NULL);
	an_fini(&an);
}

static void frozen_fs_long_wait(void)
{
	struct analyzer an;
	const struct an_finding *v;
	struct dl_event e = sb_wait(DL_EV_SB_WAIT_BEGIN, 130, 4, 1);

	an_init(&an, NULL);
	an_feed(&an, &e);
	an_tick(&an, e.hdr.ts_ns + 6000000000ULL);
	v = find(&an, AN_LONG_WAIT);
	CHECK(v && v->severity == AN_WARNING && v->exact && v->pid == 130 && v->ino == 0);
	if (v) {
		CHECK(v->nmembers == 1 && v->members[0].lock_kind == AN_LOCK_SB_WRITERS);
		CHECK(strstr(v->detail, "sb_start_intwrite on a frozen filesystem") != NULL);
		CHECK(strstr(v->detail, "frozen by user space (FIFREEZE)") != NULL);
	}
	/* the record's super block is no inode: no i_rwsem lock was made of it */
	CHECK(!find(&an, AN_SELF_DEADLOCK) && !find(&an, AN_LOCK_ORDER));
	an_fini(&an);

	/* the function tiers saw the freeze: the freezer is named, even after it exited */
	an_init(&an, NULL);
	e = sb_wait(DL_EV_FREEZE, 132, 0, 0);
	snprintf(e.comm, sizeof(e.comm), "fsfreeze");
	an_feed(&an, &e);
	feed(&an, ev(DL_EV_TASK_EXIT, 132, "", 0, 0, 0, 0));
	e = sb_wait(DL_EV_SB_WAIT_BEGIN, 133, 4, 1);
	e.hdr.ts_ns += 500000000ULL;
	an_feed(&an, &e);
	an_tick(&an, e.hdr.ts_ns + 6000000000ULL);
	v = find(&an, AN_LONG_WAIT);
	CHECK(v && strstr(v->detail, "the freeze: pid 132 (fsfreeze), 0.50") != NULL);
	an_fini(&an);

	/* a thaw that leaves it frozen (another freeze holds it) keeps the freezer; --comm does not hide it */
	{
		struct dl_filter f = {};

		snprintf(f.comm, sizeof(f.comm), "task137");
		an_init(&an, &f);
	}
	e = sb_wait(DL_EV_FREEZE, 132, 0, 0);
	snprintf(e.comm, sizeof(e.comm), "fsfreeze");
	an_feed(&an, &e);
	e = sb_wait(DL_EV_THAW, 132, 0, 0);
	e.len = 4;
	an_feed(&an, &e);
	e = sb_wait(DL_EV_SB_WAIT_BEGIN, 137, 4, 1);
	an_feed(&an, &e);
	an_tick(&an, e.hdr.ts_ns + 6000000000ULL);
	v = find(&an, AN_LONG_WAIT);
	CHECK(v && strstr(v->detail, "the freeze: pid 132 (fsfreeze)") != NULL);
	an_fini(&an);

	/* a thaw forgets the freezer; a failed freeze names nobody */
	an_init(&an, NULL);
	e = sb_wait(DL_EV_FREEZE, 134, 0, 0);
	an_feed(&an, &e);
	e = sb_wait(DL_EV_THAW, 134, 0, 0);
	an_feed(&an, &e);
	e = sb_wait(DL_EV_FREEZE, 135, 0, 0);
	e.ret = -16;
	an_feed(&an, &e);
	e = sb_wait(DL_EV_SB_WAIT_BEGIN, 136, 4, 1);
	an_feed(&an, &e);
	an_tick(&an, e.hdr.ts_ns + 6000000000ULL);
	v = find(&an, AN_LONG_WAIT);
	CHECK(v && strstr(v->detail, "who froze it: not seen in this run") != NULL);
	an_fini(&an);

	/* the thaw within the threshold: nothing */
	an_init(&an, NULL);
	e = sb_wait(DL_EV_SB_WAIT_BEGIN, 131, 4, 1);
	an_feed(&an, &e);
	an_tick(&an, e.hdr.ts_ns + 1000000000ULL);
	e = sb_wait(DL_EV_SB_WAIT_END, 131, 0, 0);
	e.hdr.ts_ns += 2000000000ULL;
	an_feed(&an, &e);
	an_tick(&an, e.hdr.ts_ns + 9000000000ULL);
	CHECK(!find(&an, AN_LONG_WAIT));
	an_fini(&an);
}

/*
 * Predictive: fallocate (120) holds i_rwsem and waits on inode A's DIO
 * drain; later a DIO in flight on inode B (121) waits for B's i_rwsem.
 * Different inodes, no actual deadlock, but the classes form a cycle.
 */
/*
 * fallocate (120) holds inode 20's i_rwsem and waits on its DIO drain; a DIO
 * on 21 then waits for 21's. alone: nothing else fed, so no order finding yet.
 */
static void feed_order_inversion(struct analyzer *an, bool alone)
{
	struct dl_event e = evl(DL_EV_DRAIN_WAIT_BEGIN, 120, "btrfs", 20, DL_LOCK_WRITE, 120, DL_F_EXACT);

	e.held[0] = lock_of(20);
	e.held_mode[0] = DL_LOCK_WRITE;
	e.lock.cur_holds = DL_HOLD_WRITE;
	e.arg = 1;
	an_feed(an, &e);
	feed(an, evl(DL_EV_DRAIN_WAIT_END, 120, "btrfs", 20, DL_LOCK_WRITE, 120, 0));
	feed(an, evl(DL_EV_DIO_BEGIN, 121, "btrfs", 21, DL_LOCK_NONE, 0, DL_F_DIRECT | DL_F_AIO));
	CHECK(!alone || !find(an, AN_LOCK_ORDER));
	feed(an, evl(DL_EV_WAIT_BEGIN, 121, "btrfs", 21, DL_LOCK_WRITE, 122, DL_F_WAIT_WRITE));
}

/* Task tid, holding inode a (mode am), took inode b (mode bm): the ORDER_EDGE BPF sends, under gate. */
static struct dl_event order_edge(__u32 tid, __u64 a, __u8 am, __u64 b, __u8 bm, __u64 gate)
{
	struct dl_event e = evl(DL_EV_ORDER_EDGE, tid, "ext4", b, bm, tid,
				DL_F_EXACT | (bm == DL_LOCK_READ ? DL_F_WAIT_READ : DL_F_WAIT_WRITE));

	dl_order_from_put(&e, &(struct dl_order_from){ .ino = a, .dev = e.dev, .fsid = DL_FSID_EXT4, .mode = am,
					    .lock = lock_of(a), .gate = gate });
	e.stack_id = (__s32)tid;
	return e;
}

/* A then B by one task, B then A by another, never at once: the inversion, both edges named. */
static void order_inversion_between_instances(void)
{
	struct analyzer an;
	const struct an_finding *v;

	an_init(&an, NULL);
	feed(&an, order_edge(40, 11, DL_LOCK_WRITE, 12, DL_LOCK_WRITE, 0));
	feed(&an, evl(DL_EV_TASK_EXIT, 40, "ext4", 0, 0, 0, 0));
	CHECK(!find(&an, AN_LOCK_ORDER));
	feed(&an, order_edge(41, 12, DL_LOCK_WRITE, 11, DL_LOCK_WRITE, 0));
	v = find(&an, AN_LOCK_ORDER);
	CHECK(v && v->severity == AN_ERROR && v->exact && v->nmembers == 2);
	if (v) {
		CHECK(v->members[0].tid == 41 && v->members[0].ino == 11 && v->members[0].stack_id == 41);
		CHECK(v->members[1].tid == 40 && v->members[1].ino == 12 && v->members[1].stack_id == 40);
		CHECK(strstr(v->detail, "ext4 7:1 ino 12 -> ext4 7:1 ino 11 -> ext4 7:1 ino 12") != NULL);
	}
	CHECK(an.order_edges == 2 && an.order_forgotten == 0);
	an_fini(&an);
}

/* The same edge between two of an inode's locks of kinds ak and bk (enum dl_lock_kind). */
static struct dl_event order_edge_kinds(__u32 tid, __u64 a, __u8 ak, __u8 am, __u64 b, __u8 bk, __u8 bm)
{
	struct dl_event e = order_edge(tid, a, am, b, bm, 0);
	struct dl_order_from from = dl_order_from_get(&e);

	from.kind = ak;
	from.to_kind = bk;
	dl_order_from_put(&e, &from);
	return e;
}

/*
 * One inode's locks: truncate takes i_rwsem then invalidate_lock, a module
 * the other way round (an inversion, error); a DSYNC completion syncing
 * while the inode has DIO in flight takes i_rwsem, a truncate holding
 * i_rwsem drains the DIO (seed deadlock 2 predicted: inferred, a warning).
 */
static void order_between_an_inodes_locks(void)
{
	struct analyzer an;
	const struct an_finding *v;

	an_init(&an, NULL);
	feed(&an, order_edge_kinds(60, 5, DL_LK_I_RWSEM, DL_LOCK_WRITE, 5, DL_LK_INVALIDATE, DL_LOCK_WRITE));
	CHECK(!find(&an, AN_LOCK_ORDER) && an.order_edges == 1);
	feed(&an, order_edge_kinds(61, 5, DL_LK_INVALIDATE, DL_LOCK_READ, 5, DL_LK_I_RWSEM, DL_LOCK_WRITE));
	v = find(&an, AN_LOCK_ORDER);
	CHECK(v && v->severity == AN_ERROR && v->exact && v->nmembers == 2);
	if (v) {
		CHECK(v->members[0].lock_kind == AN_LOCK_RWSEM && v->members[1].lock_kind == AN_LOCK_INVALIDATE);
		CHECK(strstr(v->detail, "invalidate_lock of ext4 7:1 ino 5 -> ext4 7:1 ino 5 -> "
				       "invalidate_lock of ext4 7:1 ino 5") != NULL);
	}
	an_fini(&an);

	an_init(&an, NULL);
	/* the completion (a kworker) took i_rwsem "holding" the DIO, then a truncate drained it */
	feed(&an, order_edge_kinds(70, 6, DL_LK_DIO, DL_LOCK_READ, 6, DL_LK_I_RWSEM, DL_LOCK_WRITE));
	CHECK(!find(&an, AN_LOCK_ORDER));
	feed(&an, order_edge_kinds(71, 6, DL_LK_I_RWSEM, DL_LOCK_WRITE, 6, DL_LK_DIO, DL_LOCK_WRITE));
	v = find(&an, AN_LOCK_ORDER);
	CHECK(v && v->severity == AN_WARNING && !v->exact && v->nmembers == 2);
	if (v) {
		CHECK(v->members[0].lock_kind == AN_LOCK_DRAIN && v->members[0].tid == 71);
		CHECK(v->members[1].lock_kind == AN_LOCK_RWSEM && !v->members[1].exact);
		CHECK(strstr(v->note, "inode_dio_end") != NULL);
	}
	/* an unknown kind (a newer diolock's) makes no node */
	feed(&an, order_edge_kinds(72, 7, 9, DL_LOCK_WRITE, 8, DL_LK_I_RWSEM, DL_LOCK_WRITE));
	CHECK(an.order_edges == 2);
	an_fini(&an);
}

/* Same order twice, a three-inode cycle, read/read, and the rename gate. */
static void order_instance_rules(void)
{
	struct analyzer an;
	const struct an_finding *v;

	an_init(&an, NULL);
	feed(&an, order_edge(50, 1, DL_LOCK_WRITE, 2, DL_LOCK_WRITE, 0));
	feed(&an, order_edge(51, 1, DL_LOCK_WRITE, 2, DL_LOCK_WRITE, 0));
	CHECK(!find(&an, AN_LOCK_ORDER) && an.order_edges == 1);
	feed(&an, order_edge(52, 2, DL_LOCK_WRITE, 3, DL_LOCK_WRITE, 0));
	feed(&an, order_edge(53, 3, DL_LOCK_WRITE, 1, DL_LOCK_WRITE, 0));
	v = find(&an, AN_LOCK_ORDER);
	CHECK(v && v->nmembers == 3 && v->severity == AN_ERROR);
	an_fini(&an);

	/* readers both sides at lock 5: only a queued writer closes it */
	an_init(&an, NULL);
	feed(&an, order_edge(60, 4, DL_LOCK_WRITE, 5, DL_LOCK_READ, 0));
	feed(&an, order_edge(61, 5, DL_LOCK_READ, 4, DL_LOCK_WRITE, 0));
	v = find(&an, AN_LOCK_ORDER);
	CHECK(v && v->severity == AN_WARNING && strstr(v->note, "writer queues") != NULL);
	an_fini(&an);

	/* both orders under the same rename gate: serialised, nothing; one ungated: reported */
	an_init(&an, NULL);
	feed(&an, order_edge(70, 7, DL_LOCK_WRITE, 8, DL_LOCK_WRITE, 0xabc));
	feed(&an, order_edge(71, 8, DL_LOCK_WRITE, 7, DL_LOCK_WRITE, 0xabc));
	CHECK(!find(&an, AN_LOCK_ORDER));
	feed(&an, order_edge(72, 8, DL_LOCK_WRITE, 9, DL_LOCK_WRITE, 0));
	feed(&an, order_edge(73, 9, DL_LOCK_WRITE, 7, DL_LOCK_WRITE, 0xabc));
	CHECK(find(&an, AN_LOCK_ORDER) != NULL);
	an_fini(&an);
}

/* The graph stays bounded: past AN_ORDER_EDGES the oldest edges are forgotten, and counted. */
static void order_graph_bounded(void)
{
	struct analyzer an;

	an_init(&an, NULL);
	for (__u64 i = 0; i < AN_ORDER_EDGES + 100; i++)
		feed(&an, order_edge(80, i % 64, DL_LOCK_WRITE, 1000 + i / 64, DL_LOCK_WRITE, 0));
	CHECK(an.order_edges == AN_ORDER_EDGES + 100);
	CHECK(an.order_forgotten >= 100);
	CHECK(!find(&an, AN_LOCK_ORDER));
	an_fini(&an);
}

static void lock_order_inversion(void)
{
	struct analyzer an;
	const struct an_finding *v;

	an_init(&an, NULL);
	feed_order_inversion(&an, true);
	v = find(&an, AN_LOCK_ORDER);
	CHECK(v != NULL && !find(&an, AN_DEADLOCK_CYCLE));
	if (v) {
		CHECK(strstr(v->detail, "dio_drain[btrfs] -> i_rwsem[btrfs] -> dio_drain[btrfs]") != NULL);
		CHECK(v->nmembers == 2 && v->members[1].tid == 120);
	}
	if (v) {
		/* the class each edge leads to, whole in the JSON ("dio_drain[btrfs]" is 16 characters) */
		char *buf = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&buf, &len);
		struct dl_hook_state hooks[DL_HOOK_MAX] = {};
		struct dl_report r = { .an = an_results(&an), .hooks = hooks, .kernel = "6.1", .version = "", .git_rev = "",
					.host = "h", .start_time = "" };

		dl_report_json(f, &r);
		fclose(f);
		CHECK(strstr(buf, "\"to_class\":\"dio_drain[btrfs]\"") != NULL);
		CHECK(strstr(buf, "\"to_class\":\"i_rwsem[btrfs]\"") != NULL);
		free(buf);
	}
	an_fini(&an);
}

static int fake_frames(void *ctx, __s32 id, char frames[][128], int max)
{
	(void)ctx;
	if (id < 0 || max < 2)
		return 0;
	snprintf(frames[0], 128, "down_write+0x1%d", id);
	snprintf(frames[1], 128, "abba_\"lock\"");
	return 2;
}

/* --dot draws each kind it knows (self-deadlock, cycle, lock order), escaped, and dot renders it. */
static void dot_draws_each_kind(void)
{
	struct analyzer an;
	struct dl_event e;
	__u32 f = DL_F_DIRECT | DL_F_DSYNC | DL_F_WRITE;
	char path[] = "/tmp/diolock-dot.XXXXXX", cmd[256], *buf = NULL;
	struct dl_hook_state hooks[DL_HOOK_MAX] = {};
	struct dl_stack_resolver sr = { .frames = fake_frames };
	struct dl_report r = { .hooks = hooks, .kernel = "6.1", .version = "", .git_rev = "",
				.host = "h", .start_time = "", .sr = &sr };
	size_t len = 0;
	FILE *out;
	int fd;

	an_init(&an, NULL);
	feed(&an, ev(DL_EV_DIO_BEGIN, 13, "btrfs", 100, DL_LOCK_WRITE, DL_HOLD_WRITE, f));
	e = ev(DL_EV_WAIT_BEGIN, 13, "btrfs", 100, DL_LOCK_WRITE, DL_HOLD_WRITE, DL_F_WAIT_WRITE);
	snprintf(e.comm, sizeof(e.comm), "a\"b\\c\nd");
	an_feed(&an, &e);
	feed(&an, evl(DL_EV_WAIT_BEGIN, 30, "ext4", 2, DL_LOCK_WRITE, 31, DL_F_WAIT_WRITE));
	feed(&an, evl(DL_EV_WAIT_BEGIN, 31, "ext4", 1, DL_LOCK_WRITE, 30, DL_F_WAIT_WRITE));
	an_tick(&an, clock_ns + AN_CONFIRM_NS + 200000000ULL);
	feed_order_inversion(&an, false);
	/* and an inversion between two inodes (instance edges) */
	feed(&an, order_edge(90, 31, DL_LOCK_WRITE, 32, DL_LOCK_WRITE, 0));
	feed(&an, order_edge(91, 32, DL_LOCK_WRITE, 31, DL_LOCK_WRITE, 0));
	CHECK(find(&an, AN_SELF_DEADLOCK) && find(&an, AN_DEADLOCK_CYCLE) && find(&an, AN_LOCK_ORDER));
	r.an = an_results(&an);	/* the findings as they are now */
	out = open_memstream(&buf, &len);
	dl_report_dot(out, &r);
	fclose(out);
	CHECK(strstr(buf, "label=\"self_deadlock") && strstr(buf, "label=\"deadlock_cycle") &&
	      strstr(buf, "label=\"lock_order_inversion"));
	CHECK(strstr(buf, "a\\\"b\\\\cd\\npid 13") != NULL);	/* quote, backslash escaped; newline dropped */
	CHECK(strstr(buf, "dio_drain[btrfs]") && strstr(buf, "i_rwsem[btrfs]"));
	CHECK(strstr(buf, "abba_\\\"lock\\\"") != NULL);	/* stack frames on order edges, escaped */
	CHECK(strstr(buf, "i_rwsem[ext4]\\n7:1 ino 31") && strstr(buf, "i_rwsem[ext4]\\n7:1 ino 32"));
	fd = mkstemp(path);
	CHECK(fd >= 0);
	if (fd >= 0) {
		CHECK(write(fd, buf, len) == (ssize_t)len);
		close(fd);
		/* Graphviz renders it, and the SVG is well-formed XML */
		snprintf(cmd, sizeof(cmd), "dot -Tsvg %s | python3 -c 'import sys, xml.dom.minidom as m; "
			 "m.parse(sys.stdin)' 2>/dev/null", path);
		CHECK(system(cmd) == 0);
		unlink(path);
	}
	free(buf);
	an_fini(&an);
}

/* The stub visible at completion entry (fentry/kprobe tiers). */
static void stub_seen_at_completion_entry(void)
{
	struct analyzer an;
	__u32 f = DL_F_DIRECT | DL_F_DSYNC | DL_F_WRITE | DL_F_NEED_SYNC | DL_F_JINFO;

	an_init(&an, NULL);
	feed(&an, ev(DL_EV_DIO_BEGIN, 130, "btrfs", 5, DL_LOCK_WRITE, DL_HOLD_WRITE, f));
	feed(&an, ev(DL_EV_DIO_COMPLETE_BEGIN, 130, "btrfs", 5, DL_LOCK_WRITE, DL_HOLD_WRITE, f | DL_F_STUB));
	feed(&an, ev(DL_EV_SYNC_BEGIN, 130, "btrfs", 5, DL_LOCK_WRITE, DL_HOLD_WRITE, DL_F_JINFO | DL_F_STUB));
	feed(&an, ev(DL_EV_DIO_COMPLETE, 130, "btrfs", 5, DL_LOCK_WRITE, DL_HOLD_WRITE, f));
	CHECK(an.nfindings == 1 && an.finding[0].severity == AN_INFO && an.finding[0].count == 1);
	CHECK(strstr(an.finding[0].note, "journal_info") != NULL);
	/* the faulty kernel: no stub, so the error comes before the fsync blocks */
	feed(&an, ev(DL_EV_DIO_BEGIN, 131, "btrfs", 6, DL_LOCK_WRITE, DL_HOLD_WRITE, f));
	feed(&an, ev(DL_EV_DIO_COMPLETE_BEGIN, 131, "btrfs", 6, DL_LOCK_WRITE, DL_HOLD_WRITE, f));
	CHECK(an_count_severity(&an, AN_ERROR) == 1);
	an_fini(&an);
}

static void sync_skips_unheld_lock(void)
{
	struct analyzer an;
	struct dl_event e = ev(DL_EV_SYNC_BEGIN, 140, "btrfs", 7, DL_LOCK_NONE, DL_HOLD_NO,
			       DL_F_JINFO | DL_F_STUB);

	an_init(&an, NULL);
	an_feed(&an, &e);
	CHECK(find(&an, AN_SYNC_SKIPS_UNHELD) && find(&an, AN_SYNC_SKIPS_UNHELD)->severity == AN_ERROR);
	an_fini(&an);
}

/*
 * Every branch of dl_sync_skips_unheld without acquisition tracking (the
 * tracepoint tier, where v6.10's per-file stub is visible): another task's
 * write hold is certain, a read hold is not (the reader hint names only one).
 */
static void sync_skips_unheld_lock_branches(void)
{
	static const struct {
		__u8 mode, holds;
		__u32 holder, flags;
		bool found;
	} c[] = {
		{ DL_LOCK_WRITE, DL_HOLD_NO, 141, DL_F_JINFO | DL_F_STUB, true },	/* another writer */
		{ DL_LOCK_READ, DL_HOLD_NO, 141, DL_F_JINFO | DL_F_STUB, false },	/* readers: maybe us */
		{ DL_LOCK_READ, DL_HOLD_NO, 141, DL_F_JINFO | DL_F_STUB | DL_F_EXACT, true },
		{ DL_LOCK_WRITE, DL_HOLD_WRITE, 140, DL_F_JINFO | DL_F_STUB, false },	/* our own stub */
		{ DL_LOCK_WRITE, DL_HOLD_NO, 141, DL_F_JINFO, false },			/* no stub: waits */
		{ DL_LOCK_NONE, DL_HOLD_NO, 0, DL_F_STUB, true },	/* stub flag alone suffices */
	};

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct analyzer an;
		struct dl_event e = ev(DL_EV_SYNC_BEGIN, 140, "btrfs", 7, c[i].mode, c[i].holds, c[i].flags);

		e.lock.holder_tid = c[i].holder;
		an_init(&an, NULL);
		an_feed(&an, &e);
		if (!!find(&an, AN_SYNC_SKIPS_UNHELD) != c[i].found)
			printf("    case %zu: mode %u holds %u flags %#x\n", i, c[i].mode, c[i].holds, c[i].flags);
		CHECK(!!find(&an, AN_SYNC_SKIPS_UNHELD) == c[i].found);
		/* never on ext4: its fsync takes no i_rwsem */
		snprintf(e.fs, sizeof(e.fs), "ext4");
		an_feed(&an, &e);
		CHECK(an.summary[AN_SYNC_SKIPS_UNHELD] == (c[i].found ? 1 : 0));
		an_fini(&an);
	}
}

/* A lost wait_end must not leave a stale edge: the task's next record ends the wait. */
static void lost_wait_end_is_not_a_cycle(void)
{
	struct analyzer an;

	an_init(&an, NULL);
	feed(&an, evl(DL_EV_WAIT_BEGIN, 150, "ext4", 1, DL_LOCK_WRITE, 151, DL_F_WAIT_WRITE));
	/* its wait_end was lost; it now holds inode 1 and submits DIO */
	feed(&an, evl(DL_EV_DIO_BEGIN, 150, "ext4", 1, DL_LOCK_WRITE, 150, DL_F_DIRECT));
	feed(&an, evl(DL_EV_WAIT_BEGIN, 151, "ext4", 1, DL_LOCK_WRITE, 150, DL_F_WAIT_WRITE));
	CHECK(!find(&an, AN_DEADLOCK_CYCLE));
	/* nor does a queue of waiters on one lock make a cycle */
	feed(&an, evl(DL_EV_WAIT_BEGIN, 152, "ext4", 1, DL_LOCK_WRITE, 151, DL_F_WAIT_WRITE));
	CHECK(!find(&an, AN_DEADLOCK_CYCLE));
	an_fini(&an);
}

/* The DOT graph of a cycle: both tasks, both locks, red edges. */
static void dot_of_cycle(void)
{
	struct analyzer an;
	struct dl_hook_state hooks[DL_HOOK_MAX] = {};
	struct dl_report r = {};
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	an_init(&an, NULL);
	feed(&an, evl(DL_EV_WAIT_BEGIN, 30, "ext4", 2, DL_LOCK_WRITE, 31, DL_F_WAIT_WRITE));
	feed(&an, evl(DL_EV_WAIT_BEGIN, 31, "ext4", 1, DL_LOCK_WRITE, 30, DL_F_WAIT_WRITE));
	an_tick(&an, clock_ns + AN_CONFIRM_NS + 200000000ULL);
	r.an = an_results(&an);
	r.hooks = hooks;
	dl_report_dot(f, &r);
	fclose(f);
	CHECK(strstr(buf, "subgraph cluster_0") && strstr(buf, "deadlock_cycle (inferred)"));
	CHECK(strstr(buf, "c0_t30 [shape=box") && strstr(buf, "c0_t31 [shape=box"));
	CHECK(strstr(buf, "c0_t31 -> c0_i_rwsem_7340033_1 [label=\"waits write") != NULL);
	CHECK(strstr(buf, "c0_i_rwsem_7340033_1 -> c0_t30 [label=\"held by\", color=red]") != NULL);
	/* 31 began to wait after lock 2 was read: that holder edge is inferred, drawn dashed */
	CHECK(strstr(buf, "c0_i_rwsem_7340033_2 -> c0_t31 [label=\"held by (inferred)\", color=red, style=dashed]") != NULL);
	free(buf);
	an_fini(&an);
}

/* Memory follows live tasks and locks, not the number of records. */
static void memory_bounded(void)
{
	struct analyzer an;
	__u32 f = DL_F_DIRECT | DL_F_DSYNC | DL_F_WRITE;

	an_init(&an, NULL);
	for (__u32 i = 0; i < 200000; i++) {
		__u32 tid = 1000 + i % 5000;

		feed(&an, evl(DL_EV_DIO_BEGIN, tid, "ext4", i % 100000 + 1, DL_LOCK_WRITE, tid, f));
		feed(&an, evl(DL_EV_DIO_COMPLETE, tid, "ext4", i % 100000 + 1, DL_LOCK_WRITE, tid, f));
		if (i % 7 == 0)
			feed(&an, ev(DL_EV_TASK_EXIT, tid, "", 0, 0, 0, 0));
	}
	CHECK(an_live_tasks(&an) <= 5000);
	CHECK(an_live_locks(&an) <= 65536 + 1);
	an_fini(&an);
}

int main(void)
{
	_Static_assert(sizeof(struct dl_event) == 248, "dl_event layout changed: bump DL_ABI_VERSION");
	_Static_assert(sizeof(struct dl_hdr) == 24, "dl_hdr layout changed");
	RUN(xfs_dsync_is_info);
	RUN(frozen_fs_long_wait);
	RUN(mmap_lock_cycle_across_types);
	RUN(invalidate_lock_recursion);
	RUN(btrfs_fault_in_own_dio);
	RUN(sb_writers_after_i_rwsem);
	RUN(order_against_reference);
	RUN(irq_completion_owns_nothing);
	RUN(origin_names_submitter);
	RUN(drain_of_own_dio_is_self_deadlock);
	RUN(recursive_acquire_by_modes);
	RUN(shared_hold_tracked_from_submission);
	RUN(shared_hold_hint_names_other_reader);
	RUN(btrfs_stub_completion_is_info);
	RUN(btrfs_dsync_self_deadlock);
	RUN(read_holder_waiting_for_write);
	RUN(suspect_retracted_when_wait_ends);
	RUN(suspect_explained_by_other_reader);
	RUN(aio_queued_ends_hold);
	RUN(fallback_only_on_iomap_fs);
	RUN(other_holder_is_contention);
	RUN(folded_waits_join_contention);
	RUN(reader_waiting_to_read_is_benign);
	RUN(fallback_reasons);
	RUN(exit_drops_task_state);
	RUN(comm_filter);
	RUN(unknown_fs_dsync_is_warning);
	RUN(abba_two_inodes);
	RUN(abba_exact_holds);
	RUN(woken_waiter_is_not_a_cycle);
	RUN(three_task_cycle);
	RUN(dio_completion_vs_fallocate);
	RUN(kworker_completion_vs_truncate);
	RUN(drain_with_nothing_in_flight);
	RUN(readers_share);
	RUN(writer_behind_readers);
	RUN(trylock_failure_has_no_edge);
	RUN(downgrade_then_readers);
	RUN(exit_while_holding);
	RUN(long_wait_chain);
	RUN(lock_order_inversion);
	RUN(order_inversion_between_instances);
	RUN(order_instance_rules);
	RUN(order_between_an_inodes_locks);
	RUN(order_graph_bounded);
	RUN(dot_draws_each_kind);
	RUN(stub_seen_at_completion_entry);
	RUN(sync_skips_unheld_lock);
	RUN(sync_skips_unheld_lock_branches);
	RUN(memory_bounded);
	RUN(dot_of_cycle);
	RUN(lost_wait_end_is_not_a_cycle);
	UNIT_EXIT();
}
