// SPDX-License-Identifier: GPL-2.0
/*
 * `diolock top`'s screen: the inodes whose i_rwsem made tasks wait longest,
 * with who waited, who held it, and DIO completions under it. Plain ANSI
 * (clear and home) on a terminal, plain periodic snapshots otherwise: a
 * full-screen library would add a dependency for two escape sequences.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "lib/filter.h"
#include "output/event_fmt.h"
#include "output/top_fmt.h"
#include "lib/json.h"

#define TOP_MAX_ROWS 64
#define TOP_MAX_TASKS 3		/* waiters and holders listed per inode */

struct top_row {
	__u32 dev;
	__u64 ino;
	char fs[DL_FS_LEN];
	__u64 waits, read_waits, write_waits, wait_ns, max_ns;
	__u64 dio_locked;
};

static void short_ns(char *buf, size_t len, __u64 ns)
{
	if (ns < 1000000)
		snprintf(buf, len, "%lluus", (unsigned long long)(ns / 1000));
	else if (ns < 1000000000)
		snprintf(buf, len, "%.1fms", ns / 1e6);
	else
		snprintf(buf, len, "%.2fs", ns / 1e9);
}

static struct top_row *row_of(struct top_row *rows, int *n, const struct dl_hist_key *k)
{
	for (int i = 0; i < *n; i++)
		if (rows[i].dev == k->dev && rows[i].ino == k->ino)
			return &rows[i];
	if (*n == TOP_MAX_ROWS)
		return NULL;
	memset(&rows[*n], 0, sizeof(rows[*n]));
	rows[*n].dev = k->dev;
	rows[*n].ino = k->ino;
	memcpy(rows[*n].fs, k->fs, DL_FS_LEN);
	return &rows[(*n)++];
}

static int cmp_row(const void *a, const void *b)
{
	const struct top_row *x = a, *y = b;

	if (x->wait_ns != y->wait_ns)
		return x->wait_ns > y->wait_ns ? -1 : 1;
	return x->dio_locked > y->dio_locked ? -1 : x->dio_locked < y->dio_locked;
}

static int cmp_task(const void *a, const void *b)
{
	const struct st_task *x = a, *y = b;

	return x->v.wait_ns > y->v.wait_ns ? -1 : x->v.wait_ns < y->v.wait_ns;
}

/* Print s cut to width columns (the terminal wraps long lines otherwise). */
static void put_line(FILE *f, int width, const char *s)
{
	fprintf(f, "%.*s\n", width, s);
}

/*
 * " @NAME": a task's cgroup below the root, short: the container or unit a
 * runtime's path names, else the path's last component. "" at the root or
 * unknown.
 */
static void cgroup_tag(char *buf, size_t len, struct pathres *pr, __u64 id)
{
	const char *cg = id ? pathres_cgroup(pr, id) : "/";
	const char *last = strrchr(cg, '/');
	char name[80];

	buf[0] = '\0';
	if (!strcmp(cg, "/") || !strcmp(cg, "unknown") || !last)
		return;
	if (dl_cgroup_container(cg, name, sizeof(name)))
		snprintf(buf, len, " @%s", name);
	else
		snprintf(buf, len, " @%s", last + 1);
}

/* "10935 diowork W 605.2ms @nginx.service, ..." for one inode and role, into buf. */
static void task_list(char *buf, size_t len, int room, const struct st_snap *s, const struct top_row *r,
		      __u32 role, struct pathres *pr)
{
	struct st_task picked[TOP_MAX_TASKS + 1];
	size_t n = 0, off = 0, total = 0, shown = 0;
	char d[24];

	buf[0] = '\0';
	for (size_t i = 0; i < s->ntasks; i++) {
		const struct st_task *t = &s->tasks[i];

		if (t->key.dev != r->dev || t->key.ino != r->ino || t->key.role != role)
			continue;
		total++;
		/* keep the TOP_MAX_TASKS largest: the spare last slot takes the newcomer */
		picked[n] = *t;
		qsort(picked, n + 1, sizeof(picked[0]), cmp_task);
		if (n < TOP_MAX_TASKS)
			n++;
	}
	for (size_t i = 0; i < n; i++) {
		const struct st_task *t = &picked[i];
		__u32 m = t->v.modes;
		const char *mode = (m & (1u << DL_LOCK_WRITE)) ? ((m & (1u << DL_LOCK_READ)) ? "RW" : "W") :
				   (m & (1u << DL_LOCK_READ)) ? "R" : "?";
		char item[160], tag[96];
		int il;

		short_ns(d, sizeof(d), t->v.wait_ns);
		cgroup_tag(tag, sizeof(tag), pr, t->v.cgroup);
		il = snprintf(item, sizeof(item), "%s%u %.16s %s %s%s", i ? ", " : "", t->key.tid, t->v.comm, mode, d,
			      tag);
		/* whole entries only, with room left for " +N more" */
		if (i && (int)(off + il) > room - 9)
			break;
		if (off + il >= len)
			break;
		memcpy(buf + off, item, il + 1);
		off += il;
		shown++;
	}
	if (total > shown)
		snprintf(buf + off, len - off, " +%zu more", total - shown);
}

