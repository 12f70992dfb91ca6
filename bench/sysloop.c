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
 *   sysloop fault FILE N     page faults: drop a shared mapping's page of FILE
 *                            (MADV_DONTNEED) and write to it again (a page-cache
 *                            hit: the fault, page_mkwrite, sb_start_pagefault)
 *   sysloop fault-mprotect FILE N  the same while a second thread mprotect()s
 *                            64 MiB in a loop: madvise waits for mmap_lock, the
 *                            contended path diolock's mmap_lock hook is on
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/syscall.h>

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int usage(void)
{
	fprintf(stderr, "usage: sysloop getppid N | write-null N | buffered FILE N | fault FILE N | "
			"fault-mprotect FILE N\n");
	return 2;
}

#define FAULT_PAGES 256
#define MPROTECT_BYTES (64UL << 20)

static volatile bool stop;

/* fault-mprotect's second thread: write-takes mmap_lock over and over. */
static void *mprotect_loop(void *arg)
{
	char *region = arg;

	for (unsigned long i = 0; !stop; i++)
		mprotect(region, MPROTECT_BYTES, i % 2 ? PROT_READ | PROT_WRITE : PROT_READ);
	return NULL;
}

/* N page faults on FILE's shared mapping, each after dropping the page: CPU ns per fault. */
static int faults(const char *file, long n, bool contend)
{
	pthread_t t;
	char *map, *region = NULL;
	double t0;
	int fd = open(file, O_RDWR | O_CREAT | O_TRUNC, 0644);

	if (fd < 0 || ftruncate(fd, FAULT_PAGES * 4096L)) {
		perror("sysloop: open");
		return 1;
	}
	map = mmap(NULL, FAULT_PAGES * 4096L, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (contend)
		region = mmap(NULL, MPROTECT_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE,
			      -1, 0);
	if (map == MAP_FAILED || region == MAP_FAILED || (contend && pthread_create(&t, NULL, mprotect_loop, region))) {
		perror("sysloop: mmap");
		return 1;
	}
	memset(map, 1, FAULT_PAGES * 4096L);
	t0 = now_ns();
	for (long i = 0; i < n; i++) {
		char *p = map + (i % FAULT_PAGES) * 4096L;

		madvise(p, 4096, MADV_DONTNEED);
		*(volatile char *)p = (char)i;
	}
	printf("%.1f\n", (now_ns() - t0) / n);
	if (contend) {
		stop = true;
		pthread_join(t, NULL);
	}
	unlink(file);
	return 0;
}

int main(int argc, char **argv)
{
	static char page[4096];
	const char *file = NULL;
	long n;
	int fd = -1;
	double t0;

	if (argc == 4 && (!strcmp(argv[1], "fault") || !strcmp(argv[1], "fault-mprotect")))
		return atol(argv[3]) > 0 ? faults(argv[2], atol(argv[3]), argv[1][5] == '-') : usage();
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
