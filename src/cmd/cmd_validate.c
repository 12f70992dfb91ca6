// SPDX-License-Identifier: GPL-2.0
/*
 * `diolock validate --dir DIR...`: one command that checks, on the running
 * kernel, what the 2020 series "BTRFS DIO inode locking/D_SYNC fix" (and the
 * 2024 stub fix cd9253c23aed) promise, by driving its own O_DIRECT|O_DSYNC
 * workloads in DIR under a live check and judging each invariant:
 *
 *   1. a DSYNC DIO completion never re-takes the i_rwsem its task holds
 *   2. no task waits on an i_rwsem it holds
 *   3. DIO writes below EOF on btrfs take i_rwsem shared
 *   4. no DIO-completion vs fallocate/truncate deadlock cycle (patch 04/15:
 *      an AIO O_DIRECT|O_DSYNC write, then a shrinking truncate that waits
 *      in inode_dio_wait under i_rwsem while the completion fsyncs)
 *   5. btrfs's DIO-write stub is only seen by the task holding the lock (a DIO
 *      writer and another thread fsyncing the same fd: fstests generic/364)
 *
 * The workloads run in a child (`diolock __validate-workload DIR...`), so a
 * kernel that deadlocks leaves that child in D state and the verdict still
 * comes, at --timeout.
 */
#include <argp.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/fs.h>
#include <sys/syscall.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include "pipeline/sink.h"
#include "lib/cli.h"
#include "cmd/commands.h"
#include "live/live.h"
#include "lib/log.h"
#include "output/outfile.h"
#include "cmd/validate.h"

#define MAX_DIRS 8

struct validate_opts {
	struct dl_run_opts run;
	const char *dirs[MAX_DIRS];
	int ndirs;
	const char *json_path;
	bool json;
};

/* Below-EOF DIO submissions seen on the overwrite files, per directory. */
struct below_eof {
	__u32 dev;
	__u64 ino;
	__u64 submitted, shared;
};

struct validate_ctx {
	struct sink cs;
	struct below_eof files[MAX_DIRS];
	int nfiles;
	/* the AIO+truncate files: their completions run in kworkers, judged too */
	struct below_eof aio[MAX_DIRS];
	int naio;
	char own_comm[DL_COMM_LEN];	/* the workload's tasks; "" when --comm was given */
};

static const struct argp_option options[] = {
	{ "dir", 'd', "DIR", 0, "Run the workloads in DIR (on the filesystem to validate); repeatable", 0 },
	{ "json", 'j', NULL, 0, "Print the JSON report of the run on stdout (the invariant lines go to stderr)", 0 },
	{ "json-file", 'J', "FILE", 0, "Also write the JSON report of the run to FILE", 0 },
	DL_RUN_ARGP_OPTIONS,
	{ 0 },
};

static const char doc[] =
	"Check, on this kernel, the invariants the btrfs DIO inode locking / D_SYNC\n"
	"fix promises, with built-in O_DIRECT|O_DSYNC, overwrite, fallocate-vs-DIO\n"
	"and AIO-vs-truncate workloads in each DIR. Prints one line per invariant:\n"
	"pass, fail, or n/a with the reason. Exit status 1 if any fails, 3 if none\n"
	"fails but the workload never finished (a deadlock this tier cannot see), 0\n"
	"otherwise. Default --timeout 30: a deadlocked workload is judged when it\n"
	"expires.\n"
	"\n"
	"Examples:\n"
	"  diolock validate --dir /mnt/btrfs\n"
	"  diolock validate --attach kprobe --dir /mnt/btrfs -J v.json\n";

static error_t parse(int key, char *arg, struct argp_state *state)
{
	struct validate_opts *o = state->input;
	struct stat st;

	switch (key) {
	case 'd':
		if (o->ndirs == MAX_DIRS) {
			argp_error(state, "at most %d --dir", MAX_DIRS);
			return EINVAL;
		}
		if (stat(arg, &st) || !S_ISDIR(st.st_mode)) {
			argp_error(state, "--dir '%s' is not a directory", arg);
			return EINVAL;
		}
		o->dirs[o->ndirs++] = arg;
		return 0;
	case 'j':
		o->json = true;
		return 0;
	case 'J':
		o->json_path = arg;
		return 0;
	case ARGP_KEY_ARG:
		argp_error(state, "unexpected argument '%s'", arg);
		return EINVAL;
	case ARGP_KEY_END:
		o->json_path = dl_json_target(o->json, o->json_path);
		if (!o->ndirs) {
			argp_error(state, "which filesystem? --dir DIR");
			return EINVAL;
		}
		return 0;
	default:
		return dl_run_opt_parse(key, arg, state, &o->run);
	}
}

