// SPDX-License-Identifier: GPL-2.0
/* The `check` report as one JSON document (schema in docs/json.md). */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include "output/exit.h"
#include "output/report_internal.h"
#include "lib/json.h"

static void json_member_lock(struct json *j, const struct dl_report *r, const char *key,
			     const struct an_member *m, bool wait)
{
	const char *path = report_path_of(r, m->dev, m->ino);
	char dev[16];

	dl_fmt_dev(m->dev, dev, sizeof(dev));
	json_key(j, key);
	json_begin_object(j);
	json_kv_str(j, "lock", an_lock_kind_name(m->lock_kind));
	json_kv_str(j, "fs", m->fs);
	json_kv_str(j, "dev", dev);
	json_kv_u64(j, "ino", m->ino);
	if (path)
		json_kv_str(j, "path", path);
	if (m->lock_kind == AN_LOCK_MMAP)
		json_kv_u64(j, "mm_pid", m->mm_pid);
	json_kv_str(j, "mode", an_lock_mode_name(m->mode));
	if (wait) {
		json_kv_u64(j, "wait_ns", m->wait_ns);
		json_kv_str(j, "holder", m->exact ? "exact" : "inferred");
	}
	json_end_object(j);
}

static void json_member(struct json *j, const struct dl_report *r, const struct an_finding *v,
			const struct an_member *m)
{
	json_begin_object(j);
	json_kv_u64(j, "pid", m->pid);
	json_kv_u64(j, "tid", m->tid);
	json_kv_str(j, "comm", m->comm);
	if (v->kind == AN_LOCK_ORDER) {
		char cls[40];

		json_kv_str(j, "to_class", report_member_class(m, cls, sizeof(cls)));
		/* an edge between instances: the inode taken, and how */
		if (m->ino)
			json_member_lock(j, r, "to", m, false);
	} else if (m->ino || m->lock_kind == AN_LOCK_SB_WRITERS || m->lock_kind == AN_LOCK_MMAP) {
		json_member_lock(j, r, "waits_for", m, true);
	}
	dl_json_stack(j, m->stack_id, r->sr);
	json_end_object(j);
}

/* "cgroup" (its path, null unknown), "cgroup_id", and "container" when a runtime's path names one */
static void json_cgroup(struct json *j, const struct dl_report *r, __u64 id)
{
	const char *path = r->cgroups ? dl_cgroups_known(r->cgroups, id) : NULL;
	char name[80];

	json_key(j, "cgroup");
	if (path)
		json_string(j, path);
	else
		json_null(j);
	json_kv_u64(j, "cgroup_id", id);
	if (path && dl_cgroup_container(path, name, sizeof(name)))
		json_kv_str(j, "container", name);
}

static void json_finding(struct json *j, const struct dl_report *r, const struct an_finding *v)
{
	const char *path = report_path_of(r, v->dev, v->ino);
	char dev[16];

	dl_fmt_dev(v->dev, dev, sizeof(dev));
	json_begin_object(j);
	json_kv_str(j, "kind", an_kind_name(v->kind));
	json_kv_str(j, "severity", an_severity_name(v->severity));
	json_kv_str(j, "confidence", v->exact ? "exact" : "inferred");
	json_kv_str(j, "fs", v->fs);
	json_kv_str(j, "dev", dev);
	json_kv_u64(j, "ino", v->ino);
	if (path)
		json_kv_str(j, "path", path);
	json_kv_u64(j, "pid", v->pid);
	json_kv_u64(j, "tid", v->tid);
	json_kv_str(j, "comm", v->comm);
	if (v->io_path)
		json_kv_str(j, "io_path", dl_io_path_name(v->io_path));
	json_cgroup(j, r, v->cgroup);
	if (v->run_tid) {
		json_key(j, "run_by");
		json_begin_object(j);
		json_kv_u64(j, "tid", v->run_tid);
		json_kv_str(j, "comm", v->run_comm);
		json_end_object(j);
	}
	json_kv_str(j, "lock", an_lock_kind_name(an_finding_lock(v)));
	json_kv_str(j, "lock_mode", an_lock_mode_name(v->lock_mode));
	json_kv_bool(j, "dsync", v->dsync);
	json_kv_u64(j, "holder_tid", v->holder_tid);
	json_kv_u64(j, "count", v->count);
	json_kv_u64(j, "first_ts_ns", v->first_ts);
	json_kv_u64(j, "last_ts_ns", v->last_ts);
	json_kv_str(j, "note", v->note);
	if (v->detail[0])
		json_kv_str(j, "detail", v->detail);
	dl_json_stack(j, v->stack_id, r->sr);
	if (v->nmembers) {
		json_key(j, v->kind == AN_LOCK_ORDER ? "edges" : v->kind == AN_DEADLOCK_CYCLE ? "cycle" : "chain");
		json_begin_array(j);
		for (int i = 0; i < v->nmembers; i++)
			json_member(j, r, v, &v->members[i]);
		json_end_array(j);
	}
	json_end_object(j);
}

