// SPDX-License-Identifier: GPL-2.0
/*
 * `diolock top`: its options, and a snapshot of the maps drawn every
 * interval (the screen itself: output/top_fmt.c).
 */
#include <argp.h>
#include <stdio.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include "lib/cli.h"
#include "cmd/commands.h"
#include "live/live.h"
#include "lib/log.h"
#include "live/stats.h"
#include "output/top_fmt.h"

struct top_opts {
	struct dl_run_opts run;
	double interval_s;
	bool json;		/* one JSON document per refresh */
};

struct top_ctx {
	const struct top_opts *o;
	struct dl_live *live;
	struct pathres *pr;
	bool tty;
	__u64 next_ns, start_ns, drawn_ns;
	unsigned frames;
};

static const struct argp_option options[] = {
	{ "interval", 'i', "SEC", 0, "Refresh every SEC seconds (default 1)", 0 },
	{ "json", 'j', NULL, 0, "One JSON document per refresh (a line each; --pretty indents) instead of the table", 0 },
	DL_RUN_ARGP_OPTIONS,
	{ 0 },
};

static const char doc[] =
	"A live table of the inodes with the most i_rwsem wait since start: waits by\n"
	"mode, total and longest wait, DIO completions under the lock, the top\n"
	"waiters and holders (holder: the task holding the lock when a wait began;\n"
	"for readers, the kernel's last-reader hint). On a terminal the screen is\n"
	"redrawn; otherwise plain snapshots are printed. Stop with Ctrl-C.\n"
	"\n"
	"Examples:\n"
	"  diolock top\n"
	"  diolock top -i 5 --fs btrfs\n";

static error_t parse(int key, char *arg, struct argp_state *state)
{
	struct top_opts *o = state->input;

	if (key == 'j') {
		o->json = true;
		return 0;
	}
	if (key == 'i') {
		if (dl_parse_seconds(arg, &o->interval_s)) {
			argp_error(state, "invalid --interval '%s': expected seconds, > 0", arg);
			return EINVAL;
		}
		return 0;
	}
	return dl_run_opt_parse(key, arg, state, &o->run);
}

/* Compact durations for narrow columns: "806.9ms", "12us", "1.50s". */
static void draw(struct top_ctx *tc, __u64 now_ns)
{
	struct st_snap s;
	struct st_run run;
	struct winsize ws;
	struct top_view v = {
		.snap = &s, .ts_ns = now_ns,
		.uptime_s = (now_ns - tc->start_ns) / 1e9, .interval_s = tc->o->interval_s,
		.width = 80, .json = tc->o->json, .clear = tc->tty, .separate = tc->frames > 0, .pr = tc->pr,
	};

	if (tc->tty && !tc->o->json && !ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) && ws.ws_col >= 40 &&
	    ws.ws_row >= 10) {
		v.width = ws.ws_col;
		v.height = ws.ws_row;
	} else if (tc->tty) {
		v.height = 24;
	}
	if (st_snap_read(&tc->live->s, &s)) {
		dl_warn("cannot read diolock's histogram maps");
		return;
	}
	st_run_read(tc->live, &run);
	v.wait_tier = st_wait_tier(&run);
	top_print(stdout, &v);
	if (!tc->o->json)
		tc->frames++;
	st_snap_free(&s);
}

static void on_tick(void *ctx, const struct dl_event *e)
{
	struct top_ctx *tc = ctx;

	if (e->hdr.type != DL_EV_TICK)
		return;
	if (!tc->start_ns) {
		tc->start_ns = e->hdr.ts_ns;
		tc->next_ns = e->hdr.ts_ns;
	}
	if (e->hdr.ts_ns < tc->next_ns)
		return;
	tc->next_ns = e->hdr.ts_ns + (__u64)(tc->o->interval_s * 1e9);
	tc->drawn_ns = e->hdr.ts_ns;
	draw(tc, e->hdr.ts_ns);
}

int cmd_top(int argc, char **argv)
{
	static const struct argp argp = { options, parse, "[-- CMD [ARG...]]", doc, dl_common_argp_children, NULL, NULL };
	struct top_opts o = { .interval_s = 1 };
	struct dl_live live = {};
	struct dl_session_opts so = {};
	struct top_ctx tc = { .o = &o, .live = &live };
	char err[256];

	if (argp_parse(&argp, argc, argv, DL_RUN_ARGP_FLAGS, NULL, &o))
		return DL_EXIT_USAGE;
	o.json = dl_json_wanted(o.json);
	if (o.run.filter.comm[0])
		dl_warn("--comm is not applied by top (BPF folds the totals; use --pid PID)");
	tc.tty = isatty(STDOUT_FILENO);
	tc.pr = pathres_new();
	if (!tc.pr)
		return DL_EXIT_USAGE;
	dl_session_opts_init(&so, &o.run, on_tick, &tc);
	so.stat = true;
	so.stat_by = DL_BY_INODE;
	so.mode = DL_MODE_COUNT;
	live.tick = true;
	dl_live_run_opts(&live, &o.run);
	if (dl_live_start(&live, &so, o.run.cmd, err, sizeof(err))) {
		dl_err("%s", err);
		pathres_free(tc.pr);
		return DL_EXIT_USAGE;
	}
	dl_live_run(&live);
	/* the final state, when stopped well after the last refresh */
	if (tc.start_ns && tc.start_ns + (__u64)(live.duration_s * 1e9) > tc.drawn_ns + 200000000ULL)
		draw(&tc, tc.start_ns + (__u64)(live.duration_s * 1e9));
	dl_live_stop(&live);
	pathres_free(tc.pr);
	return DL_EXIT_OK;
}
