// SPDX-License-Identifier: GPL-2.0
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include "pipeline/replay.h"

struct stack_rec {
	int n;
	char frames[][EVF_FRAME_LEN];
};

static int frames_of(void *ctx, __s32 id, char frames[][128], int max)
{
	struct replay *rp = ctx;
	struct stack_rec *s = id >= 0 ? table_get(&rp->stacks, (__u64)id + 1) : NULL;
	int n = s ? (s->n < max ? s->n : max) : 0;

	for (int i = 0; i < n; i++)
		memcpy(frames[i], s->frames[i], EVF_FRAME_LEN);
	return n;
}

static int on_stack(struct replay *rp, const unsigned char *p, __u32 len)
{
	char frames[EVF_MAX_FRAMES][EVF_FRAME_LEN];
	struct stack_rec *s;
	__s32 id;
	int n = evf_parse_stack(p, len, &id, frames, EVF_MAX_FRAMES);

	if (n < 0 || id < 0)
		return -1;
	if (rp->stacks.n >= REPLAY_MAX_STACKS || table_get(&rp->stacks, (__u64)id + 1))
		return 0;
	s = malloc(sizeof(*s) + (size_t)n * EVF_FRAME_LEN);
	if (!s)
		return -1;
	s->n = n;
	memcpy(s->frames, frames, (size_t)n * EVF_FRAME_LEN);
	if (table_put(&rp->stacks, (__u64)id + 1, s))
		free(s);
	return 0;
}

static void on_event(struct replay *rp, const unsigned char *p, __u32 len)
{
	struct dl_event e;
	const char *cgroup;

	/* a newer diolock's longer records keep this version's prefix; an older one's shorter, zero-filled */
	if (len >= sizeof(e)) {
		memcpy(&e, p, sizeof(e));
	} else {
		memset(&e, 0, sizeof(e));
		memcpy(&e, p, len);
	}
	if (!dl_filter_match_event(&rp->filter, &e))
		return;
	if (rp->trace) {
		if (e.hdr.type == DL_EV_TICK)
			return;
		if (!rp->t0)
			rp->t0 = e.hdr.ts_ns;
		cgroup = dl_cgroups_known(&rp->cs.cgroups, e.cgroup);
		if (rp->trace == 2)
			dl_event_json(rp->out, &e, &rp->cs.sr, cgroup);
		else
			dl_event_text(rp->out, &e, rp->t0, cgroup);
		return;
	}
	sink_event(&rp->cs, &e);
}

/* What BPF's filters would have let through live, for a fold slot's key. */
static bool fold_key_matches(const struct dl_filter *f, __u32 tgid, __u32 dev, __u64 ino, __u8 fsid)
{
	if ((f->tgid && tgid != f->tgid) || (f->dev && dev != f->dev) || (f->ino && ino != f->ino))
		return false;
	return !f->fs[0] || (fsid != DL_FSID_OTHER && !strncmp(f->fs, dl_fsid_name(fsid), DL_FS_LEN));
}

static bool fold_matches(const struct dl_filter *f, const struct dl_fold *fo)
{
	return fold_key_matches(f, fo->key.tgid, fo->key.dev, fo->key.ino, fo->key.fsid);
}

/* The folds and counters a recording carries: BPF's counts, merged as the live run merged them. */
static void on_counted(struct replay *rp, const struct evf_reader *rd)
{
	switch (rd->type) {
	case EVF_FOLD:
		/* before the cgroup field, a fold was 8 bytes shorter: zero-filled */
		if ((rd->len == sizeof(struct dl_fold) || rd->len == offsetof(struct dl_fold, cgroup)) && !rp->trace) {
			struct dl_fold f = {};

			memcpy(&f, rd->rec, rd->len);
			if (fold_matches(&rp->filter, &f))
				sink_fold(&rp->cs, &f);
		}
		break;
	case EVF_WAIT_FOLD:
		if (rd->len == sizeof(struct dl_wait_fold) && !rp->trace) {
			struct dl_wait_fold f;

			memcpy(&f, rd->rec, sizeof(f));
			if (fold_key_matches(&rp->filter, f.tgid, f.key.dev, f.key.ino, f.key.fsid))
				sink_wait_fold(&rp->cs, &f);
		}
		break;
	case EVF_COUNTS:
		if (rd->len == sizeof(evf_dio_counts))
			sink_counts(&rp->cs, (const void *)rd->rec);
		break;
	}
}

