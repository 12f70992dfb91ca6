/* SPDX-License-Identifier: GPL-2.0 */
/* The snapshot `stat`, `top` and `serve` render (output/snapshot.h), read from a live run. */
#ifndef DIOLOCK_STATS_H
#define DIOLOCK_STATS_H

#include "live/live.h"
#include "output/snapshot.h"

/* The histogram maps, now. 0 or -errno. Sorted: by kind, then by total time, largest first. */
int st_snap_read(const struct dl_session *s, struct st_snap *snap);
/* The run's tiers, hold-time availability, CMD and how it ended. */
void st_run_read(const struct dl_live *l, struct st_run *run);

#endif
