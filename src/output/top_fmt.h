/* SPDX-License-Identifier: GPL-2.0 */
/* `diolock top`'s screen (or one JSON document) from a snapshot. */
#ifndef DIOLOCK_TOP_FMT_H
#define DIOLOCK_TOP_FMT_H

#include <stdio.h>
#include "output/snapshot.h"

struct top_view {
	const struct st_snap *snap;
	const char *wait_tier;		/* the tier of the i_rwsem wait hooks */
	__u64 ts_ns;			/* the refresh's time */
	double uptime_s, interval_s;
	int width;			/* columns: lines are cut to it */
	int height;			/* rows; 0: not a screen, every inode printed */
	bool json;			/* one JSON document (a line) instead of the table */
	bool clear;			/* a terminal: clear and home first */
	bool separate;			/* a frame came before: a blank line first */
	struct pathres *pr;		/* inode paths */
};

void top_print(FILE *f, const struct top_view *v);

#endif
