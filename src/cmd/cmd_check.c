// SPDX-License-Identifier: GPL-2.0
/*
 * `diolock check`: the CI mode. Watches every task while CMD runs (or until
 * --timeout), reports findings, and exits 1 if any is an error.
 * `diolock record`: the same run, written to a file for `replay`.
 */
#include <argp.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "pipeline/sink.h"
#include "lib/cli.h"
#include "cmd/commands.h"
#include "live/live.h"
#include "lib/log.h"
#include "output/report_files.h"
#include "lib/pathres.h"
#include "live/progstats.h"

struct check_opts {
	struct dl_run_opts run;
	struct dl_report_opts rep;
	const char *record_path;
	bool bpf_stats;
	bool record_cmd;	/* `diolock record`: no report, -o required */
};

enum { OPT_BPF_STATS = 0x300 };

static const struct argp_option check_options[] = {
	{ "json", 'j', NULL, 0, "Print the JSON report on stdout at the end (the text report goes to stderr)", 0 },
	{ "json-file", 'J', "FILE", 0, "Write the JSON report to FILE; rewritten at each warning or error finding", 0 },
	{ "record", 'o', "FILE", 0, "Also record every event to FILE, for `diolock replay`", 0 },
	{ "dot", 'D', "FILE", 0, "Write the wait-for graph of each deadlock found to FILE (Graphviz)", 0 },
	{ "junit", DL_OPT_JUNIT, "FILE", 0, "Write a JUnit XML report to FILE: one test case per finding kind", 0 },
	{ "fail-on", DL_OPT_FAIL_ON, "LIST", 0, "What fails the run: error,warning,lost,cmd, comma-separated (default error,lost)", 0 },
	{ "quiet", 'q', NULL, 0, "No live finding lines; only the final report", 0 },
	{ "bpf-stats", OPT_BPF_STATS, NULL, 0, "At the end, print each BPF program's runs and ns per run on stderr "
	  "(kernel.bpf_stats_enabled during the run)", 0 },
	DL_RUN_ARGP_OPTIONS,
	{ 0 },
};

static const struct argp_option record_options[] = {
	{ "output", 'o', "FILE", 0, "The recording to write (required)", 0 },
	DL_RUN_ARGP_OPTIONS,
	{ 0 },
};

static const char check_doc[] =
	"Run CMD (or watch until --timeout or a signal) and check i_rwsem and DIO\n"
	"completion. Every task on the system is watched, not only CMD: deadlocks\n"
	"involve kworkers. Findings (docs/findings.md has them all):\n"
	"dio_complete_under_i_rwsem, self_deadlock, deadlock_cycle, long_wait_chain,\n"
	"lock_order_inversion, recursive_acquire, sync_skips_unheld_lock,\n"
	"dio_fallback_buffered.\n"
	"\n"
	"Exit status (with the default --fail-on error,lost):\n"
	"  0  clean: no error finding, nothing lost, every needed hook attached\n"
	"  1  an error finding (and, if listed in --fail-on: a warning; CMD failing)\n"
	"  2  usage or environment error (one line on stderr)\n"
	"  3  incomplete: events lost, a needed hook unavailable, or filters that\n"
	"     matched no event; the run proved nothing ('lost' in --fail-on)\n"
	"\n"
	"Examples:\n"
	"  diolock check -J r.json -- fio job.fio\n"
	"  diolock check -q -j -- ./run | jq .summary\n"
	"  diolock check --timeout 60 --fs btrfs\n"
	"  diolock check --fail-on error,warning,lost,cmd --junit d.xml -- ./run\n"
	"  diolock check --attach kprobe --record run.dlr -- ./check generic/364\n";

static const char record_doc[] =
	"Record every event of a run to FILE; `diolock replay FILE` analyses it\n"
	"later, on any machine, without root, with the same report a live `check`\n"
	"gives. The file is written as the run goes: a killed run leaves a recording\n"
	"that replays up to where it was cut.\n"
	"\n"
	"Examples:\n"
	"  diolock record -o r.dlr -- dd if=/dev/zero of=f bs=4k count=8 oflag=direct\n"
	"  diolock replay r.dlr -J report.json\n";

static error_t parse(int key, char *arg, struct argp_state *state)
{
	struct check_opts *o = state->input;
	error_t err = dl_report_opt_parse(key, arg, state, &o->rep);

	if (err != ARGP_ERR_UNKNOWN)
		return err;
	switch (key) {
	case 'o':
		o->record_path = arg;
		return 0;
	case OPT_BPF_STATS:
		o->bpf_stats = true;
		return 0;
	case ARGP_KEY_END:
		o->rep.json_path = o->record_cmd ? NULL : dl_json_target(o->rep.json, o->rep.json_path);
		if (o->record_cmd && !o->record_path) {
			argp_error(state, "the recording needs a file: -o FILE");
			return EINVAL;
		}
		return 0;
	default:
		return dl_run_opt_parse(key, arg, state, &o->run);
	}
}

