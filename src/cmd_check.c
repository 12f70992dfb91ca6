// SPDX-License-Identifier: GPL-2.0
/*
 * `diolock check`: the CI mode. Watches every task while CMD runs (or until
 * --timeout), reports findings, and exits 1 if any is an error.
 */
#include <argp.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "analyzer.h"
#include "cli.h"
#include "commands.h"
#include "live.h"
#include "log.h"
#include "report.h"

struct check_opts {
	struct dl_run_opts run;
	const char *json_path;
	bool quiet;
};

struct check_ctx {
	struct analyzer an;
	struct dl_stack_resolver sr;
	size_t announced;	/* findings already printed live */
	bool quiet;
};

static const struct argp_option options[] = {
	{ "json", 'J', "FILE", 0, "Write the JSON report to FILE ('-': stdout)", 0 },
	{ "quiet", 'q', NULL, 0, "No live finding lines; only the final report", 0 },
	DL_RUN_ARGP_OPTIONS,
	{ 0 },
};

static const char doc[] =
	"Run CMD (or watch until --timeout or a signal) and check i_rwsem and DIO completion:\n"
	"  dio_complete_under_i_rwsem  error if the completion's fsync takes that i_rwsem,\n"
	"                              info where that is by design (ext4, xfs, btrfs's stub)\n"
	"  self_deadlock               a task starts waiting on an i_rwsem it holds (error)\n"
	"  dio_fallback_buffered       an O_DIRECT write that never reached iomap (info)\n"
	"Every task on the system is watched, not only CMD: deadlocks involve kworkers.\n"
	"Exit status: 0 no errors, 1 errors found, 2 usage or environment error.\n"
	"\n"
	"Examples:\n"
	"  diolock check --json r.json -- fio job.fio\n"
	"  diolock check --timeout 60 --fs btrfs\n";

static error_t parse(int key, char *arg, struct argp_state *state)
{
	struct check_opts *o = state->input;

	switch (key) {
	case 'J':
		o->json_path = arg;
		return 0;
	case 'q':
		o->quiet = true;
		return 0;
	default:
		return dl_run_opt_parse(key, arg, state, &o->run);
	}
}

static void announce(struct check_ctx *cc)
{
	char frames[DL_STACK_DEPTH][128];

	for (; cc->announced < cc->an.nviol; cc->announced++) {
		const struct an_violation *v = &cc->an.viol[cc->announced];
		int n;

		if (cc->quiet || v->severity < AN_ERROR)
			continue;
		fprintf(stderr, "diolock: ");
		dl_violation_line(stderr, v);
		n = cc->sr.frames(cc->sr.ctx, v->stack_id, frames, DL_STACK_DEPTH);
		for (int i = 0; i < n; i++)
			fprintf(stderr, "        %s\n", frames[i]);
		fflush(stderr);
	}
}

static void on_event(void *ctx, const struct dl_event *e)
{
	struct check_ctx *cc = ctx;

	an_feed(&cc->an, e);
	announce(cc);
}

/*
 * The JSON report is written to a temporary file beside FILE and renamed
 * into place, so a reader never sees half a report. Created before tracing
 * starts, so a bad path fails at once.
 */
struct out_file {
	FILE *f;
	char tmp[4096];
	const char *path;
};

static int out_open(struct out_file *of, const char *path, char *err, size_t len)
{
	char dir[4096];
	struct stat st;
	int fd;

	of->path = path;
	if (!strcmp(path, "-")) {
		of->f = stdout;
		return 0;
	}
	if (!lstat(path, &st) && !S_ISREG(st.st_mode)) {
		snprintf(err, len, "cannot write JSON report to '%s': not a regular file", path);
		return -EINVAL;
	}
	snprintf(dir, sizeof(dir), "%s", path);
	if (snprintf(of->tmp, sizeof(of->tmp), "%s/.diolock-report.XXXXXX", dirname(dir)) >=
	    (int)sizeof(of->tmp)) {
		snprintf(err, len, "cannot write JSON report to '%s': path too long", path);
		return -ENAMETOOLONG;
	}
	fd = mkstemp(of->tmp);
	if (fd < 0 || fchmod(fd, 0644) || !(of->f = fdopen(fd, "w"))) {
		snprintf(err, len, "cannot write JSON report to '%s': %s", path, strerror(errno));
		if (fd >= 0) {
			close(fd);
			unlink(of->tmp);
		}
		return -errno;
	}
	return 0;
}

static int out_commit(struct out_file *of)
{
	int err = 0;

	if (of->f == stdout)
		return fflush(stdout) ? -errno : 0;
	if (fflush(of->f) || fsync(fileno(of->f)))
		err = -errno;
	fclose(of->f);
	if (!err && rename(of->tmp, of->path))
		err = -errno;
	if (err) {
		unlink(of->tmp);
		dl_err("cannot write JSON report to '%s': %s", of->path, strerror(-err));
	}
	return err;
}

static void out_discard(struct out_file *of)
{
	if (!of->f || of->f == stdout)
		return;
	fclose(of->f);
	unlink(of->tmp);
}

int cmd_check(int argc, char **argv)
{
	static const struct argp argp = { options, parse, "[-- CMD [ARG...]]", doc, NULL, NULL, NULL };
	struct check_opts o = {};
	struct check_ctx cc = {};
	struct dl_live live = {};
	struct dl_session_opts so = {};
	struct out_file of = {};
	struct dl_report r = {};
	char err[256];
	int ret;

	if (argp_parse(&argp, argc, argv, DL_RUN_ARGP_FLAGS, NULL, &o))
		return DL_EXIT_USAGE;
	if (o.json_path && out_open(&of, o.json_path, err, sizeof(err))) {
		dl_err("%s", err);
		return DL_EXIT_USAGE;
	}
	an_init(&cc.an, &o.run.filter);
	cc.quiet = o.quiet;
	cc.sr.frames = dl_live_frames;
	cc.sr.ctx = &live;
	so.filter = &o.run.filter;
	so.ringbuf_bytes = o.run.ringbuf_bytes;
	so.forced = o.run.forced;
	so.cb = on_event;
	so.ctx = &cc;
	live.timeout_s = o.run.timeout_s;
	if (dl_live_start(&live, &so, o.run.cmd, err, sizeof(err))) {
		dl_err("%s", err);
		out_discard(&of);
		an_fini(&cc.an);
		return DL_EXIT_USAGE;
	}
	dl_live_run(&live);

	r.an = &cc.an;
	r.kernel = dl_kernel_release();
	r.hooks = live.s.hooks;
	r.lost_ringbuf = dl_session_lost(&live.s, DL_CNT_RINGBUF_LOST);
	r.lost_map_full = dl_session_lost(&live.s, DL_CNT_MAP_FULL);
	r.cmd_argv = o.run.cmd;
	r.cmd_status = live.cmd.status;
	r.duration_s = live.duration_s;
	r.interrupted = live.interrupted;
	r.timed_out = live.timed_out;
	r.sr = &cc.sr;
	/* the text report goes to stderr when stdout carries the JSON */
	dl_report_text(of.f == stdout ? stderr : stdout, &r);
	ret = dl_report_verdict(&r) == DL_VERDICT_FAIL ? DL_EXIT_VIOLATION : DL_EXIT_OK;
	if (of.f) {
		dl_report_json(of.f, &r);
		if (out_commit(&of))
			ret = DL_EXIT_USAGE;
	}
	dl_live_stop(&live);
	an_fini(&cc.an);
	return ret;
}
