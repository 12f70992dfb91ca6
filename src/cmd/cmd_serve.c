// SPDX-License-Identifier: GPL-2.0
/*
 * `diolock serve`: the stat aggregates as Prometheus text exposition over
 * HTTP (serve_http.c) or to a textfile, for fleets.
 *
 * Histograms come from the BPF maps (stat.bpf.h). Finding counters come
 * from the analyzer, fed from the ring buffer as in `check`: kind and
 * severity depend on what the analyzer knows (fs sync rules, the btrfs
 * DIO-write stub, wait-for cycles across tasks), and re-deciding that in BPF
 * would give a second, diverging definition of every finding.
 */
#include <argp.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cmd/commands.h"
#include "output/exit.h"
#include "lib/log.h"
#include "lib/pathres.h"
#include "cmd/serve.h"

#define DEFAULT_TOP_INODES 20

enum { OPT_LISTEN = 0x300, OPT_BY, OPT_FINDINGS, OPT_TOP_INODES, OPT_TEXTFILE, OPT_TOP_CGROUPS };

static const struct argp_option options[] = {
	{ "listen", OPT_LISTEN, "ADDR:PORT", 0, "Listen there (default " SERVE_DEFAULT_LISTEN "; IPv6 as [::1]:PORT)", 0 },
	{ "textfile", OPT_TEXTFILE, "FILE", 0, "Also write the metrics to FILE every second and at the end, replaced "
	  "whole (node_exporter's textfile collector); alone, without HTTP unless --listen is given", 0 },
	{ "by", OPT_BY, "KEY", 0, "Label histograms by fs (default), inode, comm, path (the I/O's submission path: sync, aio, io_uring...) or cgroup (v2)", 0 },
	{ "top-inodes", OPT_TOP_INODES, "N", 0, "With --by inode: series for the N inodes with the most i_rwsem "
	  "wait (default 20), the others summed per device as ino=\"other\"", 0 },
	{ "top-cgroups", OPT_TOP_CGROUPS, "N", 0, "With --by cgroup: series for the N cgroups with the most i_rwsem "
	  "wait, then time (default 20), the others summed as cgroup=\"other\"", 0 },
	{ "findings", OPT_FINDINGS, NULL, 0, "Run check's analyzer too (records cross the ring buffer: costs more); "
	  "without it only DIO-completion findings are counted, in the kernel", 0 },
	DL_RUN_ARGP_OPTIONS,
	{ 0 },
};

static const char doc[] =
	"Serve the stat histograms, DIO completion counts, finding counters, lost\n"
	"events and attach tiers at http://ADDR:PORT/metrics in the Prometheus text\n"
	"format. Binds to loopback unless --listen says otherwise. Nothing crosses\n"
	"the ring buffer by default: DIO completions under i_rwsem are judged and\n"
	"counted in the kernel; --findings runs check's analyzer as well (every\n"
	"finding kind, at the cost of records for waits).\n"
	"\n"
	"Examples:\n"
	"  diolock serve\n"
	"  diolock serve --listen 0.0.0.0:9435 --by inode --fs btrfs\n"
	"  diolock serve --findings\n"
	"  diolock serve --textfile /var/lib/node_exporter/diolock.prom\n";

static error_t parse(int key, char *arg, struct argp_state *state)
{
	struct serve_opts *o = state->input;

	switch (key) {
	case OPT_LISTEN:
		o->listen = arg;
		return 0;
	case OPT_TEXTFILE:
		if (!*arg) {
			argp_error(state, "invalid --textfile: empty");
			return EINVAL;
		}
		o->textfile = arg;
		return 0;
	case OPT_FINDINGS:
		o->findings = true;
		return 0;
	case OPT_TOP_INODES:
	case OPT_TOP_CGROUPS: {
		char *end;
		unsigned long n = strtoul(arg, &end, 10);

		if (!*arg || *end || arg[0] == '-' || n < 1 || n > 10000) {
			argp_error(state, "invalid --%s '%s': 1 to 10000",
				   key == OPT_TOP_INODES ? "top-inodes" : "top-cgroups", arg);
			return EINVAL;
		}
		*(key == OPT_TOP_INODES ? &o->top_inodes : &o->top_cgroups) = n;
		return 0;
	}
	case OPT_BY:
		/* stacks are unbounded: not label values */
		if (hist_parse_by(arg, &o->by) || o->by == DL_BY_STACK) {
			argp_error(state, "invalid --by '%s': fs, inode, comm, path or cgroup", arg);
			return EINVAL;
		}
		return 0;
	default:
		return dl_run_opt_parse(key, arg, state, &o->run);
	}
}

