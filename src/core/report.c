// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include "exit.h"
#include "report.h"

static const char *const dio_fs_names[DL_FSID_MAX] = { "other", "ext4", "xfs", "btrfs" };

/*
 * A hook point `check` relies on that the kernel did not give. A recording
 * made before the hook existed saw what its diolock could: no blind spot.
 */
static bool hook_missing(const struct dl_report *r, int h)
{
	return dl_hooks[h].check_needs && r->hooks[h].tier == DL_TIER_NONE && !r->hooks[h].unrecorded;
}

static bool blind_spot(const struct dl_report *r)
{
	for (int h = 0; h < DL_HOOK_MAX; h++)
		if (hook_missing(r, h))
			return true;
	return false;
}

/* io_uring writes whose request BPF could not name (bpf/fallback.bpf.c): fallbacks unseen. */
static bool unjudged_writes(const struct dl_report *r)
{
	for (int fs = 0; r->dio && fs < DL_FSID_MAX; fs++)
		if (r->dio[fs][DL_DIO_UNSEEN])
			return true;
	return false;
}

/* The filter in effect: the run's (BPF), narrowed by the analyzer's (replay). */
static struct dl_filter effective_filter(const struct dl_report *r)
{
	struct dl_filter f = r->run_filter ? *r->run_filter : (struct dl_filter){};
	const struct dl_filter *a = &r->an->filter;

	if (a->tgid)
		f.tgid = a->tgid;
	if (a->dev)
		f.dev = a->dev;
	if (a->ino)
		f.ino = a->ino;
	if (a->fs[0])
		memcpy(f.fs, a->fs, sizeof(f.fs));
	if (a->comm[0])
		memcpy(f.comm, a->comm, sizeof(f.comm));
	return f;
}

void dl_report_filter_desc(const struct dl_report *r, char *buf, size_t len)
{
	struct dl_filter f = effective_filter(r);
	size_t n = 0;

	buf[0] = '\0';
	if (f.tgid)
		n += snprintf(buf + n, len - n, " --pid %u", f.tgid);
	if (f.comm[0] && n < len)
		n += snprintf(buf + n, len - n, " -c %.*s", DL_COMM_LEN, f.comm);
	if (f.fs[0] && n < len)
		n += snprintf(buf + n, len - n, " --fs %.*s", DL_FS_LEN, f.fs);
	if (f.dev && n < len)
		n += snprintf(buf + n, len - n, " --dev %u:%u", DL_DEV_MAJOR(f.dev), DL_DEV_MINOR(f.dev));
	if (f.ino && n < len)
		snprintf(buf + n, len - n, " --ino %llu", (unsigned long long)f.ino);
	if (buf[0])
		memmove(buf, buf + 1, strlen(buf));
}

bool dl_report_filters_matched(const struct dl_report *r)
{
	struct dl_filter f = effective_filter(r);
	bool any = f.tgid || f.dev || f.ino || f.fs[0] || f.comm[0];

	/* an->events counts the records that passed every filter (no ticks, no exits) */
	if (!any || r->an->events > 0)
		return true;
	/* the kernel counts DIO past the same filters, without records (a routine DIO sends none) */
	for (int fs = 0; r->dio && !f.comm[0] && fs < DL_FSID_MAX; fs++)
		if (r->dio[fs][DL_DIO_SUBMITTED] || r->dio[fs][DL_DIO_COMPLETED])
			return true;
	return false;
}

bool dl_report_cmd_failed(const struct dl_report *r)
{
	return r->cmd_argv && r->cmd_status >= 0 &&
	       !(WIFEXITED(r->cmd_status) && WEXITSTATUS(r->cmd_status) == 0);
}

const char *dl_report_why_incomplete(const struct dl_report *r)
{
	if (r->cut)
		return "the recording was cut short (diolock killed?): the run's end is not in it";
	if (an_count_severity(r->an, AN_ERROR))
		return NULL;
	if (r->lost_ringbuf || r->lost_map_full)
		return "events were lost";
	if (r->an->oom)
		return "the analyzer ran out of memory";
	if (blind_spot(r))
		return "some hook points are unavailable (listed above)";
	if (unjudged_writes(r))
		return "io_uring or AIO wrote to the page cache where diolock could not tell which request or iocb "
		       "it was (io_uring_submit_req unavailable? an io_submit write 32 iocbs past the last?): O_DIRECT "
		       "fallbacks among them are not judged";
	if (!dl_report_filters_matched(r))
		return "the filters matched no event";
	return NULL;
}

