// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include "lib/log.h"

bool dl_verbose;

static void vmsg(const char *prefix, const char *fmt, va_list ap)
{
	fprintf(stderr, "diolock: %s", prefix);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void dl_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg("", fmt, ap);
	va_end(ap);
}

void dl_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg("warning: ", fmt, ap);
	va_end(ap);
}

void dl_debug(const char *fmt, ...)
{
	va_list ap;

	if (!dl_verbose)
		return;
	va_start(ap, fmt);
	vmsg("debug: ", fmt, ap);
	va_end(ap);
}