struct live_sink {
	struct sink cs;
	struct dl_live *live;
	unsigned int ticks;
	struct check_opts *o;
	struct out_file *json;		/* rewritten at each finding; NULL: none or stdout */
	struct evf_meta *meta;
	struct pathres *pr;		/* names the inodes of findings */
	__u64 walk_ns;			/* spent walking filesystems for them */
};

/* The end of a run spends at most this long walking filesystems for paths. */
#define PATH_WALK_BUDGET_NS (5 * 1000000000ULL)

static const char *path_of(void *ctx, __u32 dev, __u64 ino, __u32 pid, bool thorough)
{
	struct live_sink *ls = ctx;
	const char *path = pathres_inode_open(ls->pr, dev, ino, pid);
	__u64 t0;

	if (path || !thorough || ls->walk_ns >= PATH_WALK_BUDGET_NS)
		return path;
	t0 = dl_mono_ns();
	path = pathres_inode(ls->pr, dev, ino, pid);
	ls->walk_ns += dl_mono_ns() - t0;
	return strcmp(path, "unknown") ? path : NULL;
}

static void on_event(void *ctx, const struct dl_event *e)
{
	sink_event(&((struct live_sink *)ctx)->cs, e);
}

/* What BPF folded reaches the analyzer about once a second, and all of it at the end. */
static void on_tick(struct dl_live *l, void *ctx, bool final)
{
	struct live_sink *ls = ctx;
	evf_dio_counts counts;
	const struct dl_wait_fold *waits;
	const struct dl_fold *slots;
	size_t n;

	if (!final && ++ls->ticks % 10)
		return;
	slots = dl_session_folds(&l->s, &n);
	sink_folds(&ls->cs, slots, n);
	waits = dl_session_wait_folds(&l->s, &n);
	sink_wait_folds(&ls->cs, waits, n);
	if (!final)
		return;
	dl_session_dio_counts(&l->s, counts);
	sink_counts(&ls->cs, counts);
}

static void write_json(FILE *f, void *ctx)
{
	dl_report_json(f, ctx);
}

/*
 * A new warning or error finding: the JSON report is rewritten whole, so a
 * run killed later (or a machine that hangs) leaves every finding so far.
 */
static void snapshot(void *ctx)
{
	struct live_sink *ls = ctx;
	struct evf_trailer t;
	struct dl_report r;

	if (!ls->json)
		return;
	dl_live_trailer(ls->live, ls->o->run.cmd != NULL, &t);
	t.cmd_status = -1;
	sink_fill_report(&r, &ls->cs, ls->meta, &t, ls->o->run.cmd);
	r.partial = true;
	out_rewrite(ls->json, write_json, &r);
}

/* The sink every record goes through: analysis, live announcements, path names, snapshots. */
static void live_sink_init(struct live_sink *ls, struct check_opts *o, struct dl_live *live, struct evf_meta *meta,
		      struct out_file *json)
{
	sink_init(&ls->cs, &o->run.filter);
	ls->cs.analyze = !o->record_cmd;
	ls->cs.announce = !o->rep.quiet && !o->record_cmd;
	ls->cs.announce_latency = dl_verbose;
	ls->cs.sr.frames = dl_live_frames;
	ls->cs.sr.ctx = live;
	ls->live = live;
	ls->o = o;
	ls->meta = meta;
	ls->json = json->f && json->f != stdout ? json : NULL;
	ls->pr = pathres_new();
	if (ls->pr) {
		ls->cs.path_of = path_of;
		ls->cs.path_ctx = ls;
	}
}

/* The recording's header, and the file in place from now on: a killed run leaves what it recorded. */
static int start_recording(struct evf_writer *rec, struct out_file *recf, const struct evf_meta *meta,
			   struct sink *cs)
{
	evf_write_header(rec, recf->f, meta);
	evf_flush(rec);
	if (rec->err || out_publish(recf))
		return -1;
	cs->rec = rec;
	return 0;
}

/* The recording's last records, and the file made final. */
static int end_recording(struct evf_writer *rec, struct out_file *recf, const struct evf_run_end *re,
			 const struct evf_trailer *t, char *const *cmd)
{
	evf_write_run_end(rec, re);
	evf_write_trailer(rec, t, cmd);
	if (rec->err)
		dl_err("writing the recording failed: %s", strerror(-rec->err));
	return rec->err || out_commit(recf) ? DL_EXIT_USAGE : DL_EXIT_OK;
}

