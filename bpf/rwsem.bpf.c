// SPDX-License-Identifier: GPL-2.0
/*
 * i_rwsem waits, and the other rwsems the graph knows that the same slow
 * paths reach: a mapping's invalidate_lock (inval.bpf.h), a process's
 * mmap_lock (mm.bpf.h), a super block's sb_writers (sb.bpf.h). lock:contention_begin/end (v5.19+) fire only in the rwsem
 * slow path after the task queued itself: optimistic spinning and reader
 * lock stealing are invisible there. The function tiers hook the slow paths
 * themselves, so they also see waits that end by spinning.
 *
 * A wait is where a self-deadlock, a cycle or a long wait shows. One that
 * can be a self-deadlock (the task is inside a DIO or its completion, or
 * writes the lock it waits for), and every wait in the exact tiers and in
 * `trace`, crosses at once as a record with its stack: the self-deadlock
 * must be printed before the task hangs. Any other wait starts in its
 * pending slot and crosses only if it lasts (DL_PENDING_SLOTS in
 * include/diolock/event.h); the short ones fold. The wait in progress
 * lives in the task's storage; if the task is inside a DIO, that DIO's
 * begin crosses first.
 */
#include "diolock.bpf.h"
#include "stat.bpf.h"
#include "sb.bpf.h"
#include "mm.bpf.h"
#include "inval.bpf.h"

/*
 * An RT writer first queues on the rwsem's rt_mutex, whose contention
 * tracepoint says only LCB_F_RT, at &sem->rwbase.rtmutex: the rwsem, or NULL
 * off RT (where nothing is nested).
 */
static __always_inline void *dl_rt_rwsem_of_rtmutex(void *rtm)
{
	if (!dl_rwsem_is_rt())
		return NULL;
	return (char *)rtm - bpf_core_field_offset(struct rw_semaphore___rt, rwbase.rtmutex);
}

/* Who makes this task wait: read at wait begin, charged at wait end. */
static __always_inline void note_holder(struct inode *inode, struct dl_wait *w)
{
	struct dl_rwsem_state st = {};
	struct task_struct *owner;

	dl_read_rwsem(inode, &st, DL_PROBED);
	w->holder = st.holder_tid;
	w->holder_mode = st.mode;
	owner = (void *)(st.owner & RWSEM_OWNER_MASK);
	if (w->holder && owner)
		bpf_probe_read_kernel_str(w->holder_comm, sizeof(w->holder_comm), &owner->comm);
	/* top names the holder's cgroup; check's records do not need it */
	w->holder_cgroup = stat_on && w->holder && owner ? dl_cgroup_of(owner) : 0;
}

/*
 * A wait of a task that holds nothing the analyzer knows of starts in its
 * pending slot: true when it did (or the filters reject the inode).
 */
static __always_inline bool defer_wait(struct dl_task_ctx *tc, void *lock, struct inode *inode,
				       unsigned int flags)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct dl_pending *p = &dl_pending[(__u32)id & (DL_PENDING_SLOTS - 1)];
	struct dl_rwsem_state st = {};
	struct dl_wait *w = &tc->wait;
	struct dl_ino_id ino;
	__u32 s, seq;

	if (!wait_defer_ns || dl_stream_all() || stat_on || track_acquire || tc->dio.inode || tc->completing)
		return false;
	if (!dl_ino_id(inode, &ino, DL_PROBED))
		return true;
	if (ino.fsid == DL_FSID_OTHER)
		return false;	/* user space could not name its filesystem */
	dl_read_rwsem(inode, &st, DL_PROBED);
	if (st.cur_holds != DL_HOLD_NO)
		return false;
	s = *(volatile __u32 *)&p->state;
	if (s & DL_PEND_MASK)
		return false;	/* another task's wait has the slot */
	seq = (s >> 2) + 1;
	p->tid = (__u32)id;
	p->tgid = id >> 32;
	p->cpu = bpf_get_smp_processor_id();
	p->ts = bpf_ktime_get_ns();
	p->lock = (__u64)lock;
	p->ino = ino.ino;
	p->dev = ino.dev;
	p->flags = flags;
	p->fsid = ino.fsid;
	p->eflags = (flags & LCB_F_READ) ? DL_F_WAIT_READ : DL_F_WAIT_WRITE;
	bpf_get_current_comm(p->comm, sizeof(p->comm));
	p->st = st;
	/* the fields before the state: user space copies them once it sees WAITING */
	asm volatile("" ::: "memory");
	*(volatile __u32 *)&p->state = seq << 2 | DL_PEND_WAITING;
	w->pend_seq = seq;
	w->deferred = 1;
	w->ts = p->ts;
	w->lock = (__u64)lock;
	return true;
}

