// SPDX-License-Identifier: GPL-2.0
/*
 * `diolock __validate-workload DIR...`: validate's own workloads, run in a
 * child so that a kernel that deadlocks leaves the child in D state and the
 * verdict still comes (cmd_validate.c judges them). Each DIR gets:
 *
 *   0. O_DIRECT|O_DSYNC appends while another thread fsyncs the same fd
 *   1. O_DIRECT|O_DSYNC writes extending a file (i_rwsem exclusive)
 *   2. the same below EOF (the series let these take i_rwsem shared)
 *   3. DIO racing fallocate and truncate on one file
 *   and last, AIO O_DIRECT|O_DSYNC writes each raced by a shrinking truncate
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/aio_abi.h>
#include <linux/falloc.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include "diolock/rules.h"
#include "cmd/commands.h"
#include "cmd/validate.h"
#include "lib/dio_file.h"

int vw_open_file(const char *dir, const char *name, int flags, bool nocow)
{
	char path[PATH_MAX];
	int fd;

	snprintf(path, sizeof(path), "%s/diolock-validate.%s", dir, name);
	unlink(path);
	fd = open(path, O_RDWR | O_CREAT | flags, 0644);
	/* btrfs v6.15+ writes checksummed O_DIRECT through the page cache: NOCOW does real DIO */
	if (fd >= 0 && nocow)
		dl_set_nocow(fd);	/* best effort: a file that keeps COW is judged as it is */
	if (fd < 0)
		fprintf(stderr, "diolock: validate: cannot create %s: %s\n", path, strerror(errno));
	return fd;
}

static int dio_writes(int fd, void *buf, int n, off_t start)
{
	for (int i = 0; i < n; i++)
		if (pwrite(fd, buf, VW_BS, start + (off_t)i * VW_BS) != VW_BS)
			return -1;
	return 0;
}

/* Kept, not recreated: the parent watches this inode (see cmd_validate). */
int vw_open_overwrite(const char *dir, int flags, bool nocow)
{
	char path[PATH_MAX];
	struct stat st;
	int fd;

	snprintf(path, sizeof(path), "%s/diolock-validate.overwrite", dir);
	fd = open(path, O_RDWR | O_CREAT | flags, 0644);
	if (fd >= 0 && nocow && !fstat(fd, &st) && !st.st_size)
		dl_set_nocow(fd);
	return fd;
}

static int overwrite(const char *dir, void *buf, bool nocow)
{
	int fd = vw_open_overwrite(dir, 0, nocow), err;

	/* buffered fill, then direct writes inside it */
	err = fd < 0 || dio_writes(fd, buf, 8, 0) || fsync(fd);
	if (fd >= 0)
		close(fd);
	fd = vw_open_overwrite(dir, O_DIRECT | O_DSYNC, false);
	err |= fd < 0 || dio_writes(fd, buf, 4, 0);
	if (fd >= 0)
		close(fd);
	return err ? -1 : 0;
}

#define AIO_ROUNDS 32
#define AIO_SIZE ((off_t)64 * VW_BS)

/*
 * Invariant 4's workload, in its own process so a deadlock leaves the rest
 * done: each round an AIO O_DIRECT|O_DSYNC write at 0, at once a truncate to
 * half the size (btrfs_setsize waits in inode_dio_wait holding i_rwsem),
 * reap, grow back. Raw AIO syscalls: no libaio.
 */
static int aio_truncate(const char *dir, void *buf)
{
	struct iocb cb = { .aio_lio_opcode = IOCB_CMD_PWRITE, .aio_buf = (__u64)(uintptr_t)buf,
			   .aio_nbytes = VW_BS }, *cbp = &cb;
	aio_context_t ctx = 0;
	struct io_event ev;
	char path[PATH_MAX];
	int fd, err = 0;

	snprintf(path, sizeof(path), "%s/diolock-validate.aiotrunc", dir);
	fd = open(path, O_RDWR | O_DIRECT | O_DSYNC);
	if (fd < 0 || syscall(SYS_io_setup, 1, &ctx)) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	cb.aio_fildes = (__u32)fd;
	for (int i = 0; i < AIO_ROUNDS && !err; i++) {
		long n;

		err = ftruncate(fd, AIO_SIZE) || syscall(SYS_io_submit, ctx, 1, &cbp) != 1;
		if (err)
			break;
		err = ftruncate(fd, AIO_SIZE / 2);
		do
			n = syscall(SYS_io_getevents, ctx, 1, 1, &ev, NULL);
		while (n < 0 && errno == EINTR);
		err |= n != 1 || ev.res != VW_BS;
	}
	syscall(SYS_io_destroy, ctx);
	close(fd);
	return err ? -1 : 0;
}