enum dl_verdict dl_report_verdict(const struct dl_report *r)
{
	/* a cut recording is incomplete even with errors in it: its end is unknown */
	if (r->cut)
		return DL_VERDICT_INCOMPLETE;
	if (an_count_severity(r->an, AN_ERROR))
		return DL_VERDICT_FAIL;
	return dl_report_why_incomplete(r) ? DL_VERDICT_INCOMPLETE : DL_VERDICT_CLEAN;
}

int dl_report_exit(const struct dl_report *r, unsigned int fail_on)
{
	enum dl_verdict v = dl_report_verdict(r);
	__u64 errors = an_count_severity(r->an, AN_ERROR);
	__u64 warnings = an_count_severity(r->an, AN_WARNING) - errors;

	if (r->cut && (fail_on & DL_FAIL_LOST))
		return DL_EXIT_INCOMPLETE;
	if ((errors && (fail_on & DL_FAIL_ERROR)) || (warnings && (fail_on & DL_FAIL_WARNING)) ||
	    ((fail_on & DL_FAIL_CMD) && dl_report_cmd_failed(r)))
		return DL_EXIT_FINDING;
	if (v == DL_VERDICT_INCOMPLETE && (fail_on & DL_FAIL_LOST))
		return DL_EXIT_INCOMPLETE;
	return DL_EXIT_OK;
}

int dl_parse_fail_on(const char *s, unsigned int *mask, char *err, size_t errlen)
{
	static const struct { const char *name; unsigned int bit; } items[] = {
		{ "error", DL_FAIL_ERROR }, { "warning", DL_FAIL_WARNING }, { "lost", DL_FAIL_LOST },
		{ "incomplete", DL_FAIL_LOST }, { "cmd", DL_FAIL_CMD }, { "none", 0 },
	};
	unsigned int m = 0;
	const char *p = s;

	do {
		size_t n = strcspn(p, ","), i;

		for (i = 0; i < sizeof(items) / sizeof(items[0]); i++)
			if (strlen(items[i].name) == n && !strncmp(p, items[i].name, n))
				break;
		if (i == sizeof(items) / sizeof(items[0])) {
			snprintf(err, errlen, "invalid --fail-on '%s': a comma-separated list of error, warning, "
				 "lost, cmd (or none)", s);
			return -EINVAL;
		}
		m |= items[i].bit;
		p += n;
	} while (*p++ == ',');
	*mask = m;
	return 0;
}

const char *dl_verdict_name(enum dl_verdict v)
{
	return v == DL_VERDICT_FAIL ? "fail" : v == DL_VERDICT_INCOMPLETE ? "incomplete" : "clean";
}

void dl_finding_line(FILE *f, const struct an_finding *v)
{
	char dev[16];

	dl_fmt_dev(v->dev, dev, sizeof(dev));
	fprintf(f, "[%s] %s: pid %u tid %u (%.16s) %s %s ino %" PRIu64 ", i_rwsem %s%s",
		an_severity_name(v->severity), an_kind_name(v->kind), v->pid, v->tid, v->comm,
		v->fs, dev, (uint64_t)v->ino, an_lock_mode_name(v->lock_mode), v->dsync ? ", dsync" : "");
	if (v->io_path)
		fprintf(f, ", via %s", dl_io_path_name(v->io_path));
	if (v->run_tid)
		fprintf(f, " (run by tid %u %.16s)", v->run_tid, v->run_comm);
	fprintf(f, "%s\n", v->exact ? "" : " (inferred)");
}

static void text_stack(FILE *f, const struct dl_report *r, __s32 stack_id)
{
	char frames[DL_STACK_DEPTH][128];
	int n = 0;

	if (r->sr && r->sr->frames && stack_id >= 0)
		n = r->sr->frames(r->sr->ctx, stack_id, frames, DL_STACK_DEPTH);
	for (int i = 0; i < n; i++)
		fprintf(f, "        %s\n", frames[i]);
}

