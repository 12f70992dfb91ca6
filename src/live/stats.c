// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include "output/event_fmt.h"
#include "lib/filter.h"
#include "live/stats.h"

/* Every entry of a hash map: key_size + value_size bytes each, appended to *out. */
static int dump_map(int fd, size_t ksz, size_t vsz, void **out, size_t *n)
{
	char key[64], next[64];
	size_t cap = 0, esz = ksz + vsz;
	char *buf = NULL, *nb;
	void *prev = NULL;

	*out = NULL;
	*n = 0;
	if (fd < 0)
		return fd;
	while (!bpf_map_get_next_key(fd, prev, next)) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 64;
			nb = realloc(buf, cap * esz);
			if (!nb) {
				free(buf);
				return -ENOMEM;
			}
			buf = nb;
		}
		memcpy(buf + *n * esz, next, ksz);
		/* deleted between the two calls (LRU eviction): skip it */
		if (!bpf_map_lookup_elem(fd, next, buf + *n * esz + ksz))
			(*n)++;
		memcpy(key, next, ksz);
		prev = key;
	}
	*out = buf;
	return 0;
}

static int cmp_hist(const void *a, const void *b)
{
	const struct st_hist *x = a, *y = b;

	if (x->key.kind != y->key.kind)
		return x->key.kind < y->key.kind ? -1 : 1;
	if (x->h.sum_ns != y->h.sum_ns)
		return x->h.sum_ns > y->h.sum_ns ? -1 : 1;
	return memcmp(&x->key, &y->key, sizeof(x->key));
}

/* DIO completions by filesystem, from the kernel's per-CPU counters (by s_magic). */
static int fsdio_read(const struct dl_session *s, struct st_snap *snap)
{
	__u64 c[DL_FSID_MAX][DL_DIO_CNT_MAX];

	dl_session_dio_counts(s, c);
	snap->fsdio = calloc(DL_FSID_MAX, sizeof(*snap->fsdio));
	if (!snap->fsdio)
		return -ENOMEM;
	for (int f = 0; f < DL_FSID_MAX; f++) {
		struct st_fsdio *d = &snap->fsdio[snap->nfsdio];

		if (!c[f][DL_DIO_COMPLETED])
			continue;
		snprintf(d->fs, sizeof(d->fs), "%s", dl_fsid_group(f));
		d->v.completions = c[f][DL_DIO_COMPLETED];
		d->v.under_read = c[f][DL_DIO_UNDER_READ];
		d->v.under_write = c[f][DL_DIO_UNDER_WRITE];
		snap->nfsdio++;
	}
	return 0;
}

static int cmp_punt(const void *a, const void *b)
{
	const struct st_punt *x = a, *y = b;

	return x->v.count < y->v.count ? 1 : x->v.count > y->v.count ? -1 : 0;
}

int st_snap_read(const struct dl_session *s, struct st_snap *snap)
{
	void *p;
	int err;

	memset(snap, 0, sizeof(*snap));
	err = dump_map(dl_session_map_fd(s, "hists"), sizeof(struct dl_hist_key), sizeof(struct dl_hist),
		       &p, &snap->nhists);
	snap->hists = p;
	if (!err) {
		err = dump_map(dl_session_map_fd(s, "lock_tasks"), sizeof(struct dl_lock_task_key),
			       sizeof(struct dl_lock_task), &p, &snap->ntasks);
		snap->tasks = p;
	}
	if (!err) {
		err = dump_map(dl_session_map_fd(s, "punts"), sizeof(struct dl_punt_key), sizeof(struct dl_punt),
			       &p, &snap->npunts);
		snap->punts = p;
	}
	if (!err)
		err = fsdio_read(s, snap);
	if (err) {
		st_snap_free(snap);
		return err;
	}
	if (snap->nhists)
		qsort(snap->hists, snap->nhists, sizeof(*snap->hists), cmp_hist);
	if (snap->npunts)
		qsort(snap->punts, snap->npunts, sizeof(*snap->punts), cmp_punt);
	snap->lost_ringbuf = dl_session_lost(s, DL_CNT_RINGBUF_LOST);
	snap->lost_map_full = dl_session_lost(s, DL_CNT_MAP_FULL);
	return 0;
}

/* Hold times need acquisition and release hooks; false with the reason in why. */
static bool hold_available(const struct dl_session *s, char *why, size_t len)
{
	const struct dl_hook_state *acq = &s->hooks[DL_HOOK_RWSEM_ACQUIRE];

	if (acq->tier != DL_TIER_NONE)
		return true;
	snprintf(why, len, "needs the i_rwsem acquire/release hooks (fentry or kprobe on down_*/up_*): "
		 "no tracepoint fires on an uncontended acquisition or on a release; here: %s",
		 acq->why[0] ? acq->why : "not attached");
	return false;
}

void st_run_read(const struct dl_live *l, struct st_run *run)
{
	memset(run, 0, sizeof(*run));
	run->kernel = dl_kernel_release();
	run->duration_s = l->duration_s;
	for (int h = 0; h < DL_HOOK_MAX; h++)
		run->tier[h] = l->s.hooks[h].tier;
	run->hold_ok = hold_available(&l->s, run->hold_why, sizeof(run->hold_why));
	run->cmd = l->argv;
	run->cmd_status = l->argv ? l->cmd.status : -1;
	run->interrupted = l->interrupted;
}
