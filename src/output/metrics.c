// SPDX-License-Identifier: GPL-2.0
/*
 * serve's metrics in the Prometheus text format: histograms from a
 * snapshot of the BPF maps (stat.bpf.h), finding counters from the analyzer
 * or the kernel's folds, lost events and attach tiers. No I/O here: the same
 * text goes to a scrape or to a textfile.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "output/event_fmt.h"
#include "output/metrics.h"
#include "lib/version.h"

/*
 * Label values escape backslash, double quote and newline; bytes that are
 * not UTF-8 (a path or comm can hold any) become U+FFFD.
 */
static void label(FILE *f, const char *name, const char *v, size_t max, bool comma)
{
	size_t n = strnlen(v, max);

	fprintf(f, "%s%s=\"", comma ? "," : "", name);
	for (size_t i = 0; i < n;) {
		size_t len = dl_utf8_seq((const unsigned char *)v + i, n - i);

		if (!len) {
			fputs("\xef\xbf\xbd", f);
			i++;
			continue;
		}
		if (v[i] == '\\' || v[i] == '"')
			fprintf(f, "\\%c", v[i]);
		else if (v[i] == '\n')
			fputs("\\n", f);
		else
			fwrite(v + i, 1, len, f);
		i += len;
	}
	fputc('"', f);
}

/*
 * The labels a histogram key gives, after the family's own (which come
 * first): small keys only. Names (device, path) are in diolock_device_info
 * and diolock_inode_info, joined on dev (and ino).
 */
static void key_labels(FILE *f, const struct metrics_view *v, const struct dl_hist_key *k)
{
	char dev[24], ino[24];

	if (hist_kind_is_mmap(k->kind) && v->by != DL_BY_COMM && v->by != DL_BY_CGROUP) {
		/* a process's lock, no filesystem: by inode its pid, bounded like the inodes (--top-inodes) */
		if (v->by != DL_BY_INODE)
			return;
		if (k->ino)
			snprintf(ino, sizeof(ino), "%llu", (unsigned long long)k->ino);
		else
			snprintf(ino, sizeof(ino), "other");
		label(f, "pid", ino, sizeof(ino), true);
		return;
	}
	switch (v->by) {
	case DL_BY_INODE:
		dl_fmt_dev(k->dev, dev, sizeof(dev));
		if (k->ino)
			snprintf(ino, sizeof(ino), "%llu", (unsigned long long)k->ino);
		else
			snprintf(ino, sizeof(ino), "other");
		label(f, "fs", k->fs, DL_FS_LEN, true);
		label(f, "dev", dev, sizeof(dev), true);
		label(f, "ino", ino, sizeof(ino), true);
		break;
	case DL_BY_COMM:
		label(f, "comm", k->comm, DL_COMM_LEN, true);
		break;
	case DL_BY_PATH:
		label(f, "io_path", k->path ? dl_io_path_name(k->path) : "none", 32, true);
		break;
	case DL_BY_CGROUP:
		/* bounded like the inodes: the top_cgroups, the rest id 0 */
		label(f, "cgroup", k->cgroup ? pathres_cgroup(v->pr, k->cgroup) : "other", 4096, true);
		break;
	default:
		dl_fmt_dev(k->dev, dev, sizeof(dev));
		label(f, "fs", k->fs, DL_FS_LEN, true);
		label(f, "dev", dev, sizeof(dev), true);
		break;
	}
}

/*
 * Buckets every other power of two of microseconds, 2 us to 134 s: 14 and
 * +Inf, from the BPF side's 32 log2 slots (slot i holds [2^i, 2^(i+1)) us).
 */
#define BUCKET_LAST_SLOT 26

static void histogram(FILE *f, const struct metrics_view *v, const struct st_hist *h, const char *family,
		      const char *lname, const char *lval)
{
	__u64 cum = 0, all = 0;

	/* _count and +Inf from the buckets: the BPF side bumps count separately */
	for (int i = 0; i < DL_HIST_SLOTS; i++)
		all += h->h.slots[i];
	for (int i = 0; i <= BUCKET_LAST_SLOT; i++) {
		cum += h->h.slots[i];
		if (i % 2)
			continue;
		fprintf(f, "%s_bucket{", family);
		label(f, lname, lval, 64, false);
		key_labels(f, v, &h->key);
		fprintf(f, ",le=\"%.10g\"} %llu\n", (double)(1ULL << (i + 1)) * 1e-6, (unsigned long long)cum);
	}
	fprintf(f, "%s_bucket{", family);
	label(f, lname, lval, 64, false);
	key_labels(f, v, &h->key);
	fprintf(f, ",le=\"+Inf\"} %llu\n", (unsigned long long)all);
	fprintf(f, "%s_sum{", family);
	label(f, lname, lval, 64, false);
	key_labels(f, v, &h->key);
	fprintf(f, "} %.9f\n", h->h.sum_ns / 1e9);
	fprintf(f, "%s_count{", family);
	label(f, lname, lval, 64, false);
	key_labels(f, v, &h->key);
	fprintf(f, "} %llu\n", (unsigned long long)all);
}