/* A lock_order_inversion member's lock class: "i_rwsem[ext4]", "dio_drain[btrfs]". */
static const char *member_class(const struct an_member *m, char *buf, size_t len)
{
	return an_class_name(m->lock_kind, m->fs, buf, len);
}

/* The recorded path of (dev, ino), or NULL. */
static const char *path_of(const struct dl_report *r, __u32 dev, __u64 ino)
{
	return r->paths && ino ? inode_paths_get(r->paths, dev, ino) : NULL;
}

static void text_member(FILE *f, const struct dl_report *r, const struct an_finding *v,
			const struct an_member *m)
{
	const char *path = path_of(r, m->dev, m->ino);
	char dev[16], cls[40];

	dl_fmt_dev(m->dev, dev, sizeof(dev));
	if (v->kind == AN_LOCK_ORDER && m->ino)
		fprintf(f, "      -> %s of %s %s ino %" PRIu64 "%s%s (%s) first by pid %u tid %u (%.16s) at:\n",
			an_lock_kind_name(m->lock_kind), m->fs, dev, (uint64_t)m->ino, path ? " " : "",
			path ? path : "", an_lock_mode_name(m->mode), m->pid, m->tid, m->comm);
	else if (v->kind == AN_LOCK_ORDER)
		fprintf(f, "      -> %s first by pid %u tid %u (%.16s) at:\n", member_class(m, cls, sizeof(cls)),
			m->pid, m->tid, m->comm);
	else if (m->ino)
		fprintf(f, "      pid %u tid %u (%.16s) waits %.3f ms to %s %s of %s %s ino %" PRIu64 "%s%s%s\n",
			m->pid, m->tid, m->comm, m->wait_ns / 1e6, an_lock_mode_name(m->mode),
			an_lock_kind_name(m->lock_kind), m->fs, dev, (uint64_t)m->ino, path ? " " : "",
			path ? path : "", m->exact ? "" : " (holder inferred)");
	else if (!m->pid)
		fprintf(f, "      tid %u holds it; no record of it came (what it waits for, if anything, is unseen)\n",
			m->tid);
	else
		fprintf(f, "      pid %u tid %u (%.16s) holds it; not seen waiting since its last wait%s\n", m->pid,
			m->tid, m->comm, m->stack_id >= 0 ? ", at:" : "");
	text_stack(f, r, m->stack_id);
}

static void text_cmd(FILE *f, const struct dl_report *r)
{
	if (!r->cmd_argv)
		return;
	fprintf(f, "command: %s", r->cmd_argv[0]);
	if (r->cmd_status < 0)
		fprintf(f, " (still running)");
	else if (WIFEXITED(r->cmd_status))
		fprintf(f, " (exit %d%s)", WEXITSTATUS(r->cmd_status), WEXITSTATUS(r->cmd_status) ? ", failed" : "");
	else
		fprintf(f, " (killed by signal %d)", WTERMSIG(r->cmd_status));
	if (r->killed_by)
		fprintf(f, "; diolock sent it SIG%s at --timeout%s", sigabbrev_np(r->killed_by),
			r->killed_by == SIGKILL ? " (SIGTERM did not end it within --kill-after)" : "");
	fputc('\n', f);
}

/* What this kernel's i_rwsem hides from diolock, when it hides something. */
static void text_lock_layout(FILE *f, const char *layout)
{
	if (!layout || !layout[0] || !strcmp(layout, "rwsem"))
		return;
	if (!strcmp(layout, "rwbase_rt"))
		fprintf(f, "i_rwsem: PREEMPT_RT rwbase_rt: readers are counted, not named (a read holder is never known)\n");
	else
		fprintf(f, "i_rwsem: layout %s to this diolock: the lock's state is not decoded\n", layout);
}