bool vw_is_btrfs(const char *dir)
{
	struct statfs sf;

	return !statfs(dir, &sf) && sf.f_type == DL_BTRFS_SUPER_MAGIC;
}

#define SHARED_FD_WRITES 64

/*
 * Invariant 5's workload (fstests generic/364): O_DIRECT|O_DSYNC appends
 * while another thread fsyncs the same file descriptor. Where btrfs kept its
 * DIO-write stub on the struct file (v6.10 until cd9253c23aed), an fsync in a
 * write's completion window saw it and skipped i_rwsem. A thread, not a
 * forked child: after fork() the buffer's pages are copy-on-write, and
 * btrfs's no-fault DIO then gives up on them and writes through the page cache.
 */
static int shared_fd_fsync(const char *dir, void *buf)
{
	/* not NOCOW: as fstests does it (a kernel with the stub on the file checksums real DIO) */
	int fd = vw_open_file(dir, "shared-fd", O_DIRECT | O_DSYNC, false), err;
	struct dl_fsyncer f;

	if (fd < 0)
		return -1;
	if (dl_fsyncer_start(&f, fd)) {
		close(fd);
		return -1;
	}
	err = dio_writes(fd, buf, SHARED_FD_WRITES, 0);
	dl_fsyncer_stop(&f);
	close(fd);
	return err || f.errors ? -1 : 0;
}

static int workload_dir(const char *dir, void *buf)
{
	bool nocow = vw_is_btrfs(dir);
	int fd, fd2, err = 0;
	pid_t racer;

	/*
	 * 0. an fsync of the same file from another task during DIO writes:
	 * first, because after the NOCOW files below were raced by fallocate and
	 * truncate, 6.12's btrfs wrote each next file's DIO appends short and the
	 * rest through the page cache (seen in the VM, stock btrfs too), leaving
	 * few completion windows to meet
	 */
	if (shared_fd_fsync(dir, buf))
		err = -1;
	/* 1. O_DIRECT|O_DSYNC writes extending a file: i_rwsem exclusive */
	fd = vw_open_file(dir, "extend", O_DIRECT | O_DSYNC, nocow);
	if (fd < 0 || dio_writes(fd, buf, 4, 0))
		err = -1;
	close(fd);
	/* 2. the same below EOF: the series let these take i_rwsem shared */
	if (overwrite(dir, buf, nocow))
		err = -1;
	/* 3. DIO racing fallocate and truncate on one file */
	fd = vw_open_file(dir, "race", O_DIRECT | O_DSYNC, nocow);
	fd2 = fd >= 0 ? dup(fd) : -1;
	racer = fork();
	if (racer == 0) {
		for (int i = 0; i < 32; i++) {
			if (fallocate(fd2, 0, 0, (off_t)16 * VW_BS) && errno != EOPNOTSUPP)
				_exit(1);
			if (ftruncate(fd2, (off_t)4 * VW_BS))
				_exit(1);
		}
		_exit(0);
	}
	for (int i = 0; i < 32; i++)
		if (pwrite(fd, buf, VW_BS, (off_t)(i % 8) * VW_BS) != VW_BS)
			err = -1;
	if (racer > 0) {
		int st;

		waitpid(racer, &st, 0);
		if (!WIFEXITED(st) || WEXITSTATUS(st))
			err = -1;
	}
	close(fd);
	close(fd2);
	return err;
}

int cmd_validate_workload(int argc, char **argv)
{
	void *buf;
	int err = 0;

	if (posix_memalign(&buf, VW_BS, VW_BS))
		return 1;
	memset(buf, 0xd1, VW_BS);
	for (int i = 1; i < argc; i++)
		if (workload_dir(argv[i], buf)) {
			fprintf(stderr, "diolock: validate: workload in %s: %s\n", argv[i], strerror(errno));
			err = 1;
		}
	/* last: on a kernel with the bug, this one does not come back */
	for (int i = 1; i < argc; i++)
		if (aio_truncate(argv[i], buf)) {
			fprintf(stderr, "diolock: validate: AIO+truncate in %s: %s\n", argv[i], strerror(errno));
			err = 1;
		}
	free(buf);
	return err;
}