static void family(FILE *f, const struct metrics_view *v, const struct st_snap *s, const char *name, const char *help,
		   enum dl_hist_kind k1, enum dl_hist_kind k2, const char *lname)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s histogram\n", name, help, name);
	for (size_t i = 0; i < s->nhists; i++)
		if (s->hists[i].key.kind == k1 || s->hists[i].key.kind == k2)
			histogram(f, v, &s->hists[i], name, lname, hist_kind_mode(s->hists[i].key.kind));
}

struct inode_rank {
	__u32 dev;
	__u64 ino;
	__u64 wait_ns, all_ns;
};

static int inode_cmp(const void *a, const void *b)
{
	const struct inode_rank *x = a, *y = b;

	return x->dev != y->dev ? (x->dev < y->dev ? -1 : 1) : (x->ino < y->ino ? -1 : x->ino > y->ino);
}

static int rank_cmp(const void *a, const void *b)
{
	const struct inode_rank *x = a, *y = b;

	if (x->wait_ns != y->wait_ns)
		return x->wait_ns < y->wait_ns ? 1 : -1;
	if (x->all_ns != y->all_ns)
		return x->all_ns < y->all_ns ? 1 : -1;
	return inode_cmp(a, b);
}

static bool is_wait(__u32 kind)
{
	return kind == DL_HIST_WAIT_READ || kind == DL_HIST_WAIT_WRITE;
}

/* What a histogram is ranked as: an inode (dev, ino), or with cg a cgroup (0, its id). */
static struct inode_rank rank_of(const struct dl_hist_key *k, bool cg)
{
	return (struct inode_rank){ .dev = cg ? 0 : k->dev, .ino = cg ? k->cgroup : k->ino };
}

static bool is_other(const struct dl_hist_key *k, bool cg)
{
	return cg ? !k->cgroup : !k->ino;
}

/*
 * --by inode: keep the top inodes by i_rwsem wait (then by any time), and
 * sum every other inode's histograms into one per kind and device with ino
 * 0 ("other"). --by cgroup (cg): the same with cgroups, the rest cgroup 0.
 * Bounded series whatever the number of inodes or cgroups.
 */
static int rank_keys(struct st_snap *s, unsigned int top, bool cg, struct inode_rank **topv, size_t *ntop)
{
	struct inode_rank *r = calloc(s->nhists ? s->nhists : 1, sizeof(*r));
	struct st_hist *out;
	size_t nr = 0, nout = 0;

	*topv = r;
	*ntop = 0;
	if (!r)
		return -ENOMEM;
	/* one rank per histogram, sorted by inode, then merged per inode */
	for (size_t i = 0; i < s->nhists; i++) {
		const struct dl_hist_key *k = &s->hists[i].key;

		r[i] = rank_of(k, cg);
		r[i].all_ns = s->hists[i].h.sum_ns;
		r[i].wait_ns = is_wait(k->kind) ? s->hists[i].h.sum_ns : 0;
	}
	qsort(r, s->nhists, sizeof(*r), inode_cmp);
	for (size_t i = 0; i < s->nhists; i++) {
		if (nr && r[nr - 1].dev == r[i].dev && r[nr - 1].ino == r[i].ino) {
			r[nr - 1].all_ns += r[i].all_ns;
			r[nr - 1].wait_ns += r[i].wait_ns;
		} else {
			r[nr++] = r[i];
		}
	}
	qsort(r, nr, sizeof(*r), rank_cmp);
	*ntop = nr < top ? nr : top;
	out = calloc(s->nhists ? s->nhists : 1, sizeof(*out));
	if (!out)
		return -ENOMEM;
	for (size_t i = 0; i < s->nhists; i++) {
		struct st_hist h = s->hists[i];
		struct inode_rank id = rank_of(&h.key, cg);
		bool kept = false;
		size_t j;

		for (j = 0; j < *ntop && !kept; j++)
			kept = r[j].dev == id.dev && r[j].ino == id.ino;
		if (!kept) {
			if (cg)
				h.key.cgroup = 0;
			else
				h.key.ino = 0;
			for (j = 0; j < nout; j++)
				if (is_other(&out[j].key, cg) && out[j].key.kind == h.key.kind &&
				    out[j].key.dev == h.key.dev)
					break;
			if (j < nout) {
				for (int b = 0; b < DL_HIST_SLOTS; b++)
					out[j].h.slots[b] += h.h.slots[b];
				out[j].h.sum_ns += h.h.sum_ns;
				out[j].h.count += h.h.count;
				continue;
			}
		}
		out[nout++] = h;
	}
	free(s->hists);
	s->hists = out;
	s->nhists = nout;
	return 0;
}

