/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A minimal unit-test harness: each test prints "PASS name" or
 * "FAIL name: why" (tests/run counts these lines), and the binary exits
 * non-zero if any failed.
 */
#ifndef DIOLOCK_UNIT_H
#define DIOLOCK_UNIT_H

#include <stdio.h>

static int unit_failed_total;
static int unit_failed_now;

#define CHECK(cond)							\
	do {								\
		if (!(cond)) {						\
			printf("    %s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond); \
			unit_failed_now = 1;				\
		}							\
	} while (0)

#define RUN(fn)								\
	do {								\
		unit_failed_now = 0;					\
		fn();							\
		printf("%s %s\n", unit_failed_now ? "FAIL" : "PASS", #fn); \
		unit_failed_total += unit_failed_now;			\
	} while (0)

#define UNIT_EXIT() return unit_failed_total ? 1 : 0

#endif
