/* SPDX-License-Identifier: GPL-2.0 */
/* The `check` report: human text and the JSON document (schema in README). */
#ifndef DIOLOCK_REPORT_H
#define DIOLOCK_REPORT_H

#include <stdio.h>
#include "analyzer.h"
#include "event_fmt.h"
#include "hooks.h"

struct dl_report {
	const struct analyzer *an;
	const char *kernel;			/* uname release */
	const struct dl_hook_state *hooks;	/* DL_HOOK_MAX entries */
	__u64 lost_ringbuf, lost_map_full;
	char *const *cmd_argv;			/* NULL: no CMD */
	int cmd_status;				/* wait status; -1 still running */
	double duration_s;
	bool interrupted, timed_out;
	const struct dl_stack_resolver *sr;
	const __u64 (*dio)[DL_DIO_CNT_MAX];	/* [DL_FSID_MAX]: the kernel's DIO counters; NULL: none */
};

enum dl_verdict {
	DL_VERDICT_CLEAN,
	DL_VERDICT_INCOMPLETE,		/* clean, but events were lost */
	DL_VERDICT_FAIL,		/* at least one error */
};

enum dl_verdict dl_report_verdict(const struct dl_report *r);
const char *dl_verdict_name(enum dl_verdict v);
void dl_report_text(FILE *f, const struct dl_report *r);
void dl_report_json(FILE *f, const struct dl_report *r);
/* Graphviz: the wait-for graph of each deadlock, cycle and long wait as found. */
void dl_report_dot(FILE *f, const struct dl_report *r);
/* One line for a finding, as printed live the moment it is detected. */
void dl_violation_line(FILE *f, const struct an_violation *v);

#endif
