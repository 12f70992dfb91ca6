// SPDX-License-Identifier: GPL-2.0
/*
 * genrec: writes a synthetic but realistic diolock recording for the replay
 * benchmark, with the project's own writer (src/evfile.c), so the file is
 * exactly what `diolock record` writes.
 *
 * The mix follows what the tracepoint tier streams for fio-like DIO load on
 * ext4, xfs and btrfs (see bpf/dio.bpf.c, bpf/syscall.bpf.c, bpf/rwsem.bpf.c):
 *   - O_DIRECT writes: dio_begin, [sync_begin, sync_end when O_DSYNC],
 *     dio_complete, direct_write (syscall exit), with the i_rwsem state the
 *     filesystem really has (ext4: write-held by the writer; xfs and btrfs
 *     nodatasum: read-held, reader hint = the writer);
 *   - O_DIRECT reads: dio_begin, dio_complete under a shared i_rwsem;
 *   - i_rwsem contention: wait_begin (holder named, kernel stack id) and,
 *     on the waiter's next turn, wait_end with the wait's length;
 *   - task churn: every --churn records a task exits (task_exit) and a new
 *     process takes its place; about one process in four is multi-threaded;
 *   - a tick record every 100 ms of recorded time, as a live run writes;
 *   - a few hundred inodes on three filesystems, a few stacks.
 * Timestamps advance ~7.7 us per record: ~130k records/s, the rate the
 * design's cost model measured for a 4-job ext4 fio run.
 *
 *   genrec -o FILE [-n RECORDS] [-i INODES] [-t TASKS] [-c CHURN] [-s SEED]
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "record/evfile.h"

#define MAX_TASKS 1024
#define MAX_INODES 4096
#define NSTACKS 6

struct gfile {
	const char *fs;
	__u32 dev;
	__u64 ino;
	__u64 lock_addr;
	int shared_writes;	/* xfs/btrfs: DIO writes under a shared i_rwsem */
};

struct gtask {
	__u32 tid, tgid;
	char comm[DL_COMM_LEN];
	int pending;		/* 0 none, 1 dio write, 2 dio read, 3 wait */
	int file;
	int files[4];		/* its working set */
	int blocking;		/* waiters naming it as holder: it may not wait itself */
	struct gtask *holder;	/* while waiting */
	int dsync;
	__u64 start;
};

static struct gfile files[MAX_INODES];
static struct gtask tasks[MAX_TASKS];
static int nfiles = 300, ntasks = 64;
static __u64 rng_state = 0x9e3779b97f4a7c15ULL;
static __u64 now = 1000000000ULL;	/* 1 s after boot */
static __u64 written;
static __u32 next_tid = 20000;

static __u64 rnd(void)
{
	/* xorshift64*: deterministic for a seed, fast */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ULL;
}

static unsigned int pick(unsigned int n)
{
	return (unsigned int)(rnd() % n);
}

static __u64 task_ptr(__u32 tid)
{
	return 0xffff888100000000ULL + (__u64)tid * 0x2000;
}

static void new_task(struct gtask *t, int idx)
{
	static const char *const comms[] = { "fio", "postgres", "kworker/u4:2", "diowork", "qemu-img" };

	memset(t, 0, sizeof(*t));
	t->tid = next_tid++;
	/* processes of up to 8 threads, like fio jobs or a database's workers */
	t->tgid = (idx % 8 && tasks[idx - 1].tid) ? tasks[idx - 1].tgid : t->tid;
	snprintf(t->comm, sizeof(t->comm), "%s", comms[(idx / 8) % 5]);
	for (int i = 0; i < 4; i++)
		t->files[i] = pick(nfiles);
	t->file = t->files[0];
}

static void base(struct dl_event *e, const struct gtask *t, __u16 type, const struct gfile *f)
{
	memset(e, 0, sizeof(*e));
	e->hdr.type = type;
	e->hdr.size = sizeof(*e);
	e->hdr.cpu = pick(2);
	now += 5000 + pick(5400);	/* ~7.7 us on average */
	e->hdr.ts_ns = now;
	e->hdr.tgid = t->tgid;
	e->hdr.tid = t->tid;
	memcpy(e->comm, t->comm, DL_COMM_LEN);
	e->stack_id = -1;
	if (!f)
		return;
	snprintf(e->fs, sizeof(e->fs), "%s", f->fs);
	e->dev = f->dev;
	e->ino = f->ino;
	e->lock_addr = f->lock_addr;
}

static void hold_write(struct dl_event *e, __u32 holder, int cur)
{
	e->lock.count = 1;
	e->lock.owner = task_ptr(holder);
	e->lock.holder_tid = holder;
	e->lock.mode = DL_LOCK_WRITE;
	e->lock.cur_holds = cur ? DL_HOLD_WRITE : DL_HOLD_NO;
}

