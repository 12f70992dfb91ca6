/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Pieces of the O_DIRECT workloads that `validate` runs and the test driver
 * (tests/workload/diowork.c) runs too: one implementation for both.
 */
#ifndef DIOLOCK_DIO_FILE_H
#define DIOLOCK_DIO_FILE_H

#include <pthread.h>
#include <stdbool.h>
#include <sys/types.h>

/*
 * FS_NOCOW_FL on fd, read back: btrfs ignores it on a non-empty file. 0,
 * -errno of the ioctl that failed, or 1 when the flag did not stick.
 */
int dl_set_nocow(int fd);

/* A thread that fsyncs one fd until stopped (fstests generic/364's second half). */
struct dl_fsyncer {
	int fd;
	bool stop;		/* __atomic: set by dl_fsyncer_stop, polled by the thread */
	unsigned long fsyncs, errors;
	int first_errno;	/* of the first fsync that failed, 0 none */
	pid_t tid;		/* the thread's, once it runs */
	pthread_t th;
};

/* 0, or pthread_create's error. */
int dl_fsyncer_start(struct dl_fsyncer *f, int fd);
/* Stops the thread and waits for it; then the counts are final. */
void dl_fsyncer_stop(struct dl_fsyncer *f);

#endif
