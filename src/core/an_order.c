// SPDX-License-Identifier: GPL-2.0
/* Predictive lock order between lock classes (kind and filesystem). */
#include "an_internal.h"

/* ---- predictive lock order ---- */

const char *an_class_name(__u8 kind, const char *fs, char *buf, size_t len)
{
	snprintf(buf, len, "%s[%.16s]", an_lock_kind_name(kind), fs);
	return buf;
}

/* A lock class is a lock kind on one filesystem: i_rwsem[ext4], dio_drain[btrfs]. */
static int class_of(struct analyzer *an, const struct an_lock *l)
{
	for (int i = 0; i < an->nclasses; i++)
		if (an->class_kind[i] == l->kind && !strncmp(an->class_fs[i], l->fs, DL_FS_LEN))
			return i;
	if (an->nclasses == AN_MAX_CLASSES)
		return -1;
	an->class_kind[an->nclasses] = l->kind;
	memcpy(an->class_fs[an->nclasses], l->fs, DL_FS_LEN);
	return an->nclasses++;
}

/* Is there a path from class a to class b? Fills via[] with the classes on it. */
static bool class_path(struct analyzer *an, int a, int b, int *via, int *nvia, bool *visited)
{
	if (a == b)
		return true;
	visited[a] = true;
	for (int c = 0; c < an->nclasses; c++) {
		if (!an->order[a][c].seen || visited[c])
			continue;
		via[(*nvia)++] = c;
		if (class_path(an, c, b, via, nvia, visited))
			return true;
		(*nvia)--;
	}
	return false;
}

static const char NOTE_ORDER[] =
	"these lock classes are taken in opposite orders by different code paths: a deadlock "
	"waits for the wrong interleaving";

/* The task, holding `held`, waits for `wanted`: remember class order held -> wanted. */
static void order_edge(struct analyzer *an, struct an_task *t, const struct an_lock *held,
		       const struct an_lock *wanted, const struct dl_event *e, bool exact)
{
	int a = class_of(an, held), b = class_of(an, wanted), via[AN_MAX_CLASSES], nvia = 0;
	bool visited[AN_MAX_CLASSES] = {};
	struct an_class_edge *edge;
	struct an_finding *v;
	char cname[40];
	size_t n;

	/* same class (two i_rwsem[ext4]): lockdep needs subclasses for those */
	if (a < 0 || b < 0 || a == b || an->order[a][b].seen)
		return;
	edge = &an->order[a][b];
	edge->seen = true;
	edge->stack_id = e->stack_id;
	edge->tid = t->tid;
	edge->pid = t->pid;
	memcpy(edge->comm, t->comm, DL_COMM_LEN);
	if (!class_path(an, b, a, via, &nvia, visited))
		return;
	v = an_report(an, AN_LOCK_ORDER, exact ? AN_ERROR : AN_WARNING, exact, e, t->wait_mode, NOTE_ORDER);
	if (!v)
		return;
	n = snprintf(v->detail, sizeof(v->detail), "%s", an_class_name(an->class_kind[a], an->class_fs[a], cname,
									  sizeof(cname)));
	n += snprintf(v->detail + n, sizeof(v->detail) - n, " -> %s",
		      an_class_name(an->class_kind[b], an->class_fs[b], cname, sizeof(cname)));
	for (int i = 0; i < nvia && n < sizeof(v->detail); i++)
		n += snprintf(v->detail + n, sizeof(v->detail) - n, " -> %s",
			      an_class_name(an->class_kind[via[i]], an->class_fs[via[i]], cname, sizeof(cname)));
	/* one member per edge of the class cycle: who created it first, and where */
	int prev = a, cls[AN_MAX_CLASSES + 1];

	cls[0] = b;
	for (int i = 0; i < nvia; i++)
		cls[i + 1] = via[i];
	for (int i = 0; i <= nvia && v->nmembers < AN_MAX_MEMBERS; i++) {
		const struct an_class_edge *ce = &an->order[prev][cls[i]];
		struct an_member *m = &v->members[v->nmembers++];

		memset(m, 0, sizeof(*m));
		m->pid = ce->pid;
		m->tid = ce->tid;
		memcpy(m->comm, ce->comm, DL_COMM_LEN);
		m->stack_id = ce->stack_id;
		m->exact = exact;
		/* the class it leads to: kind and filesystem, printed as "kind[fs]" */
		m->lock_kind = an->class_kind[cls[i]];
		memcpy(m->fs, an->class_fs[cls[i]], DL_FS_LEN);
		prev = cls[i];
	}
}

/* Edges from everything the task holds to the lock it now waits for. */
void an_order_edges(struct analyzer *an, struct an_task *t, const struct an_lock *wanted,
			const struct dl_event *e)
{
	for (int i = 0; i < DL_MAX_HELD; i++) {
		struct an_lock *h = t->held[i] ? an_lock_get(an, t->held[i], false) : NULL;

		if (h && h != wanted)
			order_edge(an, t, h, wanted, e, true);
	}
	if (!t->dio_active)
		return;
	/* a DIO in flight: it holds its inode's drain until the completion syncs */
	struct an_lock *drain = an_lock_get(an, an_drain_id(t->dio_lock), false);
	struct an_lock *rw = an_lock_get(an, t->dio_lock, false);

	if (drain && !t->dio_synced && drain != wanted)
		order_edge(an, t, drain, wanted, e, false);
	if (rw && t->dio_hold != DL_LOCK_NONE && rw != wanted)
		order_edge(an, t, rw, wanted, e, false);
}