void dl_report_text(FILE *f, const struct dl_report *r)
{
	const struct analyzer *an = r->an;
	enum dl_verdict verdict = dl_report_verdict(r);

	fprintf(f, "diolock check on Linux %s, %.1f s%s\n", r->kernel, r->duration_s,
		r->interrupted ? " (interrupted)" : r->timed_out ? " (timeout)" : "");
	text_cmd(f, r);
	if (r->cut)
		fprintf(f, "recording cut at byte %llu: this report covers the run up to there\n",
			(unsigned long long)r->cut_at);
	if (!dl_report_filters_matched(r)) {
		char desc[128];

		dl_report_filter_desc(r, desc, sizeof(desc));
		fprintf(f, "filters: %s matched no event\n", desc);
	}
	for (int h = 0; h < DL_HOOK_MAX; h++)
		if (hook_missing(r, h))
			fprintf(f, "unavailable: %s: %s\n", dl_hooks[h].name, r->hooks[h].why);
	text_lock_layout(f, r->lock_layout);
	fprintf(f, "\nfindings:%s\n", an->nfindings ? "" : " none");
	for (size_t i = 0; i < an->nfindings; i++) {
		const struct an_finding *v = &an->finding[i];

		fprintf(f, "  ");
		dl_finding_line(f, v);
		fprintf(f, "      x%" PRIu64 ": %s\n", (uint64_t)v->count, v->note);
		if (path_of(r, v->dev, v->ino))
			fprintf(f, "      path: %s\n", path_of(r, v->dev, v->ino));
		if (v->detail[0])
			fprintf(f, "      %s\n", v->detail);
		for (int m = 0; m < v->nmembers; m++)
			text_member(f, r, v, &v->members[m]);
		if (v->severity == AN_ERROR && !v->nmembers)
			text_stack(f, r, v->stack_id);
	}
	if (an->ncont)
		fprintf(f, "\ni_rwsem contention:\n");
	for (size_t i = 0; i < an->ncont; i++) {
		const struct an_contention *c = &an->cont[i];
		char dev[16];

		dl_fmt_dev(c->dev, dev, sizeof(dev));
		fprintf(f, "  %s %s ino %" PRIu64 ": %" PRIu64 " waits (%" PRIu64 " read, %" PRIu64
			" write), total %.3f ms, max %.3f ms, holders",
			c->fs, dev, (uint64_t)c->ino, (uint64_t)c->waits, (uint64_t)c->read_waits,
			(uint64_t)c->write_waits, c->wait_ns_total / 1e6, c->wait_ns_max / 1e6);
		for (int k = 0; k < c->nholders; k++)
			fprintf(f, " %u", c->holders[k]);
		fputc('\n', f);
	}
	fprintf(f, "\nsummary:");
	for (int k = 0; k < AN_KIND_MAX; k++)
		fprintf(f, " %s=%" PRIu64, an_kind_name(k), (uint64_t)an->summary[k]);
	for (int k = 0; k < AN_KIND_MAX; k++)
		if (an->suspected[k])
			fprintf(f, "\nsuspected %s (inferred, held %.0f s for confirmation): %" PRIu64 " raised, %"
				PRIu64 " confirmed, %" PRIu64 " retracted (the wait ended), %" PRIu64 " pending",
				an_kind_name(k), an->confirm_ns / 1e9, (uint64_t)an->suspected[k],
				(uint64_t)an->confirmed[k], (uint64_t)an->retracted[k],
				(uint64_t)(an->suspected[k] - an->confirmed[k] - an->retracted[k]));
	for (int fs = 0; r->dio && fs < DL_FSID_MAX; fs++) {
		const __u64 *d = r->dio[fs];

		if (!d[DL_DIO_SUBMITTED] && !d[DL_DIO_COMPLETED])
			continue;
		fprintf(f, "\nDIO on %s (counted in the kernel): %" PRIu64 " submitted, %" PRIu64 " queued, %"
			PRIu64 " completed, %" PRIu64 " under i_rwsem (%" PRIu64 " read, %" PRIu64 " write), %"
			PRIu64 " folded without a record", dio_fs_names[fs], (uint64_t)d[DL_DIO_SUBMITTED],
			(uint64_t)d[DL_DIO_QUEUED], (uint64_t)d[DL_DIO_COMPLETED],
			(uint64_t)(d[DL_DIO_UNDER_READ] + d[DL_DIO_UNDER_WRITE]), (uint64_t)d[DL_DIO_UNDER_READ],
			(uint64_t)d[DL_DIO_UNDER_WRITE], (uint64_t)d[DL_DIO_FOLDED]);
		if (d[DL_DIO_IN_IRQ])
			fprintf(f, ", %" PRIu64 " completed in an interrupt", (uint64_t)d[DL_DIO_IN_IRQ]);
		if (d[DL_DIO_UNSEEN])
			fprintf(f, ", %" PRIu64 " io_uring/AIO writes to the page cache not judged (request unknown)",
				(uint64_t)d[DL_DIO_UNSEEN]);
	}
	if (an->order_edges)
		fprintf(f, "\nlock order: %" PRIu64 " edges between inode locks (i_rwsem, invalidate_lock, in-flight DIO), %" PRIu64
			" forgotten (oldest first past %d)", (uint64_t)an->order_edges, (uint64_t)an->order_forgotten,
			AN_ORDER_EDGES);
	fprintf(f, "\nevents %" PRIu64 ", lost %" PRIu64 " (ring buffer %" PRIu64 ", map full %" PRIu64 ")\n",
		(uint64_t)an->events, (uint64_t)(r->lost_ringbuf + r->lost_map_full),
		(uint64_t)r->lost_ringbuf, (uint64_t)r->lost_map_full);
	fprintf(f, "verdict: %s (%" PRIu64 " error, %" PRIu64 " warning, %" PRIu64 " info findings)\n",
		dl_verdict_name(verdict), (uint64_t)an_count_severity(an, AN_ERROR),
		(uint64_t)(an_count_severity(an, AN_WARNING) - an_count_severity(an, AN_ERROR)),
		(uint64_t)(an->nfindings - an_count_severity(an, AN_WARNING)));
	if (verdict == DL_VERDICT_INCOMPLETE)
		fprintf(f, "warning: %s, so no error found is not proof of absence\n",
			dl_report_why_incomplete(r));
}

