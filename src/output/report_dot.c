// SPDX-License-Identifier: GPL-2.0
/* The wait-for and lock-order graphs of a report in Graphviz DOT. */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include "output/exit.h"
#include "output/report_internal.h"

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
	const char *path = report_path_of(r, dev, ino);

	if (!path)
		return;
	fputs("\\n", f);
	dot_str(f, path, PATH_MAX);
}

static void dot_lock_node(FILE *f, const struct dl_report *r, int cluster, const struct an_member *m, char *id,
			  size_t len)
{
	char dev[16];

	if (m->lock_kind == AN_LOCK_MMAP) {
		/* a process's lock: no filesystem */
		snprintf(id, len, "c%d_mmap_lock_%u", cluster, m->mm_pid);
		fprintf(f, "    %s [shape=ellipse, label=\"mmap_lock\\npid %u\"];\n", id, m->mm_pid);
		return;
	}
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
		dot_str(f, report_member_class(m, cls, sizeof(cls)), sizeof(cls));
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
		if (!m->ino && m->lock_kind != AN_LOCK_MMAP)
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
	for (size_t i = 0; i < r->an.nfindings; i++) {
		const struct an_finding *v = &r->an.finding[i];

		if (v->kind == AN_DEADLOCK_CYCLE || v->kind == AN_SELF_DEADLOCK || v->kind == AN_LONG_WAIT)
			dot_finding(f, r, cluster++, v);
		else if (v->kind == AN_LOCK_ORDER && v->nmembers)
			dot_order(f, cluster++, v, r);
	}
	fprintf(f, "}\n");
}