/* One record of any type; -1 with err: the recording is not usable. */
static int on_record(struct replay *rp, const struct evf_reader *rd, char *err, size_t errlen)
{
	const char *path, *bad = NULL;
	__u32 dev;
	__u64 ino;

	switch (rd->type) {
	case EVF_EVENT:
		if (rd->len < sizeof(struct dl_hdr)) {
			snprintf(err, errlen, "%s: not a usable diolock recording: event record too short "
				 "at byte %llu", rd->path, (unsigned long long)rd->offset);
			return -1;
		}
		on_event(rp, rd->rec, rd->len);
		break;
	case EVF_STACK:
		if (on_stack(rp, rd->rec, rd->len)) {
			snprintf(err, errlen, "%s: not a usable diolock recording: malformed stack before "
				 "byte %llu", rd->path, (unsigned long long)rd->offset);
			return -1;
		}
		break;
	case EVF_FOLD:
	case EVF_WAIT_FOLD:
	case EVF_COUNTS:
		on_counted(rp, rd);
		break;
	case EVF_PATH:
		if (!evf_parse_path(rd->rec, rd->len, &dev, &ino, &path))
			sink_path(&rp->cs, dev, ino, path);
		break;
	case EVF_CGROUP:
		if (!evf_parse_path(rd->rec, rd->len, &dev, &ino, &path))
			sink_cgroup(&rp->cs, ino, path);
		break;
	case EVF_TRAILER:
		if (evf_parse_trailer(rd->rec, rd->len, &rp->trailer, rp->argbuf, sizeof(rp->argbuf),
				      rp->argv, REPLAY_MAX_ARGS) < 0)
			bad = "trailer";
		rp->have_trailer = !bad;
		break;
	case EVF_RUN_END:
		if (evf_parse_run_end(rd->rec, rd->len, &rp->run_end))
			bad = "run end";
		break;
	default:
		break;	/* a newer record type: skip it */
	}
	if (bad) {
		snprintf(err, errlen, "%s: not a usable diolock recording: malformed %s", rd->path, bad);
		return -1;
	}
	return 0;
}

int replay_read(struct replay *rp, struct evf_reader *rd, char *err, size_t errlen)
{
	int r;

	while ((r = evf_next(rd, err, errlen)) > 0)
		if (on_record(rp, rd, err, errlen))
			return -1;
	if (r < 0)
		return -1;
	if (!rp->have_trailer) {
		rp->cut = true;
		rp->cut_at = rd->offset;
		if (rd->size)
			snprintf(err, errlen, "%s: recording cut at byte %llu of %llu (was diolock killed?): "
				 "replaying what it holds", rd->path, (unsigned long long)rd->offset,
				 (unsigned long long)rd->size);
		else
			snprintf(err, errlen, "%s: recording cut at byte %llu (was diolock killed?): "
				 "replaying what it holds", rd->path, (unsigned long long)rd->offset);
	}
	return 0;
}

static void free_stacks(struct table *t)
{
	void *v;

	for (size_t i = 0; table_next(t, &i, &v);)
		free(v);
	table_free(t);
}


void replay_init(struct replay *rp, const struct dl_filter *f)
{
	memset(rp, 0, sizeof(*rp));
	sink_init(&rp->cs, f);
	/* this machine's cgroups are not the recording's: names come from its EVF_CGROUP records */
	rp->cs.cgroups.no_mount = true;
	if (f)
		rp->filter = *f;
	rp->out = stdout;
	rp->cs.sr.frames = frames_of;
	rp->cs.sr.ctx = rp;
}

void replay_fini(struct replay *rp)
{
	sink_fini(&rp->cs);
	free_stacks(&rp->stacks);
}