/* A member's lock as an object under key: which inode's lock, and the mode; a wait adds how long and how sure. */
static void json_member_lock(struct json *j, const struct dl_report *r, const char *key,
			     const struct an_member *m, bool wait)
{
	const char *path = path_of(r, m->dev, m->ino);
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

		json_kv_str(j, "to_class", member_class(m, cls, sizeof(cls)));
		/* an edge between instances: the inode taken, and how */
		if (m->ino)
			json_member_lock(j, r, "to", m, false);
	} else if (m->ino) {
		json_member_lock(j, r, "waits_for", m, true);
	}
	dl_json_stack(j, m->stack_id, r->sr);
	json_end_object(j);
}

static void json_finding(struct json *j, const struct dl_report *r, const struct an_finding *v)
{
	const char *path = path_of(r, v->dev, v->ino);
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
	if (v->run_tid) {
		json_key(j, "run_by");
		json_begin_object(j);
		json_kv_u64(j, "tid", v->run_tid);
		json_kv_str(j, "comm", v->run_comm);
		json_end_object(j);
	}
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
	struct dl_filter fl = effective_filter(r);
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
	json_end_object(j);
	json_kv_bool(j, "filters_matched", dl_report_filters_matched(r));
}

void dl_report_json(FILE *f, const struct dl_report *r)
{
	const struct analyzer *an = r->an;
	struct json j;

	json_init(&j, f);
	json_begin_object(&j);
	json_kv_u64(&j, "schema_version", DL_REPORT_JSON_SCHEMA);
	json_key(&j, "diolock");
	json_begin_object(&j);
	json_kv_str(&j, "version", r->version && r->version[0] ? r->version : "unknown");
	json_kv_str(&j, "git_rev", r->git_rev && r->git_rev[0] ? r->git_rev : "unknown");
	json_end_object(&j);
	json_key(&j, "host");
	if (r->host && r->host[0])
		json_string(&j, r->host);
	else
		json_null(&j);
	json_key(&j, "start_time");
	if (r->start_time && r->start_time[0])
		json_string(&j, r->start_time);
	else
		json_null(&j);
	json_kv_str(&j, "kernel", r->kernel);
	if (r->lock_layout && r->lock_layout[0])
		json_kv_str(&j, "i_rwsem_layout", r->lock_layout);
	json_key(&j, "attach");
	json_begin_object(&j);
	for (int h = 0; h < DL_HOOK_MAX; h++)
		json_kv_str(&j, dl_hooks[h].name, r->hooks[h].tier == DL_TIER_NONE ? "unavailable" :
			    dl_tier_name(r->hooks[h].tier));
	json_end_object(&j);
	json_key(&j, "unavailable");
	json_begin_object(&j);
	for (int h = 0; h < DL_HOOK_MAX; h++)
		if (r->hooks[h].tier == DL_TIER_NONE)
			json_kv_str(&j, dl_hooks[h].name, r->hooks[h].why);
	json_end_object(&j);
	json_kv_u64(&j, "events", an->events);
	json_key(&j, "events_by_type");
	json_begin_object(&j);
	for (int t = 1; t < DL_EV_TYPE_MAX; t++)
		json_kv_u64(&j, dl_event_type_name(t), an->by_type[t]);
	json_end_object(&j);
	json_kv_u64(&j, "lost_events", r->lost_ringbuf + r->lost_map_full);
	json_key(&j, "lost_by_reason");
	json_begin_object(&j);
	json_kv_u64(&j, "ringbuf_full", r->lost_ringbuf);
	json_kv_u64(&j, "map_full", r->lost_map_full);
	json_end_object(&j);
	/* "findings" in the code and the text report; the JSON key keeps its first name for consumers */
	json_key(&j, "violations");
	json_begin_array(&j);
	for (size_t i = 0; i < an->nfindings; i++)
		json_finding(&j, r, &an->finding[i]);
	json_end_array(&j);
	json_key(&j, "summary");
	json_begin_object(&j);
	for (int k = 0; k < AN_KIND_MAX; k++)
		json_kv_u64(&j, an_kind_name(k), an->summary[k]);
	json_end_object(&j);
	/* findings inferred from hints: how many time confirmed, and how many it refuted */
	json_key(&j, "suspected");
	json_begin_object(&j);
	for (int k = 0; k < AN_KIND_MAX; k++) {
		if (k != AN_SELF_DEADLOCK && k != AN_DEADLOCK_CYCLE)
			continue;
		json_key(&j, an_kind_name(k));
		json_begin_object(&j);
		json_kv_u64(&j, "raised", an->suspected[k]);
		json_kv_u64(&j, "confirmed", an->confirmed[k]);
		json_kv_u64(&j, "retracted", an->retracted[k]);
		json_kv_u64(&j, "pending", an->suspected[k] - an->confirmed[k] - an->retracted[k]);
		json_end_object(&j);
	}
	json_end_object(&j);
	/* what the kernel counted instead of sending a record per DIO */
	json_key(&j, "dio_by_fs");
	json_begin_object(&j);
	for (int fs = 0; r->dio && fs < DL_FSID_MAX; fs++) {
		const __u64 *d = r->dio[fs];

		if (!d[DL_DIO_SUBMITTED] && !d[DL_DIO_COMPLETED])
			continue;
		json_key(&j, dio_fs_names[fs]);
		json_begin_object(&j);
		json_kv_u64(&j, "submitted", d[DL_DIO_SUBMITTED]);
		json_kv_u64(&j, "queued", d[DL_DIO_QUEUED]);
		json_kv_u64(&j, "completed", d[DL_DIO_COMPLETED]);
		json_kv_u64(&j, "under_read", d[DL_DIO_UNDER_READ]);
		json_kv_u64(&j, "under_write", d[DL_DIO_UNDER_WRITE]);
		json_kv_u64(&j, "folded", d[DL_DIO_FOLDED]);
		/* absent when 0: reports of kernels and recordings without them stay as they were */
		if (d[DL_DIO_IN_IRQ])
			json_kv_u64(&j, "completed_in_irq", d[DL_DIO_IN_IRQ]);
		if (d[DL_DIO_UNSEEN])
			json_kv_u64(&j, "async_writes_unjudged", d[DL_DIO_UNSEEN]);
		json_end_object(&j);
	}
	json_end_object(&j);
	json_kv_u64(&j, "folded_in_kernel", an->folded);
	json_kv_u64(&j, "waits_folded_in_kernel", an->folded_waits);
	json_key(&j, "lock_order");
	json_begin_object(&j);
	json_kv_u64(&j, "instance_edges", an->order_edges);
	json_kv_u64(&j, "forgotten", an->order_forgotten);
	json_kv_u64(&j, "limit", AN_ORDER_EDGES);
	json_end_object(&j);
	json_key(&j, "fallbacks_by_fs");
	json_begin_object(&j);
	for (size_t i = 0; i < an->nfallbacks; i++)
		json_kv_u64(&j, an->fallbacks[i].fs, an->fallbacks[i].count);
	json_end_object(&j);
	json_key(&j, "contention");
	json_begin_array(&j);
	for (size_t i = 0; i < an->ncont; i++)
		json_contention(&j, &an->cont[i]);
	json_end_array(&j);
	json_cmd(&j, r);
	json_key(&j, "duration_s");
	json_double(&j, r->duration_s);
	json_kv_bool(&j, "interrupted", r->interrupted);
	json_kv_bool(&j, "timed_out", r->timed_out);
	json_filters(&j, r);
	json_key(&j, "recording_cut_at");
	if (r->cut)
		json_u64(&j, r->cut_at);
	else
		json_null(&j);
	json_kv_bool(&j, "complete", !r->partial && !r->cut);
	json_kv_str(&j, "verdict", dl_verdict_name(dl_report_verdict(r)));
	json_key(&j, "why_incomplete");
	if (dl_report_verdict(r) == DL_VERDICT_INCOMPLETE)
		json_string(&j, dl_report_why_incomplete(r));
	else
		json_null(&j);
	json_end_object(&j);
	fputc('\n', f);
}

