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

/*
 * The addresses of vmlinux's symbols names[0..n) into addrs (0: absent or
 * hidden by kptr_restrict); how many were found, -1 when path is unreadable.
 */
int ksyms_find(const char *path, const char *const *names, __u64 *addrs, size_t n);

#endif
