// SPDX-License-Identifier: GPL-2.0
/*
 * Filesystem fsync entry and exit. A sync that starts while the task holds
 * the inode's i_rwsem is where the O_DSYNC self-deadlock happens: btrfs's
 * fsync takes i_rwsem unless the DIO-write stub tells it not to. Only the
 * function tiers see the stub in journal_info: btrfs clears it before its
 * tracepoint fires. Where btrfs kept it on the file instead (v6.10 until
 * cd9253c23aed), every tier sees it, as does every task sharing the file.
 *
 * A routine fsync sends nothing: one inside the task's own DIO, under the
 * lock, is noted in the DIO's context (it tells a stub-protected btrfs
 * completion from one that ran no fsync) and crosses only with that DIO
 * (dl_flush_dio). It crosses at once when it is about to deadlock, or when
 * btrfs sees the stub on a lock the task does not hold.
 */
#include "diolock.bpf.h"

static __always_inline bool holds_lock(struct inode *inode, const struct dl_dio_ctx *d, __u8 fsid,
				       struct dl_rwsem_state *st, bool *exact)
{
	__u64 lock = (__u64)&inode->i_rwsem;
	struct dl_task_ctx *tc;

	dl_read_rwsem(inode, st, DL_PROBED);
	*exact = true;
	if (track_acquire) {
		tc = dl_ctx(false);
		for (int i = 0; tc && i < DL_MAX_HELD; i++)
			if (tc->held.lock[i] == lock)
				return true;
		return false;
	}
	if (st->cur_holds == DL_HOLD_WRITE)
		return true;
	*exact = false;
	if (st->cur_holds == DL_HOLD_READ_HINT)
		return true;
	return d && d->lock.mode == DL_LOCK_READ && st->mode == DL_LOCK_READ && dl_fs_holds_across_dio(fsid);
}

/*
 * @jflags: what the hook saw of btrfs's DIO-write stub (dl_stub_flags), 0
 * where it cannot tell (ext4, the returns).
 */
static __always_inline int emit_sync(void *ctx, __u16 type, struct inode *inode, __u32 jflags, int arg,
				     long ret, bool btf)
{
	struct dl_rwsem_state st = {};
	bool held, exact, stub, now;
	struct dl_task_ctx *tc;
	struct dl_dio_ctx *d;
	struct dl_ino_id id;
	struct dl_event *e;

	if (!inode || dl_task_filtered() || !dl_ino_id(inode, &id, btf))
		return 0;
	tc = dl_ctx(false);
	d = tc && tc->dio.inode == (__u64)inode ? &tc->dio : NULL;
	stub = jflags & DL_F_STUB;
	if (type == DL_EV_SYNC_END) {
		now = dl_stream_all() || (d && d->sync_emitted);
	} else if (dl_stream_all()) {
		now = true;
	} else if (dl_records_off()) {
		return 0;
	} else {
		held = holds_lock(inode, d, id.fsid, &st, &exact);
		if (held && d && !d->synced) {
			d->synced = 1;
			d->sync_emitted = 0;
			d->sync_ts = bpf_ktime_get_ns();
			d->sync_arg = arg;
			d->sync_flags = jflags;
			d->sync_lock = st;
		}
		/*
		 * At once: btrfs_sync_file about to take the i_rwsem its task holds
		 * (no stub), or the stub on a lock the task does not hold.
		 * Otherwise with its DIO, if that crossed.
		 */
		now = (id.fsid == DL_FSID_BTRFS && (jflags & DL_F_JINFO) &&
		       ((held && !stub) || dl_sync_skips_unheld(stub, held, exact, st.mode == DL_LOCK_NONE,
							     st.mode == DL_LOCK_WRITE))) ||
		      (d && d->emitted);
		if (now && d && held)
			dl_flush_dio(tc);
		if (d && d->sync_emitted)
			return 0;	/* dl_flush_dio sent it */
		if (d && held)
			d->sync_emitted = now;
	}
	if (!now)
		return 0;
	e = dl_reserve_inode(type, inode, btf);
	if (!e)
		return 0;
	e->arg = arg;
	e->ret = ret;
	e->flags |= jflags;
	if (type == DL_EV_SYNC_BEGIN && !dl_stream_all())
		dl_stack(ctx, e);
	dl_submit(e);
	return 0;
}