static __always_inline __u64 wait_fold_hash(const struct dl_wait_fold_key *k)
{
	__u64 h = dl_mix(k->ino, (__u64)k->tid << 32 | k->dev);

	return dl_mix(h, (__u64)k->holder << 8 | k->mode);
}

/* The wait-fold slot of key k on this CPU, claimed if free; NULL: all DL_FOLD_PROBES hold others. */
static __always_inline struct dl_wait_fold *wait_fold_slot(__u32 cpu, const struct dl_wait_fold_key *k)
{
	__u64 h = wait_fold_hash(k);
	struct dl_wait_fold *f;

	for (int i = 0; i < DL_FOLD_PROBES; i++) {
		__u32 idx = cpu * DL_WFOLD_SLOTS + ((h + i) & (DL_WFOLD_SLOTS - 1));

		f = bpf_map_lookup_elem(&wait_folds, &idx);
		if (!f)
			return NULL;
		if (!f->used)
			return f;
		if (f->key.ino == k->ino && f->key.dev == k->dev && f->key.tid == k->tid &&
		    f->key.holder == k->holder && f->key.mode == k->mode)
			return f;
	}
	return NULL;
}

/* A short deferred wait, counted in this CPU's wait-fold slot; false: it must cross instead. */
static __always_inline bool fold_wait(const struct dl_pending *p, __u64 ns, __u64 now)
{
	__u32 cpu = bpf_get_smp_processor_id();
	struct dl_wait_fold_key k = {};
	struct dl_wait_fold *f;

	if (cpu >= nr_cpus)
		return false;
	k.ino = p->ino;
	k.dev = p->dev;
	k.tid = p->tid;
	k.holder = p->st.holder_tid;
	k.mode = (p->eflags & DL_F_WAIT_READ) ? DL_LOCK_READ : DL_LOCK_WRITE;
	k.fsid = p->fsid;
	f = wait_fold_slot(cpu, &k);
	if (!f)
		return false;
	if (!f->used) {
		f->key = k;
		f->tgid = p->tgid;
		__builtin_memcpy(f->comm, p->comm, sizeof(f->comm));
		asm volatile("" ::: "memory");
		f->used = 1;
	}
	f->ns_total += ns;
	if (ns > f->ns_max)
		f->ns_max = ns;
	f->last_ts = now;
	/* the count last: user space reads it first */
	asm volatile("" ::: "memory");
	f->count++;
	return true;
}

/* A deferred wait that lasted: its WAIT_BEGIN as it would have crossed at the start, with the stack now. */
static __always_inline bool send_deferred(void *ctx, const struct dl_pending *p, struct inode *inode)
{
	struct dl_event *e = dl_reserve(DL_EV_WAIT_BEGIN);

	if (!e)
		return false;
	if (!dl_fill_ident(e, inode, DL_PROBED)) {
		bpf_ringbuf_discard(e, 0);
		return false;
	}
	e->hdr.ts_ns = p->ts;
	e->hdr.cpu = p->cpu;
	e->lock = p->st;
	e->arg = p->flags;
	e->flags |= p->eflags;
	dl_stack(ctx, e);
	dl_submit(e);
	return true;
}

