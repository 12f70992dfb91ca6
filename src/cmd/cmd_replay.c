// SPDX-License-Identifier: GPL-2.0
/*
 * `diolock replay FILE`: the analysis of a recording, offline and without
 * root. The report is the one the live `check` of that run printed.
 */
#include <argp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lib/cli.h"
#include "lib/json.h"
#include "cmd/commands.h"
#include "lib/log.h"
#include "output/report_files.h"
#include "pipeline/replay.h"
struct replay_opts {
	struct dl_filter filter;
	const char *path;
	struct dl_report_opts rep;
	int trace;		/* 0: report; 1: event lines; 2: JSON lines */
};

enum { OPT_TRACE_JSON = 0x300 };

static const struct argp_option options[] = {
	{ "json", 'j', NULL, 0, "Print the JSON report on stdout (the text report goes to stderr); with --trace, the events as JSON lines", 0 },
	{ "json-file", 'J', "FILE", 0, "Write the JSON report to FILE", 0 },
	{ "quiet", 'q', NULL, 0, "No finding lines as they are found; only the final report", 0 },
	{ "dot", 'D', "FILE", 0, "Write the wait-for graph of each deadlock found to FILE (Graphviz)", 0 },
	{ "junit", DL_OPT_JUNIT, "FILE", 0, "Write a JUnit XML report to FILE: one test case per finding kind", 0 },
	{ "fail-on", DL_OPT_FAIL_ON, "LIST", 0, "What fails the run: error,warning,lost,cmd, comma-separated (default error,lost)", 0 },
	{ "trace", 't', NULL, 0, "Print the recorded events as `trace` does, instead of a report", 0 },
	{ "trace-json", OPT_TRACE_JSON, NULL, 0, "Print the recorded events as `trace --json` does (the same as -t -j)", 0 },
	DL_FILTER_ARGP_OPTIONS,
	{ 0 },
};

static const char doc[] =
	"Analyse a recording made by `diolock record` or `check --record`. Needs no\n"
	"privileges. Filters narrow the analysis further (the recording's own filters\n"
	"still apply; none is checked against this machine). Exit status as `check`\n"
	"for the same --fail-on: 0 clean, 1 error finding, 2 usage error or a file\n"
	"that is no recording or is corrupt, 3 incomplete, which includes a recording\n"
	"cut short (a killed run): it is replayed up to its last whole record, and\n"
	"one line on stderr says where it was cut.\n"
	"\n"
	"Examples:\n"
	"  diolock replay run.dlr\n"
	"  diolock replay run.dlr --fs btrfs -J report.json\n"
	"  diolock replay run.dlr -t -j | jq 'select(.type == \"wait_begin\")'\n";

static error_t parse(int key, char *arg, struct argp_state *state)
{
	struct replay_opts *o = state->input;
	error_t err;

	if (DL_IS_FILTER_KEY(key))
		return dl_filter_opt_parse(key, arg, state, &o->filter);
	err = dl_report_opt_parse(key, arg, state, &o->rep);
	if (err != ARGP_ERR_UNKNOWN)
		return err;
	switch (key) {
	case 't':
		o->trace = 1;
		return 0;
	case OPT_TRACE_JSON:
		o->trace = 2;
		return 0;
	case ARGP_KEY_ARG:
		if (o->path) {
			argp_error(state, "one recording at a time ('%s' is extra)", arg);
			return EINVAL;
		}
		o->path = arg;
		return 0;
	case ARGP_KEY_END:
		if (o->trace && (o->rep.json || dl_json_pretty))
			o->trace = 2;
		else if (!o->trace)
			o->rep.json_path = dl_json_target(o->rep.json, o->rep.json_path);
		if (!o->path) {
			argp_error(state, "which recording? diolock replay FILE");
			return EINVAL;
		}
		return 0;
	default:
		return ARGP_ERR_UNKNOWN;
	}
}

int cmd_replay(int argc, char **argv)
{
	static const struct argp argp = { options, parse, "FILE", doc, dl_common_argp_children, NULL, NULL };
	static struct replay rp;	/* large buffers: not on the stack */
	struct replay_opts o = {};
	struct evf_reader *rd;
	struct report_files rf = {};
	struct evf_meta meta;
	struct dl_report r;
	char err[512];
	int ret = DL_EXIT_USAGE;

	if (argp_parse(&argp, argc, argv, 0, NULL, &o))
		return DL_EXIT_USAGE;
	if (o.filter.cgroup[0]) {
		dl_err("--cgroup filters live runs, in BPF (check --cgroup ... --record); a recording keeps "
		       "each record's cgroup id, not the hierarchy a subtree is matched in");
		return DL_EXIT_USAGE;
	}
	rd = calloc(1, sizeof(*rd));
	if (!rd)
		return DL_EXIT_USAGE;
	replay_init(&rp, &o.filter);
	rp.trace = o.trace;
	rp.cs.announce = !o.rep.quiet && !o.trace;
	if (evf_open(rd, o.path, &meta, err, sizeof(err)) || report_files_open(&rf, &o.rep, err, sizeof(err))) {
		dl_err("%s", err);
		goto out;
	}
	if (replay_read(&rp, rd, err, sizeof(err))) {
		dl_err("%s", err);
		goto out;
	}
	/* a cut recording: one line, then what it holds */
	if (rp.cut)
		dl_warn("%s", err);
	ret = rp.cut ? DL_EXIT_INCOMPLETE : DL_EXIT_OK;
	if (!o.trace) {
		sink_fill_report(&r, &rp.cs, &meta, &rp.trailer, rp.argv);
		r.killed_by = rp.run_end.killed_by;
		r.stacks_lost = rp.run_end.stacks_lost;
		r.cut = rp.cut;
		r.cut_at = rp.cut_at;
		ret = report_files_write(&rf, &r, o.rep.fail_on, 0);
	}
out:
	report_files_discard(&rf);
	replay_fini(&rp);
	evf_close(rd);
	free(rd);
	return ret;
}
