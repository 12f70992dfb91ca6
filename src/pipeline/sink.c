// SPDX-License-Identifier: GPL-2.0
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "pipeline/sink.h"
#include "output/exit.h"
#include "lib/log.h"

void sink_init(struct sink *cs, const struct dl_filter *f)
{
	memset(cs, 0, sizeof(*cs));
	an_init(&cs->an, f);
	cs->analyze = true;
	dl_cgroups_init(&cs->cgroups);
}

void sink_fini(struct sink *cs)
{
	free(cs->fold_fed);
	free(cs->wait_fed);
	an_fini(&cs->an);
	table_free(&cs->stacks_written);
	inode_paths_free(&cs->paths);
	dl_cgroups_fini(&cs->cgroups);
	table_free(&cs->cgroups_seen);
}

/* A cgroup named while it exists, once: into the recording too. */
static void see_cgroup(struct sink *cs, __u64 id)
{
	const char *path;

	if (!id || table_get(&cs->cgroups_seen, id))
		return;
	path = dl_cgroups_path(&cs->cgroups, id);
	/* not found (made and gone within a walk's second): asked again at the next record */
	if (!path || table_put(&cs->cgroups_seen, id, cs))
		return;
	if (cs->rec)
		evf_write_cgroup(cs->rec, id, path);
}

void sink_cgroup(struct sink *cs, __u64 id, const char *path)
{
	dl_cgroups_put(&cs->cgroups, id, path);
}

/* Recordings carry stacks symbolized, once each, before the first record using them. */
static void record_stack(struct sink *cs, __s32 id)
{
	char frames[EVF_MAX_FRAMES][EVF_FRAME_LEN];
	int n;

	if (id < 0 || table_get(&cs->stacks_written, (__u64)id + 1))
		return;
	n = cs->sr.frames ? cs->sr.frames(cs->sr.ctx, id, frames, EVF_MAX_FRAMES) : 0;
	evf_write_stack(cs->rec, id, frames, n);
	table_put(&cs->stacks_written, (__u64)id + 1, cs);
}

/*
 * The time from a finding's event (bpf_ktime_get_ns: CLOCK_MONOTONIC) to its
 * line on stderr, split at the moment its record reached user space.
 */
static void debug_latency(const struct sink *cs, const struct an_finding *v, __u64 now)
{
	dl_debug("%s printed %llu ns after its event (received after %llu ns; event %llu, printed %llu, "
		 "CLOCK_MONOTONIC ns)", an_kind_name(v->kind), (unsigned long long)(now - v->first_ts),
		 (unsigned long long)(cs->rx_ns - v->first_ts), (unsigned long long)v->first_ts,
		 (unsigned long long)now);
}

/* One error finding on stderr, its stack under it, in one write: the moment it is out counts. */
static void announce_one(const struct sink *cs, const struct an_finding *v)
{
	char frames[DL_STACK_DEPTH][128], *buf = NULL;
	size_t len = 0;
	__u64 now;
	FILE *m = open_memstream(&buf, &len);
	int n;

	if (!m)
		return;
	fprintf(m, "diolock: ");
	dl_finding_line(m, v);
	n = cs->sr.frames ? cs->sr.frames(cs->sr.ctx, v->stack_id, frames, DL_STACK_DEPTH) : 0;
	for (int i = 0; i < n; i++)
		fprintf(m, "        %s\n", frames[i]);
	/* printed: when the line is handed to write(2), not when a busy machine lets us look at the clock again */
	now = cs->announce_latency ? dl_mono_ns() : 0;
	if (!fclose(m))
		fwrite(buf, 1, len, stderr);
	free(buf);
	fflush(stderr);
	if (cs->announce_latency)
		debug_latency(cs, v, now);
}

/* (dev, ino) by path_of, into the paths and the recording; a miss is asked again later. */
static void name_inode(struct sink *cs, __u32 dev, __u64 ino, __u32 pid, bool thorough)
{
	const char *path;

	if (!ino || inode_paths_get(&cs->paths, dev, ino))
		return;
	path = cs->path_of(cs->path_ctx, dev, ino, pid, thorough);
	if (path && inode_paths_set(&cs->paths, dev, ino, path) && cs->rec)
		evf_write_path(cs->rec, dev, ino, path);
}

/* The findings from index first on. */
static void name_inodes_from(struct sink *cs, size_t first, bool thorough)
{
	if (!cs->path_of)
		return;
	for (size_t i = first; i < cs->an.nfindings; i++) {
		const struct an_finding *v = &cs->an.finding[i];

		if (v->severity < AN_WARNING)
			continue;
		name_inode(cs, v->dev, v->ino, v->pid, thorough);
		for (int m = 0; m < v->nmembers; m++)
			name_inode(cs, v->members[m].dev, v->members[m].ino, v->members[m].pid, thorough);
	}
}

void sink_name_inodes(struct sink *cs, bool thorough)
{
	name_inodes_from(cs, 0, thorough);
}

void sink_path(struct sink *cs, __u32 dev, __u64 ino, const char *path)
{
	inode_paths_set(&cs->paths, dev, ino, path);
}