static __always_inline int on_wait_begin(void *ctx, void *lock, unsigned int flags)
{
	struct dl_ident id = {};
	struct dl_task_ctx *tc;
	struct inode *inode;
	struct dl_event *e;
	struct dl_wait *w;

	__u32 via = 0;

	/*
	 * An RT writer queueing behind another writer (or itself). A reader's
	 * slow path queues there too, inside its own RT|READ wait: not a new wait.
	 */
	if (flags == LCB_F_RT) {
		lock = dl_rt_rwsem_of_rtmutex(lock);
		if (!lock)
			return 0;
		tc = dl_ctx(false);
		if (tc && tc->wait.lock == (__u64)lock)
			return 0;
		flags = LCB_F_RT | LCB_F_WRITE;
		via = DL_WAIT_VIA_RTMUTEX;
	}
	/* Plain rwsem read/write waits (RT rwsems add LCB_F_RT), and a frozen filesystem's writers. */
	if ((flags & ~LCB_F_RT) != LCB_F_READ && (flags & ~LCB_F_RT) != LCB_F_WRITE &&
	    flags != (LCB_F_PERCPU | LCB_F_READ))
		return 0;
	if (dl_task_filtered())
		return 0;
	if (flags & LCB_F_PERCPU)
		return dl_sb_wait_begin(ctx, lock, flags);
	inode = dl_inode_of_rwsem(lock);
	if (!inode) {
		if (!dl_inval_wait_begin(ctx, lock, flags, via))
			dl_mm_wait_begin(ctx, lock, flags, via);
		return 0;
	}
	tc = dl_ctx(true);
	if (!tc) {
		dl_count(DL_CNT_MAP_FULL);
		return 0;
	}
	w = &tc->wait;
	w->lock = 0;
	w->emitted = 0;
	w->flags = flags | via;
	w->stack_id = -1;
	w->deferred = 0;
	if (!dl_records_off()) {
		if (defer_wait(tc, lock, inode, flags))
			return 0;
		dl_flush_dio(tc);
		e = dl_reserve(DL_EV_WAIT_BEGIN);
		if (!e)
			return 0;	/* ring buffer full: counted by dl_reserve */
		if (!dl_fill_inode(e, inode, DL_PROBED)) {
			bpf_ringbuf_discard(e, 0);
			return 0;
		}
		e->arg = flags;
		e->flags |= (flags & LCB_F_READ) ? DL_F_WAIT_READ : DL_F_WAIT_WRITE;
		if (tc->completing == (__u64)inode) {
			e->flags |= DL_F_COMPLETING;
			e->len = (__u32)BPF_CORE_READ(inode, i_dio_count.counter);
		}
		dl_stack(ctx, e);
		w->ts = e->hdr.ts_ns;
		w->stack_id = e->stack_id;
		w->emitted = 1;
		w->lock = (__u64)lock;
		if (stat_on)
			note_holder(inode, w);
		dl_submit(e);
		return 0;
	}
	if (!stat_on || !dl_ident_of(inode, &id, DL_PROBED))
		return 0;
	/* histograms only: the filters dl_fill_inode would have applied */
	w->ts = bpf_ktime_get_ns();
	w->stack_id = dl_stat_stack(ctx);
	w->lock = (__u64)lock;
	note_holder(inode, w);
	return 0;
}

/* One wait ended: its histogram, and top's waiter and holder totals. */
static __always_inline void stat_wait_end(struct inode *inode, struct dl_wait *w)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	__u8 mode = (w->flags & LCB_F_READ) ? DL_LOCK_READ : DL_LOCK_WRITE;
	__u64 ns = bpf_ktime_get_ns() - w->ts;
	struct dl_ident id = {};

	if (!dl_ident_of(inode, &id, DL_PROBED))
		return;
	dl_hist_add(mode == DL_LOCK_READ ? DL_HIST_WAIT_READ : DL_HIST_WAIT_WRITE, &id, w->stack_id, NULL, 0, ns);
	dl_lock_task_add(&id, tid, DL_ROLE_WAITER, NULL, 0, mode, ns);
	if (w->holder && w->holder != tid)
		dl_lock_task_add(&id, w->holder, DL_ROLE_HOLDER, w->holder_comm, w->holder_cgroup, w->holder_mode, ns);
}

