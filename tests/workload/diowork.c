// SPDX-License-Identifier: GPL-2.0
/*
 * diowork - drive real i_rwsem and direct-I/O paths for diolock's tests.
 *
 * The tracer is only worth testing against the kernel's own code paths, so
 * the integration tests need a workload that makes those paths happen on
 * demand: direct writes that extend or overwrite, racing truncates, and -
 * hardest of all - an i_rwsem that is held exclusively for a known time.
 *
 * Nothing in userspace can hold i_rwsem directly.  The "hold" cases get a
 * deterministic holder anyway: a buffered write() takes inode_lock() and
 * only then copies from the user buffer.  If that buffer is a missing page
 * registered with userfaultfd, the copy faults and the writer sleeps in the
 * fault handler *with the lock held* until our handler thread resolves the
 * fault.  Sleeping before resolving therefore holds i_rwsem for exactly as
 * long as we like, and the fault message tells us when the lock is held.
 *
 * Two cases reproduce what third-party AIO/DIO suites do: aio-fcntl-toggle
 * (AIO writers on one open file description whose O_DIRECT flag a sibling
 * flips with fcntl, so some writes go buffered and need i_rwsem exclusive)
 * and stress-mix (direct, buffered, AIO and O_DSYNC writers, direct readers
 * and a fallocate/punch/ftruncate mutator on the same three files).  AIO
 * uses the raw io_setup/io_submit/io_getevents syscalls: no libaio.
 *
 * aio-dsync-truncate is the seed series' second deadlock (patch 04/15,
 * "iomap: Call inode_dio_end() before generic_write_sync()"): an AIO
 * O_DIRECT|O_DSYNC write, then at once a shrinking ftruncate of the same
 * file, whose btrfs_setsize() waits in inode_dio_wait() under i_rwsem while
 * the write's completion (a kworker) fsyncs and so wants i_rwsem too.  With
 * inode_dio_end() before the fsync, as every kernel since 5.10 has it, the
 * truncate goes on and the completion waits for it; with the order undone
 * (tests/vm livepatch), neither can.
 *
 * dio-fsync-same-fd is fstests generic/364's shape: one thread appends with
 * O_DIRECT writes while another fsyncs the same file descriptor.  Where
 * btrfs kept its "skip the inode lock" flag on the shared struct file
 * (939b656bc8ab until cd9253c23aed), the fsync can see the writer's flag and
 * log the inode without i_rwsem.
 *
 * dio-mmap-contend makes O_DIRECT writes wait for their process's
 * mmap_lock: before each write the writer drops its buffer's pages
 * (MADV_DONTNEED), so pinning them misses in gup_fast and takes mmap_lock
 * for read, while a mapper thread mprotect()s a populated MMAP_CONTEND_MB
 * region back and forth, holding mmap_lock for write a millisecond or so
 * each time: the waits of a process whose mappings change under its I/O.
 *
 * dio-unmapped-write is one O_DIRECT write whose buffer's pages are gone
 * (MADV_DONTNEED after a first write) when it starts, --hold-ms after its
 * "-started" line: long enough for a test to write-lock this process's
 * mmap_lock first (tests/vm's abba module), so that the write, holding its
 * inode's i_rwsem, waits for it pinning the buffer.
 *
 * dio-mmap-self is fstests generic/647's and 708's shape: O_DIRECT writes
 * and reads whose buffer is a shared mapping of the same file, its pages
 * dropped first (MADV_DONTNEED) so that pinning them faults into the file
 * the I/O holds locks on: another range, then the I/O's own range. Kernels
 * since 5.16 (btrfs 51bd9563b678, iomap's IOMAP_DIO_PARTIAL) complete them;
 * before, btrfs deadlocked in the fault.
 *
 * dio-mmap-same-write and dio-mmap-same-read do only the last of those: each
 * block written from (read into) its own mapping, a "-started" line first.
 * On a btrfs with 51bd9563b678 undone (tests/vm's patches/6.1/0004) the
 * first one hangs for good; dio-mmap-self would hang at its first transfer
 * too, on another range but inside btrfs's readahead window.
 *
 * Every participating process (or thread) prints one JSON line on stdout when done.
 * Exit status: 0 all I/O done, 1 an I/O error (EXIT_IO), 2 usage, 3 no
 * userfaultfd (the hold cases).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <linux/aio_abi.h>
#include <linux/falloc.h>
#include <linux/fs.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "lib/dio_file.h"

#define EXIT_IO		1
#define EXIT_USAGE	2
#define EXIT_NOUFFD	3
#define MAX_JOBS	256
#define MAX_DEPTH	64
#define TOGGLE_BLOCKS	64	/* aio-fcntl-toggle: blocks the writers cycle over */
#define STRESS_FILES	3	/* stress-mix: PATH, PATH.1, PATH.2 */
#define STRESS_BLOCKS	256	/* stress-mix: blocks per file at full size */
#define MMAP_CONTEND_MB	256	/* dio-mmap-contend: the region the mapper mprotects */

enum wcase {
	C_DIO_WRITE, C_DIO_DSYNC_WRITE, C_DIO_READ, C_BUFFERED_WRITE,
	C_EXTEND_CONTEND, C_TRUNCATE_RACE, C_HOLD, C_HOLD_CONTEND,
	C_HOLD_READ_CONTEND, C_AIO_FCNTL_TOGGLE, C_STRESS_MIX,
	C_AIO_DSYNC_TRUNCATE, C_CLONE_BOTH, C_DIO_FSYNC_SAME_FD, C_DIO_MMAP_CONTEND, C_DIO_UNMAPPED_WRITE, C_DIO_MMAP_SELF,
	C_DIO_MMAP_SAME_WRITE, C_DIO_MMAP_SAME_READ, C_NR,
};

static const char *const case_names[C_NR] = {
	"dio-write", "dio-dsync-write", "dio-read", "buffered-write",
	"extend-contend", "truncate-race", "hold", "hold-contend",
	"hold-read-contend", "aio-fcntl-toggle", "stress-mix",
	"aio-dsync-truncate", "clone-both", "dio-fsync-same-fd",
	"dio-mmap-contend", "dio-unmapped-write", "dio-mmap-self",
	"dio-mmap-same-write", "dio-mmap-same-read",
};

/* stress-mix: process j plays role j % S_NR. */
enum srole {
	S_DIO_WRITE, S_BUFFERED_WRITE, S_DIO_READ, S_MUTATE, S_AIO_WRITE,
	S_DSYNC_WRITE, S_NR,
};

static const char *const stress_roles[S_NR] = {
	"dio-writer", "buffered-writer", "dio-reader", "mutator", "aio-writer",
	"dsync-writer",
};

struct opts {
	enum wcase wcase;
	const char *name, *path;
	unsigned long count, jobs, hold_ms, duration_s, iodepth;
	size_t bs;
	off_t offset;
	bool dsync, nocow, prefill;
	bool reap_first;	/* aio-dsync-truncate: the write completes before the truncate */
};

/* aio-fcntl-toggle: the one open file description every process shares. */
static int shared_fd = -1;

/* What one process did; becomes its JSON line. */
struct tally {
	const char *role, *ms_key;
	pid_t tid;
	struct stat st;
	unsigned long ops, errors;
	unsigned long long bytes;
	double ms;
};

