// SPDX-License-Identifier: GPL-2.0
/* `diolock stat`'s output: the histograms as text or as one JSON document. */
#include <stdio.h>
#include <sys/wait.h>
#include "lib/filter.h"
#include "output/event_fmt.h"
#include "output/stat_fmt.h"
#include "lib/json.h"

static void frames_text(FILE *f, const struct dl_stack_resolver *sr, __s32 stack_id)
{
	char frames[DL_STACK_DEPTH][128];
	int n = sr ? sr->frames(sr->ctx, stack_id, frames, DL_STACK_DEPTH) : 0;

	if (!n)
		fprintf(f, "    (no stack)\n");
	for (int i = 0; i < n && i < 12; i++)
		fprintf(f, "    %s\n", frames[i]);
}

/* Why iou-wrk threads show up on O_DIRECT writes: io_uring's non-blocking attempt failed. */
static void print_punts_text(FILE *f, const struct st_snap *s)
{
	char dev[16];

	if (!s->npunts)
		return;
	fprintf(f, "\nio_uring O_DIRECT writes punted to io-wq (the non-blocking attempt failed, e.g. i_rwsem "
	       "contended):\n  %-8s %-7s %-10s %-8s %-16s %s\n", "FS", "DEV", "INO", "PID", "COMM", "PUNTS");
	for (size_t i = 0; i < s->npunts; i++) {
		const struct st_punt *p = &s->punts[i];

		dl_fmt_dev(p->key.dev, dev, sizeof(dev));
		fprintf(f, "  %-8.16s %-7s %-10llu %-8u %-16.16s %llu\n", p->v.fs, dev, (unsigned long long)p->key.ino,
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

void stat_print_text(FILE *f, const struct stat_view *v)
{
	const struct st_snap *s = v->snap;
	const struct st_run *run = v->run;
	char label[640], sum[256];
	int last_kind = -1;

	fprintf(f, "diolock stat on Linux %s, %.1f s, by %s, i_rwsem waits via %s\n", run->kernel,
	       run->duration_s, hist_by_name(v->by), st_wait_tier(run));
	if (run->cmd && run->cmd_status >= 0)
		fprintf(f, "command: %s (exit %d)\n", run->cmd[0],
		       WIFEXITED(run->cmd_status) ? WEXITSTATUS(run->cmd_status) : 128 + WTERMSIG(run->cmd_status));
	for (size_t i = 0; i < s->nhists; i++) {
		const struct st_hist *h = &s->hists[i];

		if ((int)h->key.kind != last_kind)
			fprintf(f, "\n== %s ==\n", st_kind_title(h->key.kind));
		last_kind = h->key.kind;
		st_key_label(label, sizeof(label), s, &h->key, v->by, v->pr);
		hist_summary(sum, sizeof(sum), &h->h);
		fprintf(f, "\n%s\n  %s\n", label, sum);
		if (v->by == DL_BY_STACK)
			frames_text(f, v->sr, h->key.stack_id);
		hist_print(f, &h->h, "  ", 40);
	}
	if (!s->nhists)
		fprintf(f, "\nno i_rwsem wait or DIO completion seen\n");
	if (!run->hold_ok)
		fprintf(f, "\ni_rwsem hold time: unavailable: %s\n", run->hold_why);
	if (s->nfsdio) {
		fprintf(f, "\nDIO completions by filesystem:\n  %-10s %12s %14s %10s %10s\n", "FS", "COMPLETIONS",
		       "UNDER I_RWSEM", "READ", "WRITE");
		for (size_t i = 0; i < s->nfsdio; i++) {
			const struct dl_fs_dio *d = &s->fsdio[i].v;

			fprintf(f, "  %-10.16s %12llu %14llu %10llu %10llu\n", s->fsdio[i].fs,
			       (unsigned long long)d->completions,
			       (unsigned long long)(d->under_read + d->under_write),
			       (unsigned long long)d->under_read, (unsigned long long)d->under_write);
		}
	}
	print_punts_text(f, s);
	fprintf(f, "\nevents lost %llu (map full %llu)\n", (unsigned long long)(s->lost_ringbuf + s->lost_map_full),
	       (unsigned long long)s->lost_map_full);
}

/* What a histogram is of, by --by: an inode, a filesystem, a command, an I/O path or a stack. */
static void json_hist_key(struct json *j, const struct stat_view *v, const struct st_hist *h)
{
	const struct st_snap *s = v->snap;
	char dev[24], frames[DL_STACK_DEPTH][128];
	int n;

	if (v->by == DL_BY_INODE && hist_kind_is_mmap(h->key.kind)) {
		json_kv_str(j, "lock", "mmap_lock");
		json_kv_u64(j, "pid", h->key.ino);
		json_key(j, "comm");
		json_stringn(j, st_mmap_comm(&h->key, v->pr), DL_COMM_LEN);
		return;
	}
	switch (v->by) {
	case DL_BY_INODE:
		dl_fmt_dev(h->key.dev, dev, sizeof(dev));
		json_key(j, "fs");
		json_stringn(j, h->key.fs, DL_FS_LEN);
		json_kv_str(j, "dev", dev);
		json_kv_u64(j, "ino", h->key.ino);
		json_kv_str(j, "path", pathres_inode(v->pr, h->key.dev, h->key.ino,
						      st_pid_hint(s, h->key.dev, h->key.ino)));
		json_kv_str(j, "device", pathres_dev(v->pr, h->key.dev));
		break;
	case DL_BY_FS:
		dl_fmt_dev(h->key.dev, dev, sizeof(dev));
		json_key(j, "fs");
		json_stringn(j, h->key.fs, DL_FS_LEN);
		json_kv_str(j, "dev", dev);
		json_kv_str(j, "device", pathres_dev(v->pr, h->key.dev));
		break;
	case DL_BY_COMM:
		json_key(j, "comm");
		json_stringn(j, h->key.comm, DL_COMM_LEN);
		break;
	case DL_BY_PATH:
		json_kv_str(j, "io_path", h->key.path ? dl_io_path_name(h->key.path) : "none");
		break;
	case DL_BY_CGROUP: {
		const char *cg = pathres_cgroup(v->pr, h->key.cgroup);
		char name[80];

		json_kv_str(j, "cgroup", cg);
		json_kv_u64(j, "cgroup_id", h->key.cgroup);
		if (dl_cgroup_container(cg, name, sizeof(name)))
			json_kv_str(j, "container", name);
		break;
	}
	default:
		n = v->sr ? v->sr->frames(v->sr->ctx, h->key.stack_id, frames, DL_STACK_DEPTH) : 0;
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

static void json_hist(struct json *j, const struct stat_view *v, const struct st_hist *h)
{
	json_begin_object(j);
	json_kv_str(j, "metric", hist_kind_name(h->key.kind));
	json_kv_str(j, "mode", hist_kind_mode(h->key.kind));
	json_hist_key(j, v, h);
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
static void json_stat_run(struct json *j, const struct stat_view *v)
{
	const struct st_run *run = v->run;

	json_kv_u64(j, "schema_version", DL_STAT_JSON_SCHEMA);
	json_kv_str(j, "kernel", run->kernel);
	json_kv_str(j, "by", hist_by_name(v->by));
	json_key(j, "duration_s");
	json_double(j, run->duration_s);
	json_key(j, "attach");
	json_begin_object(j);
	for (int h = 0; h < DL_HOOK_MAX; h++)
		json_kv_str(j, dl_hooks[h].name, run->tier[h] == DL_TIER_NONE ? "unavailable" :
			    dl_tier_name(run->tier[h]));
	json_end_object(j);
	json_key(j, "hold_time");
	json_begin_object(j);
	json_kv_bool(j, "available", run->hold_ok);
	json_key(j, "why");
	if (run->hold_ok)
		json_null(j);
	else
		json_string(j, run->hold_why);
	json_end_object(j);
}

/* The kernel's DIO counters, losses and CMD. */
static void json_stat_tail(struct json *j, const struct stat_view *v)
{
	const struct st_snap *s = v->snap;
	const struct st_run *run = v->run;

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
	if (run->cmd) {
		json_begin_object(j);
		json_key(j, "argv");
		json_begin_array(j);
		for (char *const *a = run->cmd; *a; a++)
			json_string(j, *a);
		json_end_array(j);
		json_key(j, "exit_status");
		if (run->cmd_status >= 0 && WIFEXITED(run->cmd_status))
			json_u64(j, WEXITSTATUS(run->cmd_status));
		else
			json_null(j);
		json_end_object(j);
	} else {
		json_null(j);
	}
	json_kv_bool(j, "interrupted", run->interrupted);
}

void stat_print_json(FILE *f, const struct stat_view *v)
{
	struct json j;

	json_init(&j, f);
	json_begin_object(&j);
	json_stat_run(&j, v);
	json_key(&j, "histograms");
	json_begin_array(&j);
	for (size_t i = 0; i < v->snap->nhists; i++)
		json_hist(&j, v, &v->snap->hists[i]);
	json_end_array(&j);
	json_stat_tail(&j, v);
	json_end_object(&j);
	fputc('\n', f);
}