/* A string inside a DOT "..." label: quotes and backslashes escaped, control characters dropped. */
static void dot_str(FILE *f, const char *s, size_t max)
{
	for (size_t i = 0; i < max && s[i]; i++) {
		unsigned char c = s[i];

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c >= 0x20 && c != 0x7f)
			fputc(c, f);
	}
}

static void dot_task_node(FILE *f, int cluster, __u32 tid, const char *comm, __u32 pid)
{
	fprintf(f, "    c%d_t%u [shape=box, label=\"", cluster, tid);
	dot_str(f, comm, DL_COMM_LEN);
	fprintf(f, "\\npid %u tid %u\"];\n", pid, tid);
}

/* "\nPATH" under an inode's node, when one is known */
static void dot_path(FILE *f, const struct dl_report *r, __u32 dev, __u64 ino)
{
	const char *path = path_of(r, dev, ino);

	if (!path)
		return;
	fputs("\\n", f);
	dot_str(f, path, PATH_MAX);
}

static void dot_lock_node(FILE *f, const struct dl_report *r, int cluster, const struct an_member *m, char *id,
			  size_t len)
{
	char dev[16];

	dl_fmt_dev(m->dev, dev, sizeof(dev));
	snprintf(id, len, "c%d_%s_%u_%llu", cluster, an_lock_kind_name(m->lock_kind), m->dev,
		 (unsigned long long)m->ino);
	fprintf(f, "    %s [shape=ellipse, label=\"%s\\n", id, an_lock_kind_name(m->lock_kind));
	dot_str(f, m->fs, DL_FS_LEN);
	fprintf(f, " %s ino %llu", dev, (unsigned long long)m->ino);
	dot_path(f, r, m->dev, m->ino);
	fprintf(f, "\"];\n");
}