static void on_event(void *ctx, const struct dl_event *e)
{
	struct serve_ctx *sc = ctx;

	pthread_mutex_lock(&sc->lock);
	sink_event(&sc->cs, e);
	pthread_mutex_unlock(&sc->lock);
}

/*
 * --findings: what BPF folded joins the analyzer's findings as time passes.
 * --textfile: the file rewritten once a second, and at the end.
 */
static void serve_tick(struct dl_live *l, void *ctx, bool final)
{
	struct serve_ctx *sc = ctx;
	const struct dl_wait_fold *waits;
	const struct dl_fold *slots;
	size_t n, nw;
	int err;

	if (sc->o->textfile && (final || dl_live_elapsed(l) - sc->textfile_at >= 1.0)) {
		sc->textfile_at = dl_live_elapsed(l);
		err = serve_textfile(sc);
		/* once per new error, not every second */
		if (err && err != sc->textfile_err)
			dl_warn("--textfile %s: %s", sc->o->textfile, strerror(-err));
		sc->textfile_err = err;
	}
	if (!sc->o->findings)
		return;
	slots = dl_session_folds(&l->s, &n);
	waits = dl_session_wait_folds(&l->s, &nw);
	pthread_mutex_lock(&sc->lock);
	sink_folds(&sc->cs, slots, n);
	sink_wait_folds(&sc->cs, waits, nw);
	pthread_mutex_unlock(&sc->lock);
}

int cmd_serve(int argc, char **argv)
{
	static const struct argp argp = { options, parse, "[-- CMD [ARG...]]", doc, dl_common_argp_children, NULL, NULL };
	struct serve_opts o = { .by = DL_BY_FS, .top_inodes = DEFAULT_TOP_INODES, .top_cgroups = DEFAULT_TOP_INODES };
	struct serve_ctx sc = { .o = &o, .lock = PTHREAD_MUTEX_INITIALIZER, .out_lock = PTHREAD_MUTEX_INITIALIZER };
	struct dl_session_opts so = {};
	struct serve_http *http = NULL;
	struct dl_live live = {};
	int ret = DL_EXIT_OK;
	char err[256];

	if (argp_parse(&argp, argc, argv, DL_RUN_ARGP_FLAGS, NULL, &o))
		return DL_EXIT_USAGE;
	/* HTTP unless only a textfile was asked for */
	if (!o.listen && !o.textfile)
		o.listen = SERVE_DEFAULT_LISTEN;
	if (o.listen && serve_http_check(o.listen, err, sizeof(err))) {
		dl_err("%s", err);
		return DL_EXIT_USAGE;
	}
	if (o.textfile && (ret = serve_textfile_check(o.textfile))) {
		dl_err("--textfile %s: cannot create it: %s", o.textfile, strerror(-ret));
		return DL_EXIT_USAGE;
	}
	sc.live = &live;
	sc.pr = pathres_new();
	sink_init(&sc.cs, &o.run.filter);
	sc.cs.analyze = true;
	sc.cs.announce = true;
	sc.cs.sr.frames = dl_live_frames;
	sc.cs.sr.ctx = &live;
	dl_session_opts_init(&so, &o.run, on_event, &sc);
	so.stat = true;
	so.stat_by = o.by;
	so.mode = o.findings ? DL_MODE_CHECK : DL_MODE_FOLD;
	live.tick = true;
	if (o.findings || o.textfile) {
		live.on_tick = serve_tick;
		live.tick_ctx = &sc;
	}
	dl_live_run_opts(&live, &o.run);
	if (dl_live_start(&live, &so, o.run.cmd, err, sizeof(err))) {
		dl_err("%s", err);
		ret = DL_EXIT_USAGE;
		goto out;
	}
	if (o.listen && serve_http_start(&sc, &http, err, sizeof(err))) {
		dl_err("%s", err);
		dl_live_stop(&live);
		ret = DL_EXIT_USAGE;
		goto out;
	}
	if (o.textfile)
		fprintf(stderr, "diolock: writing metrics to %s every second\n", o.textfile);
	dl_live_run(&live);
	serve_http_stop(http);
	fprintf(stderr, "diolock: stopped after %.1f s, %llu scrapes", live.duration_s,
		(unsigned long long)sc.scrapes);
	if (o.textfile)
		fprintf(stderr, ", %llu textfile writes", (unsigned long long)sc.textfile_writes);
	fputc('\n', stderr);
	dl_live_stop(&live);
out:
	sink_fini(&sc.cs);
	pathres_free(sc.pr);
	return ret;
}
