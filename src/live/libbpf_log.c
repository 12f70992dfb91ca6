// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include "live/libbpf_log.h"
#include "lib/log.h"

int dl_libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (!dl_verbose || level == LIBBPF_DEBUG)
		return 0;
	return vfprintf(stderr, fmt, ap);
}