/*
 * A lock_order_inversion: lock classes are ellipses, each edge the order one
 * task took them in (member i: from member i-1's class to its own), labelled
 * with that task and the top of the first stack that made the edge.
 */
static void dot_order(FILE *f, int cluster, const struct an_finding *v, const struct dl_report *r)
{
	char frames[DL_STACK_DEPTH][128], cls[40];

	fprintf(f, "  subgraph cluster_%d {\n    label=\"%s (%s)\";\n", cluster, an_kind_name(v->kind),
		v->exact ? "exact" : "inferred");
	for (int i = 0; i < v->nmembers; i++) {
		const struct an_member *m = &v->members[i];
		char dev[16];

		fprintf(f, "    c%d_k%d [shape=ellipse, label=\"", cluster, i);
		dot_str(f, member_class(m, cls, sizeof(cls)), sizeof(cls));
		/* an instance edge's node is one inode */
		if (m->ino) {
			dl_fmt_dev(m->dev, dev, sizeof(dev));
			fprintf(f, "\\n%s ino %llu", dev, (unsigned long long)m->ino);
			dot_path(f, r, m->dev, m->ino);
		}
		fprintf(f, "\"];\n");
	}
	for (int i = 0; i < v->nmembers; i++) {
		const struct an_member *m = &v->members[i];
		int n = r->sr && r->sr->frames ? r->sr->frames(r->sr->ctx, m->stack_id, frames, DL_STACK_DEPTH) : 0;

		fprintf(f, "    c%d_k%d -> c%d_k%d [color=orange, label=\"then, by ", cluster,
			(i + v->nmembers - 1) % v->nmembers, cluster, i);
		dot_str(f, m->comm, DL_COMM_LEN);
		fprintf(f, " pid %u tid %u", m->pid, m->tid);
		for (int k = 0; k < n && k < 3; k++) {
			fputs("\\l  ", f);
			dot_str(f, frames[k], sizeof(frames[k]));
		}
		fprintf(f, "%s\"];\n", n ? "\\l" : "");
	}
	fprintf(f, "  }\n");
}