static __always_inline int sync_enter_probe(void *ctx, struct file *file, int datasync, bool btrfs)
{
	struct inode *inode = BPF_CORE_READ(file, f_inode);

	dl_stash(DL_STASH_SYNC, (__u64)inode);
	return emit_sync(ctx, DL_EV_SYNC_BEGIN, inode, btrfs ? dl_stub_flags(file, true) : 0, datasync, 0, false);
}

/*
 * the programs' `btf` (DL_TRACEPOINT, DL_FENTRY, ...): a plain load where the
 * file is typed. Debian's 6.12 verifier types a module tracepoint's pointer
 * argument as maybe NULL (trusted_ptr_or_null) and refuses the load before a
 * test: without it the tp_btf programs were refused and reloaded as raw_tp,
 * two reloads of ~18 s each under TCG.
 */
#define FILE_INODE(f) ((f) ? DL_RD(btf, f, f_inode) : NULL)

/* btrfs_sync_file clears journal_info before its tracepoint: only a per-file stub is left to see */
DL_TRACEPOINT(btrfs_sync_file,
	      emit_sync(ctx, DL_EV_SYNC_BEGIN, FILE_INODE(file), file ? dl_stub_flags((void *)file, false) : 0,
			datasync, 0, btf),
	      const struct file *file, int datasync)
DL_TRACEPOINT(ext4_sync_file_enter,
	      emit_sync(ctx, DL_EV_SYNC_BEGIN, FILE_INODE(file), 0, datasync, 0, btf),
	      struct file *file, int datasync)
DL_TRACEPOINT(ext4_sync_file_exit, emit_sync(ctx, DL_EV_SYNC_END, inode, 0, 0, ret, btf),
	      struct inode *inode, int ret)

DL_FENTRY(btrfs_sync_file,
	  emit_sync(ctx, DL_EV_SYNC_BEGIN, FILE_INODE(file), dl_stub_flags(file, true), datasync, 0, btf),
	  struct file *file, loff_t start, loff_t end, int datasync)
DL_FEXIT(btrfs_sync_file, emit_sync(ctx, DL_EV_SYNC_END, FILE_INODE(file), 0, datasync, ret, btf),
	 struct file *file, loff_t start, loff_t end, int datasync, int ret)
DL_KPROBE(btrfs_sync_file, sync_enter_probe(ctx, file, datasync, true),
	  struct file *file, loff_t start, loff_t end, int datasync)
DL_KRETPROBE(btrfs_sync_file,
	     emit_sync(ctx, DL_EV_SYNC_END, (void *)dl_unstash(DL_STASH_SYNC), 0, 0, ret, btf), int ret)

DL_FENTRY(ext4_sync_file, emit_sync(ctx, DL_EV_SYNC_BEGIN, FILE_INODE(file), 0, datasync, 0, btf),
	  struct file *file, loff_t start, loff_t end, int datasync)
DL_FEXIT(ext4_sync_file, emit_sync(ctx, DL_EV_SYNC_END, FILE_INODE(file), 0, datasync, ret, btf),
	 struct file *file, loff_t start, loff_t end, int datasync, int ret)
DL_KPROBE(ext4_sync_file, sync_enter_probe(ctx, file, datasync, false),
	  struct file *file, loff_t start, loff_t end, int datasync)
DL_KRETPROBE(ext4_sync_file,
	     emit_sync(ctx, DL_EV_SYNC_END, (void *)dl_unstash(DL_STASH_SYNC), 0, 0, ret, btf), int ret)
