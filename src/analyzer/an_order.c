// SPDX-License-Identifier: GPL-2.0
/* Predictive lock order between lock classes (kind and filesystem). */
#include "analyzer/an_internal.h"

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
	v = an_raise(an, AN_LOCK_ORDER, exact ? AN_ERROR : AN_WARNING, exact, e, t->wait_mode, NOTE_ORDER);
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

/* ---- lock order between i_rwsem instances ---- */

/*
 * The graph: a node per inode (dev, ino), an edge A -> B the first time a
 * task took B while holding A, with that task, its stack and its gate. The
 * edges are a ring: past AN_ORDER_EDGES the oldest is forgotten (counted).
 */
struct an_onode {
	__u64 ino;
	__u32 dev;
	__u8 kind;		/* enum an_lock_kind: which of the inode's locks */
	char fs[DL_FS_LEN];
	int first_out;		/* edge index, -1 none */
	__u32 mark[2];		/* DFS generation, per "all gated alike so far" state */
};

struct an_oedge {
	bool used;
	int from, to, next_out;
	__u8 from_mode, to_mode;	/* enum dl_lock_mode: A as held, B as taken */
	bool inferred;		/* A is an in-flight DIO a completion may hold (from i_dio_count) */
	__u64 gate;
	__u32 pid, tid;
	char comm[DL_COMM_LEN];
	__s32 stack_id;
};

struct an_order_graph {
	struct table node_index;	/* dl_mix(kind << 32 | dev, ino) | 1 -> node index + 1 */
	struct an_onode *node;
	size_t nnodes, capnodes;
	struct table edge_index;	/* (from + 1) << 32 | (to + 1) -> edge index + 1 */
	struct an_oedge edge[AN_ORDER_EDGES];
	int next;			/* ring position of the next edge */
	__u32 gen;
};

void an_order_free(struct analyzer *an)
{
	if (!an->og)
		return;
	table_free(&an->og->node_index);
	table_free(&an->og->edge_index);
	free(an->og->node);
	free(an->og);
	an->og = NULL;
}

struct onode_key {
	struct an_inode_key inode;
	__u8 kind;
};

static bool onode_match(const void *entry, const void *ctx)
{
	const struct an_onode *n = entry;
	const struct onode_key *k = ctx;

	return n->dev == k->inode.dev && n->ino == k->inode.ino && n->kind == k->kind;
}

/* The node of one of inode (dev, ino)'s locks, made if new; -1 when the graph is full (counted by the caller). */
static int onode_of(struct analyzer *an, __u8 kind, __u32 dev, __u64 ino, const char *fs)
{
	struct an_order_graph *g = an->og;
	struct onode_key k = { { dev, ino }, kind };
	__u64 key = dl_mix((__u64)kind << 32 | dev, ino) | 1;
	struct an_onode *n = an_index_find(&g->node_index, &key, g->node, sizeof(*n), onode_match, &k);
	void *arr = g->node;

	if (!n) {
		if (g->nnodes == AN_ORDER_NODES)
			return -1;
		n = an_index_append(an, &g->node_index, key, &arr, &g->capnodes, &g->nnodes, sizeof(*n));
		g->node = arr;
		if (!n)
			return -1;
		n->dev = dev;
		n->ino = ino;
		n->kind = kind;
		n->first_out = -1;
	}
	/* a record that names the inode's filesystem beats a name made from its fsid */
	if (fs[0] && (!n->fs[0] || !strcmp(n->fs, "?")))
		snprintf(n->fs, sizeof(n->fs), "%.*s", DL_FS_LEN - 1, fs);
	return (int)(n - g->node);
}

static __u64 oedge_key(int from, int to)
{
	return (__u64)(from + 1) << 32 | (__u32)(to + 1);
}

/* Make room at the ring's next slot: forget the edge there, if any. */
static void oedge_forget(struct analyzer *an, int i)
{
	struct an_order_graph *g = an->og;
	struct an_oedge *e = &g->edge[i];
	int *link;

	if (!e->used)
		return;
	for (link = &g->node[e->from].first_out; *link >= 0; link = &g->edge[*link].next_out) {
		if (*link == i) {
			*link = e->next_out;
			break;
		}
	}
	table_del(&g->edge_index, oedge_key(e->from, e->to));
	e->used = false;
	an->order_forgotten++;
}