static void hold_read(struct dl_event *e, __u32 hint, int cur)
{
	e->lock.count = 0x100;
	e->lock.owner = task_ptr(hint) | 1;
	e->lock.holder_tid = hint;
	e->lock.readers = 1;
	e->lock.mode = DL_LOCK_READ;
	e->lock.cur_holds = cur ? DL_HOLD_READ_HINT : DL_HOLD_NO;
}

static void emit(struct evf_writer *w, const struct dl_event *e)
{
	evf_write_event(w, e);
	written++;
}

/* The writer's i_rwsem during its own DIO write. */
static void write_lock(struct dl_event *e, const struct gtask *t, const struct gfile *f)
{
	if (f->shared_writes)
		hold_read(e, t->tid, 1);
	else
		hold_write(e, t->tid, 1);
}

static void io_flags(struct dl_event *e, const struct gtask *t, int write)
{
	e->flags = DL_F_DIRECT | (write ? DL_F_WRITE : 0) | (t->dsync ? DL_F_DSYNC : 0);
	e->ki_flags = (1u << 17) | (t->dsync ? 2 : 0);
	e->pos = (__s64)pick(1 << 18) * 4096;
	e->len = 4096;
}

static void step_start(struct evf_writer *w, struct gtask *t)
{
	struct dl_event e;
	unsigned int r = pick(100);

	/* a task keeps to its working set of four files */
	t->file = t->files[pick(4)];
	if (r < 8 && !t->blocking) {
		/*
		 * Contention: wait for the i_rwsem another task holds for write.
		 * The holder is never itself waiting, so the wait-for graph stays
		 * acyclic: a realistic recording has no deadlock in it.
		 */
		struct gtask *h = &tasks[pick(ntasks)];

		if (h == t || h->pending == 3)
			return;
		h->blocking++;
		t->holder = h;
		base(&e, t, DL_EV_WAIT_BEGIN, &files[t->file]);
		hold_write(&e, h->tid, 0);
		e.arg = 4;	/* LCB_F_WRITE */
		e.flags = DL_F_WAIT_WRITE;
		e.stack_id = (__s32)pick(NSTACKS);
		emit(w, &e);
		t->pending = 3;
		t->start = now;
		return;
	}
	t->dsync = pick(10) < 3;
	t->pending = r < 85 ? 1 : 2;
	base(&e, t, DL_EV_DIO_BEGIN, &files[t->file]);
	io_flags(&e, t, t->pending == 1);
	if (t->pending == 1)
		write_lock(&e, t, &files[t->file]);
	else
		hold_read(&e, t->tid, 1);
	emit(w, &e);
	t->start = now;
}

static void step_finish(struct evf_writer *w, struct gtask *t)
{
	const struct gfile *f = &files[t->file];
	struct dl_event e;

	if (t->pending == 3) {
		base(&e, t, DL_EV_WAIT_END, f);
		hold_write(&e, t->tid, 1);	/* it got the lock */
		e.len = now - t->start;
		emit(w, &e);
		t->holder->blocking--;
		t->holder = NULL;
		t->pending = 0;
		return;
	}
	if (t->pending == 1 && t->dsync) {
		base(&e, t, DL_EV_SYNC_BEGIN, f);
		write_lock(&e, t, f);
		e.arg = 1;
		emit(w, &e);
		base(&e, t, DL_EV_SYNC_END, f);
		write_lock(&e, t, f);
		e.arg = 1;
		emit(w, &e);
	}
	base(&e, t, DL_EV_DIO_COMPLETE, f);
	io_flags(&e, t, t->pending == 1);
	if (t->pending == 1)
		write_lock(&e, t, f);
	else
		hold_read(&e, t->tid, 1);
	e.ret = 4096;
	emit(w, &e);
	if (t->pending == 1) {
		base(&e, t, DL_EV_DIRECT_WRITE, f);
		io_flags(&e, t, 1);
		e.flags |= DL_F_IOMAP;
		if (!strcmp(f->fs, "btrfs"))
			e.flags |= DL_F_FS_FLAGS | DL_F_NODATASUM;
		e.arg = 18;	/* pwrite64 */
		e.ret = 4096;
		emit(w, &e);
	}
	t->pending = 0;
}

