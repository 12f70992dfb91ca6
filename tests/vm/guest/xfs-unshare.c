// SPDX-License-Identifier: GPL-2.0
/*
 * xfs-unshare [-m MIB] [-w SEC] PATH: the xfs_zero_relock scenario's
 * workload (a static helper built by tests/vm/lib/prepare.sh; diowork has no
 * unshare case). PATH.src gets MIB MiB (default 64), fsynced, so its blocks
 * are real; PATH becomes its reflink (FICLONE): every block shared. Then
 * FALLOC_FL_UNSHARE_RANGE over all of PATH, while a second thread starts
 * writeback of PATH every millisecond (sync_file_range, for at most SEC s,
 * default 10). The unshare reserves delalloc blocks in the COW fork
 * (IOMAP_F_NEW) and dirties the page cache over them folio by folio;
 * writeback of the first dirty folios converts that reservation, so the
 * unshare's iomap goes stale, iomap_unshare_iter() stops short, and
 * xfs_buffered_write_iomap_end() must release the rest of the reservation:
 * with the invalidate_lock that xfs_file_fallocate() already holds. On a stock
 * 6.12 it does so without relocking and the unshare completes; with the
 * xfs_zero_relock livepatch (99c29f16b79f undone) the task waits for itself.
 *
 * stdout: a line per step, flushed (a hung run shows how far it got), and
 * at the end {"unshare":0|-1,"errno":N,"ms":N,"syncs":N}.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <linux/fs.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static atomic_int done;
static atomic_long syncs;
static int fd;
static double window_s = 10;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
	printf("xfs-unshare: %s: %s\n", what, strerror(errno));
	exit(2);
}

/* writeback of whatever the unshare has dirtied so far, again and again */
static void *writeback(void *arg)
{
	double end = now_s() + window_s;

	(void)arg;
	while (!atomic_load(&done) && now_s() < end) {
		if (sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE) == 0)
			atomic_fetch_add(&syncs, 1);
		usleep(1000);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	size_t mib = 64, chunk = 1 << 20, i;
	char src[4096], *buf;
	struct stat st;
	pthread_t t;
	double t0;
	int c, sfd, rc, err;

	while ((c = getopt(argc, argv, "m:w:")) != -1) {
		switch (c) {
		case 'm': mib = strtoul(optarg, NULL, 0); break;
		case 'w': window_s = atof(optarg); break;
		default: goto usage;
		}
	}
	if (optind != argc - 1 || !mib)
		goto usage;
	setvbuf(stdout, NULL, _IOLBF, 0);
	snprintf(src, sizeof(src), "%s.src", argv[optind]);

	sfd = open(src, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (sfd < 0)
		die(src);
	buf = malloc(chunk);
	if (!buf)
		die("malloc");
	for (i = 0; i < mib; i++) {
		memset(buf, 'a' + i % 26, chunk);
		if (write(sfd, buf, chunk) != (ssize_t)chunk)
			die("write");
	}
	if (fsync(sfd))
		die("fsync");

	fd = open(argv[optind], O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		die(argv[optind]);
	if (ioctl(fd, FICLONE, sfd))
		die("FICLONE (a reflink-capable XFS?)");
	close(sfd);
	if (fstat(fd, &st))
		die("fstat");
	printf("cloned %zu MiB from %s: ino %lu\n", mib, src, (unsigned long)st.st_ino);

	if (pthread_create(&t, NULL, writeback, NULL))
		die("pthread_create");
	printf("unsharing %zu MiB, writeback every ms for up to %g s\n", mib, window_s);
	t0 = now_s();
	rc = fallocate(fd, FALLOC_FL_UNSHARE_RANGE, 0, (off_t)mib << 20);
	err = rc ? errno : 0;
	atomic_store(&done, 1);
	pthread_join(t, NULL);
	printf("{\"unshare\":%d,\"errno\":%d,\"ms\":%.0f,\"syncs\":%ld}\n", rc, err, (now_s() - t0) * 1e3,
	       atomic_load(&syncs));
	return rc ? 1 : 0;
usage:
	fprintf(stderr, "usage: xfs-unshare [-m MIB] [-w SEC] PATH\n");
	return 2;
}