static void json_contention(struct json *j, const struct an_contention *c)
{
	char dev[16];

	dl_fmt_dev(c->dev, dev, sizeof(dev));
	json_begin_object(j);
	json_kv_str(j, "fs", c->fs);
	json_kv_str(j, "dev", dev);
	json_kv_u64(j, "ino", c->ino);
	json_kv_u64(j, "waits", c->waits);
	json_kv_u64(j, "read_waits", c->read_waits);
	json_kv_u64(j, "write_waits", c->write_waits);
	json_kv_u64(j, "wait_ns_total", c->wait_ns_total);
	json_kv_u64(j, "wait_ns_max", c->wait_ns_max);
	json_key(j, "holders");
	json_begin_array(j);
	for (int k = 0; k < c->nholders; k++)
		json_u64(j, c->holders[k]);
	json_end_array(j);
	json_key(j, "waiters");
	json_begin_array(j);
	for (int k = 0; k < c->nwaiters; k++)
		json_u64(j, c->waiters[k]);
	json_end_array(j);
	json_end_object(j);
}

static void json_cmd(struct json *j, const struct dl_report *r)
{
	json_key(j, "command");
	if (!r->cmd_argv) {
		json_null(j);
		return;
	}
	json_begin_object(j);
	json_key(j, "argv");
	json_begin_array(j);
	for (char *const *a = r->cmd_argv; *a; a++)
		json_string(j, *a);
	json_end_array(j);
	json_key(j, "exit_status");
	if (r->cmd_status >= 0 && WIFEXITED(r->cmd_status))
		json_s64(j, WEXITSTATUS(r->cmd_status));
	else
		json_null(j);
	json_key(j, "signal");
	if (r->cmd_status >= 0 && WIFSIGNALED(r->cmd_status))
		json_s64(j, WTERMSIG(r->cmd_status));
	else
		json_null(j);
	json_kv_bool(j, "running", r->cmd_status < 0);
	json_kv_bool(j, "failed", dl_report_cmd_failed(r));
	json_key(j, "killed_by_diolock");
	if (r->killed_by) {
		char name[16];

		snprintf(name, sizeof(name), "SIG%s", sigabbrev_np(r->killed_by));
		json_string(j, name);
	} else {
		json_null(j);
	}
	json_end_object(j);
}

static void json_filters(struct json *j, const struct dl_report *r)
{
	struct dl_filter fl = report_effective_filter(r);
	char dev[16];

	json_key(j, "filters");
	json_begin_object(j);
	if (fl.tgid)
		json_kv_u64(j, "pid", fl.tgid);
	if (fl.comm[0]) {
		json_key(j, "comm");
		json_stringn(j, fl.comm, DL_COMM_LEN);
	}
	if (fl.fs[0]) {
		json_key(j, "fs");
		json_stringn(j, fl.fs, DL_FS_LEN);
	}
	if (fl.dev) {
		dl_fmt_dev(fl.dev, dev, sizeof(dev));
		json_kv_str(j, "dev", dev);
	}
	if (fl.ino)
		json_kv_u64(j, "ino", fl.ino);
	if (fl.cgroup[0])
		json_kv_str(j, "cgroup", fl.cgroup);
	json_end_object(j);
	json_kv_bool(j, "filters_matched", dl_report_filters_matched(r));
}