struct top_totals {
	__u64 waits, rw, ww, wns, dio, dio_locked;
	/* processes' mmap_lock waits, and the process that waited longest in all */
	__u64 mm_waits, mm_wns, mm_top_ns;
	__u64 mm_holds, mm_hns;	/* ... and their write holds */
	__u32 mm_top_pid;
	char mm_top_comm[DL_COMM_LEN + 1];
};

/* mmap_lock waits: totals, and the process with the most time (its read and write histograms summed). */
static void collect_mmap(const struct st_snap *s, struct pathres *pr, struct top_totals *tt)
{
	for (size_t i = 0; i < s->nhists; i++) {
		const struct st_hist *h = &s->hists[i];
		__u64 ns = h->h.sum_ns;

		if (h->key.kind == DL_HIST_MMAP_HOLD_WRITE) {
			tt->mm_holds += h->h.count;
			tt->mm_hns += ns;
			continue;
		}
		if (!hist_kind_is_mmap_wait(h->key.kind))
			continue;
		tt->mm_waits += h->h.count;
		tt->mm_wns += ns;
		for (size_t k = 0; k < s->nhists; k++)
			if (k != i && s->hists[k].key.ino == h->key.ino && hist_kind_is_mmap_wait(s->hists[k].key.kind))
				ns += s->hists[k].h.sum_ns;
		if (ns > tt->mm_top_ns) {
			tt->mm_top_ns = ns;
			tt->mm_top_pid = (__u32)h->key.ino;
			snprintf(tt->mm_top_comm, sizeof(tt->mm_top_comm), "%.16s", st_mmap_comm(&h->key, pr));
		}
	}
}

/* The inodes of a snapshot, most waited first, and the totals. */
static int collect(const struct st_snap *s, struct pathres *pr, struct top_row *rows, struct top_totals *tt)
{
	int nrows = 0;

	memset(tt, 0, sizeof(*tt));
	for (size_t i = 0; i < s->nhists; i++) {
		const struct st_hist *h = &s->hists[i];
		struct top_row *r;

		if (h->key.kind != DL_HIST_WAIT_READ && h->key.kind != DL_HIST_WAIT_WRITE &&
		    h->key.kind != DL_HIST_DIO_LOCKED)
			continue;
		r = row_of(rows, &nrows, &h->key);
		if (!r)
			continue;
		if (h->key.kind == DL_HIST_DIO_LOCKED) {
			r->dio_locked += h->h.count;
			continue;
		}
		r->waits += h->h.count;
		r->wait_ns += h->h.sum_ns;
		if (h->h.max_ns > r->max_ns)
			r->max_ns = h->h.max_ns;
		if (h->key.kind == DL_HIST_WAIT_READ)
			r->read_waits += h->h.count;
		else
			r->write_waits += h->h.count;
	}
	qsort(rows, nrows, sizeof(rows[0]), cmp_row);
	collect_mmap(s, pr, tt);
	for (int i = 0; i < nrows; i++) {
		tt->waits += rows[i].waits;
		tt->rw += rows[i].read_waits;
		tt->ww += rows[i].write_waits;
		tt->wns += rows[i].wait_ns;
	}
	for (size_t i = 0; i < s->nfsdio; i++) {
		tt->dio += s->fsdio[i].v.completions;
		tt->dio_locked += s->fsdio[i].v.under_read + s->fsdio[i].v.under_write;
	}
	return nrows;
}

static void json_tasks(struct json *j, const char *key, const struct st_snap *s, const struct top_row *r, __u32 role,
		       struct pathres *pr)
{
	char name[80];

	json_key(j, key);
	json_begin_array(j);
	for (size_t i = 0; i < s->ntasks; i++) {
		const struct st_task *t = &s->tasks[i];

		if (t->key.dev != r->dev || t->key.ino != r->ino || t->key.role != role)
			continue;
		json_begin_object(j);
		json_kv_u64(j, "tid", t->key.tid);
		json_kv_str(j, "comm", t->v.comm);
		json_kv_bool(j, "read", t->v.modes & (1u << DL_LOCK_READ));
		json_kv_bool(j, "write", t->v.modes & (1u << DL_LOCK_WRITE));
		json_kv_u64(j, "wait_ns", t->v.wait_ns);
		json_kv_u64(j, "waits", t->v.waits);
		json_kv_str(j, "cgroup", t->v.cgroup ? pathres_cgroup(pr, t->v.cgroup) : "unknown");
		if (t->v.cgroup && dl_cgroup_container(pathres_cgroup(pr, t->v.cgroup), name, sizeof(name)))
			json_kv_str(j, "container", name);
		json_end_object(j);
	}
	json_end_array(j);
}