static void write_stacks(struct evf_writer *w)
{
	static const char *const frames[] = {
		"rwsem_down_write_slowpath+0x2a1", "down_write+0x5b", "ext4_buffered_write_iter+0x3c",
		"ext4_dio_write_iter+0x1f2", "ext4_file_write_iter+0x41", "vfs_write+0x24e",
		"__x64_sys_pwrite64+0x96", "do_syscall_64+0x82", "entry_SYSCALL_64_after_hwframe+0x76",
	};
	char f[EVF_MAX_FRAMES][EVF_FRAME_LEN];
	int n = sizeof(frames) / sizeof(frames[0]);

	for (int id = 0; id < NSTACKS; id++) {
		for (int i = 0; i < n; i++)
			snprintf(f[i], EVF_FRAME_LEN, "%s", frames[(i + (i > 2 ? id : 0)) % n]);
		evf_write_stack(w, id, f, n);
	}
}

static void usage(void)
{
	fprintf(stderr, "usage: genrec -o FILE [-n RECORDS] [-i INODES] [-t TASKS] [-c CHURN] [-s SEED]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static char *const cmd[] = { "fio", "bench.fio", NULL };
	unsigned long long n = 10000000, churn = 20000, seed = 1;
	struct evf_trailer tr = {};
	struct evf_meta meta = {};
	struct evf_writer w = {};
	const char *out = NULL;
	__u64 first, next_tick, next_churn;
	FILE *fp;
	int c;

	while ((c = getopt(argc, argv, "o:n:i:t:c:s:")) != -1) {
		switch (c) {
		case 'o': out = optarg; break;
		case 'n': n = strtoull(optarg, NULL, 0); break;
		case 'i': nfiles = atoi(optarg); break;
		case 't': ntasks = atoi(optarg); break;
		case 'c': churn = strtoull(optarg, NULL, 0); break;
		case 's': seed = strtoull(optarg, NULL, 0); break;
		default: usage();
		}
	}
	if (!out || nfiles < 1 || nfiles > MAX_INODES || ntasks < 2 || ntasks > MAX_TASKS)
		usage();
	rng_state ^= seed * 0xbf58476d1ce4e5b9ULL;
	fp = fopen(out, "we");
	if (!fp) {
		fprintf(stderr, "genrec: %s: %s\n", out, strerror(errno));
		return 1;
	}
	setvbuf(fp, NULL, _IOFBF, 1 << 20);
	snprintf(meta.kernel, sizeof(meta.kernel), "6.18.0-genrec");
	for (int h = 0; h < DL_HOOK_MAX; h++)
		meta.hooks[h].tier = DL_TIER_TP_BTF;
	if (evf_write_header(&w, fp, &meta)) {
		fprintf(stderr, "genrec: header: %s\n", strerror(-w.err));
		return 1;
	}
	for (int i = 0; i < nfiles; i++) {
		static const char *const fs[] = { "ext4", "xfs", "btrfs" };
		static const __u32 devs[] = { 7u << 20, 7u << 20 | 1, 39 };

		files[i].fs = fs[i % 3];
		files[i].dev = devs[i % 3];
		files[i].ino = 12 + i / 3;
		files[i].lock_addr = 0xffff888200000000ULL + (__u64)i * 0x800 + 0xa8;
		files[i].shared_writes = i % 3 != 0;
	}
	for (int i = 0; i < ntasks; i++)
		new_task(&tasks[i], i);
	write_stacks(&w);
	first = now;
	next_tick = now + 100000000ULL;
	next_churn = churn;
	while (written < n && !w.err) {
		struct gtask *t = &tasks[pick(ntasks)];

		if (t->pending)
			step_finish(&w, t);
		else
			step_start(&w, t);
		if (churn && written >= next_churn && !t->pending && !t->blocking) {
			/* this task exits; a new process takes its slot */
			struct dl_event e;

			base(&e, t, DL_EV_TASK_EXIT, NULL);
			emit(&w, &e);
			new_task(t, (int)(t - tasks));
			next_churn += churn;
		}
		if (now >= next_tick) {
			struct dl_event e;
			struct gtask tick = {};

			base(&e, &tick, DL_EV_TICK, NULL);
			e.hdr.cpu = 0;
			emit(&w, &e);
			next_tick += 100000000ULL;
		}
	}
	tr.cmd_status = 0;
	tr.has_cmd = 1;
	tr.duration_us = (now - first) / 1000;
	evf_write_trailer(&w, &tr, cmd);
	if (w.err || fclose(fp)) {
		fprintf(stderr, "genrec: writing %s failed: %s\n", out, strerror(w.err ? -w.err : errno));
		return 1;
	}
	printf("{\"records\":%llu,\"inodes\":%d,\"live_tasks\":%d,\"churn\":%llu,\"recorded_s\":%.3f}\n",
	       (unsigned long long)written, nfiles, ntasks, churn, (now - first) / 1e9);
	return 0;
}
