/* SPDX-License-Identifier: GPL-2.0 */
#ifndef DIOLOCK_LOG_H
#define DIOLOCK_LOG_H

#include <stdarg.h>
#include <stdbool.h>

extern bool dl_verbose;

/* One line to stderr: "diolock: <msg>". */
void dl_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void dl_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void dl_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
