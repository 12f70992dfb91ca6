/* SPDX-License-Identifier: GPL-2.0 */
/* The `check` report: human text and the JSON document (schema in docs/json.md). */
#ifndef DIOLOCK_REPORT_H
#define DIOLOCK_REPORT_H

#include <stdio.h>
#include "analyzer/analyzer.h"
#include "output/event_fmt.h"
#include "lib/hooks.h"
#include "lib/inode_paths.h"
#include "lib/cgroups.h"

struct dl_report {
	struct an_results an;			/* the analysis, read-only (analyzer.h) */
	const char *kernel;			/* uname release */
	const struct dl_hook_state *hooks;	/* DL_HOOK_MAX entries */
	const char *version, *git_rev;		/* of the diolock that ran ("" unknown) */
	const char *host, *start_time;		/* start_time: UTC, ISO 8601 */
	const char *lock_layout;		/* i_rwsem layout BPF decoded; "" or NULL: not recorded */
	const struct dl_filter *run_filter;	/* applied in BPF during the run (NULL: none) */
	__u64 lost_ringbuf, lost_map_full;
	__u64 stacks_lost;			/* findings and records shown without their stack */
	char *const *cmd_argv;			/* NULL: no CMD */
	int cmd_status;				/* wait status; -1 still running */
	int killed_by;				/* signal diolock sent CMD at --timeout, 0 none */
	double duration_s;
	bool interrupted, timed_out;
	bool partial;				/* a snapshot while the run goes on */
	bool cut;				/* a recording that ends before its trailer */
	__u64 cut_at;				/* ... at this byte */
	const struct dl_stack_resolver *sr;
	const struct dl_cgroups *cgroups;	/* names of the cgroups findings carry; NULL none */
	const __u64 (*dio)[DL_DIO_CNT_MAX];	/* [DL_FSID_MAX]: the kernel's DIO counters; NULL: none */
	const struct inode_paths *paths;	/* of the inodes findings name; NULL: none */
};

enum dl_verdict {
	DL_VERDICT_CLEAN,
	DL_VERDICT_INCOMPLETE,		/* no error, but the run proved nothing (see why_incomplete) */
	DL_VERDICT_FAIL,		/* at least one error */
};

/* --fail-on: what makes the exit status non-zero. */
enum {
	DL_FAIL_ERROR = 1 << 0,		/* an error finding: exit 1 */
	DL_FAIL_WARNING = 1 << 1,	/* a warning finding: exit 1 */
	DL_FAIL_LOST = 1 << 2,		/* verdict incomplete: exit 3 */
	DL_FAIL_CMD = 1 << 3,		/* CMD exited non-zero or was killed: exit 1 */
	DL_FAIL_DEFAULT = DL_FAIL_ERROR | DL_FAIL_LOST,
};

/* "error,lost" -> mask. 0, or -EINVAL with the bad item in err. */
int dl_parse_fail_on(const char *s, unsigned int *mask, char *err, size_t errlen);
enum dl_verdict dl_report_verdict(const struct dl_report *r);
/* Why the verdict is incomplete, or NULL. */
const char *dl_report_why_incomplete(const struct dl_report *r);
/* False when filters were given and no event matched them. */
bool dl_report_filters_matched(const struct dl_report *r);
bool dl_report_cmd_failed(const struct dl_report *r);
/* The exit status for fail_on (DL_EXIT_*). */
int dl_report_exit(const struct dl_report *r, unsigned int fail_on);
const char *dl_verdict_name(enum dl_verdict v);
void dl_report_text(FILE *f, const struct dl_report *r);
void dl_report_json(FILE *f, const struct dl_report *r);
/* Graphviz: the wait-for graph of each deadlock, cycle and long wait as found. */
void dl_report_dot(FILE *f, const struct dl_report *r);
/* One line for a finding, as printed live the moment it is detected. */
void dl_finding_line(FILE *f, const struct an_finding *v);
/* JUnit XML: one test case per finding kind and per completeness condition. */
void dl_report_junit(FILE *f, const struct dl_report *r, unsigned int fail_on);
/* The report's filters (the run's, narrowed by replay's) as options: "--dev 7:0 --fs ext4". */
void dl_report_filter_desc(const struct dl_report *r, char *buf, size_t len);

#endif