/* One cluster per finding: tasks are boxes, locks ellipses, the cycle red. */
static void dot_finding(FILE *f, const struct dl_report *r, int cluster, const struct an_finding *v)
{
	bool cycle = v->kind == AN_DEADLOCK_CYCLE;
	char lock[96];

	fprintf(f, "  subgraph cluster_%d {\n    label=\"%s (%s)\";\n", cluster, an_kind_name(v->kind),
		v->exact ? "exact" : "inferred");
	for (int i = 0; i < v->nmembers; i++) {
		const struct an_member *m = &v->members[i];

		dot_task_node(f, cluster, m->tid, m->comm, m->pid);
		if (!m->ino)
			continue;
		dot_lock_node(f, r, cluster, m, lock, sizeof(lock));
		fprintf(f, "    c%d_t%u -> %s [label=\"waits %s %.1f ms\"%s];\n", cluster, m->tid, lock,
			an_lock_mode_name(m->mode), m->wait_ns / 1e6, cycle ? ", color=red" : "");
		/* held by the next member: the one it waits for */
		if (i + 1 < v->nmembers || cycle)
			fprintf(f, "    %s -> c%d_t%u [label=\"held by%s\"%s%s];\n", lock, cluster,
				v->members[(i + 1) % v->nmembers].tid, m->exact ? "" : " (inferred)",
				cycle ? ", color=red" : "", m->exact ? "" : ", style=dashed");
	}
	if (v->kind == AN_SELF_DEADLOCK) {
		struct an_member m = { .pid = v->pid, .tid = v->tid, .dev = v->dev, .ino = v->ino };

		memcpy(m.fs, v->fs, DL_FS_LEN);
		dot_task_node(f, cluster, v->tid, v->comm, v->pid);
		dot_lock_node(f, r, cluster, &m, lock, sizeof(lock));
		fprintf(f, "    c%d_t%u -> %s [label=\"waits %s\", color=red];\n", cluster, v->tid, lock,
			an_lock_mode_name(v->lock_mode));
		fprintf(f, "    %s -> c%d_t%u [label=\"held by\", color=red];\n", lock, cluster, v->tid);
	}
	fprintf(f, "  }\n");
}

void dl_report_dot(FILE *f, const struct dl_report *r)
{
	int cluster = 0;

	fprintf(f, "digraph diolock {\n  rankdir=LR;\n  node [fontname=\"monospace\"];\n");
	for (size_t i = 0; i < r->an->nfindings; i++) {
		const struct an_finding *v = &r->an->finding[i];

		if (v->kind == AN_DEADLOCK_CYCLE || v->kind == AN_SELF_DEADLOCK || v->kind == AN_LONG_WAIT)
			dot_finding(f, r, cluster++, v);
		else if (v->kind == AN_LOCK_ORDER && v->nmembers)
			dot_order(f, cluster++, v, r);
	}
	fprintf(f, "}\n");
}