/* The container or unit of each kept cgroup with one. */
static void cgroup_info(FILE *f, const struct metrics_view *v, const struct inode_rank *top, size_t ntop)
{
	char name[80];

	fprintf(f, "# HELP diolock_cgroup_info The container or systemd unit a cgroup label's path names.\n"
		   "# TYPE diolock_cgroup_info gauge\n");
	for (size_t i = 0; i < ntop; i++) {
		const char *cg = pathres_cgroup(v->pr, top[i].ino);

		if (!dl_cgroup_container(cg, name, sizeof(name)))
			continue;
		fputs("diolock_cgroup_info{", f);
		label(f, "cgroup", cg, 4096, false);
		label(f, "container", name, sizeof(name), true);
		fputs("} 1\n", f);
	}
}

/* What the small keys of the histograms name: devices (and the kept inodes' paths), or cgroups' containers. */
static void info_metrics(FILE *f, const struct metrics_view *v, const struct st_snap *s, const struct inode_rank *top,
			 size_t ntop)
{
	char dev[24], ino[24];
	__u32 seen[64];
	size_t nseen = 0;

	if (v->by == DL_BY_CGROUP) {
		cgroup_info(f, v, top, ntop);
		return;
	}
	if (v->by == DL_BY_COMM)
		return;
	fprintf(f, "# HELP diolock_device_info The block device (and backing file) of a dev label.\n"
		   "# TYPE diolock_device_info gauge\n");
	for (size_t i = 0; i < s->nhists; i++) {
		const struct dl_hist_key *k = &s->hists[i].key;
		size_t j;

		for (j = 0; j < nseen && seen[j] != k->dev; j++)
			;
		/* an mmap_lock's key has no device */
		if (hist_kind_is_mmap(k->kind) || j < nseen || nseen == sizeof(seen) / sizeof(seen[0]))
			continue;
		seen[nseen++] = k->dev;
		dl_fmt_dev(k->dev, dev, sizeof(dev));
		fputs("diolock_device_info{", f);
		label(f, "dev", dev, sizeof(dev), false);
		label(f, "fs", k->fs, DL_FS_LEN, true);
		label(f, "device", pathres_dev(v->pr, k->dev), 4096, true);
		fputs("} 1\n", f);
	}
	if (v->by != DL_BY_INODE)
		return;
	fprintf(f, "# HELP diolock_inode_info The path of an inode that has its own series (--top-inodes).\n"
		   "# TYPE diolock_inode_info gauge\n");
	for (size_t i = 0; i < ntop; i++) {
		if (!top[i].dev)
			continue;	/* a process's mmap_lock, no inode */
		dl_fmt_dev(top[i].dev, dev, sizeof(dev));
		snprintf(ino, sizeof(ino), "%llu", (unsigned long long)top[i].ino);
		fputs("diolock_inode_info{", f);
		label(f, "dev", dev, sizeof(dev), false);
		label(f, "ino", ino, sizeof(ino), true);
		label(f, "path", pathres_inode(v->pr, top[i].dev, top[i].ino, st_pid_hint(s, top[i].dev, top[i].ino)),
		      4096, true);
		fputs("} 1\n", f);
	}
}

/* io_uring punts by filesystem type: bounded labels (stat shows them per inode and process). */
static void punt_metrics(FILE *f, const struct st_snap *s)
{
	char fs[DL_FSID_MAX][DL_FS_LEN] = { { 0 } };
	__u64 n[DL_FSID_MAX] = { 0 };

	for (size_t i = 0; i < s->npunts; i++) {
		int k;

		for (k = 0; k < DL_FSID_MAX && fs[k][0] && strncmp(fs[k], s->punts[i].v.fs, DL_FS_LEN); k++)
			;
		if (k == DL_FSID_MAX)
			continue;
		memcpy(fs[k], s->punts[i].v.fs, DL_FS_LEN);
		fs[k][DL_FS_LEN - 1] = '\0';
		n[k] += s->punts[i].v.count;
	}
	fprintf(f, "# HELP diolock_io_uring_punts_total io_uring O_DIRECT writes retried in an io-wq worker after "
		   "their non-blocking attempt failed (e.g. i_rwsem contended), by filesystem type.\n"
		   "# TYPE diolock_io_uring_punts_total counter\n");
	for (int k = 0; k < DL_FSID_MAX && fs[k][0]; k++) {
		fputs("diolock_io_uring_punts_total{", f);
		label(f, "fs", fs[k], DL_FS_LEN, false);
		fprintf(f, "} %llu\n", (unsigned long long)n[k]);
	}
}