/* io_uring O_DIRECT writes punted after a failed non-blocking attempt, all inodes. */
static __u64 punts_total(const struct st_snap *s)
{
	__u64 n = 0;

	for (size_t i = 0; i < s->npunts; i++)
		n += s->punts[i].v.count;
	return n;
}

/* `top --json`: what the table shows, whole (every inode, every waiter and holder). */
static void draw_json(FILE *f, const struct top_view *v, const struct top_row *rows, int nrows,
		      const struct top_totals *tt)
{
	const struct st_snap *s = v->snap;
	struct json j;
	char dev[24];

	json_init(&j, f);
	json_begin_object(&j);
	json_kv_u64(&j, "schema_version", DL_TOP_JSON_SCHEMA);
	json_kv_u64(&j, "ts_ns", v->ts_ns);
	json_key(&j, "uptime_s");
	json_double(&j, v->uptime_s);
	json_kv_str(&j, "wait_tier", v->wait_tier);
	json_kv_u64(&j, "lost_events", s->lost_ringbuf + s->lost_map_full);
	json_kv_u64(&j, "waits", tt->waits);
	json_kv_u64(&j, "read_waits", tt->rw);
	json_kv_u64(&j, "write_waits", tt->ww);
	json_kv_u64(&j, "wait_ns", tt->wns);
	json_kv_u64(&j, "dio_completions", tt->dio);
	json_kv_u64(&j, "dio_completions_under_i_rwsem", tt->dio_locked);
	json_kv_u64(&j, "io_uring_punts", punts_total(s));
	json_kv_u64(&j, "mmap_lock_waits", tt->mm_waits);
	json_kv_u64(&j, "mmap_lock_wait_ns", tt->mm_wns);
	json_kv_u64(&j, "mmap_lock_write_holds", tt->mm_holds);
	json_kv_u64(&j, "mmap_lock_write_hold_ns", tt->mm_hns);
	json_key(&j, "mmap_lock_most");
	if (tt->mm_top_pid) {
		json_begin_object(&j);
		json_kv_u64(&j, "pid", tt->mm_top_pid);
		json_kv_str(&j, "comm", tt->mm_top_comm);
		json_kv_u64(&j, "wait_ns", tt->mm_top_ns);
		json_end_object(&j);
	} else {
		json_null(&j);
	}
	json_key(&j, "inodes");
	json_begin_array(&j);
	for (int i = 0; i < nrows; i++) {
		const struct top_row *r = &rows[i];

		dl_fmt_dev(r->dev, dev, sizeof(dev));
		json_begin_object(&j);
		json_kv_str(&j, "fs", r->fs);
		json_kv_str(&j, "dev", dev);
		json_kv_u64(&j, "ino", r->ino);
		json_kv_str(&j, "path", pathres_inode(v->pr, r->dev, r->ino, st_pid_hint(s, r->dev, r->ino)));
		json_kv_u64(&j, "waits", r->waits);
		json_kv_u64(&j, "read_waits", r->read_waits);
		json_kv_u64(&j, "write_waits", r->write_waits);
		json_kv_u64(&j, "wait_ns", r->wait_ns);
		json_kv_u64(&j, "wait_ns_max", r->max_ns);
		json_kv_u64(&j, "dio_completions_under_i_rwsem", r->dio_locked);
		json_tasks(&j, "waiters", s, r, DL_ROLE_WAITER, v->pr);
		json_tasks(&j, "holders", s, r, DL_ROLE_HOLDER, v->pr);
		json_end_object(&j);
	}
	json_end_array(&j);
	json_end_object(&j);
	fputc('\n', f);
	fflush(f);
}