/* Which diolock, which host, which kernel, and how each hook point was attached. */
static void json_run(struct json *j, const struct dl_report *r)
{
	json_kv_u64(j, "schema_version", DL_REPORT_JSON_SCHEMA);
	json_key(j, "diolock");
	json_begin_object(j);
	json_kv_str(j, "version", r->version && r->version[0] ? r->version : "unknown");
	json_kv_str(j, "git_rev", r->git_rev && r->git_rev[0] ? r->git_rev : "unknown");
	json_end_object(j);
	json_key(j, "host");
	if (r->host && r->host[0])
		json_string(j, r->host);
	else
		json_null(j);
	json_key(j, "start_time");
	if (r->start_time && r->start_time[0])
		json_string(j, r->start_time);
	else
		json_null(j);
	json_kv_str(j, "kernel", r->kernel);
	if (r->lock_layout && r->lock_layout[0])
		json_kv_str(j, "i_rwsem_layout", r->lock_layout);
	json_key(j, "attach");
	json_begin_object(j);
	for (int h = 0; h < DL_HOOK_MAX; h++)
		json_kv_str(j, dl_hooks[h].name, r->hooks[h].tier == DL_TIER_NONE ? "unavailable" :
			    dl_tier_name(r->hooks[h].tier));
	json_end_object(j);
	json_key(j, "unavailable");
	json_begin_object(j);
	for (int h = 0; h < DL_HOOK_MAX; h++)
		if (r->hooks[h].tier == DL_TIER_NONE)
			json_kv_str(j, dl_hooks[h].name, r->hooks[h].why);
	json_end_object(j);
}

/* What came in, and what was lost on the way. */
static void json_events(struct json *j, const struct dl_report *r)
{
	json_kv_u64(j, "events", r->an.events);
	json_key(j, "events_by_type");
	json_begin_object(j);
	for (int t = 1; t < DL_EV_TYPE_MAX; t++)
		json_kv_u64(j, dl_event_type_name(t), r->an.by_type[t]);
	json_end_object(j);
	json_kv_u64(j, "lost_events", r->lost_ringbuf + r->lost_map_full);
	json_key(j, "lost_by_reason");
	json_begin_object(j);
	json_kv_u64(j, "ringbuf_full", r->lost_ringbuf);
	json_kv_u64(j, "map_full", r->lost_map_full);
	json_end_object(j);
	json_kv_u64(j, "stacks_lost", r->stacks_lost);
}

/* The findings, their counts per kind, and the inferred ones time confirmed or refuted. */
static void json_findings(struct json *j, const struct dl_report *r)
{
	const struct an_results *an = &r->an;

	json_key(j, "findings");
	json_begin_array(j);
	for (size_t i = 0; i < an->nfindings; i++)
		json_finding(j, r, &an->finding[i]);
	json_end_array(j);
	/* deprecated: the same array under its first name, written until 0.3 (docs/json.md) */
	json_key(j, "violations");
	json_begin_array(j);
	for (size_t i = 0; i < an->nfindings; i++)
		json_finding(j, r, &an->finding[i]);
	json_end_array(j);
	json_key(j, "summary");
	json_begin_object(j);
	for (int k = 0; k < AN_KIND_MAX; k++)
		json_kv_u64(j, an_kind_name(k), an->summary[k]);
	json_end_object(j);
	json_key(j, "suspected");
	json_begin_object(j);
	for (int k = 0; k < AN_KIND_MAX; k++) {
		if (k != AN_SELF_DEADLOCK && k != AN_DEADLOCK_CYCLE)
			continue;
		json_key(j, an_kind_name(k));
		json_begin_object(j);
		json_kv_u64(j, "raised", an->suspected[k]);
		json_kv_u64(j, "confirmed", an->confirmed[k]);
		json_kv_u64(j, "retracted", an->retracted[k]);
		json_kv_u64(j, "pending", an->suspected[k] - an->confirmed[k] - an->retracted[k]);
		json_end_object(j);
	}
	json_end_object(j);
}