static void build_info(FILE *f, const struct metrics_view *v)
{
	fprintf(f, "# HELP diolock_build_info diolock's version, git revision, libbpf and built-in features.\n"
		   "# TYPE diolock_build_info gauge\ndiolock_build_info{");
	label(f, "version", DIOLOCK_VERSION, 64, false);
	label(f, "git_rev", dl_git_rev, 64, true);
	label(f, "libbpf", v->libbpf, 64, true);
	/* serve="textfile": a static build, without HTTP */
#ifdef DL_NO_HTTP
	fputs(",serve=\"textfile\"} 1\n", f);
#else
	fputs(",serve=\"yes\"} 1\n", f);
#endif
}

/* The kernel's DIO completion counters, by filesystem type. */
static void dio_counters(FILE *f, const struct st_snap *s)
{
	fprintf(f, "# HELP diolock_dio_completions_total Direct I/O completions seen, by filesystem type.\n"
		   "# TYPE diolock_dio_completions_total counter\n");
	for (size_t i = 0; i < s->nfsdio; i++) {
		fputs("diolock_dio_completions_total{", f);
		label(f, "fs", s->fsdio[i].fs, DL_FS_LEN, false);
		fprintf(f, "} %llu\n", (unsigned long long)s->fsdio[i].v.completions);
	}
	fprintf(f, "# HELP diolock_dio_completions_under_i_rwsem_total Direct I/O completions that ran while the "
		   "completing task held the inode's i_rwsem, by filesystem type and lock mode.\n"
		   "# TYPE diolock_dio_completions_under_i_rwsem_total counter\n");
	for (size_t i = 0; i < s->nfsdio; i++) {
		fputs("diolock_dio_completions_under_i_rwsem_total{", f);
		label(f, "fs", s->fsdio[i].fs, DL_FS_LEN, false);
		fprintf(f, ",mode=\"read\"} %llu\n", (unsigned long long)s->fsdio[i].v.under_read);
		fputs("diolock_dio_completions_under_i_rwsem_total{", f);
		label(f, "fs", s->fsdio[i].fs, DL_FS_LEN, false);
		fprintf(f, ",mode=\"write\"} %llu\n", (unsigned long long)s->fsdio[i].v.under_write);
	}
}

static void finding_family(FILE *f, const struct metrics_view *v, const char *name, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s counter\n", name, help, name);
	for (int k = 0; k < AN_KIND_MAX; k++)
		for (int sev = AN_INFO; sev <= AN_ERROR; sev++)
			if (v->analyzer || k == AN_DIO_COMPLETE_UNDER_LOCK)
				fprintf(f, "%s{kind=\"%s\",severity=\"%s\"} %llu\n", name, an_kind_name(k),
					an_severity_name(sev), (unsigned long long)v->finding[k][sev]);
}

/* Findings by kind and severity, counted by the caller (metrics_count_*). */
static void finding_metrics(FILE *f, const struct metrics_view *v)
{
	fprintf(f, "# HELP diolock_findings_analyzer 1 when serve runs check's analyzer (--findings); 0: only "
		   "dio_complete_under_i_rwsem is counted, in the kernel.\n# TYPE diolock_findings_analyzer gauge\n"
		   "diolock_findings_analyzer %d\n", v->analyzer);
	finding_family(f, v, "diolock_findings_total",
		       "Findings of diolock's analyzer (as in `diolock check`), by kind and severity.");
	/* deprecated: the same counters under their first name, written until 0.3 (docs/metrics.md) */
	finding_family(f, v, "diolock_violations_total",
		       "Deprecated, removed in 0.3: diolock_findings_total's first name.");
}

void metrics_count_findings(const struct an_results *res, __u64 finding[AN_KIND_MAX][AN_ERROR + 1])
{
	for (size_t i = 0; i < res->nfindings; i++) {
		const struct an_finding *v = &res->finding[i];

		if (v->kind < AN_KIND_MAX && v->severity <= AN_ERROR)
			finding[v->kind][v->severity] += v->count;
	}
}

