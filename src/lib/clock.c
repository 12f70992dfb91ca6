// SPDX-License-Identifier: GPL-2.0
#include <time.h>
#include "lib/clock.h"

__u64 dl_mono_ns(void)
{
	struct timespec ts;

	/* cannot fail with a valid pointer and a clock every kernel has */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

double dl_mono_s(void)
{
	return dl_mono_ns() / 1e9;
}
