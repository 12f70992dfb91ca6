// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>
#include "live/runcmd.h"

int dl_cmd_fork(struct dl_cmd *c, char *const argv[], char *err, size_t errlen)
{
	int go[2], ex[2];
	char b;

	c->pid = -1;
	c->status = -1;
	if (pipe2(go, O_CLOEXEC) || pipe2(ex, O_CLOEXEC)) {
		snprintf(err, errlen, "cannot create pipes: %s", strerror(errno));
		return -errno;
	}
	c->pid = fork();
	if (c->pid < 0) {
		snprintf(err, errlen, "cannot fork: %s", strerror(errno));
		return -errno;
	}
	if (!c->pid) {
		close(go[1]);
		close(ex[0]);
		/* wait for the parent: EOF without a byte means it gave up */
		if (read(go[0], &b, 1) != 1)
			_exit(127);
		signal(SIGPIPE, SIG_DFL);
		execvp(argv[0], argv);
		int e = errno;

		if (write(ex[1], &e, sizeof(e)) < 0)
			_exit(127);
		_exit(127);
	}
	close(go[0]);
	close(ex[1]);
	c->go_fd = go[1];
	c->err_fd = ex[0];
	return 0;
}

int dl_cmd_release(struct dl_cmd *c, char *const argv[], char *err, size_t errlen)
{
	int e = 0;
	ssize_t n;

	if (write(c->go_fd, "g", 1) != 1) {
		snprintf(err, errlen, "cannot start '%s': %s", argv[0], strerror(errno));
		return -EIO;
	}
	close(c->go_fd);
	c->go_fd = -1;
	do
		n = read(c->err_fd, &e, sizeof(e));
	while (n < 0 && errno == EINTR);
	close(c->err_fd);
	c->err_fd = -1;
	if (n == sizeof(e)) {
		waitpid(c->pid, &c->status, 0);
		snprintf(err, errlen, "cannot run '%s': %s", argv[0], strerror(e));
		return -e;
	}
	return 0;
}

int dl_cmd_reaped(struct dl_cmd *c)
{
	if (c->pid <= 0 || c->status >= 0)
		return 1;
	return waitpid(c->pid, &c->status, WNOHANG) == c->pid;
}

void dl_cmd_abort(struct dl_cmd *c)
{
	if (c->pid <= 0)
		return;
	close(c->go_fd);
	close(c->err_fd);
	waitpid(c->pid, &c->status, 0);
}
