/* SPDX-License-Identifier: GPL-2.0 */
/* Kernel symbols from /proc/kallsyms, module symbols included. */
#ifndef DIOLOCK_KSYMS_H
#define DIOLOCK_KSYMS_H

#include <stddef.h>
#include <linux/types.h>

struct ksyms;

struct ksyms *ksyms_load(const char *path);
void ksyms_free(struct ksyms *ks);
/* "func+0x1a [module]" into buf; "0xffff..." when unknown. */
void ksyms_format(const struct ksyms *ks, __u64 addr, char *buf, size_t len);

#endif
