/* SPDX-License-Identifier: GPL-2.0 */
/* `diolock serve`'s metrics in the Prometheus text exposition format, from a snapshot. */
#ifndef DIOLOCK_METRICS_H
#define DIOLOCK_METRICS_H

#include <stdio.h>
#include "analyzer/analyzer.h"
#include "output/snapshot.h"

struct metrics_view {
	struct st_snap *snap;		/* --by inode: ranked in place, the rest summed as ino "other" */
	const struct st_run *run;
	enum dl_stat_by by;		/* the histograms' small key labels */
	unsigned int top_inodes;	/* --by inode: inodes with their own series */
	unsigned int top_cgroups;	/* --by cgroup: cgroups with their own series, the rest "other" */
	bool analyzer;			/* findings from check's analyzer; else the kernel's completion folds */
	const __u64 (*finding)[AN_ERROR + 1];	/* [AN_KIND_MAX]: findings by kind and severity */
	struct pathres *pr;		/* names of devices and inodes, for the _info series */
	const char *libbpf;		/* libbpf's version, for diolock_build_info */
};

void metrics_print(FILE *f, const struct metrics_view *v);

/* Findings by kind and severity, added into finding: the analyzer's, or the kernel's folds. */
void metrics_count_findings(const struct an_results *res, __u64 finding[AN_KIND_MAX][AN_ERROR + 1]);
void metrics_count_folds(const struct dl_fold *slots, size_t n, __u64 finding[AN_KIND_MAX][AN_ERROR + 1]);

#endif
