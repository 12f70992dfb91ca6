// SPDX-License-Identifier: GPL-2.0
/* The `check` report as text. */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include "output/exit.h"
#include "output/report_internal.h"

static void text_stack(FILE *f, const struct dl_report *r, __s32 stack_id)
{
	char frames[DL_STACK_DEPTH][128];
	int n = 0;

	if (r->sr && r->sr->frames && stack_id >= 0)
		n = r->sr->frames(r->sr->ctx, stack_id, frames, DL_STACK_DEPTH);
	for (int i = 0; i < n; i++)
		fprintf(f, "        %s\n", frames[i]);
}

static void text_member(FILE *f, const struct dl_report *r, const struct an_finding *v,
			const struct an_member *m)
{
	const char *path = report_path_of(r, m->dev, m->ino);
	char dev[16], cls[40];

	dl_fmt_dev(m->dev, dev, sizeof(dev));
	if (v->kind == AN_LOCK_ORDER && m->ino)
		fprintf(f, "      -> %s of %s %s ino %" PRIu64 "%s%s (%s) first by pid %u tid %u (%.16s) at:\n",
			an_lock_kind_name(m->lock_kind), m->fs, dev, (uint64_t)m->ino, path ? " " : "",
			path ? path : "", an_lock_mode_name(m->mode), m->pid, m->tid, m->comm);
	else if (v->kind == AN_LOCK_ORDER)
		fprintf(f, "      -> %s first by pid %u tid %u (%.16s) at:\n", report_member_class(m, cls, sizeof(cls)),
			m->pid, m->tid, m->comm);
	else if (m->lock_kind == AN_LOCK_SB_WRITERS)
		fprintf(f, "      pid %u tid %u (%.16s) waits %.3f ms for sb_writers of %s %s (its filesystem)%s\n",
			m->pid, m->tid, m->comm, m->wait_ns / 1e6, m->fs, dev, m->stack_id >= 0 ? ", at:" : "");
	else if (m->lock_kind == AN_LOCK_MMAP)
		fprintf(f, "      pid %u tid %u (%.16s) waits %.3f ms to %s the mmap_lock of pid %u%s%s\n", m->pid,
			m->tid, m->comm, m->wait_ns / 1e6, an_lock_mode_name(m->mode), m->mm_pid,
			m->exact ? "" : " (holder inferred)", m->stack_id >= 0 ? ", at:" : "");
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

/* Each finding: its line, count and note, path, members or stack. */
/* "cgroup: PATH (container)", for a cgroup below the root */
static void text_cgroup(FILE *f, const struct dl_report *r, __u64 id)
{
	const char *path = r->cgroups ? dl_cgroups_known(r->cgroups, id) : NULL;
	char name[80];

	if (!path || !strcmp(path, "/"))
		return;
	fprintf(f, "      cgroup: %s", path);
	if (dl_cgroup_container(path, name, sizeof(name)))
		fprintf(f, " (%s)", name);
	fputc('\n', f);
}

static void text_findings(FILE *f, const struct dl_report *r)
{
	const struct an_results *an = &r->an;

	fprintf(f, "\nfindings:%s\n", an->nfindings ? "" : " none");
	for (size_t i = 0; i < an->nfindings; i++) {
		const struct an_finding *v = &an->finding[i];

		fprintf(f, "  ");
		dl_finding_line(f, v);
		fprintf(f, "      x%" PRIu64 ": %s\n", (uint64_t)v->count, v->note);
		if (report_path_of(r, v->dev, v->ino))
			fprintf(f, "      path: %s\n", report_path_of(r, v->dev, v->ino));
		text_cgroup(f, r, v->cgroup);
		if (v->detail[0])
			fprintf(f, "      %s\n", v->detail);
		for (int m = 0; m < v->nmembers; m++)
			text_member(f, r, v, &v->members[m]);
		if (v->severity == AN_ERROR && !v->nmembers)
			text_stack(f, r, v->stack_id);
	}
}

static void text_contention(FILE *f, const struct an_results *an)
{
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
}

/* The counts per kind, the suspects, the kernel's DIO counters and the lock-order edges. */
static void text_summary(FILE *f, const struct dl_report *r)
{
	const struct an_results *an = &r->an;

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
			PRIu64 " folded without a record", dl_fsid_group(fs), (uint64_t)d[DL_DIO_SUBMITTED],
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
}

void dl_report_text(FILE *f, const struct dl_report *r)
{
	const struct an_results *an = &r->an;
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
		if (report_hook_missing(r, h))
			fprintf(f, "unavailable: %s: %s\n", dl_hooks[h].name, r->hooks[h].why);
	text_lock_layout(f, r->lock_layout);
	text_findings(f, r);
	text_contention(f, an);
	text_summary(f, r);
	fprintf(f, "\nevents %" PRIu64 ", lost %" PRIu64 " (ring buffer %" PRIu64 ", map full %" PRIu64 ")",
		(uint64_t)an->events, (uint64_t)(r->lost_ringbuf + r->lost_map_full),
		(uint64_t)r->lost_ringbuf, (uint64_t)r->lost_map_full);
	if (r->stacks_lost)
		fprintf(f, ", %" PRIu64 " without their stack", (uint64_t)r->stacks_lost);
	fputc('\n', f);
	fprintf(f, "verdict: %s (%" PRIu64 " error, %" PRIu64 " warning, %" PRIu64 " info findings)\n",
		dl_verdict_name(verdict), (uint64_t)an_results_count(an, AN_ERROR),
		(uint64_t)(an_results_count(an, AN_WARNING) - an_results_count(an, AN_ERROR)),
		(uint64_t)(an->nfindings - an_results_count(an, AN_WARNING)));
	if (verdict == DL_VERDICT_INCOMPLETE)
		fprintf(f, "warning: %s, so no error found is not proof of absence\n",
			dl_report_why_incomplete(r));
}

/* A member's lock as an object under key: which inode's lock, and the mode; a wait adds how long and how sure. */
