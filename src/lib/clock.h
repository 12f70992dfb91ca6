/* SPDX-License-Identifier: GPL-2.0 */
/* CLOCK_MONOTONIC: the clock bpf_ktime_get_ns() reads and every record carries. */
#ifndef DIOLOCK_CLOCK_H
#define DIOLOCK_CLOCK_H

#include <linux/types.h>

__u64 dl_mono_ns(void);
/* the same, in seconds */
double dl_mono_s(void);

#endif
