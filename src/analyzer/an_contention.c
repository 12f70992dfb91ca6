// SPDX-License-Identifier: GPL-2.0
/* The contention table: waits per inode, from records and from the kernel's wait folds. */
#include "analyzer/an_internal.h"

static bool same_inode(const void *entry, const void *ctx)
{
	const struct an_contention *c = entry;
	const struct an_inode_key *k = ctx;

	return c->dev == k->dev && c->ino == k->ino;
}

/* The contention entry of an inode, made on first use; NULL when out of memory. */
static struct an_contention *contention_of(struct analyzer *an, __u32 dev, __u64 ino, const char *fs)
{
	struct an_inode_key k = { .dev = dev, .ino = ino };
	__u64 key = dl_mix(dev, ino) | 1;
	struct an_contention *c;
	void *arr = an->cont;

	c = an_index_find(&an->cont_index, &key, an->cont, sizeof(*c), same_inode, &k);
	if (c)
		return c;
	c = an_index_append(an, &an->cont_index, key, &arr, &an->capcont, &an->ncont, sizeof(*c));
	an->cont = arr;
	if (!c)
		return NULL;
	c->dev = dev;
	c->ino = ino;
	memcpy(c->fs, fs, sizeof(c->fs));
	c->fs[DL_FS_LEN - 1] = '\0';
	return c;
}

/* A tid into a contention entry's list of distinct holders or waiters. */
static void contention_tid(__u32 *list, int *n, __u32 tid)
{
	for (int i = 0;; i++) {
		if (i == *n) {
			if (*n < AN_MAX_HOLDERS)
				list[(*n)++] = tid;
			return;
		}
		if (list[i] == tid)
			return;
	}
}

static void contention_wait(struct an_contention *c, __u32 tid, __u32 holder, bool read, __u64 n)
{
	c->waits += n;
	if (read)
		c->read_waits += n;
	else
		c->write_waits += n;
	if (holder && holder != tid)
		contention_tid(c->holders, &c->nholders, holder);
	contention_tid(c->waiters, &c->nwaiters, tid);
}

void an_note_contention(struct analyzer *an, const struct dl_event *e)
{
	struct an_contention *c = contention_of(an, e->dev, e->ino, e->fs);

	if (!c)
		return;
	if (e->hdr.type == DL_EV_WAIT_END) {
		c->wait_ns_total += e->len;
		if (e->len > c->wait_ns_max)
			c->wait_ns_max = e->len;
		return;
	}
	contention_wait(c, e->hdr.tid, e->lock.holder_tid, e->flags & DL_F_WAIT_READ, 1);
}

void an_wait_fold(struct analyzer *an, const struct dl_wait_fold *f)
{
	const struct dl_wait_fold_key *k = &f->key;
	char fs[DL_FS_LEN];
	struct an_contention *c;

	if (!f->count || !dl_filter_match_comm(&an->filter, f->comm))
		return;
	snprintf(fs, sizeof(fs), "%s", dl_fsid_name(k->fsid));
	c = contention_of(an, k->dev, k->ino, fs);
	if (!c)
		return;
	an->folded_waits += f->count;
	contention_wait(c, k->tid, k->holder, k->mode == DL_LOCK_READ, f->count);
	c->wait_ns_total += f->ns_total;
	if (f->ns_max > c->wait_ns_max)
		c->wait_ns_max = f->ns_max;
}
