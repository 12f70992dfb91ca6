// SPDX-License-Identifier: GPL-2.0
/*
 * What a tracer adds to work that is not direct I/O: one thread repeats one
 * syscall and prints the CPU time it took per call (CLOCK_THREAD_CPUTIME_ID:
 * the BPF that runs in the syscall is charged to it, the machine's other
 * load much less than to wall time). bench/run runs it bare and under each
 * tool, in alternation.
 *
 *   sysloop getppid N        a syscall no tool hooks
 *   sysloop write-null N     1-byte write(2)s to /dev/null
 *   sysloop buffered FILE N  4 KiB pwrite(2)s, each dirtying a new page of FILE
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int usage(void)
{
	fprintf(stderr, "usage: sysloop getppid N | write-null N | buffered FILE N\n");
	return 2;
}

int main(int argc, char **argv)
{
	static char page[4096];
	const char *file = NULL;
	long n;
	int fd = -1;
	double t0;

	if (argc == 3 && (!strcmp(argv[1], "getppid") || !strcmp(argv[1], "write-null")))
		n = atol(argv[2]);
	else if (argc == 4 && !strcmp(argv[1], "buffered"))
		file = argv[2], n = atol(argv[3]);
	else
		return usage();
	if (n <= 0)
		return usage();
	if (!strcmp(argv[1], "write-null"))
		fd = open("/dev/null", O_WRONLY);
	else if (file)
		fd = open(file, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (strcmp(argv[1], "getppid") && fd < 0) {
		perror("sysloop: open");
		return 1;
	}
	memset(page, 1, sizeof(page));
	t0 = now_ns();
	for (long i = 0; i < n; i++) {
		if (!file && fd < 0)
			syscall(SYS_getppid);
		else if (!file && write(fd, page, 1) != 1)
			return 1;
		else if (file && pwrite(fd, page, sizeof(page), i * (off_t)sizeof(page)) != sizeof(page))
			return 1;
	}
	printf("%.1f\n", (now_ns() - t0) / n);
	if (file)
		unlink(file);
	return 0;
}
