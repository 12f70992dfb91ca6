/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Run `-- CMD ...` under diolock: the child is forked first and held until
 * the probes are attached, so no event of CMD's start is missed.
 */
#ifndef DIOLOCK_RUNCMD_H
#define DIOLOCK_RUNCMD_H

#include <stddef.h>
#include <sys/types.h>

struct dl_cmd {
	pid_t pid;
	int go_fd;		/* write end: release the child */
	int err_fd;		/* read end: exec's errno, or EOF on success */
	int status;		/* wait status once reaped; -1 before */
};

int dl_cmd_fork(struct dl_cmd *c, char *const argv[], char *err, size_t errlen);
/* Let the child exec; fails with a one-line reason if exec failed. */
int dl_cmd_release(struct dl_cmd *c, char *const argv[], char *err, size_t errlen);
/* Reap without blocking: 1 when the child has exited. */
int dl_cmd_reaped(struct dl_cmd *c);
/* Drop a child that was never released. */
void dl_cmd_abort(struct dl_cmd *c);

#endif