/* Children rendezvous here so that they all start their I/O together. */
struct gate {
	int ready[2], go[2];
};

typedef int (*child_fn)(const struct opts *o, struct gate *g, unsigned long j);

/* One write(2) per message, so concurrent children do not interleave. */
static void fail(const struct opts *o, int err, const char *fmt, ...)
{
	char msg[512];
	size_t len;
	va_list ap;

	len = snprintf(msg, sizeof(msg), "diowork: %s: ", o->name);
	va_start(ap, fmt);
	len += vsnprintf(msg + len, sizeof(msg) - len, fmt, ap);
	va_end(ap);
	if (len < sizeof(msg))
		snprintf(msg + len, sizeof(msg) - len, "%s%s\n",
			 err ? ": " : "", err ? strerror(err) : "");
	fputs(msg, stderr);
}

static void usage_error(const char *what, const char *arg)
{
	fprintf(stderr, "diowork: %s%s%s; usage: diowork [-n N] [-b BYTES] "
		"[-j N] [-s] [-o BYTES] [--hold-ms MS] [--nocow] [--prefill] "
		"[--duration SEC] [--iodepth N] [--reap-first] CASE PATH\n", what, arg ? ": " : "", arg ? arg : "");
	exit(EXIT_USAGE);
}

static unsigned long long parse_num(const char *s, unsigned long long max)
{
	unsigned long long v;
	char *end;

	/* strtoull would silently wrap "-1" around. */
	if (*s == '-' || *s == '\0')
		usage_error("bad number", s);
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v > max)
		usage_error("bad or out-of-range number", s);
	return v;
}

static void parse_opts(int argc, char **argv, struct opts *o)
{
	enum { OPT_HOLD_MS = 256, OPT_NOCOW, OPT_PREFILL, OPT_DURATION, OPT_IODEPTH, OPT_REAP_FIRST };
	static const struct option lopts[] = {
		{ "count", required_argument, NULL, 'n' },
		{ "bs", required_argument, NULL, 'b' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "dsync", no_argument, NULL, 's' },
		{ "offset", required_argument, NULL, 'o' },
		{ "hold-ms", required_argument, NULL, OPT_HOLD_MS },
		{ "nocow", no_argument, NULL, OPT_NOCOW },
		{ "prefill", no_argument, NULL, OPT_PREFILL },
		{ "duration", required_argument, NULL, OPT_DURATION },
		{ "iodepth", required_argument, NULL, OPT_IODEPTH },
		{ "reap-first", no_argument, NULL, OPT_REAP_FIRST },
		{ NULL, 0, NULL, 0 },
	};
	bool count_set = false, jobs_set = false;
	int c, i;

	*o = (struct opts){ .count = 16, .bs = 4096, .jobs = 4, .hold_ms = 300,
			    .iodepth = 4 };
	opterr = 0;	/* getopt's own message would be a second line */
	while ((c = getopt_long(argc, argv, "n:b:j:so:", lopts, NULL)) != -1) {
		switch (c) {
		case 'n': o->count = parse_num(optarg, 1UL << 20); count_set = true; break;
		case 'b': o->bs = parse_num(optarg, 64UL << 20); break;
		case 'j': o->jobs = parse_num(optarg, MAX_JOBS); jobs_set = true; break;
		case 's': o->dsync = true; break;
		case 'o': o->offset = parse_num(optarg, 1ULL << 62); break;
		case OPT_HOLD_MS: o->hold_ms = parse_num(optarg, 3600000); break;
		case OPT_NOCOW: o->nocow = true; break;
		case OPT_PREFILL: o->prefill = true; break;
		case OPT_REAP_FIRST: o->reap_first = true; break;
		case OPT_DURATION: o->duration_s = parse_num(optarg, 86400); break;
		case OPT_IODEPTH: o->iodepth = parse_num(optarg, MAX_DEPTH); break;
		default: usage_error("bad option", argv[optind - 1]);
		}
	}
	if (!o->count || !o->jobs || !o->iodepth)
		usage_error("--count, --jobs and --iodepth must be at least 1", NULL);
	if (!o->bs || o->bs % 512)
		usage_error("--bs must be a non-zero multiple of 512", NULL);
	if (argc - optind != 2)
		usage_error("need exactly CASE and PATH", NULL);
	o->name = argv[optind];
	o->path = argv[optind + 1];
	for (i = 0; i < C_NR && strcmp(o->name, case_names[i]); i++)
		;
	if (i == C_NR)
		usage_error("unknown case", o->name);
	o->wcase = i;
	if (o->wcase == C_DIO_DSYNC_WRITE)
		o->dsync = true;
	/* The two loop cases: one process per role, 2 AIO writers. */
	if (!jobs_set && o->wcase == C_AIO_FCNTL_TOGGLE)
		o->jobs = 2;
	if (!jobs_set && o->wcase == C_STRESS_MIX)
		o->jobs = S_NR;
	if (o->duration_s && o->wcase != C_AIO_FCNTL_TOGGLE && o->wcase != C_STRESS_MIX)
		usage_error("--duration is for aio-fcntl-toggle and stress-mix", NULL);
	/* --duration alone: as many operations as fit in it */
	if (o->duration_s && !count_set)
		o->count = ULONG_MAX;
}

