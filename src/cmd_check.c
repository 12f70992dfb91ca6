// SPDX-License-Identifier: GPL-2.0
/*
 * `diolock check`: the CI mode. Watches every task while CMD runs (or until
 * --timeout), reports findings, and exits 1 if any is an error.
 * `diolock record`: the same run, written to a file for `replay`.
 */
#include <argp.h>
#include <stdio.h>
#include <string.h>
#include "check.h"
#include "cli.h"
#include "commands.h"
#include "live.h"
#include "log.h"
#include "outfile.h"

struct check_opts {
	struct dl_run_opts run;
	const char *json_path;
	const char *record_path;
	const char *dot_path;
	bool quiet;
	bool record_cmd;	/* `diolock record`: no report, -o required */
};

static const struct argp_option check_options[] = {
	{ "json", 'J', "FILE", 0, "Write the JSON report to FILE ('-': stdout)", 0 },
	{ "record", 'o', "FILE", 0, "Also record every event to FILE, for `diolock replay`", 0 },
	{ "dot", 'D', "FILE", 0, "Write the wait-for graph of each deadlock found to FILE (Graphviz)", 0 },
	{ "quiet", 'q', NULL, 0, "No live finding lines; only the final report", 0 },
	DL_RUN_ARGP_OPTIONS,
	{ 0 },
};

static const struct argp_option record_options[] = {
	{ "output", 'o', "FILE", 0, "The recording to write (required)", 0 },
	DL_RUN_ARGP_OPTIONS,
	{ 0 },
};

static const char check_doc[] =
	"Run CMD (or watch until --timeout or a signal) and check i_rwsem and DIO completion.\n"
	"Every task on the system is watched, not only CMD: deadlocks involve kworkers.\n"
	"Findings (README.md has them all): dio_complete_under_i_rwsem, self_deadlock,\n"
	"deadlock_cycle, long_wait_chain, lock_order_inversion, recursive_acquire,\n"
	"sync_skips_unheld_lock, dio_fallback_buffered.\n"
	"Exit status: 0 no errors, 1 errors found, 2 usage or environment error.\n"
	"\n"
	"Examples:\n"
	"  diolock check --json r.json -- fio job.fio\n"
	"  diolock check --timeout 60 --fs btrfs\n"
	"  diolock check --attach kprobe --record run.dlr -- ./xfstests/check generic/364\n";

static const char record_doc[] =
	"Record every event of a run to FILE; `diolock replay FILE` analyses it later, on any\n"
	"machine, without root, with the same report a live `check` gives.\n"
	"\n"
	"Examples:\n"
	"  diolock record -o run.dlr -- dd if=/dev/zero of=/mnt/f bs=4k count=64 oflag=direct,dsync\n"
	"  diolock replay run.dlr --json report.json\n";

static error_t parse(int key, char *arg, struct argp_state *state)
{
	struct check_opts *o = state->input;

	switch (key) {
	case 'J':
		o->json_path = arg;
		return 0;
	case 'o':
		o->record_path = arg;
		return 0;
	case 'q':
		o->quiet = true;
		return 0;
	case 'D':
		o->dot_path = arg;
		return 0;
	case ARGP_KEY_END:
		if (o->record_cmd && !o->record_path)
			argp_error(state, "the recording needs a file: -o FILE");
		return 0;
	default:
		return dl_run_opt_parse(key, arg, state, &o->run);
	}
}

struct live_sink {
	struct check_sink cs;
	struct dl_live *live;
	unsigned int ticks;
};

static void on_event(void *ctx, const struct dl_event *e)
{
	check_sink_event(&((struct live_sink *)ctx)->cs, e);
}

/* What BPF folded reaches the analyzer about once a second, and all of it at the end. */
static void on_tick(struct dl_live *l, void *ctx, bool final)
{
	struct live_sink *ls = ctx;
	evf_dio_counts counts;
	const struct dl_fold *slots;
	size_t n;

	if (!final && ++ls->ticks % 10)
		return;
	slots = dl_session_folds(&l->s, &n);
	check_sink_folds(&ls->cs, slots, n);
	if (!final)
		return;
	dl_session_dio_counts(&l->s, counts);
	check_sink_counts(&ls->cs, counts);
}

