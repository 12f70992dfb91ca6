// SPDX-License-Identifier: GPL-2.0
/* The analyzer's verdicts on synthetic record streams shaped like real runs. */
#include <string.h>
#include "unit.h"
#include "analyzer.h"

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
	return e;
}

static void feed(struct analyzer *an, struct dl_event e)
{
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
	CHECK(an.nviol == 1);
	CHECK(an.viol[0].kind == AN_DIO_COMPLETE_UNDER_LOCK);
	CHECK(an.viol[0].severity == AN_INFO);
	CHECK(an.viol[0].count == 2);
	CHECK(an.viol[0].exact);
	CHECK(an.viol[0].pid == 10);
	CHECK(!strcmp(an.viol[0].fs, "xfs"));
	CHECK(an.viol[0].lock_mode == DL_LOCK_WRITE);
	CHECK(an.viol[0].dsync);
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
	CHECK(an.nviol == 1);
	CHECK(an.viol[0].lock_mode == DL_LOCK_READ);
	CHECK(!an.viol[0].exact);
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
	CHECK(an.nviol == 1 && an.viol[0].lock_mode == DL_LOCK_READ && !an.viol[0].exact);
	/* a filesystem not known to hold i_rwsem across DIO gets no such benefit */
	feed(&an, ev(DL_EV_DIO_BEGIN, 23, "zonefs", 100, DL_LOCK_READ, DL_HOLD_NO, f));
	feed(&an, ev(DL_EV_DIO_COMPLETE, 23, "zonefs", 100, DL_LOCK_READ, DL_HOLD_NO, f));
	CHECK(an.nviol == 1);
	an_fini(&an);
}

static void btrfs_stub_completion_is_info(void)
{
	struct analyzer an;

	an_init(&an, NULL);
	dsync_write(&an, 12, "btrfs", DL_LOCK_WRITE, DL_HOLD_WRITE);
	CHECK(an.nviol == 1);
	CHECK(an.viol[0].severity == AN_INFO);
	CHECK(an.viol[0].note && strstr(an.viol[0].note, "stub"));
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
	CHECK(an.nviol == 2);
	CHECK(an.viol[0].kind == AN_SELF_DEADLOCK && an.viol[0].severity == AN_ERROR);
	CHECK(an.viol[0].exact && an.viol[0].stack_id == 7 && an.viol[0].holder_tid == 13);
	CHECK(an.viol[1].kind == AN_DIO_COMPLETE_UNDER_LOCK && an.viol[1].severity == AN_ERROR);
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
	CHECK(an.nviol == 2);
	CHECK(an.viol[0].kind == AN_SELF_DEADLOCK && !an.viol[0].exact);
	CHECK(an.viol[0].lock_mode == DL_LOCK_READ);
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
	CHECK(an.nviol == 0);
	CHECK(an.ncont == 1);
	CHECK(an.cont[0].ino == 200 && an.cont[0].waits == 1 && an.cont[0].write_waits == 1);
	CHECK(an.cont[0].nholders == 1 && an.cont[0].holders[0] == 99);
	CHECK(an.cont[0].nwaiters == 1 && an.cont[0].waiters[0] == 15);
	CHECK(an.cont[0].wait_ns_total == 5000000 && an.cont[0].wait_ns_max == 5000000);
	an_fini(&an);
}

/* Readers share: a reader queueing behind a writer while holding shared is no self-deadlock. */
static void reader_waiting_to_read_is_benign(void)
{
	struct analyzer an;

	an_init(&an, NULL);
	feed(&an, ev(DL_EV_WAIT_BEGIN, 16, "xfs", 300, DL_LOCK_READ, DL_HOLD_READ_HINT, DL_F_WAIT_READ));
	CHECK(an.nviol == 0);
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
	CHECK(an.nviol == 2);
	CHECK(an.viol[0].kind == AN_DIO_FALLBACK && an.viol[0].count == 2);
	CHECK(strstr(an.viol[0].note, "checksums") != NULL);
	CHECK(strstr(an.viol[1].note, "aligned") != NULL);
	CHECK(an.nfallbacks == 1 && an.fallbacks[0].count == 3);
	CHECK(an_count_severity(&an, AN_ERROR) == 0);
	an_fini(&an);
}

/* An exit forgets the task: a later task reusing the tid starts clean. */
static void exit_drops_task_state(void)
{
	struct analyzer an;
	__u32 f = DL_F_DIRECT | DL_F_DSYNC | DL_F_WRITE;

	an_init(&an, NULL);
	feed(&an, ev(DL_EV_DIO_BEGIN, 18, "btrfs", 100, DL_LOCK_READ, DL_HOLD_READ_HINT, f));
	CHECK(an.ntasks == 1);
	feed(&an, ev(DL_EV_TASK_EXIT, 18, "", 0, 0, 0, 0));
	CHECK(an.ntasks == 0);
	feed(&an, ev(DL_EV_DIO_COMPLETE, 18, "btrfs", 100, DL_LOCK_READ, DL_HOLD_NO, f));
	CHECK(an.nviol == 0);
	an_fini(&an);
}

static void comm_filter(void)
{
	struct dl_filter f = {};
	struct analyzer an;

	snprintf(f.comm, sizeof(f.comm), "task20");
	an_init(&an, &f);
	dsync_write(&an, 19, "xfs", DL_LOCK_WRITE, DL_HOLD_WRITE);
	CHECK(an.nviol == 0 && an.events == 0);
	dsync_write(&an, 20, "xfs", DL_LOCK_WRITE, DL_HOLD_WRITE);
	CHECK(an.nviol == 1 && an.events == 3);
	an_fini(&an);
}

static void unknown_fs_dsync_is_warning(void)
{
	struct analyzer an;

	an_init(&an, NULL);
	dsync_write(&an, 21, "f2fs", DL_LOCK_WRITE, DL_HOLD_WRITE);
	CHECK(an.nviol == 1 && an.viol[0].severity == AN_WARNING);
	an_fini(&an);
}

int main(void)
{
	_Static_assert(sizeof(struct dl_event) == 152, "dl_event layout changed: bump DL_ABI_VERSION");
	_Static_assert(sizeof(struct dl_hdr) == 24, "dl_hdr layout changed");
	RUN(xfs_dsync_is_info);
	RUN(shared_hold_tracked_from_submission);
	RUN(shared_hold_hint_names_other_reader);
	RUN(btrfs_stub_completion_is_info);
	RUN(btrfs_dsync_self_deadlock);
	RUN(read_holder_waiting_for_write);
	RUN(other_holder_is_contention);
	RUN(reader_waiting_to_read_is_benign);
	RUN(fallback_reasons);
	RUN(exit_drops_task_state);
	RUN(comm_filter);
	RUN(unknown_fs_dsync_is_warning);
	UNIT_EXIT();
}
