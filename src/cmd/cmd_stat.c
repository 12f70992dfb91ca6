// SPDX-License-Identifier: GPL-2.0
/*
 * `diolock stat`: log2 histograms of i_rwsem waits and holds and of DIO
 * latency, folded in BPF maps. No record crosses the ring buffer in this
 * mode: the kernel side keeps the buckets and user space reads them once.
 */
#include <argp.h>
#include <stdio.h>
#include "lib/cli.h"
#include "cmd/commands.h"
#include "live/live.h"
#include "lib/log.h"
#include "live/stats.h"
#include "output/stat_fmt.h"

enum { OPT_BY = 0x300 };

struct stat_opts {
	struct dl_run_opts run;
	enum dl_stat_by by;
	bool json;
};

static const struct argp_option options[] = {
	{ "duration", 'd', "SEC", 0, "Collect for SEC seconds (default: until CMD exits, or a signal)", 0 },
	{ "by", OPT_BY, "KEY", 0, "Key the histograms by inode (default), fs, comm, stack, path (the I/O's submission path: sync, aio, io_uring, io_uring-wq...) or cgroup (v2, the submitter's)", 0 },
	{ "json", 'j', NULL, 0, "Print a JSON document instead of text", 0 },
	DL_RUN_ARGP_OPTIONS,
	{ 0 },
};

static const char doc[] =
	"Histograms of i_rwsem wait time by mode, i_rwsem hold time by mode\n"
	"(fentry/kprobe tiers only), and DIO submit->complete latency split by\n"
	"whether the completion ran under the inode's i_rwsem; DIO completions under\n"
	"i_rwsem per filesystem. Folded in BPF maps: nothing is streamed per event.\n"
	"\n"
	"Examples:\n"
	"  diolock stat -d 10\n"
	"  diolock stat --by comm --fs xfs -d 30\n"
	"  diolock stat --json -- fio job.fio\n";

static error_t parse(int key, char *arg, struct argp_state *state)
{
	struct stat_opts *o = state->input;

	switch (key) {
	case 'd':
		if (dl_parse_seconds(arg, &o->run.timeout_s)) {
			argp_error(state, "invalid --duration '%s': expected seconds, > 0 and <= 1000000", arg);
			return EINVAL;
		}
		return 0;
	case OPT_BY:
		if (hist_parse_by(arg, &o->by)) {
			argp_error(state, "invalid --by '%s': inode, fs, comm, stack or path", arg);
			return EINVAL;
		}
		return 0;
	case 'j':
		o->json = true;
		return 0;
	default:
		return dl_run_opt_parse(key, arg, state, &o->run);
	}
}

static void no_event(void *ctx, const struct dl_event *e)
{
	(void)ctx;
	(void)e;
}

int cmd_stat(int argc, char **argv)
{
	static const struct argp argp = { options, parse, "[-- CMD [ARG...]]", doc, dl_common_argp_children, NULL, NULL };
	struct stat_opts o = {};
	struct dl_live live = {};
	struct dl_session_opts so = {};
	struct dl_stack_resolver sr = { dl_live_frames, &live };
	struct st_snap snap;
	struct st_run run;
	struct stat_view v = { &snap, &run, 0, NULL, &sr };
	char err[256];
	int ret = DL_EXIT_OK;

	if (argp_parse(&argp, argc, argv, DL_RUN_ARGP_FLAGS, NULL, &o))
		return DL_EXIT_USAGE;
	o.json = dl_json_wanted(o.json);
	dl_session_opts_init(&so, &o.run, no_event, NULL);
	so.stat = true;
	so.stat_by = o.by;
	so.mode = DL_MODE_COUNT;
	dl_live_run_opts(&live, &o.run);
	if (o.run.filter.comm[0])
		dl_warn("--comm is not applied by stat (BPF folds the histograms; use --pid PID)");
	if (dl_live_start(&live, &so, o.run.cmd, err, sizeof(err))) {
		dl_err("%s", err);
		return DL_EXIT_USAGE;
	}
	dl_live_say_watching(&live, "print the histograms");
	dl_live_run(&live);
	st_run_read(&live, &run);
	v.by = o.by;
	v.pr = pathres_new();
	if (!v.pr || st_snap_read(&live.s, &snap)) {
		dl_err("cannot read diolock's histogram maps");
		ret = DL_EXIT_USAGE;
	} else {
		(o.json ? stat_print_json : stat_print_text)(stdout, &v);
		st_snap_free(&snap);
	}
	pathres_free(v.pr);
	dl_live_stop(&live);
	return ret;
}
