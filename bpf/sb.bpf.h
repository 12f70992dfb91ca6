/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Waits on a super block's sb_writers: the percpu rwsems sb_start_write(),
 * sb_start_pagefault() and sb_start_intwrite() read-take, and freeze_super()
 * write-takes. A writer sleeps there only while the filesystem is frozen or
 * being frozen, so such a wait is rare, and it is where a frozen filesystem
 * shows: every writer, and an xfs close() in xfs_free_eofblocks(), sits in
 * D state until the thaw. lock:contention_begin fires for them with
 * LCB_F_PERCPU | LCB_F_READ (__percpu_down_read, v5.19+). Included by
 * rwsem.bpf.c, whose contention programs these share.
 */
#ifndef DIOLOCK_SB_BPF_H
#define DIOLOCK_SB_BPF_H

/*
 * The super block whose s_writers.rw_sem[*level] sem is, or NULL. A
 * contention_begin only gives the pointer: it is taken for one iff the super
 * block it would belong to has a root dentry pointing back at it.
 */
static __always_inline struct super_block *dl_sb_of_writers(void *sem, __u32 *level)
{
	__u64 base = (__u64)sem - bpf_core_field_offset(struct super_block, s_writers) -
		     bpf_core_field_offset(struct sb_writers, rw_sem);
	__u64 size = bpf_core_type_size(struct percpu_rw_semaphore);

	for (__u32 i = 0; i < SB_FREEZE_LEVELS; i++) {
		struct super_block *sb = (void *)(base - i * size);

		if (BPF_CORE_READ(sb, s_root, d_sb) == sb) {
			*level = i;
			return sb;
		}
	}
	return NULL;
}

/* A record about sb (its filesystem and device), the filters applied; NULL: rejected or no room. */
static __always_inline struct dl_event *dl_reserve_sb(__u16 type, struct super_block *sb)
{
	struct dl_event *e;

	/* --ino asks about one file: a super block is none */
	if (targ_ino)
		return NULL;
	e = dl_reserve(type);
	if (!e)
		return NULL;
	dl_fs_name(sb, e->fs);
	/* the device stat(2) shows at its root: btrfs's subvolume anon_dev, as for its inodes */
	e->dev = dl_inode_dev(BPF_CORE_READ(sb, s_root, d_inode), sb, dl_fsid_of_magic(BPF_CORE_READ(sb, s_magic)),
			      DL_PROBED);
	if (!dl_fs_matches(e->fs) || (targ_dev && e->dev != targ_dev)) {
		bpf_ringbuf_discard(e, 0);
		return NULL;
	}
	e->lock_addr = (__u64)sb;
	return e;
}

/* A task starts to sleep on sem, a percpu rwsem (contention_begin, LCB_F_PERCPU | LCB_F_READ). */
static __always_inline int dl_sb_wait_begin(void *ctx, void *sem, unsigned int flags)
{
	struct sb_writers___counts *w;
	struct dl_task_ctx *tc;
	struct super_block *sb;
	struct dl_event *e;
	__u32 level = 0, user = 0, kernel = 0;

	if (dl_records_off())
		return 0;
	/* other percpu rwsems (cgroup_threadgroup_rwsem, ...) cost this test only */
	sb = dl_sb_of_writers(sem, &level);
	if (!sb)
		return 0;
	tc = dl_ctx(true);
	if (!tc) {
		dl_count(DL_CNT_MAP_FULL);
		return 0;
	}
	e = dl_reserve_sb(DL_EV_SB_WAIT_BEGIN, sb);
	if (!e)
		return 0;
	w = (void *)&sb->s_writers;
	if (bpf_core_field_exists(w->freeze_ucount)) {
		user = BPF_CORE_READ(w, freeze_ucount);
		kernel = BPF_CORE_READ(w, freeze_kcount);
	}
	dl_flush_dio(tc);	/* a wait inside a DIO (xfs's end_io transaction): its begin crosses first */
	DL_SB_WAIT_PUT(e, level, BPF_CORE_READ(sb, s_writers.frozen), user, kernel);
	e->arg = flags;
	e->flags |= DL_F_WAIT_READ;
	/* an i_rwsem of this filesystem it holds meanwhile: sb_writers is outermost (the analyzer's order check) */
	if (track_acquire)
		for (int i = 0; i < DL_MAX_HELD; i++) {
			struct inode *held = (void *)(tc->held.lock[i] - bpf_core_field_offset(struct inode, i_rwsem));

			if (tc->held.lock[i] && BPF_CORE_READ(held, i_sb) == sb) {
				DL_SB_HELD_PUT(e, BPF_CORE_READ(held, i_ino), tc->held.mode[i]);
				break;
			}
		}
	dl_stack(ctx, e);
	tc->wait.lock = (__u64)sem;
	tc->wait.flags = flags | DL_WAIT_VIA_SB;
	tc->wait.sb = (__u64)sb;
	tc->wait.ts = e->hdr.ts_ns;
	tc->wait.emitted = 1;
	tc->wait.deferred = 0;
	__sync_fetch_and_add(&dl_sb_waits, 1);
	dl_submit(e);
	return 0;
}

static __always_inline int dl_sb_wait_end(struct dl_wait *w, int ret)
{
	struct dl_event *e = dl_reserve_sb(DL_EV_SB_WAIT_END, (void *)w->sb);

	w->lock = 0;
	__sync_fetch_and_add(&dl_sb_waits, -1);
	if (!e)
		return 0;
	e->ret = ret;
	e->len = e->hdr.ts_ns - w->ts;
	dl_submit(e);
	return 0;
}

#endif /* DIOLOCK_SB_BPF_H */
