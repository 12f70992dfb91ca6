// SPDX-License-Identifier: GPL-2.0
/* `diolock trace`: the live event stream, one line per event. */
#include <argp.h>
#include <stdio.h>
#include "lib/cli.h"
#include "lib/json.h"
#include "cmd/commands.h"
#include "output/event_fmt.h"
#include "live/live.h"
#include "lib/log.h"

struct trace_opts {
	struct dl_run_opts run;
	bool json;
};

struct trace_ctx {
	const struct trace_opts *o;
	struct dl_live *live;
	struct dl_stack_resolver sr;
	struct dl_cgroups cgroups;
	__u64 t0;
	__u64 shown;
};

static const struct argp_option options[] = {
	{ "json", 'j', NULL, 0, "One JSON object per line (with kernel stacks where recorded)", 0 },
	DL_RUN_ARGP_OPTIONS,
	{ 0 },
};

static const char doc[] =
	"Stream i_rwsem waits, DIO submissions and completions, and fs syncs as they\n"
	"happen.\n"
	"\n"
	"I_RWSEM shows the lock at that moment: W:me (this task holds it for write),\n"
	"W:TID, Rn:TID? (n readers, TID the last reader: a hint), - (free).\n"
	"\n"
	"Examples:\n"
	"  diolock trace --fs btrfs\n"
	"  diolock trace --json -- dd if=/dev/zero of=f bs=4k count=8 oflag=direct\n";

static error_t parse(int key, char *arg, struct argp_state *state)
{
	struct trace_opts *o = state->input;

	if (key == 'j') {
		o->json = true;
		return 0;
	}
	return dl_run_opt_parse(key, arg, state, &o->run);
}

static void on_event(void *ctx, const struct dl_event *e)
{
	struct trace_ctx *tc = ctx;
	const char *cgroup;

	if (e->hdr.type == DL_EV_TICK || !dl_filter_match_comm(&tc->o->run.filter, e->comm))
		return;
	if (!tc->t0)
		tc->t0 = e->hdr.ts_ns;
	tc->shown++;
	cgroup = dl_cgroups_path(&tc->cgroups, e->cgroup);
	if (tc->o->json)
		dl_event_json(stdout, e, &tc->sr, cgroup);
	else
		dl_event_text(stdout, e, tc->t0, cgroup);
}

/*
 * Output goes out once per poll of the ring buffer, not once per event: a
 * write(2) per line cost more than the rest of trace together. A terminal
 * is line-buffered by stdio anyway.
 */
static void flush_batch(struct dl_live *l, void *ctx, bool final)
{
	(void)l;
	(void)ctx;
	(void)final;
	fflush(stdout);
}

int cmd_trace(int argc, char **argv)
{
	static const struct argp argp = { options, parse, "[-- CMD [ARG...]]", doc, dl_common_argp_children, NULL, NULL };
	struct trace_opts o = {};
	struct dl_live live = {};
	struct trace_ctx tc = { .o = &o, .live = &live };
	struct dl_session_opts so = {};
	char err[256];
	__u64 lost;

	if (argp_parse(&argp, argc, argv, DL_RUN_ARGP_FLAGS, NULL, &o))
		return DL_EXIT_USAGE;
	o.json = dl_json_wanted(o.json);
	tc.sr.frames = dl_live_frames;
	tc.sr.ctx = &live;
	dl_cgroups_init(&tc.cgroups);
	dl_session_opts_init(&so, &o.run, on_event, &tc);
	so.mode = DL_MODE_STREAM;
	dl_live_run_opts(&live, &o.run);
	live.on_tick = flush_batch;
	/* the header before CMD runs, so CMD's own output cannot come first */
	if (!o.json) {
		dl_event_text_header(stdout);
		fflush(stdout);
	}
	if (dl_live_start(&live, &so, o.run.cmd, err, sizeof(err))) {
		dl_err("%s", err);
		dl_cgroups_fini(&tc.cgroups);
		return DL_EXIT_USAGE;
	}
	dl_live_say_watching(&live, "stop");
	dl_live_run(&live);
	lost = dl_session_lost(&live.s, DL_CNT_RINGBUF_LOST) + dl_session_lost(&live.s, DL_CNT_MAP_FULL);
	/* the footer goes to stderr so that stdout stays one event per line */
	fprintf(stderr, "diolock: %llu events shown, %llu lost, %llu without their stack\n",
		(unsigned long long)tc.shown, (unsigned long long)lost,
		(unsigned long long)dl_session_lost(&live.s, DL_CNT_STACK_LOST));
	dl_live_stop(&live);
	dl_cgroups_fini(&tc.cgroups);
	return DL_EXIT_OK;
}