static void announce(struct sink *cs)
{
	size_t first = cs->announced;
	bool notable = false;

	for (; cs->announced < cs->an.nfindings; cs->announced++) {
		const struct an_finding *v = &cs->an.finding[cs->announced];

		if (v->severity >= AN_WARNING)
			notable = true;
		if (cs->announce && v->severity >= AN_ERROR)
			announce_one(cs, v);
	}
	if (!notable)
		return;
	/* after the lines went out (their latency is what a watchdog sees); misses wait for the end */
	name_inodes_from(cs, first, false);
	/* the evidence must survive a kill, a hang or a dead machine that may follow */
	if (cs->rec)
		evf_sync(cs->rec);
	if (cs->on_finding)
		cs->on_finding(cs->finding_ctx);
}

void sink_event(struct sink *cs, const struct dl_event *e)
{
	cs->records++;
	if (cs->announce_latency)
		cs->rx_ns = dl_mono_ns();
	see_cgroup(cs, e->cgroup);
	if (cs->rec) {
		record_stack(cs, e->stack_id);
		evf_write_event(cs->rec, e);
		/* whole records reach the file at least once a second (of record time) */
		if (e->hdr.type == DL_EV_TICK && e->hdr.ts_ns - cs->last_flush_ts >= 1000000000ULL) {
			evf_flush(cs->rec);
			cs->last_flush_ts = e->hdr.ts_ns;
		}
	}
	if (!cs->analyze)
		return;
	an_feed(&cs->an, e);
	announce(cs);
}

void sink_fold(struct sink *cs, const struct dl_fold *f)
{
	if (cs->rec)
		evf_write_fold(cs->rec, f);
	if (cs->analyze)
		an_fold(&cs->an, f);
}

/* What was already fed, one entry per slot: zeroed again if the slot count changes. */
static void *fed_for(void *fed, size_t *nfed, size_t n, size_t elem)
{
	if (n == *nfed)
		return fed;
	free(fed);
	fed = calloc(n, elem);
	*nfed = fed ? n : 0;
	return fed;
}

void sink_folds(struct sink *cs, const struct dl_fold *slots, size_t n)
{
	cs->fold_fed = fed_for(cs->fold_fed, &cs->nfold, n, sizeof(*cs->fold_fed));
	for (size_t i = 0; i < cs->nfold; i++) {
		/* BPF counts on while we read: take each value once */
		__u64 count = *(volatile const __u64 *)&slots[i].count;
		struct dl_fold d;

		if (!*(volatile const __u32 *)&slots[i].used || count <= cs->fold_fed[i])
			continue;
		d = slots[i];
		d.count = count - cs->fold_fed[i];
		cs->fold_fed[i] = count;
		sink_fold(cs, &d);
	}
}

void sink_wait_fold(struct sink *cs, const struct dl_wait_fold *f)
{
	if (cs->rec)
		evf_write_wait_fold(cs->rec, f);
	if (cs->analyze)
		an_wait_fold(&cs->an, f);
}

void sink_wait_folds(struct sink *cs, const struct dl_wait_fold *slots, size_t n)
{
	cs->wait_fed = fed_for(cs->wait_fed, &cs->nwait_fold, n, sizeof(*cs->wait_fed));
	for (size_t i = 0; i < cs->nwait_fold; i++) {
		/* BPF writes the count last: a count read first has its time in ns_total */
		__u64 count = __atomic_load_n(&slots[i].count, __ATOMIC_ACQUIRE);
		struct check_wait_fed *fed = &cs->wait_fed[i];
		struct dl_wait_fold d;

		if (!__atomic_load_n(&slots[i].used, __ATOMIC_ACQUIRE) || count <= fed->count)
			continue;
		d = slots[i];
		d.count = count - fed->count;
		/* a wait counted after the count was read is in the next increment */
		d.ns_total = d.ns_total >= fed->ns_total ? d.ns_total - fed->ns_total : 0;
		fed->count = count;
		fed->ns_total += d.ns_total;
		sink_wait_fold(cs, &d);
	}
}

void sink_counts(struct sink *cs, const evf_dio_counts counts)
{
	memcpy(cs->dio, counts, sizeof(cs->dio));
	cs->have_dio = true;
	if (cs->rec)
		evf_write_counts(cs->rec, counts);
}

void sink_fill_report(struct dl_report *r, const struct sink *cs, const struct evf_meta *meta,
		       const struct evf_trailer *t, char *const *argv)
{
	memset(r, 0, sizeof(*r));
	r->an = an_results(&cs->an);
	r->kernel = meta->kernel;
	r->hooks = meta->hooks;
	r->version = meta->version;
	r->git_rev = meta->git_rev;
	r->host = meta->host;
	r->start_time = meta->start_time;
	r->lock_layout = meta->lock_layout;
	r->run_filter = &meta->filter;
	r->lost_ringbuf = t->lost_ringbuf;
	r->lost_map_full = t->lost_map_full;
	r->cmd_argv = t->has_cmd ? argv : NULL;
	r->cmd_status = t->cmd_status;
	r->duration_s = t->duration_us / 1e6;
	r->interrupted = t->interrupted;
	r->timed_out = t->timed_out;
	r->sr = &cs->sr;
	r->dio = cs->have_dio ? (const __u64 (*)[DL_DIO_CNT_MAX])cs->dio : NULL;
	r->paths = &cs->paths;
	r->cgroups = &cs->cgroups;
}

int report_emit(const struct dl_report *r, FILE *text_out, FILE *json_out, unsigned int fail_on)
{
	if (text_out)
		dl_report_text(text_out, r);
	if (json_out)
		dl_report_json(json_out, r);
	return dl_report_exit(r, fail_on);
}