static __always_inline int on_wait_end(void *ctx, void *lock, int ret)
{
	struct dl_task_ctx *tc = dl_ctx(false);
	struct dl_event *e;
	struct inode *inode;
	struct dl_wait *w;

	if (!tc)
		return 0;
	w = &tc->wait;
	/* a return probe does not know the lock: the task waits on one at a time */
	if (!w->lock || (lock && w->lock != (__u64)lock &&
			 (!(w->flags & DL_WAIT_VIA_RTMUTEX) || w->lock != (__u64)dl_rt_rwsem_of_rtmutex(lock))))
		return 0;
	if (w->flags & DL_WAIT_VIA_SB)
		return dl_sb_wait_end(w, ret);
	if (w->flags & DL_WAIT_VIA_MM)
		return dl_mm_wait_end(w, ret);
	if (w->flags & DL_WAIT_VIA_INVAL)
		return dl_inval_wait_end(w, ret);
	lock = (void *)w->lock;
	w->lock = 0;
	inode = dl_inode_of_rwsem(lock);
	if (!inode)
		return 0;
	if (w->deferred) {
		struct dl_pending *p = &dl_pending[(__u32)bpf_get_current_pid_tgid() & (DL_PENDING_SLOTS - 1)];
		__u32 old = __sync_lock_test_and_set(&p->state, w->pend_seq << 2 | DL_PEND_FREE);
		__u64 now = bpf_ktime_get_ns();

		w->deferred = 0;
		/* user space claimed it: it sent the WAIT_BEGIN, the end follows */
		if ((old & DL_PEND_MASK) == DL_PEND_CLAIMED)
			w->emitted = 1;
		else if (now - w->ts < wait_defer_ns && fold_wait(p, now - w->ts, now))
			return 0;
		else
			w->emitted = send_deferred(ctx, p, inode);
	}
	if (stat_on)
		stat_wait_end(inode, w);
	if (!w->emitted)
		return 0;
	e = dl_reserve(DL_EV_WAIT_END);
	if (e) {
		dl_fill_inode(e, inode, DL_PROBED);
		e->ret = ret;
		e->len = e->hdr.ts_ns - w->ts;
		dl_submit(e);
	}
	return 0;
}

/*
 * The contention tracepoints: i_rwsem waits in the tracepoint tiers, and a
 * frozen filesystem's writers in every tier (hooks rwsem_wait_* and
 * sb_wait_*). In the function tiers the rwsem slow paths below see i_rwsem.
 */
static __always_inline int on_contention_begin(void *ctx, void *lock, unsigned int flags)
{
	if (!rwsem_waits_by_tp && flags != (LCB_F_PERCPU | LCB_F_READ))
		return 0;
	return on_wait_begin(ctx, lock, flags);
}

static __always_inline int on_contention_end(void *ctx, void *lock, int ret)
{
	struct dl_task_ctx *tc;

	if (!rwsem_waits_by_tp) {
		/* every contended lock of the machine ends here: no lookup while no sb wait is on */
		if (!*(volatile __s64 *)&dl_sb_waits)
			return 0;
		tc = dl_ctx(false);
		if (!tc || !(tc->wait.flags & DL_WAIT_VIA_SB))
			return 0;
	}
	return on_wait_end(ctx, lock, ret);
}

DL_TRACEPOINT(contention_begin, on_contention_begin(ctx, lock, flags), void *lock, unsigned int flags)
DL_TRACEPOINT(contention_end, on_contention_end(ctx, lock, ret), void *lock, int ret)

/* The slow paths return the semaphore, or ERR_PTR(-EINTR) for killable waits. */
#define SLOWPATH_RET(r) ((long)(r) < 0 && (long)(r) >= -4095 ? (int)(long)(r) : 0)

DL_FENTRY(rwsem_down_write_slowpath, on_wait_begin(ctx, sem, LCB_F_WRITE),
	  struct rw_semaphore *sem)
DL_FEXIT(rwsem_down_write_slowpath, on_wait_end(ctx, sem, SLOWPATH_RET(dl_fexit_ret(ctx))),
	 struct rw_semaphore *sem)
DL_FENTRY(rwsem_down_read_slowpath, on_wait_begin(ctx, sem, LCB_F_READ),
	  struct rw_semaphore *sem)
DL_FEXIT(rwsem_down_read_slowpath, on_wait_end(ctx, sem, SLOWPATH_RET(dl_fexit_ret(ctx))),
	 struct rw_semaphore *sem)
DL_KPROBE(rwsem_down_write_slowpath, on_wait_begin(ctx, sem, LCB_F_WRITE), struct rw_semaphore *sem)
DL_KRETPROBE(rwsem_down_write_slowpath, on_wait_end(ctx, NULL, SLOWPATH_RET(ret)), void *ret)
DL_KPROBE(rwsem_down_read_slowpath, on_wait_begin(ctx, sem, LCB_F_READ), struct rw_semaphore *sem)
DL_KRETPROBE(rwsem_down_read_slowpath, on_wait_end(ctx, NULL, SLOWPATH_RET(ret)), void *ret)