/* ---- judging ---- */

static bool on_file(const struct below_eof *f, int n, const struct dl_event *e)
{
	for (int i = 0; i < n; i++)
		if (f[i].ino == e->ino && f[i].dev == e->dev)
			return true;
	return false;
}

static void on_event(void *ctx, const struct dl_event *e)
{
	struct validate_ctx *vc = ctx;

	/* the workload's own tasks, and whoever completes its AIO writes */
	if (vc->own_comm[0] && e->hdr.type != DL_EV_TICK && e->hdr.type != DL_EV_TASK_EXIT &&
	    strncmp(e->comm, vc->own_comm, DL_COMM_LEN) && !on_file(vc->aio, vc->naio, e))
		return;
	sink_event(&vc->cs, e);
	if (e->hdr.type != DL_EV_DIO_BEGIN || !(e->flags & DL_F_WRITE))
		return;
	for (int i = 0; i < vc->nfiles; i++) {
		struct below_eof *b = &vc->files[i];

		if (b->ino != e->ino || b->dev != e->dev)
			continue;
		b->submitted++;
		if (e->lock.mode == DL_LOCK_READ)
			b->shared++;
	}
}

static __u64 count_kind(const struct an_results *an, enum an_kind k, enum an_severity min, const char *fs)
{
	__u64 n = 0;

	for (size_t i = 0; i < an->nfindings; i++)
		if (an->finding[i].kind == k && an->finding[i].severity >= min && (!fs || !strcmp(an->finding[i].fs, fs)))
			n += an->finding[i].count;
	return n;
}

enum verdict { PASS, FAIL, NA };

struct row {
	const char *what;
	enum verdict v;
	char evidence[200];
};

static const char *verdict_name(enum verdict v)
{
	return v == PASS ? "pass" : v == FAIL ? "fail" : "n/a";
}

static bool exact_tiers(const struct dl_hook_state *hooks)
{
	return hooks[DL_HOOK_DIO_COMPLETE].tier == DL_TIER_FENTRY ||
	       hooks[DL_HOOK_DIO_COMPLETE].tier == DL_TIER_KPROBE;
}

