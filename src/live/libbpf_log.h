/* SPDX-License-Identifier: GPL-2.0 */
#ifndef DIOLOCK_LIBBPF_LOG_H
#define DIOLOCK_LIBBPF_LOG_H

#include <stdarg.h>
#include <bpf/libbpf.h>

/* libbpf's messages are only shown with -v: its hints do not fit this tool's errors. */
int dl_libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap);

#endif