/* The header: clock, totals, io_uring punts, column names. Returns the lines drawn. */
static int draw_header(FILE *f, const struct top_view *v, int width, const struct top_totals *tt)
{
	const struct st_snap *s = v->snap;
	char line[512], a[24], dev[24], clock[16];
	time_t t = time(NULL);
	int n;

	strftime(clock, sizeof(clock), "%H:%M:%S", localtime(&t));
	snprintf(line, sizeof(line), "diolock top  %s  up %.0fs  every %gs  waits via %s  lost %llu", clock,
		 v->uptime_s, v->interval_s, v->wait_tier,
		 (unsigned long long)(s->lost_ringbuf + s->lost_map_full));
	put_line(f, width, line);
	short_ns(a, sizeof(a), tt->wns);
	snprintf(line, sizeof(line), "i_rwsem waits %llu (read %llu, write %llu) %s; DIO done %llu, %llu under i_rwsem",
		 (unsigned long long)tt->waits, (unsigned long long)tt->rw, (unsigned long long)tt->ww, a,
		 (unsigned long long)tt->dio, (unsigned long long)tt->dio_locked);
	put_line(f, width, line);
	if (tt->mm_waits || tt->mm_holds) {
		short_ns(a, sizeof(a), tt->mm_wns);
		short_ns(dev, sizeof(dev), tt->mm_top_ns);
		n = snprintf(line, sizeof(line), "mmap_lock waits %llu %s", (unsigned long long)tt->mm_waits, a);
		if (tt->mm_waits && n > 0 && (size_t)n < sizeof(line))
			n += snprintf(line + n, sizeof(line) - n, "; most: pid %u %s (%s)", tt->mm_top_pid,
				      tt->mm_top_comm, dev);
		short_ns(a, sizeof(a), tt->mm_hns);
		if (n > 0 && (size_t)n < sizeof(line))
			snprintf(line + n, sizeof(line) - n, "; held for write %llu times, %s",
				 (unsigned long long)tt->mm_holds, a);
		put_line(f, width, line);
	}
	/* io_uring's non-blocking attempts that failed: why iou-wrk threads write these files */
	if (s->npunts) {
		const struct st_punt *p = &s->punts[0];

		dl_fmt_dev(p->key.dev, dev, sizeof(dev));
		snprintf(line, sizeof(line), "io_uring O_DIRECT writes punted to io-wq %llu; most: pid %u %.16s, %.16s %s ino %llu (%llu)",
			 (unsigned long long)punts_total(s), p->key.tgid, p->v.comm, p->v.fs, dev,
			 (unsigned long long)p->key.ino, (unsigned long long)p->v.count);
		put_line(f, width, line);
	}
	put_line(f, width, "");
	snprintf(line, sizeof(line), "%6s %6s %6s %9s %9s %8s  %s", "WAITS", "READ", "WRITE", "TOTAL", "MAX",
		 "DIO@LOCK", "FILE");
	put_line(f, width, line);
	/* two of totals (and punts, mmap_lock), a blank one, the column header */
	return 4 + !!s->npunts + !!(tt->mm_waits || tt->mm_holds);
}

/* One inode: its counts, its path, who waited and who held it (four lines). */
static void draw_row(FILE *f, const struct top_view *v, int width, const struct top_row *r)
{
	const struct st_snap *s = v->snap;
	const char *path = pathres_inode(v->pr, r->dev, r->ino, st_pid_hint(s, r->dev, r->ino));
	char line[512], list[400], a[24], b[24], dev[24];
	size_t plen = strlen(path);
	int room = width - 6;

	short_ns(a, sizeof(a), r->wait_ns);
	short_ns(b, sizeof(b), r->max_ns);
	dl_fmt_dev(r->dev, dev, sizeof(dev));
	snprintf(line, sizeof(line), "%6llu %6llu %6llu %9s %9s %8llu  %.16s %s ino %llu",
		 (unsigned long long)r->waits, (unsigned long long)r->read_waits,
		 (unsigned long long)r->write_waits, a, b, (unsigned long long)r->dio_locked, r->fs, dev,
		 (unsigned long long)r->ino);
	put_line(f, width, line);
	/* long paths lose their beginning: the file name matters most */
	if ((int)plen > room && room > 3)
		snprintf(line, sizeof(line), "    ...%s", path + plen - (room - 3));
	else
		snprintf(line, sizeof(line), "    %s", path);
	put_line(f, width, line);
	task_list(list, sizeof(list), width - 12, s, r, DL_ROLE_WAITER, v->pr);
	snprintf(line, sizeof(line), "    waited: %s", list[0] ? list : "-");
	put_line(f, width, line);
	task_list(list, sizeof(list), width - 12, s, r, DL_ROLE_HOLDER, v->pr);
	snprintf(line, sizeof(line), "    held:   %s", list[0] ? list : "-");
	put_line(f, width, line);
}

void top_print(FILE *f, const struct top_view *v)
{
	struct top_row rows[TOP_MAX_ROWS];
	struct top_totals tt;
	int nrows = collect(v->snap, v->pr, rows, &tt), used, width = v->width < 511 ? v->width : 511;

	/* width: the line buffers' size, less the NUL */
	if (v->json) {
		draw_json(f, v, rows, nrows, &tt);
		return;
	}
	if (v->clear)
		fputs("\033[H\033[2J", f);
	else if (v->separate)
		fputc('\n', f);
	used = draw_header(f, v, width, &tt);
	if (!nrows)
		put_line(f, width, "  (no i_rwsem wait or DIO completion under i_rwsem yet)");
	/* four lines per inode; on a screen keep the last line free for the cursor */
	for (int i = 0; i < nrows && (!v->height || used + 4 <= v->height - 1); i++, used += 4)
		draw_row(f, v, width, &rows[i]);
	fflush(f);
}
