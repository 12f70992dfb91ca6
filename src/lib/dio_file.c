// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include "lib/dio_file.h"

int dl_set_nocow(int fd)
{
	int flags;

	if (ioctl(fd, FS_IOC_GETFLAGS, &flags) || ioctl(fd, FS_IOC_SETFLAGS, &(int){ flags | FS_NOCOW_FL }) ||
	    ioctl(fd, FS_IOC_GETFLAGS, &flags))
		return -errno;
	return flags & FS_NOCOW_FL ? 0 : 1;
}

static void *fsync_loop(void *arg)
{
	struct dl_fsyncer *f = arg;

	f->tid = gettid();
	while (!__atomic_load_n(&f->stop, __ATOMIC_RELAXED)) {
		if (!fsync(f->fd)) {
			f->fsyncs++;
		} else if (!f->errors++) {
			f->first_errno = errno;
		}
	}
	return NULL;
}

int dl_fsyncer_start(struct dl_fsyncer *f, int fd)
{
	memset(f, 0, sizeof(*f));
	f->fd = fd;
	return pthread_create(&f->th, NULL, fsync_loop, f);
}

void dl_fsyncer_stop(struct dl_fsyncer *f)
{
	__atomic_store_n(&f->stop, true, __ATOMIC_RELAXED);
	pthread_join(f->th, NULL);
}
