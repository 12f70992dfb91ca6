/* SPDX-License-Identifier: GPL-2.0 */
/* What validate's judge (cmd_validate.c) and its workload (validate_workload.c) share. */
#ifndef DIOLOCK_VALIDATE_H
#define DIOLOCK_VALIDATE_H

#include <stdbool.h>

#define VW_BS 4096	/* every write's size and alignment */

/* DIR/diolock-validate.NAME, created afresh; NOCOW where asked (btrfs). -1: said on stderr. */
int vw_open_file(const char *dir, const char *name, int flags, bool nocow);
/* The overwrite file, kept across runs: the judge watches its inode. */
int vw_open_overwrite(const char *dir, int flags, bool nocow);
bool vw_is_btrfs(const char *dir);

#endif