/*
 * Depth-first from `at` back to `target`, at most AN_MAX_MEMBERS - 1 edges:
 * path[] gets the edges. `mixed`: the path so far is not all gated by
 * `gate`; only such a path closes a cycle the kernel does not serialise.
 */
static bool opath(struct an_order_graph *g, int at, int target, __u64 gate, bool mixed, int *path, int *n)
{
	struct an_onode *node = &g->node[at];

	if (at == target)
		return mixed;
	if (node->mark[mixed] == g->gen || *n == AN_MAX_MEMBERS - 1)
		return false;
	node->mark[mixed] = g->gen;
	for (int i = node->first_out; i >= 0; i = g->edge[i].next_out) {
		const struct an_oedge *e = &g->edge[i];

		path[(*n)++] = i;
		if (opath(g, e->to, target, gate, mixed || !e->gate || e->gate != gate, path, n))
			return true;
		(*n)--;
	}
	return false;
}

static const char NOTE_ORDER_INSTANCE[] =
	"these i_rwsem locks were taken in opposite orders (tasks holding one took the next): two "
	"tasks doing so at once deadlock, whether or not they have overlapped yet";
static const char NOTE_ORDER_KINDS[] =
	"these locks of inodes (i_rwsem, the mapping's invalidate_lock, the in-flight DIO that "
	"inode_dio_wait drains) were taken in opposite orders: two tasks doing so at once deadlock, "
	"whether or not they have overlapped yet";
static const char NOTE_ORDER_DIO_INFERRED[] =
	"a DIO completion took a lock while its inode had DIO in flight (the completion's own, if it "
	"syncs before inode_dio_end, as with patch 04/15 of the seed series undone), and a task "
	"holding that lock drained the inode's DIO: together they deadlock. Inferred: i_dio_count "
	"may have counted other DIOs, which end by themselves";
static const char NOTE_ORDER_INSTANCE_READ[] =
	"these i_rwsem locks were taken in opposite orders, but at a lock of the cycle both sides are "
	"readers: it deadlocks only if a writer queues on that lock in between (rwsem readers wait "
	"behind a waiting writer)";

static void order_member(struct an_member *m, const struct an_order_graph *g, const struct an_oedge *e)
{
	const struct an_onode *to = &g->node[e->to];

	memset(m, 0, sizeof(*m));
	m->pid = e->pid;
	m->tid = e->tid;
	memcpy(m->comm, e->comm, DL_COMM_LEN);
	m->lock_kind = to->kind;
	memcpy(m->fs, to->fs, DL_FS_LEN);
	m->dev = to->dev;
	m->ino = to->ino;
	m->mode = e->to_mode;
	m->stack_id = e->stack_id;
	m->exact = !e->inferred;
}