static int judge(struct validate_ctx *vc, const struct dl_hook_state *hooks, bool finished, struct row *rows)
{
	const struct an_results res = an_results(&vc->cs.an), *an = &res;
	__u64 under = count_kind(an, AN_DIO_COMPLETE_UNDER_LOCK, AN_INFO, NULL);
	__u64 bad = count_kind(an, AN_DIO_COMPLETE_UNDER_LOCK, AN_ERROR, NULL);
	__u64 self = an->summary[AN_SELF_DEADLOCK], rec = count_kind(an, AN_RECURSIVE_ACQUIRE, AN_ERROR, NULL);
	__u64 sub = 0, shared = 0, cycles = an->summary[AN_DEADLOCK_CYCLE], skips;
	bool dio_seen = hooks[DL_HOOK_DIO_SUBMIT].tier != DL_TIER_NONE;
	int n = 0, failed = 0;

	rows[n].what = "a DSYNC DIO completion never re-takes the i_rwsem its task holds";
	rows[n].v = bad || self ? FAIL : PASS;
	snprintf(rows[n].evidence, sizeof(rows[n].evidence), "%llu completions under i_rwsem, %llu deadlocking%s",
		 (unsigned long long)under, (unsigned long long)(bad ? bad : self),
		 dio_seen ? "" : " (DIO hooks unavailable: judged on self-deadlocks)");
	n++;

	rows[n].what = "no task waits on an i_rwsem it holds";
	rows[n].v = self || rec ? FAIL : PASS;
	snprintf(rows[n].evidence, sizeof(rows[n].evidence), "%llu self_deadlock, %llu recursive_acquire",
		 (unsigned long long)self, (unsigned long long)rec);
	n++;

	for (int i = 0; i < vc->nfiles; i++) {
		sub += vc->files[i].submitted;
		shared += vc->files[i].shared;
	}
	rows[n].what = "DIO writes below EOF on btrfs take i_rwsem shared";
	if (!dio_seen) {
		rows[n].v = NA;
		snprintf(rows[n].evidence, sizeof(rows[n].evidence), "the dio_submit hook is unavailable here");
	} else if (!vc->nfiles) {
		rows[n].v = NA;
		snprintf(rows[n].evidence, sizeof(rows[n].evidence), "no --dir on btrfs");
	} else if (!sub) {
		rows[n].v = NA;
		snprintf(rows[n].evidence, sizeof(rows[n].evidence), "no real DIO write reached iomap (buffered fallback)");
	} else {
		rows[n].v = shared == sub ? PASS : FAIL;
		snprintf(rows[n].evidence, sizeof(rows[n].evidence), "%llu of %llu below-EOF submissions held it shared",
			 (unsigned long long)shared, (unsigned long long)sub);
	}
	n++;

	rows[n].what = "no DIO-completion vs fallocate/truncate deadlock cycle";
	if (!hooks[DL_HOOK_DIO_DRAIN_WAIT].tier || !exact_tiers(hooks)) {
		/* the cycle's two edges: who waits in inode_dio_wait, and which completion holds the DIO */
		rows[n].v = cycles ? FAIL : NA;
		snprintf(rows[n].evidence, sizeof(rows[n].evidence),
			 "%llu deadlock_cycle; needs inode_dio_wait and iomap_dio_complete entry (fentry or kprobe tier)",
			 (unsigned long long)cycles);
	} else if (!cycles && !finished) {
		/* the AIO+truncate step runs last: a hang before it proves nothing here */
		rows[n].v = NA;
		snprintf(rows[n].evidence, sizeof(rows[n].evidence),
			 "0 deadlock_cycle, but the workload did not finish: its AIO+truncate step may not have run");
	} else {
		rows[n].v = cycles ? FAIL : PASS;
		snprintf(rows[n].evidence, sizeof(rows[n].evidence),
			 "%llu deadlock_cycle, %llu suspected and refuted by time", (unsigned long long)cycles,
			 (unsigned long long)an->retracted[AN_DEADLOCK_CYCLE]);
	}
	n++;

	rows[n].what = "the DIO-write stub is only seen by the task holding i_rwsem";
	/* a finding is certain in any tier; its absence only where every fsync is seen whole */
	skips = an->summary[AN_SYNC_SKIPS_UNHELD];
	if (!skips && (!exact_tiers(hooks) || !hooks[DL_HOOK_RWSEM_ACQUIRE].tier)) {
		rows[n].v = NA;
		snprintf(rows[n].evidence, sizeof(rows[n].evidence),
			 "0 sync_skips_unheld_lock; needs the fentry or kprobe tier with acquisition tracking");
	} else {
		rows[n].v = skips ? FAIL : PASS;
		snprintf(rows[n].evidence, sizeof(rows[n].evidence),
			 "%llu sync_skips_unheld_lock in fsyncs of a file shared with a DIO writer",
			 (unsigned long long)skips);
	}
	n++;
	for (int i = 0; i < n; i++)
		failed += rows[i].v == FAIL;
	return failed;
}

static void print_rows(FILE *f, const struct row *rows, int n, const struct dl_hook_state *hooks)
{
	fprintf(f, "diolock validate on Linux %s (dio_complete: %s)\n\n", dl_kernel_release(),
		dl_tier_name(hooks[DL_HOOK_DIO_COMPLETE].tier));
	fprintf(f, "%-64s %-7s %s\n", "INVARIANT", "VERDICT", "EVIDENCE");
	for (int i = 0; i < n; i++)
		fprintf(f, "%-64s %-7s %s\n", rows[i].what, verdict_name(rows[i].v), rows[i].evidence);
}

/*
 * The files whose inodes the judge watches, made here before the workload
 * runs: the overwrite file (btrfs dirs; invariant 3) and the AIO+truncate
 * file (invariant 4).
 */