static double now_ms(void)
{
	struct timespec ts;

	/* CLOCK_MONOTONIC cannot fail given a valid pointer. */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Loop cases: operation i is done while under --count and inside --duration. */
static double deadline_ms(const struct opts *o)
{
	return o->duration_s ? now_ms() + o->duration_s * 1e3 : 0;
}

static bool keep_going(const struct opts *o, unsigned long i, double deadline)
{
	return i < o->count && (!deadline || now_ms() < deadline);
}

static bool is_hold_case(const struct opts *o)
{
	return o->wcase == C_HOLD_CONTEND || o->wcase == C_HOLD_READ_CONTEND;
}

static bool is_same_case(const struct opts *o)
{
	return o->wcase == C_DIO_MMAP_SAME_WRITE || o->wcase == C_DIO_MMAP_SAME_READ;
}

/* Bytes from 0 the case touches: --prefill must cover all of them. */
static off_t case_span(const struct opts *o)
{
	off_t span = o->offset + (off_t)(o->count * o->bs);

	/* the loop cases reuse a fixed range, however many operations they do */
	if (o->wcase == C_AIO_FCNTL_TOGGLE)
		return o->offset + TOGGLE_BLOCKS * (off_t)o->bs;
	if (o->wcase == C_STRESS_MIX)
		return STRESS_BLOCKS * (off_t)o->bs;
	if (o->wcase == C_EXTEND_CONTEND)
		span = o->offset + (off_t)(o->count * o->jobs * o->bs);
	else if (o->wcase == C_TRUNCATE_RACE)
		span = 16 * (off_t)o->bs;
	else if (o->wcase == C_DIO_MMAP_SELF)
		span = 2 * (off_t)(o->count * o->bs);	/* sources, then destinations */
	else if (is_same_case(o))
		span = (off_t)(o->count * o->bs);
	else if (o->wcase == C_HOLD || is_hold_case(o))
		span = o->offset + (off_t)o->bs;
	return span > (off_t)(o->count * o->bs) ? span : (off_t)(o->count * o->bs);
}

/* O_DIRECT needs an aligned buffer; buffered I/O just does not mind. */
static void *alloc_buf(const struct opts *o, size_t len)
{
	void *buf;
	int err = posix_memalign(&buf, 4096, len);

	if (err) {
		fail(o, err, "posix_memalign");
		return NULL;
	}
	memset(buf, 'd', len);
	return buf;
}

static int open_path(const struct opts *o, const char *path, int flags,
		     struct tally *t)
{
	int fd = open(path, flags | O_CLOEXEC, 0644);

	if (fd < 0) {
		fail(o, errno, "open %s", path);
		return -1;
	}
	if (fstat(fd, &t->st)) {
		fail(o, errno, "fstat %s", path);
		close(fd);
		return -1;
	}
	t->tid = gettid();
	return fd;
}

static int open_target(const struct opts *o, int flags, struct tally *t)
{
	return open_path(o, o->path, flags, t);
}

/* @started: the holder's early line, printed while it still holds i_rwsem. */
static int report(const struct opts *o, const struct tally *t, bool started)
{
	printf("{\"role\":\"%s%s\",\"pid\":%d,\"tid\":%d,\"ino\":%llu,"
	       "\"dev\":\"%u:%u\"", t->role, started ? "-started" : "", getpid(),
	       t->tid, (unsigned long long)t->st.st_ino, major(t->st.st_dev),
	       minor(t->st.st_dev));
	if (!started)
		printf(",\"ops\":%lu,\"bytes\":%llu,\"errors\":%lu", t->ops,
		       t->bytes, t->errors);
	if (!started && t->ms_key)
		printf(",\"%s\":%.3f", t->ms_key, t->ms);
	printf("}\n");
	if (fflush(stdout)) {
		fail(o, errno, "writing report");
		return -1;
	}
	return 0;
}

/* Common tail of every worker: release, report, turn the tally into a status. */
static int finish(const struct opts *o, struct tally *t, int fd, void *buf)
{
	free(buf);
	if (close(fd)) {
		fail(o, errno, "close");
		t->errors++;
	}
	if (report(o, t, false))
		return EXIT_IO;
	return t->errors ? EXIT_IO : 0;
}

/*
 * Account one transfer's result (errno still set): a short write is an
 * error, a short read is EOF.  Only the first error is printed, the rest
 * are counted, so a misconfigured run does not flood the test log.
 */
static void account(const struct opts *o, struct tally *t, ssize_t n,
		    off_t off, bool rd)
{
	const char *op = rd ? "pread" : "pwrite";

	if (n >= 0) {
		t->ops++;
		t->bytes += n;
		if (rd || (size_t)n == o->bs)
			return;
	}
	if (!t->errors) {
		if (n < 0)
			fail(o, errno, "%s at %lld", op, (long long)off);
		else
			fail(o, 0, "%s at %lld: short write (%zd of %zu)", op,
			     (long long)off, n, o->bs);
	}
	t->errors++;
}

/* Buffered fill plus fsync, so later direct I/O finds allocated, written blocks. */
static int fill_file(const struct opts *o, int fd, off_t len)
{
	void *buf = alloc_buf(o, o->bs);
	ssize_t n;
	off_t off;

	if (!buf)
		return -1;
	for (off = 0; off < len; off += n) {
		n = pwrite(fd, buf, len - off < (off_t)o->bs ? len - off : (off_t)o->bs, off);
		if (n <= 0) {
			fail(o, n < 0 ? errno : EIO, "prefill pwrite at %lld", (long long)off);
			free(buf);
			return -1;
		}
	}
	free(buf);
	if (fsync(fd)) {
		fail(o, errno, "prefill fsync");
		return -1;
	}
	return 0;
}

/* btrfs silently ignores NOCOW on a non-empty file: dl_set_nocow reads the flag back. */
static int set_nocow(const struct opts *o, int fd)
{
	int err = dl_set_nocow(fd);

	if (err > 0)
		fail(o, 0, "setting FS_NOCOW_FL had no effect (file not empty?)");
	else if (err)
		fail(o, -err, "setting FS_NOCOW_FL");
	return err ? -1 : 0;
}

/* stress-mix: file k of the mix (PATH, PATH.1, PATH.2). */
static void stress_path(const struct opts *o, unsigned int k, char *buf, size_t len)
{
	if (k)
		snprintf(buf, len, "%s.%u", o->path, k);
	else
		snprintf(buf, len, "%s", o->path);
}

/* Done once, in the parent, so every process sees the same inode. */
static int setup_path(const struct opts *o, const char *path)
{
	struct tally t;
	int fd = open_path(o, path, O_RDWR | O_CREAT, &t);
	int ret = -1;
	bool fill;

	if (fd < 0)
		return -1;
	/*
	 * dio-read has nothing to read from a short file: fill it regardless.
	 * The loop cases overwrite allocated blocks below EOF, the shared-lock
	 * DIO path; stress-mix's mutator then moves EOF and holes around.
	 */
	fill = o->prefill || o->wcase == C_AIO_FCNTL_TOGGLE || o->wcase == C_CLONE_BOTH ||
	       o->wcase == C_STRESS_MIX || o->wcase == C_DIO_MMAP_SELF || is_same_case(o) ||
	       (o->wcase == C_DIO_READ && t.st.st_size < case_span(o));
	if (o->nocow && set_nocow(o, fd))
		goto out;
	if (fill && fill_file(o, fd, case_span(o)))
		goto out;
	ret = 0;
out:
	if (close(fd) && !ret) {
		fail(o, errno, "close");
		ret = -1;
	}
	return ret;
}

static int setup_file(const struct opts *o)
{
	char path[PATH_MAX];
	unsigned int k;

	if (o->wcase != C_STRESS_MIX)
		return setup_path(o, o->path);
	for (k = 0; k < STRESS_FILES; k++) {
		stress_path(o, k, path, sizeof(path));
		if (setup_path(o, path))
			return -1;
	}
	return 0;
}

static void close_fd(int *fd)
{
	/* Pipe ends only: nothing useful can be done about a failed close. */
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static int read_byte(int fd)
{
	ssize_t n;
	char c;

	do
		n = read(fd, &c, 1);
	while (n < 0 && errno == EINTR);
	return n == 1 ? 0 : -1;
}

static void gate_close(struct gate *g)
{
	close_fd(&g->ready[0]);
	close_fd(&g->ready[1]);
	close_fd(&g->go[0]);
	close_fd(&g->go[1]);
}

/*
 * Child side: say we are ready, then block until the parent opens the gate.
 * Dropping our copy of the go end first is what lets an abort reach us as EOF.
 */
static int gate_pass(const struct opts *o, struct gate *g)
{
	int ret = 0;

	close_fd(&g->ready[0]);
	close_fd(&g->go[1]);
	if (write(g->ready[1], "r", 1) != 1) {
		fail(o, errno, "gate write");
		ret = -1;
	} else if (read_byte(g->go[0])) {
		fail(o, 0, "aborted before start (another process failed)");
		ret = -1;
	}
	gate_close(g);
	return ret;
}

/* A child that died before getting ready shows up as early EOF here. */
static int gate_wait_ready(struct gate *g, unsigned long n)
{
	unsigned long i;

	close_fd(&g->ready[1]);
	close_fd(&g->go[0]);
	for (i = 0; i < n && !read_byte(g->ready[0]); i++)
		;
	return i == n ? 0 : -1;
}

/* One byte per child in a single write (n <= MAX_JOBS < PIPE_BUF). */
static int gate_release(const struct opts *o, struct gate *g, unsigned long n)
{
	char buf[MAX_JOBS];
	int ret = 0;

	memset(buf, 'g', n);
	if (write(g->go[1], buf, n) != (ssize_t)n) {
		fail(o, errno, "gate release");
		ret = -1;
	}
	gate_close(g);
	return ret;
}

static off_t io_offset(const struct opts *o, unsigned long i, unsigned long j)
{
	if (o->wcase == C_EXTEND_CONTEND)	/* interleaved, all extending */
		return o->offset + (off_t)((i * o->jobs + j) * o->bs);
	if (o->wcase == C_TRUNCATE_RACE)	/* keep landing around the truncate point */
		return (off_t)(i % 8 * o->bs);
	return o->offset + (off_t)(i * o->bs);
}

/*
 * The one reader/writer behind every case but the mutator and the holder.
 * Waiters do a single transfer, timed so the test can see it was blocked.
 */
static int io_worker(const struct opts *o, struct gate *g, unsigned long j)
{
	bool rd = o->wcase == C_DIO_READ || o->wcase == C_HOLD_READ_CONTEND;
	bool waiter = is_hold_case(o);
	struct tally t = {
		.role = waiter ? "waiter" : rd ? "reader" : "writer",
		.ms_key = waiter ? "wait_ms" : NULL,
	};
	unsigned long n = waiter ? 1 : o->count;
	int flags = rd ? O_RDONLY : O_WRONLY;
	void *buf;
	double t0;
	int fd;

	if (o->wcase != C_BUFFERED_WRITE && o->wcase != C_HOLD_READ_CONTEND)
		flags |= O_DIRECT | (!rd && o->dsync ? O_DSYNC : 0);
	fd = open_target(o, flags, &t);
	if (fd < 0)
		return EXIT_IO;
	buf = alloc_buf(o, o->bs);
	if (!buf || (g && gate_pass(o, g))) {
		free(buf);
		close(fd);
		return EXIT_IO;
	}
	t0 = now_ms();
	for (unsigned long i = 0; i < n; i++) {
		off_t off = io_offset(o, i, j);

		account(o, &t, rd ? pread(fd, buf, o->bs, off) :
			pwrite(fd, buf, o->bs, off), off, rd);
	}
	t.ms = now_ms() - t0;
	return finish(o, &t, fd, buf);
}

static void mutate(const struct opts *o, struct tally *t, int ret,
		   const char *what)
{
	if (!ret)
		t->ops++;
	else if (errno != EOPNOTSUPP) {
		if (!t->errors)
			fail(o, errno, "%s", what);
		t->errors++;
	}
}

/* Shrinks and regrows the file under the DIO writer's feet. */
static int mutator(const struct opts *o, struct gate *g)
{
	struct tally t = { .role = "mutator" };
	off_t bs = o->bs;
	int fd;

	fd = open_target(o, O_RDWR, &t);
	if (fd < 0)
		return EXIT_IO;
	if (gate_pass(o, g)) {
		close(fd);
		return EXIT_IO;
	}
	for (unsigned long i = 0; i < o->count; i++) {
		mutate(o, &t, ftruncate(fd, 4 * bs), "ftruncate");
		mutate(o, &t, fallocate(fd, 0, 0, 16 * bs), "fallocate");
		mutate(o, &t, ftruncate(fd, 16 * bs), "ftruncate");
	}
	return finish(o, &t, fd, NULL);
}

static int truncate_child(const struct opts *o, struct gate *g, unsigned long j)
{
	return j ? mutator(o, g) : io_worker(o, g, 0);
}

/* Shared between the holder's writing thread and its fault handler thread. */
struct hold {
	const struct opts *o;
	const struct tally *t;
	int uffd, notify_fd;
	char *area, *src;
	size_t len;
	double fault_ms;
	bool faulted;
	int err;
};

/*
 * Fill the whole area at once so the rest of the write cannot fault again.
 * If that fails, unregistering still wakes the writer, or it would hang.
 */
static void resolve_fault(struct hold *h)
{
	struct uffdio_range range = { .start = (uintptr_t)h->area, .len = h->len };
	struct uffdio_copy copy = {
		.dst = (uintptr_t)h->area, .src = (uintptr_t)h->src, .len = h->len,
	};

	if (!ioctl(h->uffd, UFFDIO_COPY, &copy))
		return;
	h->err = errno;
	if (ioctl(h->uffd, UFFDIO_UNREGISTER, &range))
		fail(h->o, errno, "UFFDIO_UNREGISTER");
}

/*
 * With no features requested, page faults are the only events, and only the
 * write touches the area, so the first message is the write's own fault.
 */
static void *fault_handler(void *arg)
{
	struct hold *h = arg;
	struct uffd_msg msg;
	struct timespec ts;
	ssize_t n;

	do
		n = read(h->uffd, &msg, sizeof(msg));
	while (n < 0 && errno == EINTR);
	if (n != sizeof(msg)) {
		h->err = n < 0 ? errno : EIO;
		/* Releasing the userfaultfd lets a fault we missed go through. */
		close(h->uffd);
		return NULL;
	}
	h->fault_ms = now_ms();
	__atomic_store_n(&h->faulted, true, __ATOMIC_RELEASE);
	/* The writer is asleep inside write() with i_rwsem held: say so now. */
	report(h->o, h->t, true);
	if (h->notify_fd >= 0 && write(h->notify_fd, "f", 1) != 1)
		fail(h->o, errno, "notify write");
	ts = (struct timespec){ h->o->hold_ms / 1000, h->o->hold_ms % 1000 * 1000000 };
	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
	resolve_fault(h);
	return NULL;
}

/*
 * Page-aligned and never touched by us, so the kernel's first access to the
 * write's source must fault.  Any failure to get there means "no userfaultfd".
 */
static int arm_uffd(struct hold *h)
{
	struct uffdio_register reg = { .mode = UFFDIO_REGISTER_MODE_MISSING };
	struct uffdio_api api = { .api = UFFD_API };
	long page = sysconf(_SC_PAGESIZE);

	h->len = (h->o->bs + page - 1) / page * page;
	h->area = mmap(NULL, h->len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (h->area == MAP_FAILED) {
		fail(h->o, errno, "mmap");
		return EXIT_IO;
	}
	h->src = alloc_buf(h->o, h->len);
	if (!h->src)
		return EXIT_IO;
	reg.range.start = (uintptr_t)h->area;
	reg.range.len = h->len;
	h->uffd = syscall(SYS_userfaultfd, O_CLOEXEC);
	if (h->uffd < 0 || ioctl(h->uffd, UFFDIO_API, &api) ||
	    ioctl(h->uffd, UFFDIO_REGISTER, &reg)) {
		fail(h->o, errno, "userfaultfd unavailable (needs CAP_SYS_PTRACE "
		     "or vm.unprivileged_userfaultfd=1)");
		return EXIT_NOUFFD;
	}
	return 0;
}

static int holder_run(const struct opts *o, int notify_fd)
{
	struct tally t = { .role = "holder", .ms_key = "hold_ms" };
	struct hold h = { .o = o, .t = &t, .notify_fd = notify_fd };
	int fd, ret, err;
	pthread_t thr;
	bool faulted;
	ssize_t n;

	fd = open_target(o, O_RDWR, &t);
	if (fd < 0)
		return EXIT_IO;
	ret = arm_uffd(&h);
	if (ret)
		return ret;
	err = pthread_create(&thr, NULL, fault_handler, &h);
	if (err) {
		fail(o, err, "pthread_create");
		return EXIT_IO;
	}
	n = pwrite(fd, h.area, o->bs, o->offset);
	err = errno;
	t.ms = now_ms();
	/*
	 * No fault means the write failed before touching its source, and
	 * the handler is still waiting: leave it to die with the process.
	 */
	faulted = __atomic_load_n(&h.faulted, __ATOMIC_ACQUIRE);
	if (faulted)
		pthread_join(thr, NULL);
	t.ms = faulted ? t.ms - h.fault_ms : 0;
	errno = err;
	account(o, &t, n, o->offset, false);
	if (!faulted || h.err) {
		fail(o, faulted ? h.err : 0, faulted ? "UFFDIO_COPY" :
		     "write never faulted on the userfaultfd page, i_rwsem was not held");
		t.errors++;
	}
	free(h.src);
	if (munmap(h.area, h.len)) {
		fail(o, errno, "munmap");
		t.errors++;
	}
	return finish(o, &t, fd, NULL);
}

static pid_t spawn(const struct opts *o, struct gate *g, child_fn fn,
		   unsigned long j)
{
	pid_t pid = fork();

	if (pid < 0)
		fail(o, errno, "fork");
	else if (!pid)
		_exit(fn(o, g, j));
	return pid;
}

/* The holder must not keep the gate open, or an abort would never be seen. */
static int holder_child(const struct opts *o, struct gate *g, unsigned long fd)
{
	gate_close(g);
	return holder_run(o, fd);
}

/* Fork the holder and return once its writer is asleep holding i_rwsem. */
static int start_holder(const struct opts *o, struct gate *g, pid_t *pid)
{
	int fault[2], ret;

	if (pipe2(fault, O_CLOEXEC)) {
		fail(o, errno, "pipe2");
		return -1;
	}
	*pid = spawn(o, g, holder_child, fault[1]);
	close_fd(&fault[1]);
	/* EOF here means the holder exited without ever holding the lock. */
	ret = *pid < 0 ? -1 : read_byte(fault[0]);
	close_fd(&fault[0]);
	return ret;
}

/* The worst child status wins, so one failing child fails the run. */
static int reap(const struct opts *o, const pid_t *pids, unsigned long n)
{
	int worst = 0, st, rc;

	for (unsigned long i = 0; i < n; i++) {
		if (pids[i] <= 0)
			continue;
		while (waitpid(pids[i], &st, 0) < 0) {
			if (errno != EINTR) {
				fail(o, errno, "waitpid");
				return EXIT_IO;
			}
		}
		rc = WIFEXITED(st) ? WEXITSTATUS(st) : EXIT_IO;
		if (WIFSIGNALED(st))
			fail(o, 0, "child %d killed by signal %d", pids[i], WTERMSIG(st));
		if (rc > worst)
			worst = rc;
	}
	return worst;
}

/*
 * Fork n workers, let them all get ready, for the hold cases wait until the
 * holder owns i_rwsem, then release everyone at once.  Any failure on the
 * way releases nobody: the workers see EOF on the gate and give up.
 */
static int run_group(const struct opts *o, child_fn fn, unsigned long n)
{
	pid_t pids[MAX_JOBS + 1] = { 0 };
	struct gate g;
	unsigned long j;
	bool go;
	int rc;

	if (pipe2(g.ready, O_CLOEXEC) || pipe2(g.go, O_CLOEXEC)) {
		fail(o, errno, "pipe2");
		return EXIT_IO;
	}
	for (j = 0; j < n && (pids[j] = spawn(o, &g, fn, j)) > 0; j++)
		;
	go = j == n && !gate_wait_ready(&g, n);
	if (go && is_hold_case(o))
		go = !start_holder(o, &g, &pids[n]);
	if (go)
		go = !gate_release(o, &g, n);
	gate_close(&g);
	rc = reap(o, pids, n + 1);
	return go || rc ? rc : EXIT_IO;
}

/* xorshift64: cheap offsets, the same sequence for the same job index. */
static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static long sys_io_setup(unsigned long nr, aio_context_t *ctx)
{
	return syscall(SYS_io_setup, nr, ctx);
}

static long sys_io_destroy(aio_context_t ctx)
{
	return syscall(SYS_io_destroy, ctx);
}

static long sys_io_submit(aio_context_t ctx, long n, struct iocb **cbs)
{
	return syscall(SYS_io_submit, ctx, n, cbs);
}

static long sys_io_getevents(aio_context_t ctx, long min, long max,
			     struct io_event *ev)
{
	return syscall(SYS_io_getevents, ctx, min, max, ev, NULL);
}

/*
 * stress-mix offsets: buffered writes keep to the lower half of each file,
 * direct writes to the upper half.  A buffered write that dirties a page
 * under an in-flight direct write makes the kernel's post-write page cache
 * invalidation fail, and it then reports -EIO to the file's next fsync
 * (dio_warn_stale_pagecache): the O_DSYNC writer would fail for real.
 * Readers and the mutator go anywhere.
 */
static off_t stress_offset(const struct opts *o, enum srole role, uint64_t *rng)
{
	uint64_t half = STRESS_BLOCKS / 2, blk = rnd(rng);

	if (role == S_BUFFERED_WRITE)
		blk %= half;
	else if (role == S_DIO_WRITE || role == S_AIO_WRITE || role == S_DSYNC_WRITE)
		blk = half + blk % half;
	else
		blk %= STRESS_BLOCKS;
	return (off_t)(blk * o->bs);
}

/* Where an AIO writer's writes go: through which fd, at which offset. */
struct aio_target {
	const int *fds;
	unsigned int nfds;
	unsigned long j;
	uint64_t rng;
};

static void aio_prep(const struct opts *o, struct aio_target *a,
		     struct iocb *cb, unsigned long i)
{
	off_t off;

	if (o->wcase == C_AIO_FCNTL_TOGGLE)	/* the writers interleave */
		off = o->offset + (off_t)((i * o->jobs + a->j) % TOGGLE_BLOCKS * o->bs);
	else
		off = stress_offset(o, S_AIO_WRITE, &a->rng);
	cb->aio_fildes = a->fds[i % a->nfds];
	cb->aio_lio_opcode = IOCB_CMD_PWRITE;
	cb->aio_nbytes = o->bs;
	cb->aio_offset = off;
}

/*
 * Keep up to --iodepth writes in flight, one io_submit per write (each is
 * its own pass through the filesystem's write path, taking i_rwsem anew),
 * reap at least one, refill.  Stops submitting at the first error.
 */
static void aio_loop(const struct opts *o, struct tally *t,
		     struct aio_target *a, double deadline)
{
	unsigned long depth = o->iodepth, nfree = depth, inflight = 0, i = 0, k;
	unsigned long freelist[MAX_DEPTH];
	struct iocb cbs[MAX_DEPTH], *cb;
	struct io_event ev[MAX_DEPTH];
	aio_context_t ctx = 0;
	char *bufs;
	long n;

	bufs = alloc_buf(o, depth * o->bs);
	if (!bufs) {
		t->errors++;
		return;
	}
	if (sys_io_setup(depth, &ctx)) {
		fail(o, errno, "io_setup");
		t->errors++;
		free(bufs);
		return;
	}
	memset(cbs, 0, sizeof(cbs));
	for (k = 0; k < depth; k++) {
		cbs[k].aio_buf = (uintptr_t)(bufs + k * o->bs);
		cbs[k].aio_data = k;
		freelist[k] = k;
	}
	for (;;) {
		while (nfree && !t->errors && keep_going(o, i, deadline)) {
			cb = &cbs[freelist[nfree - 1]];
			aio_prep(o, a, cb, i);
			if (sys_io_submit(ctx, 1, &cb) != 1) {
				fail(o, errno, "io_submit at %lld", (long long)cb->aio_offset);
				t->errors++;
				break;
			}
			nfree--;
			inflight++;
			i++;
		}
		if (!inflight)
			break;
		n = sys_io_getevents(ctx, 1, depth, ev);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			/* io_destroy below still waits for what is in flight */
			fail(o, errno, "io_getevents");
			t->errors++;
			break;
		}
		for (k = 0; k < (unsigned long)n; k++) {
			cb = &cbs[ev[k].data];
			errno = ev[k].res < 0 ? -ev[k].res : 0;
			account(o, t, ev[k].res < 0 ? -1 : ev[k].res,
				cb->aio_offset, false);
			freelist[nfree++] = ev[k].data;
			inflight--;
		}
	}
	if (sys_io_destroy(ctx)) {
		fail(o, errno, "io_destroy");
		t->errors++;
	}
	free(bufs);
}

#define DT_SIZE	(1 << 20)	/* aio-dsync-truncate: the file's size between rounds */

/*
 * aio-dsync-truncate: each round submits one AIO O_DIRECT|O_DSYNC write at
 * offset 0, shrinks the file to half while it is in flight, reaps it and
 * grows the file back. One process: the truncating task is the submitter.
 * --reap-first reaps the write before the truncate: both take their locks
 * in their orders, never at the same time (lock-order prediction's case).
 */
static int dsync_truncate(const struct opts *o)
{
	struct tally t = { .role = "aio-dsync-truncate", .ms_key = "run_ms" };
	struct iocb cb = { .aio_lio_opcode = IOCB_CMD_PWRITE }, *cbp = &cb;
	struct io_event ev;
	aio_context_t ctx = 0;
	double t0;
	void *buf;
	long n;
	int fd;

	fd = open_target(o, O_RDWR | O_DIRECT | O_DSYNC, &t);
	if (fd < 0)
		return EXIT_IO;
	buf = alloc_buf(o, o->bs);
	if (!buf || sys_io_setup(1, &ctx)) {
		if (buf)
			fail(o, errno, "io_setup");
		close(fd);
		free(buf);
		return EXIT_IO;
	}
	cb.aio_fildes = fd;
	cb.aio_buf = (uintptr_t)buf;
	cb.aio_nbytes = o->bs;
	cb.aio_offset = o->offset;
	t0 = now_ms();
	for (unsigned long i = 0; i < o->count && !t.errors; i++) {
		if (ftruncate(fd, DT_SIZE)) {
			fail(o, errno, "ftruncate to %d", DT_SIZE);
			t.errors++;
			break;
		}
		if (sys_io_submit(ctx, 1, &cbp) != 1) {
			fail(o, errno, "io_submit");
			t.errors++;
			break;
		}
		/* the write is in flight: this waits for it in inode_dio_wait, holding i_rwsem */
		if (!o->reap_first && ftruncate(fd, DT_SIZE / 2)) {
			fail(o, errno, "ftruncate to %d", DT_SIZE / 2);
			t.errors++;
		}
		do
			n = sys_io_getevents(ctx, 1, 1, &ev);
		while (n < 0 && errno == EINTR);
		if (o->reap_first && ftruncate(fd, DT_SIZE / 2)) {
			fail(o, errno, "ftruncate to %d", DT_SIZE / 2);
			t.errors++;
		}
		if (n != 1) {
			fail(o, n < 0 ? errno : EIO, "io_getevents");
			t.errors++;
			break;
		}
		errno = ev.res < 0 ? -ev.res : 0;
		account(o, &t, ev.res < 0 ? -1 : ev.res, o->offset, false);
	}
	t.ms = now_ms() - t0;
	if (sys_io_destroy(ctx)) {
		fail(o, errno, "io_destroy");
		t.errors++;
	}
	return finish(o, &t, fd, buf);
}

/* aio-fcntl-toggle: an AIO writer on the shared open file description. */
static int toggle_writer(const struct opts *o, struct gate *g, unsigned long j)
{
	struct tally t = { .role = "aio-writer", .ms_key = "run_ms" };
	struct aio_target a = { .fds = &shared_fd, .nfds = 1, .j = j };
	double t0;

	if (fstat(shared_fd, &t.st)) {
		fail(o, errno, "fstat");
		return EXIT_IO;
	}
	t.tid = gettid();
	if (gate_pass(o, g))
		return EXIT_IO;
	t0 = now_ms();
	aio_loop(o, &t, &a, deadline_ms(o));
	t.ms = now_ms() - t0;
	return finish(o, &t, shared_fd, NULL);
}

/*
 * Flips O_DIRECT on the writers' open file description every 100 us, so
 * their io_submit calls alternate between iomap DIO (i_rwsem shared on an
 * overwrite) and buffered writes (i_rwsem exclusive).  Stops when the
 * parent closes @done_fd, after the last writer exited.
 */
static int toggler(const struct opts *o, int done_fd)
{
	struct tally t = { .role = "toggler" };
	struct pollfd p = { .fd = done_fd, .events = POLLIN };
	const struct timespec gap = { 0, 100000 };
	int fl, r;

	if (fstat(shared_fd, &t.st)) {
		fail(o, errno, "fstat");
		return EXIT_IO;
	}
	t.tid = gettid();
	for (;;) {
		r = ppoll(&p, 1, &gap, NULL);
		if (r > 0)
			break;
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			fail(o, errno, "ppoll");
			t.errors++;
			break;
		}
		fl = fcntl(shared_fd, F_GETFL);
		if (fl < 0 || fcntl(shared_fd, F_SETFL, fl ^ O_DIRECT)) {
			fail(o, errno, "fcntl F_SETFL O_DIRECT");
			t.errors++;
			break;
		}
		t.ops++;
	}
	close_fd(&done_fd);
	return finish(o, &t, shared_fd, NULL);
}

static int run_toggle(const struct opts *o)
{
	int done[2], rc, trc;
	pid_t tp;

	shared_fd = open(o->path, O_RDWR | O_DIRECT | O_CLOEXEC);
	if (shared_fd < 0) {
		fail(o, errno, "open %s", o->path);
		return EXIT_IO;
	}
	if (pipe2(done, O_CLOEXEC)) {
		fail(o, errno, "pipe2");
		return EXIT_IO;
	}
	tp = fork();
	if (tp < 0) {
		fail(o, errno, "fork");
		return EXIT_IO;
	}
	if (!tp) {
		close_fd(&done[1]);
		_exit(toggler(o, done[0]));
	}
	close_fd(&done[0]);
	/* the writers inherit done[1] too: the toggler stops when all are gone */
	rc = run_group(o, toggle_writer, o->jobs);
	close_fd(&done[1]);
	trc = reap(o, &tp, 1);
	close(shared_fd);
	return rc > trc ? rc : trc;
}

/* stress-mix mutator: grow a range, punch it, shrink the file, regrow it. */
static void stress_mutate(const struct opts *o, struct tally *t, int fd,
			  unsigned long i, off_t off)
{
	off_t bs = o->bs;

	switch (i / STRESS_FILES % 4) {	/* every file gets every step */
	case 0:
		mutate(o, t, fallocate(fd, 0, off, 16 * bs), "fallocate");
		break;
	case 1:
		mutate(o, t, fallocate(fd, FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE,
				       off, 8 * bs), "fallocate punch hole");
		break;
	case 2:
		mutate(o, t, ftruncate(fd, off), "ftruncate");
		break;
	default:
		mutate(o, t, ftruncate(fd, STRESS_BLOCKS * bs), "ftruncate");
		break;
	}
}

/*
 * stress-mix: process j plays role j % S_NR on all three files in turn, at
 * random block offsets, for --duration (or --count operations).
 */
static int stress_child(const struct opts *o, struct gate *g, unsigned long j)
{
	static const int flags[S_NR] = {
		[S_DIO_WRITE] = O_WRONLY | O_DIRECT,
		[S_BUFFERED_WRITE] = O_WRONLY,
		[S_DIO_READ] = O_RDONLY | O_DIRECT,
		[S_MUTATE] = O_RDWR,
		[S_AIO_WRITE] = O_WRONLY | O_DIRECT,
		[S_DSYNC_WRITE] = O_WRONLY | O_DIRECT | O_DSYNC,
	};
	enum srole role = j % S_NR;
	struct tally t = { .role = stress_roles[role], .ms_key = "run_ms" }, ft;
	uint64_t rng = 0x9e3779b97f4a7c15ULL * (j + 1);
	char path[PATH_MAX];
	int fds[STRESS_FILES];
	unsigned int k, nfd;
	double deadline, t0;
	void *buf;

	for (nfd = 0; nfd < STRESS_FILES; nfd++) {
		stress_path(o, nfd, path, sizeof(path));
		fds[nfd] = open_path(o, path, flags[role], nfd ? &ft : &t);
		if (fds[nfd] < 0)
			break;
	}
	buf = nfd == STRESS_FILES ? alloc_buf(o, o->bs) : NULL;
	if (!buf || gate_pass(o, g)) {
		while (nfd--)
			close(fds[nfd]);
		free(buf);
		return EXIT_IO;
	}
	t0 = now_ms();
	deadline = deadline_ms(o);
	if (role == S_AIO_WRITE) {
		struct aio_target a = { .fds = fds, .nfds = nfd, .j = j, .rng = rng };

		aio_loop(o, &t, &a, deadline);
	}
	for (unsigned long i = 0; role != S_AIO_WRITE && keep_going(o, i, deadline); i++) {
		off_t off = stress_offset(o, role, &rng);
		int fd = fds[i % nfd];

		if (role == S_MUTATE)
			stress_mutate(o, &t, fd, i, off);
		else if (role == S_DIO_READ)
			account(o, &t, pread(fd, buf, o->bs, off), off, true);
		else
			account(o, &t, pwrite(fd, buf, o->bs, off), off, false);
	}
	t.ms = now_ms() - t0;
	for (k = 1; k < nfd; k++) {
		if (close(fds[k])) {
			fail(o, errno, "close");
			t.errors++;
		}
	}
	return finish(o, &t, fds[0], buf);
}

/*
 * clone-both: copy_file_range of the first -b bytes from PATH to PATH.b and
 * back, -n rounds. Within one filesystem that supports it (xfs with reflink,
 * btrfs) it is a remap_file_range, which locks both inodes at once, in the
 * kernel's fixed order: a legitimate two-inode lock user, both ways.
 */
static int clone_both(const struct opts *o)
{
	struct tally t = { .role = "cloner" }, tb;
	char other[PATH_MAX];
	int a, b = -1;

	a = open_target(o, O_RDWR, &t);
	if (a < 0)
		return EXIT_IO;
	snprintf(other, sizeof(other), "%s.b", o->path);
	b = open_path(o, other, O_RDWR | O_CREAT | O_TRUNC, &tb);
	if (b < 0) {
		close(a);
		return EXIT_IO;
	}
	for (unsigned long i = 0; i < o->count; i++) {
		loff_t in = 0, out = 0;

		account(o, &t, copy_file_range(i % 2 ? b : a, &in, i % 2 ? a : b, &out, o->bs, 0), 0, false);
	}
	if (close(b)) {
		fail(o, errno, "close %s", other);
		t.errors++;
	}
	return finish(o, &t, a, NULL);
}

/* generic/364: the writer (this thread) and an fsyncer thread, one fd. */
static int fsync_same_fd(const struct opts *o)
{
	struct tally t = { .role = "writer" }, ft = { .role = "fsyncer" };
	struct dl_fsyncer f;
	void *buf;
	int fd, err;

	fd = open_target(o, O_WRONLY | O_DIRECT | (o->dsync ? O_DSYNC : 0), &t);
	if (fd < 0)
		return EXIT_IO;
	buf = alloc_buf(o, o->bs);
	if (!buf) {
		close(fd);
		return EXIT_IO;
	}
	ft.st = t.st;
	err = dl_fsyncer_start(&f, fd);
	if (err) {
		fail(o, err, "pthread_create");
		free(buf);
		close(fd);
		return EXIT_IO;
	}
	/* appending: every write takes i_rwsem exclusive */
	for (unsigned long i = 0; i < o->count; i++)
		account(o, &t, pwrite(fd, buf, o->bs, o->offset + (off_t)(i * o->bs)),
			o->offset + (off_t)(i * o->bs), false);
	dl_fsyncer_stop(&f);
	if (f.errors)
		fail(o, f.first_errno, "fsync");
	ft.tid = f.tid;
	ft.ops = f.fsyncs;
	ft.errors = f.errors;
	if (report(o, &ft, false))
		t.errors++;
	return finish(o, &t, fd, buf) ? EXIT_IO : ft.errors ? EXIT_IO : 0;
}

/* dio-mmap-contend's mapper: write-takes mmap_lock (mprotect) until the writer is done. */
struct mapper {
	pthread_t thread;
	char *region;
	size_t len;
	volatile bool stop;
	unsigned long ops, errors;
	int first_errno;
	pid_t tid;
};

static void *mapper_run(void *arg)
{
	struct mapper *m = arg;

	m->tid = (pid_t)syscall(SYS_gettid);
	while (!m->stop) {
		int prot = m->ops % 2 ? PROT_READ | PROT_WRITE : PROT_READ;

		if (mprotect(m->region, m->len, prot)) {
			if (!m->errors++)
				m->first_errno = errno;
		} else {
			m->ops++;
		}
	}
	return NULL;
}

static int mmap_contend(const struct opts *o)
{
	struct tally t = { .role = "writer" }, mt = { .role = "mapper" };
	struct mapper m = { .len = (size_t)MMAP_CONTEND_MB << 20 };
	char *buf;
	int fd, err;

	fd = open_target(o, O_WRONLY | O_DIRECT | (o->dsync ? O_DSYNC : 0), &t);
	if (fd < 0)
		return EXIT_IO;
	t.tid = (pid_t)syscall(SYS_gettid);
	/* anonymous memory: MADV_DONTNEED empties it, the next pin must fault it in again */
	buf = mmap(NULL, o->bs, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	m.region = mmap(NULL, m.len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (buf == MAP_FAILED || m.region == MAP_FAILED) {
		fail(o, errno, "mmap");
		close(fd);
		return EXIT_IO;
	}
	err = pthread_create(&m.thread, NULL, mapper_run, &m);
	if (err) {
		fail(o, err, "pthread_create");
		close(fd);
		return EXIT_IO;
	}
	for (unsigned long i = 0; i < o->count; i++) {
		if (madvise(buf, o->bs, MADV_DONTNEED))
			fail(o, errno, "madvise");
		account(o, &t, pwrite(fd, buf, o->bs, o->offset + (off_t)(i * o->bs)),
			o->offset + (off_t)(i * o->bs), false);
	}
	m.stop = true;
	pthread_join(m.thread, NULL);
	if (m.errors)
		fail(o, m.first_errno, "mprotect");
	mt.st = t.st;
	mt.tid = m.tid;
	mt.ops = m.ops;
	mt.errors = m.errors;
	munmap(m.region, m.len);
	munmap(buf, o->bs);
	if (report(o, &mt, false))
		t.errors++;
	return finish(o, &t, fd, NULL) ? EXIT_IO : mt.errors ? EXIT_IO : 0;
}

static int unmapped_write(const struct opts *o)
{
	struct tally t = { .role = "writer" };
	struct timespec hold = { (time_t)(o->hold_ms / 1000), (long)(o->hold_ms % 1000) * 1000000 };
	char *buf;
	int fd;

	fd = open_target(o, O_WRONLY | O_DIRECT, &t);
	if (fd < 0)
		return EXIT_IO;
	t.tid = (pid_t)syscall(SYS_gettid);
	buf = mmap(NULL, o->bs, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED) {
		fail(o, errno, "mmap");
		close(fd);
		return EXIT_IO;
	}
	/* a first write: the code and data this path touches are mapped from now on */
	account(o, &t, pwrite(fd, buf, o->bs, o->offset), o->offset, false);
	if (madvise(buf, o->bs, MADV_DONTNEED))
		fail(o, errno, "madvise");
	if (report(o, &t, true))
		t.errors++;
	nanosleep(&hold, NULL);
	/* extending: ext4 and xfs take i_rwsem exclusive, then pin the buffer */
	account(o, &t, pwrite(fd, buf, o->bs, o->offset + (off_t)o->bs), o->offset + (off_t)o->bs, false);
	munmap(buf, o->bs);
	return finish(o, &t, fd, NULL);
}

/* One O_DIRECT transfer between block `io` of the file and its mapping at block `buf`, faulted in anew. */
static void self_io(const struct opts *o, struct tally *t, int fd, char *map, off_t buf, off_t io, bool rd)
{
	char *b = map + buf * (off_t)o->bs;
	off_t off = io * (off_t)o->bs;

	if (madvise(b, o->bs, MADV_DONTNEED))
		fail(o, errno, "madvise");
	account(o, t, rd ? pread(fd, b, o->bs, off) : pwrite(fd, b, o->bs, off), off, rd);
}

/* The case's file opened for O_DIRECT and len bytes of it mapped shared at *map: its fd, or -1. */
static int open_self_map(const struct opts *o, struct tally *t, off_t len, char **map)
{
	int fd = open_target(o, O_RDWR | O_DIRECT, t);

	if (fd < 0)
		return -1;
	t->tid = (pid_t)syscall(SYS_gettid);
	*map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (*map == MAP_FAILED) {
		fail(o, errno, "mmap");
		close(fd);
		return -1;
	}
	return fd;
}

/* dio-mmap-same-write/-read: each block from (into) its own mapping, nothing else */
static int mmap_same(const struct opts *o, bool rd)
{
	struct tally t = { .role = rd ? "reader" : "writer" };
	off_t n = (off_t)o->count, len = n * (off_t)o->bs;
	char *map;
	int fd = open_self_map(o, &t, len, &map);

	if (fd < 0)
		return EXIT_IO;
	if (report(o, &t, true))
		t.errors++;
	for (off_t i = 0; i < n; i++)
		self_io(o, &t, fd, map, i, i, rd);
	munmap(map, len);
	return finish(o, &t, fd, NULL);
}

static int mmap_self(const struct opts *o)
{
	struct tally t = { .role = "writer" };
	off_t n = (off_t)o->count, len = 2 * n * (off_t)o->bs;
	char *map;
	int fd = open_self_map(o, &t, len, &map);

	if (fd < 0)
		return EXIT_IO;
	for (off_t i = 0; i < n; i++) {
		self_io(o, &t, fd, map, i, n + i, false);	/* write block n+i from the mapping of block i */
		self_io(o, &t, fd, map, n + i, i, true);	/* read block i into the mapping of block n+i */
		self_io(o, &t, fd, map, n + i, n + i, false);	/* write a block from its own mapping */
		self_io(o, &t, fd, map, i, i, true);		/* read a block into its own mapping */
	}
	munmap(map, len);
	return finish(o, &t, fd, NULL);
}

int main(int argc, char **argv)
{
	struct opts o;

	parse_opts(argc, argv, &o);
	if (setup_file(&o))
		return EXIT_IO;
	switch (o.wcase) {
	case C_EXTEND_CONTEND:
	case C_HOLD_CONTEND:
	case C_HOLD_READ_CONTEND:
		return run_group(&o, io_worker, o.jobs);
	case C_TRUNCATE_RACE:
		return run_group(&o, truncate_child, 2);
	case C_AIO_FCNTL_TOGGLE:
		return run_toggle(&o);
	case C_STRESS_MIX:
		return run_group(&o, stress_child, o.jobs);
	case C_AIO_DSYNC_TRUNCATE:
		return dsync_truncate(&o);
	case C_HOLD:
		return holder_run(&o, -1);
	case C_CLONE_BOTH:
		return clone_both(&o);
	case C_DIO_FSYNC_SAME_FD:
		return fsync_same_fd(&o);
	case C_DIO_MMAP_CONTEND:
		return mmap_contend(&o);
	case C_DIO_UNMAPPED_WRITE:
		return unmapped_write(&o);
	case C_DIO_MMAP_SELF:
		return mmap_self(&o);
	case C_DIO_MMAP_SAME_WRITE:
	case C_DIO_MMAP_SAME_READ:
		return mmap_same(&o, o.wcase == C_DIO_MMAP_SAME_READ);
	default:
		return io_worker(&o, NULL, 0);
	}
}