/* The cycle new -> path[0] -> ... -> back to new's tail, as a finding. */
static void order_cycle(struct analyzer *an, const struct dl_event *rec, int new, const int *path, int n)
{
	struct an_order_graph *g = an->og;
	int cyc[AN_MAX_MEMBERS], len = 0;
	bool conflict = true, inferred = false, kinds = false;
	struct an_finding *v;
	const char *note;
	size_t d = 0;

	cyc[len++] = new;
	for (int i = 0; i < n; i++)
		cyc[len++] = path[i];
	/* at each lock, the one taking it and the one holding it must exclude each other */
	for (int i = 0; i < len; i++) {
		const struct an_oedge *in = &g->edge[cyc[i]], *out = &g->edge[cyc[(i + 1) % len]];

		if (in->to_mode == DL_LOCK_READ && out->from_mode == DL_LOCK_READ)
			conflict = false;
		inferred |= in->inferred;
		kinds |= g->node[in->to].kind != AN_LOCK_RWSEM;
	}
	note = inferred ? NOTE_ORDER_DIO_INFERRED : !conflict ? NOTE_ORDER_INSTANCE_READ :
	       kinds ? NOTE_ORDER_KINDS : NOTE_ORDER_INSTANCE;
	/* a hold inferred from a count is a warning, as a read/read cycle is */
	v = an_raise(an, AN_LOCK_ORDER, conflict && !inferred ? AN_ERROR : AN_WARNING, !inferred, rec,
		      g->edge[new].to_mode, note);
	if (!v)
		return;
	/* "ext4 7:0 ino 12 -> ext4 7:0 ino 13 -> ext4 7:0 ino 12"; other locks than i_rwsem named */
	for (int i = 0; i <= len; i++) {
		const struct an_onode *from = &g->node[g->edge[cyc[i % len]].from];
		char dev[16];

		if (i < len)
			order_member(&v->members[v->nmembers++], g, &g->edge[cyc[i]]);
		dl_fmt_dev(from->dev, dev, sizeof(dev));
		if (d < sizeof(v->detail))
			d += snprintf(v->detail + d, sizeof(v->detail) - d, "%s%s%s%s %s ino %llu", i ? " -> " : "",
				      from->kind != AN_LOCK_RWSEM ? an_lock_kind_name(from->kind) : "",
				      from->kind != AN_LOCK_RWSEM ? " of " : "", from->fs, dev,
				      (unsigned long long)from->ino);
	}
}

static const char NOTE_ORDER_REFERENCE[] =
	"took a lock the kernel orders before one it held (its documented order: i_rwsem -> mmap_lock -> "
	"invalidate_lock, mm/filemap.c): any task taking the two the documented way deadlocks against "
	"this one, whether or not they have overlapped yet";

/* Whether taking a `to` lock while holding a `from` one goes against the kernel's documented order. */
static bool against_reference(int from, int to)
{
	/* i_rwsem -> mmap_lock -> invalidate_lock; the in-flight DIO is no lock of that list */
	static const int rank[] = { [AN_LOCK_RWSEM] = 1, [AN_LOCK_MMAP] = 2, [AN_LOCK_INVALIDATE] = 3 };
	int n = sizeof(rank) / sizeof(rank[0]);

	return from < n && to < n && rank[from] && rank[to] && rank[from] > rank[to];
}

/* A single edge against the documented order, as a finding of its own. */
static void order_reference(struct analyzer *an, const struct dl_event *rec, int i)
{
	struct an_order_graph *g = an->og;
	const struct an_onode *from = &g->node[g->edge[i].from], *to = &g->node[g->edge[i].to];
	struct an_finding *v;
	char dev[16], a[64];

	v = an_raise(an, AN_LOCK_ORDER, AN_ERROR, true, rec, g->edge[i].to_mode, NOTE_ORDER_REFERENCE);
	if (!v)
		return;
	order_member(&v->members[v->nmembers++], g, &g->edge[i]);
	if (from->kind == AN_LOCK_MMAP) {
		snprintf(a, sizeof(a), "mmap_lock of pid %llu", (unsigned long long)from->ino);
	} else {
		dl_fmt_dev(from->dev, dev, sizeof(dev));
		snprintf(a, sizeof(a), "%s of %s %s ino %llu", an_lock_kind_name(from->kind), from->fs, dev,
			 (unsigned long long)from->ino);
	}
	dl_fmt_dev(to->dev, dev, sizeof(dev));
	snprintf(v->detail, sizeof(v->detail), "%s held (%s), then %s of %s %s ino %llu taken", a,
		 an_lock_mode_name(g->edge[i].from_mode), an_lock_kind_name(to->kind), to->fs, dev,
		 (unsigned long long)to->ino);
}

static const char NOTE_ORDER_SB_WRITERS[] =
	"waits for a frozen filesystem's sb_writers (SB_FREEZE_WRITE: sb_start_write, mnt_want_write) while "
	"holding an inode's i_rwsem: the kernel takes sb_writers outside every inode lock (file_start_write "
	"before inode_lock; lockdep's order sb_writers -> i_rwsem), so this task keeps the inode from all "
	"its other users for as long as the freeze lasts";

