// SPDX-License-Identifier: GPL-2.0
/*
 * O_DIRECT writes submitted the ways databases submit them, for the tests:
 * io_uring issued inline, forced to io-wq (IOSQE_ASYNC), through an SQPOLL
 * thread, with a registered file, and Linux AIO (io_submit(2), without
 * libaio). Each run writes N 4 KiB blocks at distinct offsets, QD of them in
 * flight, and prints one JSON line naming itself, as diowork does.
 *
 *   uringwork [-n N] [-q QD] [--dsync] [--unaligned] MODE FILE
 *   MODE: inline | async | sqpoll | fixed | aio | drain
 *
 * drain: N O_DIRECT overwrites of written blocks through io_uring, and,
 * before reaping them, a truncate that shrinks the file (it waits in
 * inode_dio_wait() for them): the shape of the v6.6-rc self-deadlock fixed
 * by 838b35bb6a89, harmless wherever io_uring completes DIO as it should.
 *
 * --unaligned starts each write 512 bytes into its block: aligned enough for
 * O_DIRECT on ext4 and xfs, not for btrfs, which then writes it through the
 * page cache on every kernel.
 */
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <linux/aio_abi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define BS 4096

/* --unaligned: each write's offset past its 4 KiB block */
static long long shift;

static void die(const char *what, int err)
{
	fprintf(stderr, "uringwork: %s: %s\n", what, strerror(err));
	exit(2);
}

/*
 * One write's completion, which must have written a whole block. An SQPOLL
 * ring is woken again every 50 ms while it waits: CI once hung here for good
 * with the app in io_cqring_wait and iou-sqp asleep in io_sq_thread, the
 * shape of a write queued just as the SQ thread went idle and never
 * consumed (a missed IORING_SQ_NEED_WAKEUP). liburing 2.3 has the user-space
 * barrier (liburing#542), so the race may be the kernel's side; the cause is
 * not established, and a wakeup costs nothing when nothing is pending.
 */
static void reap_write(struct io_uring *ring)
{
	struct __kernel_timespec ts = { .tv_nsec = 50 * 1000 * 1000 };
	struct io_uring_cqe *cqe;
	int ret;

	if (!(ring->flags & IORING_SETUP_SQPOLL)) {
		ret = io_uring_wait_cqe(ring, &cqe);
	} else {
		while ((ret = io_uring_wait_cqe_timeout(ring, &cqe, &ts)) == -ETIME)
			syscall(__NR_io_uring_enter, ring->ring_fd, 0, 0, IORING_ENTER_SQ_WAKEUP, NULL, 0);
	}
	if (ret < 0)
		die("io_uring_wait_cqe", -ret);
	if (cqe->res != BS)
		die("write", cqe->res < 0 ? -cqe->res : EIO);
	io_uring_cqe_seen(ring, cqe);
}

static int uring_writes(const char *mode, int fd, void *buf, int n, int qd)
{
	struct io_uring_params p = { 0 };
	struct io_uring ring;
	int done = 0, sent = 0, target = fd, ret;
	unsigned int sqe_flags = 0;

	if (!strcmp(mode, "sqpoll")) {
		p.flags = IORING_SETUP_SQPOLL;
		p.sq_thread_idle = 100;
	}
	ret = io_uring_queue_init_params(qd, &ring, &p);
	if (ret < 0)
		die("io_uring_queue_init", -ret);
	if (!strcmp(mode, "fixed")) {
		ret = io_uring_register_files(&ring, &fd, 1);
		if (ret < 0)
			die("io_uring_register_files", -ret);
		target = 0;
		sqe_flags |= IOSQE_FIXED_FILE;
	}
	if (!strcmp(mode, "async"))
		sqe_flags |= IOSQE_ASYNC;
	while (done < n) {
		while (sent < n && sent - done < qd) {
			struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);

			if (!sqe)
				break;
			io_uring_prep_write(sqe, target, buf, BS, (__u64)sent * BS + shift);
			sqe->flags |= sqe_flags;
			sent++;
		}
		ret = io_uring_submit(&ring);
		if (ret < 0)
			die("io_uring_submit", -ret);
		reap_write(&ring);
		done++;
	}
	io_uring_queue_exit(&ring);
	return 0;
}