/* What the kernel counted instead of sending a record per DIO. */
static void json_dio_by_fs(struct json *j, const struct dl_report *r)
{
	json_key(j, "dio_by_fs");
	json_begin_object(j);
	for (int fs = 0; r->dio && fs < DL_FSID_MAX; fs++) {
		const __u64 *d = r->dio[fs];

		if (!d[DL_DIO_SUBMITTED] && !d[DL_DIO_COMPLETED])
			continue;
		json_key(j, dl_fsid_group(fs));
		json_begin_object(j);
		json_kv_u64(j, "submitted", d[DL_DIO_SUBMITTED]);
		json_kv_u64(j, "queued", d[DL_DIO_QUEUED]);
		json_kv_u64(j, "completed", d[DL_DIO_COMPLETED]);
		json_kv_u64(j, "under_read", d[DL_DIO_UNDER_READ]);
		json_kv_u64(j, "under_write", d[DL_DIO_UNDER_WRITE]);
		json_kv_u64(j, "folded", d[DL_DIO_FOLDED]);
		/* absent when 0: reports of kernels and recordings without them stay as they were */
		if (d[DL_DIO_IN_IRQ])
			json_kv_u64(j, "completed_in_irq", d[DL_DIO_IN_IRQ]);
		if (d[DL_DIO_UNSEEN])
			json_kv_u64(j, "async_writes_unjudged", d[DL_DIO_UNSEEN]);
		json_end_object(j);
	}
	json_end_object(j);
}

/* Folds, lock-order edges, fallbacks per filesystem, and the contention table. */
static void json_tables(struct json *j, const struct dl_report *r)
{
	const struct an_results *an = &r->an;

	json_kv_u64(j, "folded_in_kernel", an->folded);
	json_kv_u64(j, "waits_folded_in_kernel", an->folded_waits);
	json_key(j, "lock_order");
	json_begin_object(j);
	json_kv_u64(j, "instance_edges", an->order_edges);
	json_kv_u64(j, "forgotten", an->order_forgotten);
	json_kv_u64(j, "limit", AN_ORDER_EDGES);
	json_end_object(j);
	json_key(j, "fallbacks_by_fs");
	json_begin_object(j);
	for (size_t i = 0; i < an->nfallbacks; i++)
		json_kv_u64(j, an->fallbacks[i].fs, an->fallbacks[i].count);
	json_end_object(j);
	json_key(j, "contention");
	json_begin_array(j);
	for (size_t i = 0; i < an->ncont; i++)
		json_contention(j, &an->cont[i]);
	json_end_array(j);
}

/* How the run ended, and what that makes of it. */
static void json_verdict(struct json *j, const struct dl_report *r)
{
	json_cmd(j, r);
	json_key(j, "duration_s");
	json_double(j, r->duration_s);
	json_kv_bool(j, "interrupted", r->interrupted);
	json_kv_bool(j, "timed_out", r->timed_out);
	json_filters(j, r);
	json_key(j, "recording_cut_at");
	if (r->cut)
		json_u64(j, r->cut_at);
	else
		json_null(j);
	json_kv_bool(j, "complete", !r->partial && !r->cut);
	json_kv_str(j, "verdict", dl_verdict_name(dl_report_verdict(r)));
	json_key(j, "why_incomplete");
	if (dl_report_verdict(r) == DL_VERDICT_INCOMPLETE)
		json_string(j, dl_report_why_incomplete(r));
	else
		json_null(j);
}

void dl_report_json(FILE *f, const struct dl_report *r)
{
	struct json j;

	json_init(&j, f);
	json_begin_object(&j);
	json_run(&j, r);
	json_events(&j, r);
	json_findings(&j, r);
	json_dio_by_fs(&j, r);
	json_tables(&j, r);
	json_verdict(&j, r);
	json_end_object(&j);
	fputc('\n', f);
}

/* A string inside a DOT "..." label: quotes and backslashes escaped, control characters dropped. */