/*
 * sb_writers is outermost: only its waits are seen (a frozen filesystem's;
 * an unfrozen one is a per-CPU counter no hook meets), and only the exact
 * tiers know what the waiter holds (BPF names an i_rwsem of the same super
 * block). SB_FREEZE_PAGEFAULT is taken under i_rwsem by design (page_mkwrite
 * in a DIO's fault), SB_FREEZE_FS inside transactions: only the write level
 * counts.
 */
void an_order_sb_wait(struct analyzer *an, const struct dl_event *e)
{
	const struct dl_sb_wait sb = dl_sb_wait_get(e);
	struct an_finding *v;
	char dev[16];

	if (sb.level != 0 || !sb.held_ino)
		return;
	v = an_raise(an, AN_LOCK_ORDER, AN_ERROR, true, e, DL_LOCK_READ, NOTE_ORDER_SB_WRITERS);
	if (!v)
		return;
	v->lock_kind = AN_LOCK_SB_WRITERS;
	dl_fmt_dev(e->dev, dev, sizeof(dev));
	snprintf(v->detail, sizeof(v->detail), "i_rwsem of %s %s ino %llu held (%s), then its sb_writers waited for",
		 e->fs, dev, (unsigned long long)sb.held_ino, an_lock_mode_name(sb.held_mode));
}

/* An ORDER_EDGE end's enum dl_lock_kind as the graph's enum an_lock_kind; -1: unknown. */
static int okind(__u64 dl_kind)
{
	switch (dl_kind) {
	case DL_LK_I_RWSEM: return AN_LOCK_RWSEM;
	case DL_LK_INVALIDATE: return AN_LOCK_INVALIDATE;
	case DL_LK_DIO: return AN_LOCK_DRAIN;
	case DL_LK_MMAP: return AN_LOCK_MMAP;
	default: return -1;
	}
}

/* An ORDER_EDGE record: add the edge if new; a cycle it closes, or the documented order it breaks, is a finding. */
void an_order_instance(struct analyzer *an, const struct dl_event *rec)
{
	const struct dl_order_from from = dl_order_from_get(rec);
	int akind = okind(from.kind), bkind = okind(from.to_kind);
	struct an_order_graph *g;
	int a, b, i, path[AN_MAX_MEMBERS], n = 0;
	struct an_oedge *e;

	if (!an->og) {
		an->og = calloc(1, sizeof(*an->og));
		if (!an->og) {
			an->oom = true;
			return;
		}
	}
	g = an->og;
	if (akind < 0 || bkind < 0)
		return;
	a = onode_of(an, akind, from.dev, from.ino, dl_fsid_name(from.fsid));
	b = onode_of(an, bkind, rec->dev, rec->ino, rec->fs);
	if (a < 0 || b < 0) {
		an->order_forgotten++;
		return;
	}
	if (a == b || table_get(&g->edge_index, oedge_key(a, b)))
		return;
	i = g->next;
	g->next = (g->next + 1) % AN_ORDER_EDGES;
	oedge_forget(an, i);
	e = &g->edge[i];
	memset(e, 0, sizeof(*e));
	e->used = true;
	e->from = a;
	e->to = b;
	e->from_mode = from.mode;
	e->inferred = akind == AN_LOCK_DRAIN;
	e->to_mode = (rec->flags & DL_F_WAIT_READ) ? DL_LOCK_READ : DL_LOCK_WRITE;
	e->gate = from.gate;
	e->pid = rec->hdr.tgid;
	e->tid = rec->hdr.tid;
	memcpy(e->comm, rec->comm, DL_COMM_LEN);
	e->stack_id = rec->stack_id;
	if (table_put(&g->edge_index, oedge_key(a, b), (void *)(uintptr_t)(i + 1))) {
		an->oom = true;
		e->used = false;
		return;
	}
	e->next_out = g->node[a].first_out;
	g->node[a].first_out = i;
	an->order_edges++;
	/* a cycle through the new edge: a path from its head back to its tail */
	g->gen++;
	if (opath(g, b, a, e->gate, !e->gate, path, &n))
		order_cycle(an, rec, i, path, n);
	else if (against_reference(akind, bkind))
		order_reference(an, rec, i);
}