static void watch_files(struct validate_ctx *vc, const struct validate_opts *o)
{
	for (int i = 0; i < o->ndirs; i++) {
		char path[PATH_MAX];
		struct stat st;
		int fd;

		if (!vw_is_btrfs(o->dirs[i]))
			continue;
		/* create the overwrite file now, to know which inode to watch */
		snprintf(path, sizeof(path), "%s/diolock-validate.overwrite", o->dirs[i]);
		unlink(path);
		fd = vw_open_overwrite(o->dirs[i], 0, true);
		if (fd >= 0 && !fstat(fd, &st)) {
			vc->files[vc->nfiles].dev = DL_MKDEV(major(st.st_dev), minor(st.st_dev));
			vc->files[vc->nfiles++].ino = st.st_ino;
		}
		if (fd >= 0)
			close(fd);
	}
	for (int i = 0; i < o->ndirs; i++) {
		struct stat st;
		int fd;

		/* made here, not in the workload, to know the inode its completions name */
		fd = vw_open_file(o->dirs[i], "aiotrunc", 0, vw_is_btrfs(o->dirs[i]));
		if (fd >= 0 && !fstat(fd, &st)) {
			vc->aio[vc->naio].dev = DL_MKDEV(major(st.st_dev), minor(st.st_dev));
			vc->aio[vc->naio++].ino = st.st_ino;
		}
		if (fd >= 0)
			close(fd);
	}
}

int cmd_validate(int argc, char **argv)
{
	static const struct argp argp = { options, parse, NULL, doc, dl_common_argp_children, NULL, NULL };
	static struct validate_ctx vc;
	struct validate_opts o = {};
	struct dl_session_opts so = {};
	struct dl_live live = {};
	struct out_file json = {};
	struct evf_trailer t = {};
	struct evf_meta meta;
	struct dl_report r;
	struct row rows[5];
	char *wargv[MAX_DIRS + 3], self[PATH_MAX], err[256];
	ssize_t len;
	int failed, ret;
	FILE *txt;

	if (argp_parse(&argp, argc, argv, 0, NULL, &o))
		return DL_EXIT_USAGE;
	if (o.json_path && out_open(&json, o.json_path, "JSON report", 0644, err, sizeof(err))) {
		dl_err("%s", err);
		return DL_EXIT_USAGE;
	}
	len = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (len <= 0) {
		dl_err("cannot find my own executable: %s", strerror(errno));
		out_discard(&json);
		return DL_EXIT_USAGE;
	}
	self[len] = '\0';
	wargv[0] = self;
	wargv[1] = "__validate-workload";
	for (int i = 0; i < o.ndirs; i++)
		wargv[i + 2] = (char *)o.dirs[i];
	watch_files(&vc, &o);
	wargv[o.ndirs + 2] = NULL;
	/* judge the workload's own tasks (all named after this binary), not the machine's */
	if (!o.run.filter.comm[0])
		snprintf(vc.own_comm, sizeof(vc.own_comm), "%.15s", basename(self));
	sink_init(&vc.cs, &o.run.filter);
	vc.cs.announce = true;
	vc.cs.sr.frames = dl_live_frames;
	vc.cs.sr.ctx = &live;
	dl_session_opts_init(&so, &o.run, on_event, &vc);
	/* invariant 3 judges every DIO write's submission: all records cross, as in trace */
	so.mode = DL_MODE_STREAM;
	live.tick = true;
	dl_live_run_opts(&live, &o.run);
	if (!live.timeout_s)
		live.timeout_s = 30;
	evf_meta_fill(&meta, dl_kernel_release(), NULL, &o.run.filter);
	if (dl_live_start(&live, &so, wargv, err, sizeof(err))) {
		dl_err("%s", err);
		out_discard(&json);
		sink_fini(&vc.cs);
		return DL_EXIT_USAGE;
	}
	dl_live_run(&live);
	failed = judge(&vc, live.s.hooks, live.cmd.status >= 0, rows);
	/* the invariant lines go to stderr when stdout carries the JSON */
	txt = json.f == stdout ? stderr : stdout;
	print_rows(txt, rows, 5, live.s.hooks);
	if (live.cmd.status < 0)
		fprintf(txt, "\nthe workload did not finish within %.0f s (left in the kernel: deadlocked?)\n",
		       live.timeout_s);
	/* a workload that never came back proved nothing, even if no row could see why */
	ret = failed ? DL_EXIT_FINDING : live.cmd.status < 0 ? DL_EXIT_INCOMPLETE : DL_EXIT_OK;
	if (json.f) {
		dl_live_trailer(&live, true, &t);
		dl_live_meta(&live, &meta);
		sink_fill_report(&r, &vc.cs, &meta, &t, wargv);
		r.killed_by = live.killed_by;
		dl_report_json(json.f, &r);
		if (out_commit(&json))
			ret = DL_EXIT_USAGE;
	}
	dl_live_stop(&live);
	sink_fini(&vc.cs);
	return ret;
}