/* records off: the kernel judged every completion with the shared rules and counted it */
void metrics_count_folds(const struct dl_fold *slots, size_t n, __u64 finding[AN_KIND_MAX][AN_ERROR + 1])
{
	for (size_t i = 0; i < n; i++)
		if (slots[i].used && slots[i].key.kind == DL_FOLD_COMPLETE)
			finding[AN_DIO_COMPLETE_UNDER_LOCK][dl_complete_severity(slots[i].key.reason,
				slots[i].key.flags & DL_FOLD_F_EXACT)] += slots[i].count;
}

/* What the kernel side lost, and how each hook point is attached. */
static void session_metrics(FILE *f, const struct st_run *run, const struct st_snap *s)
{
	fprintf(f, "# HELP diolock_lost_events_total Events the kernel side could not deliver or fold, by reason.\n"
		   "# TYPE diolock_lost_events_total counter\n"
		   "diolock_lost_events_total{reason=\"ringbuf_full\"} %llu\n"
		   "diolock_lost_events_total{reason=\"map_full\"} %llu\n",
		(unsigned long long)s->lost_ringbuf, (unsigned long long)s->lost_map_full);
	fprintf(f, "# HELP diolock_attach_info The tier each hook point is attached with (unavailable: none).\n"
		   "# TYPE diolock_attach_info gauge\n");
	for (int h = 0; h < DL_HOOK_MAX; h++)
		fprintf(f, "diolock_attach_info{hook=\"%s\",tier=\"%s\"} 1\n", dl_hooks[h].name,
			run->tier[h] == DL_TIER_NONE ? "unavailable" : dl_tier_name(run->tier[h]));
}

void metrics_print(FILE *f, const struct metrics_view *v)
{
	struct st_snap *s = v->snap;
	bool hold_ok = v->run->hold_ok;
	struct inode_rank *top = NULL;
	size_t ntop = 0;

	if ((v->by == DL_BY_INODE || v->by == DL_BY_CGROUP) &&
	    rank_keys(s, v->by == DL_BY_CGROUP ? v->top_cgroups : v->top_inodes, v->by == DL_BY_CGROUP, &top, &ntop))
		fprintf(f, "# diolock: out of memory ranking the histograms' keys\n");
	build_info(f, v);
	info_metrics(f, v, s, top, ntop);
	free(top);
	family(f, v, s, "diolock_i_rwsem_wait_seconds",
	       "Time tasks slept waiting for an inode's i_rwsem (lock:contention_begin to end), by requested mode.",
	       DL_HIST_WAIT_READ, DL_HIST_WAIT_WRITE, "mode");
	if (hold_ok)
		family(f, v, s, "diolock_i_rwsem_hold_seconds",
		       "Time an inode's i_rwsem was held, acquisition to release, by mode.",
		       DL_HIST_HOLD_READ, DL_HIST_HOLD_WRITE, "mode");
	family(f, v, s, "diolock_mmap_lock_wait_seconds",
	       "Time tasks slept waiting for their process's mmap_lock (GUP pinning DIO buffers, page faults, mmap/munmap), by requested mode.",
	       DL_HIST_MMAP_WAIT_READ, DL_HIST_MMAP_WAIT_WRITE, "mode");
	family(f, v, s, "diolock_mmap_lock_hold_seconds",
	       "Time a process's mmap_lock was held for write (mmap, munmap, mprotect, mremap, brk), acquisition to release or downgrade.",
	       DL_HIST_MMAP_HOLD_WRITE, DL_HIST_MMAP_HOLD_WRITE, "mode");
	family(f, v, s, "diolock_dio_latency_seconds",
	       "Direct I/O submission (iomap) to completion; completion=locked when the completing task held the inode's i_rwsem.",
	       DL_HIST_DIO_LOCKED, DL_HIST_DIO_UNLOCKED, "completion");
	/* the HELP text is the same whatever the state: why is in `diolock probe` */
	fprintf(f, "# HELP diolock_i_rwsem_hold_time_available 1 when hold-time histograms are collected: they "
		   "need the acquire/release hooks of the fentry or kprobe tier.\n"
		   "# TYPE diolock_i_rwsem_hold_time_available gauge\ndiolock_i_rwsem_hold_time_available %d\n",
		hold_ok);
	dio_counters(f, s);
	punt_metrics(f, s);
	finding_metrics(f, v);
	session_metrics(f, v->run, s);
}