static int drain_race(int fd, void *buf, int n)
{
	struct io_uring ring;
	int ret;

	/* written blocks: the overwrites below are pure overwrites */
	for (int i = 0; i < 2 * n; i++)
		if (pwrite(fd, buf, BS, (off_t)i * BS) != BS)
			die("prefill", errno);
	if (fsync(fd))
		die("fsync", errno);
	/*
	 * DEFER_TASKRUN: the ring's task_work runs only when the task waits for
	 * completions, not on every return to user space, so a completion left
	 * to the task is still owed when the truncate starts, however fast the
	 * disk (v6.1+).
	 */
	ret = io_uring_queue_init(n, &ring, IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN);
	if (ret < 0)
		die("io_uring_queue_init", -ret);
	for (int i = 0; i < n; i++) {
		struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);

		if (!sqe)
			die("io_uring_get_sqe", EBUSY);
		io_uring_prep_write(sqe, fd, buf, BS, (__u64)i * BS);
	}
	ret = io_uring_submit(&ring);
	if (ret != n)
		die("io_uring_submit", ret < 0 ? -ret : EIO);
	/* not reaped yet: the truncate waits for them in inode_dio_wait() */
	if (ftruncate(fd, (off_t)n * BS))
		die("ftruncate", errno);
	for (int i = 0; i < n; i++)
		reap_write(&ring);
	io_uring_queue_exit(&ring);
	return 0;
}

static int aio_writes(int fd, void *buf, int n, int qd)
{
	aio_context_t ctx = 0;
	struct iocb cbs[64], *ptrs[64];
	struct io_event ev[64];
	int sent = 0;

	if (qd > 64)
		qd = 64;
	if (syscall(SYS_io_setup, qd, &ctx) < 0)
		die("io_setup", errno);
	while (sent < n) {
		int batch = n - sent < qd ? n - sent : qd, got = 0;

		for (int i = 0; i < batch; i++) {
			memset(&cbs[i], 0, sizeof(cbs[i]));
			cbs[i].aio_lio_opcode = IOCB_CMD_PWRITE;
			cbs[i].aio_fildes = fd;
			cbs[i].aio_buf = (__u64)(unsigned long)buf;
			cbs[i].aio_nbytes = BS;
			cbs[i].aio_offset = (__s64)(sent + i) * BS + shift;
			ptrs[i] = &cbs[i];
		}
		if (syscall(SYS_io_submit, ctx, batch, ptrs) != batch)
			die("io_submit", errno);
		while (got < batch) {
			long r = syscall(SYS_io_getevents, ctx, 1, batch - got, ev, NULL);

			if (r < 0)
				die("io_getevents", errno);
			for (long i = 0; i < r; i++)
				if (ev[i].res != BS)
					die("write", ev[i].res < 0 ? (int)-ev[i].res : EIO);
			got += r;
		}
		sent += batch;
	}
	syscall(SYS_io_destroy, ctx);
	return 0;
}

int main(int argc, char **argv)
{
	int n = 16, qd = 8, flags = O_WRONLY | O_CREAT | O_DIRECT, fd, i;
	const char *mode, *path;
	struct stat st;
	void *buf;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "-n") && i + 1 < argc)
			n = atoi(argv[++i]);
		else if (!strcmp(argv[i], "-q") && i + 1 < argc)
			qd = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--dsync"))
			flags |= O_DSYNC;
		else if (!strcmp(argv[i], "--unaligned"))
			shift = 512;
		else
			break;
	}
	if (argc - i != 2 || n < 1 || qd < 1) {
		fprintf(stderr, "usage: uringwork [-n N] [-q QD] [--dsync] [--unaligned] inline|async|sqpoll|fixed|aio|drain FILE\n");
		return 2;
	}
	mode = argv[i];
	path = argv[i + 1];
	fd = open(path, flags, 0644);
	if (fd < 0)
		die(path, errno);
	if (posix_memalign(&buf, BS, BS))
		die("posix_memalign", ENOMEM);
	memset(buf, 'u', BS);
	if (fstat(fd, &st))
		die("fstat", errno);
	printf("{\"role\":\"writer\",\"pid\":%d,\"tid\":%d,\"ino\":%llu,\"mode\":\"%s\"}\n", getpid(), gettid(),
	       (unsigned long long)st.st_ino, mode);
	fflush(stdout);
	if (!strcmp(mode, "aio"))
		aio_writes(fd, buf, n, qd);
	else if (!strcmp(mode, "drain"))
		drain_race(fd, buf, n);
	else if (!strcmp(mode, "inline") || !strcmp(mode, "async") || !strcmp(mode, "sqpoll") ||
		 !strcmp(mode, "fixed"))
		uring_writes(mode, fd, buf, n, qd);
	else
		die(mode, EINVAL);
	printf("{\"role\":\"done\",\"mode\":\"%s\",\"ops\":%d,\"errors\":0}\n", mode, n);
	free(buf);
	close(fd);
	return 0;
}
