/* SPDX-License-Identifier: GPL-2.0 */
/* `diolock stat`'s output: the snapshot's histograms as text or JSON. */
#ifndef DIOLOCK_STAT_FMT_H
#define DIOLOCK_STAT_FMT_H

#include <stdio.h>
#include "output/event_fmt.h"
#include "output/snapshot.h"

struct stat_view {
	const struct st_snap *snap;
	const struct st_run *run;
	enum dl_stat_by by;		/* what the histograms are keyed by */
	struct pathres *pr;		/* names of devices and inodes */
	const struct dl_stack_resolver *sr;	/* --by stack: the frames; NULL: none */
};

void stat_print_text(FILE *f, const struct stat_view *v);
void stat_print_json(FILE *f, const struct stat_view *v);

#endif