static int run(struct check_opts *o)
{
	struct live_sink ls = {};
	struct dl_live live = {};
	struct dl_session_opts so = {};
	struct out_file json = {}, recf = {}, dot = {};
	struct evf_writer rec = {};
	struct evf_trailer t = {};
	struct evf_meta meta = {};
	struct dl_report r;
	char err[256];
	int ret;

	if ((o->json_path && out_open(&json, o->json_path, "JSON report", 0644, err, sizeof(err))) ||
	    (o->record_path && out_open(&recf, o->record_path, "recording", 0600, err, sizeof(err))) ||
	    (o->dot_path && out_open(&dot, o->dot_path, "graph", 0644, err, sizeof(err)))) {
		dl_err("%s", err);
		out_discard(&json);
		out_discard(&recf);
		return DL_EXIT_USAGE;
	}
	check_sink_init(&ls.cs, &o->run.filter);
	ls.cs.analyze = !o->record_cmd;
	ls.cs.announce = !o->quiet && !o->record_cmd;
	ls.cs.sr.frames = dl_live_frames;
	ls.cs.sr.ctx = &live;
	so.filter = &o->run.filter;
	so.ringbuf_bytes = o->run.ringbuf_bytes;
	so.forced = o->run.forced;
	so.btf_path = o->run.btf_path;
	so.cb = on_event;
	so.ctx = &ls;
	live.tick = true;
	live.on_tick = on_tick;
	live.tick_ctx = &ls;
	live.timeout_s = o->run.timeout_s;
	ret = dl_live_start(&live, &so, o->run.cmd, err, sizeof(err));
	if (ret) {
		dl_err("%s", err);
		ret = DL_EXIT_USAGE;
		goto out;
	}
	if (recf.f) {
		snprintf(meta.kernel, sizeof(meta.kernel), "%s", dl_kernel_release());
		memcpy(meta.hooks, live.s.hooks, sizeof(meta.hooks));
		evf_write_header(&rec, recf.f, &meta);
		ls.cs.rec = &rec;
	}
	dl_live_run(&live);

	t.lost_ringbuf = dl_session_lost(&live.s, DL_CNT_RINGBUF_LOST);
	t.lost_map_full = dl_session_lost(&live.s, DL_CNT_MAP_FULL);
	t.cmd_status = live.cmd.status;
	t.has_cmd = o->run.cmd != NULL;
	t.duration_us = (__u64)(live.duration_s * 1e6);
	t.interrupted = live.interrupted;
	t.timed_out = live.timed_out;
	ret = DL_EXIT_OK;
	if (recf.f) {
		evf_write_trailer(&rec, &t, o->run.cmd);
		if (rec.err)
			dl_err("writing the recording failed: %s", strerror(-rec.err));
		if (rec.err || out_commit(&recf))
			ret = DL_EXIT_USAGE;
	}
	if (o->record_cmd) {
		fprintf(stderr, "diolock: recorded %llu records to %s, %llu events lost\n",
			(unsigned long long)ls.cs.records, o->record_path,
			(unsigned long long)(t.lost_ringbuf + t.lost_map_full));
	} else {
		check_fill_report(&r, &ls.cs, dl_kernel_release(), live.s.hooks, &t, o->run.cmd);
		/* the text report goes to stderr when stdout carries the JSON */
		int verdict = check_emit(&r, json.f == stdout ? stderr : stdout, NULL);

		if (!ret)
			ret = verdict;
		if (json.f) {
			dl_report_json(json.f, &r);
			if (out_commit(&json))
				ret = DL_EXIT_USAGE;
		}
		if (dot.f) {
			dl_report_dot(dot.f, &r);
			if (out_commit(&dot))
				ret = DL_EXIT_USAGE;
		}
	}
	dl_live_stop(&live);
out:
	out_discard(&json);
	out_discard(&dot);
	out_discard(&recf);
	check_sink_fini(&ls.cs);
	return ret;
}

int cmd_check(int argc, char **argv)
{
	static const struct argp argp = { check_options, parse, "[-- CMD [ARG...]]", check_doc, NULL, NULL, NULL };
	struct check_opts o = {};

	if (argp_parse(&argp, argc, argv, DL_RUN_ARGP_FLAGS, NULL, &o))
		return DL_EXIT_USAGE;
	return run(&o);
}

int cmd_record(int argc, char **argv)
{
	static const struct argp argp = { record_options, parse, "[-- CMD [ARG...]]", record_doc, NULL, NULL, NULL };
	struct check_opts o = { .record_cmd = true };

	if (argp_parse(&argp, argc, argv, DL_RUN_ARGP_FLAGS, NULL, &o))
		return DL_EXIT_USAGE;
	return run(&o);
}