/* -J, --record, --dot, --junit: each opened (made) before anything is attached. */
static int open_outputs(const struct check_opts *o, struct report_files *rf, struct out_file *recf)
{
	char err[256];

	if (report_files_open(rf, &o->rep, err, sizeof(err)) ||
	    (o->record_path && out_open(recf, o->record_path, "recording", 0600, err, sizeof(err)))) {
		dl_err("%s", err);
		report_files_discard(rf);
		return -1;
	}
	return 0;
}

static int run(struct check_opts *o)
{
	struct live_sink ls = {};
	struct dl_live live = {};
	struct dl_session_opts so = {};
	struct report_files rf = {};
	struct out_file recf = {};
	struct evf_writer rec = {};
	struct evf_trailer t = {};
	struct evf_run_end re = {};
	struct evf_meta meta;
	struct dl_report r;
	char err[256];
	int ret, stats_fd = -1;

	if (open_outputs(o, &rf, &recf))
		return DL_EXIT_USAGE;
	evf_meta_fill(&meta, dl_kernel_release(), NULL, &o->run.filter);
	live_sink_init(&ls, o, &live, &meta, &rf.json);
	dl_session_opts_init(&so, &o->run, on_event, &ls);
	live.tick = true;
	live.on_tick = on_tick;
	live.tick_ctx = &ls;
	dl_live_run_opts(&live, &o->run);
	/* before CMD is released: a short CMD would run, and exit, unmeasured */
	if (o->bpf_stats && (stats_fd = dl_progstats_enable()) < 0) {
		dl_err("--bpf-stats: enabling BPF run-time statistics failed: %s", strerror(-stats_fd));
		ret = DL_EXIT_USAGE;
		goto out;
	}
	ret = dl_live_start(&live, &so, o->run.cmd, err, sizeof(err));
	if (ret) {
		dl_err("%s", err);
		ret = DL_EXIT_USAGE;
		goto out;
	}
	dl_live_meta(&live, &meta);
	if (recf.f && start_recording(&rec, &recf, &meta, &ls.cs)) {
		ret = DL_EXIT_USAGE;
		goto stop;
	}
	/* a report exists from the start: a run killed before any finding leaves one too */
	if (ls.json) {
		snapshot(&ls);
		ls.cs.on_finding = snapshot;
		ls.cs.finding_ctx = &ls;
	}
	dl_live_say_watching(&live, "stop");
	dl_live_run(&live);
	if (stats_fd >= 0)
		dl_progstats_print(&live.s, stderr);

	/* before the trailer: a replay finds the paths where the live report did */
	sink_name_inodes(&ls.cs, true);
	dl_live_trailer(&live, o->run.cmd != NULL, &t);
	re.killed_by = live.killed_by;
	re.stacks_lost = dl_session_lost(&live.s, DL_CNT_STACK_LOST);
	ret = recf.f ? end_recording(&rec, &recf, &re, &t, o->run.cmd) : DL_EXIT_OK;
	if (o->record_cmd) {
		fprintf(stderr, "diolock: recorded %llu records to %s, %llu events lost\n",
			(unsigned long long)ls.cs.records, o->record_path,
			(unsigned long long)(t.lost_ringbuf + t.lost_map_full));
	} else {
		sink_fill_report(&r, &ls.cs, &meta, &t, o->run.cmd);
		r.killed_by = live.killed_by;
		r.stacks_lost = re.stacks_lost;
		ret = report_files_write(&rf, &r, o->rep.fail_on, ret);
	}
stop:
	dl_live_stop(&live);
out:
	if (stats_fd >= 0)
		close(stats_fd);
	report_files_discard(&rf);
	out_discard(&recf);
	sink_fini(&ls.cs);
	pathres_free(ls.pr);
	return ret;
}

int cmd_check(int argc, char **argv)
{
	static const struct argp argp = { check_options, parse, "[-- CMD [ARG...]]", check_doc, dl_common_argp_children, NULL, NULL };
	struct check_opts o = {};

	if (argp_parse(&argp, argc, argv, DL_RUN_ARGP_FLAGS, NULL, &o))
		return DL_EXIT_USAGE;
	return run(&o);
}

int cmd_record(int argc, char **argv)
{
	static const struct argp argp = { record_options, parse, "[-- CMD [ARG...]]", record_doc, dl_common_argp_children, NULL, NULL };
	struct check_opts o = { .record_cmd = true };

	if (argp_parse(&argp, argc, argv, DL_RUN_ARGP_FLAGS, NULL, &o))
		return DL_EXIT_USAGE;
	return run(&o);
}
