// SPDX-License-Identifier: GPL-2.0
/*
 * `diolock stat`: log2 histograms of i_rwsem waits and holds and of DIO
 * latency, folded in BPF maps. No record crosses the ring buffer in this
 * mode: the kernel side keeps the buckets and user space reads them once.
 */
#include <argp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include "lib/cli.h"
#include "cmd/commands.h"
#include "output/event_fmt.h"
#include "lib/json.h"
#include "live/live.h"
#include "lib/log.h"
#include "live/stats.h"

enum { OPT_BY = 0x300 };

struct stat_opts {
	struct dl_run_opts run;
	enum dl_stat_by by;
	bool json;
};

static const struct argp_option options[] = {
	{ "duration", 'd', "SEC", 0, "Collect for SEC seconds (default: until CMD exits, or a signal)", 0 },
	{ "by", OPT_BY, "KEY", 0, "Key the histograms by inode (default), fs, comm, stack or path (the I/O's submission path: sync, aio, io_uring, io_uring-wq...)", 0 },
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

struct stat_out {
	const struct stat_opts *o;
	struct dl_live *live;
	struct st_snap snap;
	struct pathres *pr;
	bool hold_ok;
	char hold_why[320];
};

static void frames_text(FILE *f, struct dl_live *live, __s32 stack_id)
{
	char frames[DL_STACK_DEPTH][128];
	int n = dl_live_frames(live, stack_id, frames, DL_STACK_DEPTH);

	if (!n)
		fprintf(f, "    (no stack)\n");
	for (int i = 0; i < n && i < 12; i++)
		fprintf(f, "    %s\n", frames[i]);
}

/* Why iou-wrk threads show up on O_DIRECT writes: io_uring's non-blocking attempt failed. */
static void print_punts_text(const struct st_snap *s)
{
	char dev[16];

	if (!s->npunts)
		return;
	printf("\nio_uring O_DIRECT writes punted to io-wq (the non-blocking attempt failed, e.g. i_rwsem "
	       "contended):\n  %-8s %-7s %-10s %-8s %-16s %s\n", "FS", "DEV", "INO", "PID", "COMM", "PUNTS");
	for (size_t i = 0; i < s->npunts; i++) {
		const struct st_punt *p = &s->punts[i];

		dl_fmt_dev(p->key.dev, dev, sizeof(dev));
		printf("  %-8.16s %-7s %-10llu %-8u %-16.16s %llu\n", p->v.fs, dev, (unsigned long long)p->key.ino,
		       p->key.tgid, p->v.comm, (unsigned long long)p->v.count);
	}
}

static void print_punts_json(struct json *j, const struct st_snap *s)
{
	char dev[16];

	json_key(j, "io_uring_punts");
	json_begin_array(j);
	for (size_t i = 0; i < s->npunts; i++) {
		const struct st_punt *p = &s->punts[i];

		dl_fmt_dev(p->key.dev, dev, sizeof(dev));
		json_begin_object(j);
		json_key(j, "fs");
		json_stringn(j, p->v.fs, DL_FS_LEN);
		json_kv_str(j, "dev", dev);
		json_kv_u64(j, "ino", p->key.ino);
		json_kv_u64(j, "pid", p->key.tgid);
		json_key(j, "comm");
		json_stringn(j, p->v.comm, DL_COMM_LEN);
		json_kv_u64(j, "punts", p->v.count);
		json_end_object(j);
	}
	json_end_array(j);
}

static void print_text(struct stat_out *so)
{
	const struct st_snap *s = &so->snap;
	struct dl_live *live = so->live;
	char label[640], sum[256];
	int last_kind = -1;

	printf("diolock stat on Linux %s, %.1f s, by %s, i_rwsem waits via %s\n", dl_kernel_release(),
	       live->duration_s, hist_by_name(so->o->by), st_wait_tier(&live->s));
	if (so->o->run.cmd && live->cmd.status >= 0)
		printf("command: %s (exit %d)\n", so->o->run.cmd[0],
		       WIFEXITED(live->cmd.status) ? WEXITSTATUS(live->cmd.status) : 128 + WTERMSIG(live->cmd.status));
	for (size_t i = 0; i < s->nhists; i++) {
		const struct st_hist *h = &s->hists[i];

		if ((int)h->key.kind != last_kind)
			printf("\n== %s ==\n", st_kind_title(h->key.kind));
		last_kind = h->key.kind;
		st_key_label(label, sizeof(label), s, &h->key, so->o->by, so->pr);
		hist_summary(sum, sizeof(sum), &h->h);
		printf("\n%s\n  %s\n", label, sum);
		if (so->o->by == DL_BY_STACK)
			frames_text(stdout, live, h->key.stack_id);
		hist_print(stdout, &h->h, "  ", 40);
	}
	if (!s->nhists)
		printf("\nno i_rwsem wait or DIO completion seen\n");
	if (!so->hold_ok)
		printf("\ni_rwsem hold time: unavailable: %s\n", so->hold_why);
	if (s->nfsdio) {
		printf("\nDIO completions by filesystem:\n  %-10s %12s %14s %10s %10s\n", "FS", "COMPLETIONS",
		       "UNDER I_RWSEM", "READ", "WRITE");
		for (size_t i = 0; i < s->nfsdio; i++) {
			const struct dl_fs_dio *d = &s->fsdio[i].v;

			printf("  %-10.16s %12llu %14llu %10llu %10llu\n", s->fsdio[i].fs,
			       (unsigned long long)d->completions,
			       (unsigned long long)(d->under_read + d->under_write),
			       (unsigned long long)d->under_read, (unsigned long long)d->under_write);
		}
	}
	print_punts_text(s);
	printf("\nevents lost %llu (map full %llu)\n", (unsigned long long)(s->lost_ringbuf + s->lost_map_full),
	       (unsigned long long)s->lost_map_full);
}

/* What a histogram is of, by --by: an inode, a filesystem, a command, an I/O path or a stack. */
static void json_hist_key(struct json *j, struct stat_out *so, const struct st_hist *h)
{
	const struct st_snap *s = &so->snap;
	char dev[24], frames[DL_STACK_DEPTH][128];
	int n;

	switch (so->o->by) {
	case DL_BY_INODE:
		dl_fmt_dev(h->key.dev, dev, sizeof(dev));
		json_key(j, "fs");
		json_stringn(j, h->key.fs, DL_FS_LEN);
		json_kv_str(j, "dev", dev);
		json_kv_u64(j, "ino", h->key.ino);
		json_kv_str(j, "path", pathres_inode(so->pr, h->key.dev, h->key.ino,
						      st_pid_hint(s, h->key.dev, h->key.ino)));
		json_kv_str(j, "device", pathres_dev(so->pr, h->key.dev));
		break;
	case DL_BY_FS:
		dl_fmt_dev(h->key.dev, dev, sizeof(dev));
		json_key(j, "fs");
		json_stringn(j, h->key.fs, DL_FS_LEN);
		json_kv_str(j, "dev", dev);
		json_kv_str(j, "device", pathres_dev(so->pr, h->key.dev));
		break;
	case DL_BY_COMM:
		json_key(j, "comm");
		json_stringn(j, h->key.comm, DL_COMM_LEN);
		break;
	case DL_BY_PATH:
		json_kv_str(j, "io_path", h->key.path ? dl_io_path_name(h->key.path) : "none");
		break;
	default:
		n = dl_live_frames(so->live, h->key.stack_id, frames, DL_STACK_DEPTH);
		json_key(j, "fs");
		json_stringn(j, h->key.fs, DL_FS_LEN);
		json_kv_s64(j, "stack_id", h->key.stack_id);
		json_key(j, "stack");
		json_begin_array(j);
		for (int f = 0; f < n; f++)
			json_string(j, frames[f]);
		json_end_array(j);
		break;
	}
}

static void json_hist(struct json *j, struct stat_out *so, const struct st_hist *h)
{
	json_begin_object(j);
	json_kv_str(j, "metric", hist_kind_name(h->key.kind));
	json_kv_str(j, "mode", hist_kind_mode(h->key.kind));
	json_hist_key(j, so, h);
	json_kv_u64(j, "count", h->h.count);
	json_kv_u64(j, "sum_ns", h->h.sum_ns);
	json_kv_u64(j, "max_ns", h->h.max_ns);
	json_kv_u64(j, "p50_ns", hist_percentile_ns(&h->h, 0.50));
	json_kv_u64(j, "p99_ns", hist_percentile_ns(&h->h, 0.99));
	/* non-empty buckets: [lo_us, lo_us * 2) microseconds, bcc's log2 slots */
	json_key(j, "buckets");
	json_begin_array(j);
	for (int b = 0; b < DL_HIST_SLOTS; b++) {
		if (!h->h.slots[b])
			continue;
		json_begin_object(j);
		json_kv_u64(j, "slot", b);
		json_kv_u64(j, "lo_us", b ? 1ULL << b : 0);
		json_kv_u64(j, "hi_us", 1ULL << (b + 1));
		json_kv_u64(j, "count", h->h.slots[b]);
		json_end_object(j);
	}
	json_end_array(j);
	json_end_object(j);
}

/* The run: which kernel, how each hook point was attached, whether hold times could be measured. */
static void json_stat_run(struct json *j, struct stat_out *so)
{
	struct dl_live *live = so->live;

	json_kv_u64(j, "schema_version", DL_STAT_JSON_SCHEMA);
	json_kv_str(j, "kernel", dl_kernel_release());
	json_kv_str(j, "by", hist_by_name(so->o->by));
	json_key(j, "duration_s");
	json_double(j, live->duration_s);
	json_key(j, "attach");
	json_begin_object(j);
	for (int h = 0; h < DL_HOOK_MAX; h++)
		json_kv_str(j, dl_hooks[h].name, live->s.hooks[h].tier == DL_TIER_NONE ? "unavailable" :
			    dl_tier_name(live->s.hooks[h].tier));
	json_end_object(j);
	json_key(j, "hold_time");
	json_begin_object(j);
	json_kv_bool(j, "available", so->hold_ok);
	json_key(j, "why");
	if (so->hold_ok)
		json_null(j);
	else
		json_string(j, so->hold_why);
	json_end_object(j);
}

/* The kernel's DIO counters, losses and CMD. */
static void json_stat_tail(struct json *j, struct stat_out *so)
{
	const struct st_snap *s = &so->snap;
	struct dl_live *live = so->live;

	json_key(j, "dio_completions_by_fs");
	json_begin_array(j);
	for (size_t i = 0; i < s->nfsdio; i++) {
		json_begin_object(j);
		json_key(j, "fs");
		json_stringn(j, s->fsdio[i].fs, DL_FS_LEN);
		json_kv_u64(j, "completions", s->fsdio[i].v.completions);
		json_kv_u64(j, "under_i_rwsem", s->fsdio[i].v.under_read + s->fsdio[i].v.under_write);
		json_kv_u64(j, "under_read", s->fsdio[i].v.under_read);
		json_kv_u64(j, "under_write", s->fsdio[i].v.under_write);
		json_end_object(j);
	}
	json_end_array(j);
	print_punts_json(j, s);
	json_kv_u64(j, "lost_events", s->lost_ringbuf + s->lost_map_full);
	json_key(j, "lost_by_reason");
	json_begin_object(j);
	json_kv_u64(j, "ringbuf_full", s->lost_ringbuf);
	json_kv_u64(j, "map_full", s->lost_map_full);
	json_end_object(j);
	json_key(j, "command");
	if (so->o->run.cmd) {
		json_begin_object(j);
		json_key(j, "argv");
		json_begin_array(j);
		for (char **a = so->o->run.cmd; *a; a++)
			json_string(j, *a);
		json_end_array(j);
		json_key(j, "exit_status");
		if (live->cmd.status >= 0 && WIFEXITED(live->cmd.status))
			json_u64(j, WEXITSTATUS(live->cmd.status));
		else
			json_null(j);
		json_end_object(j);
	} else {
		json_null(j);
	}
	json_kv_bool(j, "interrupted", live->interrupted);
}

static void print_json(struct stat_out *so)
{
	struct json j;

	json_init(&j, stdout);
	json_begin_object(&j);
	json_stat_run(&j, so);
	json_key(&j, "histograms");
	json_begin_array(&j);
	for (size_t i = 0; i < so->snap.nhists; i++)
		json_hist(&j, so, &so->snap.hists[i]);
	json_end_array(&j);
	json_stat_tail(&j, so);
	json_end_object(&j);
	fputc('\n', stdout);
}

int cmd_stat(int argc, char **argv)
{
	static const struct argp argp = { options, parse, "[-- CMD [ARG...]]", doc, dl_common_argp_children, NULL, NULL };
	struct stat_opts o = {};
	struct dl_live live = {};
	struct dl_session_opts so = {};
	struct stat_out out = { .o = &o, .live = &live };
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
	out.hold_ok = st_hold_available(&live.s, out.hold_why, sizeof(out.hold_why));
	out.pr = pathres_new();
	if (!out.pr || st_snap_read(&live.s, &out.snap)) {
		dl_err("cannot read diolock's histogram maps");
		ret = DL_EXIT_USAGE;
	} else if (o.json) {
		print_json(&out);
	} else {
		print_text(&out);
	}
	st_snap_free(&out.snap);
	pathres_free(out.pr);
	dl_live_stop(&live);
	return ret;
}
