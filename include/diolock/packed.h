/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Records that reuse struct dl_event's fields for another meaning, and the
 * only code that reads and writes them that way (BPF, the analyzer, trace,
 * tests): the bytes stay those every recording has. Included by event.h
 * after struct dl_event.
 */
#ifndef DIOLOCK_PACKED_H
#define DIOLOCK_PACKED_H

/*
 * An ORDER_EDGE's other end, the lock its task already held ("from"), lives
 * in fields a DIO record uses otherwise. These two are the only reading and
 * writing of them (BPF, the analyzer, trace, tests): the bytes stay those
 * every recording has.
 */
struct dl_order_from {
	__u64 ino;		/* in pos */
	__u32 dev;		/* in arg */
	__u8 fsid;		/* in ki_flags bits 0-7: enum dl_fsid */
	__u8 mode;		/* ... 8-15: enum dl_lock_mode it is held in */
	__u8 kind;		/* ... 16-23: enum dl_lock_kind */
	__u8 to_kind;		/* ... 24-31: the kind of the lock taken (the record's own inode) */
	__u64 lock;		/* in len: the held lock's address */
	__u64 gate;		/* in ret: a lock held over both that orders them (0 none) */
};

/*
 * Writes struct dl_order_from's fields into an ORDER_EDGE. A macro, so that
 * each value is computed where it is stored: a struct built first keeps all
 * of them live at once, 11 more BPF instructions on the hot acquisition hooks.
 */
#define DL_ORDER_FROM_PUT(e, ino_, dev_, fsid_, mode_, kind_, to_kind_, lock_, gate_)			\
	do {												\
		(e)->pos = (__s64)(ino_);								\
		(e)->arg = (dev_);									\
		(e)->ki_flags = (__u64)(fsid_) | (__u64)(mode_) << 8 | (__u64)(kind_) << 16 |		\
				(__u64)(to_kind_) << 24;						\
		(e)->len = (lock_);									\
		(e)->ret = (__s64)(gate_);								\
	} while (0)

static inline void dl_order_from_put(struct dl_event *e, const struct dl_order_from *f)
{
	DL_ORDER_FROM_PUT(e, f->ino, f->dev, f->fsid, f->mode, f->kind, f->to_kind, f->lock, f->gate);
}

static inline struct dl_order_from dl_order_from_get(const struct dl_event *e)
{
	return (struct dl_order_from){
		.ino = (__u64)e->pos, .dev = e->arg,
		.fsid = (__u8)e->ki_flags, .mode = (__u8)(e->ki_flags >> 8),
		.kind = (__u8)(e->ki_flags >> 16), .to_kind = (__u8)(e->ki_flags >> 24),
		.lock = e->len, .gate = (__u64)e->ret,
	};
}

/*
 * An SB_WAIT_BEGIN's freeze state, in fields an I/O record uses otherwise;
 * read and written only through these two.
 */
struct dl_sb_wait {
	__u8 level;		/* in pos: 0 SB_FREEZE_WRITE, 1 _PAGEFAULT, 2 _FS (sb_start_intwrite) */
	__u8 frozen;		/* in len: sb->s_writers.frozen: 0 unfrozen ... 4 SB_FREEZE_COMPLETE */
	__u32 user_freezes;	/* in ret bits 32-63: freeze_ucount (v6.6+; 0 before) */
	__u32 kernel_freezes;	/* ... bits 0-31: freeze_kcount */
	/*
	 * Function tiers: an i_rwsem of this super block the waiter holds (its
	 * inode number, 0: none; in ki_flags bits 0-55) and how (enum
	 * dl_lock_mode, bits 56-63): sb_writers is outermost.
	 */
	__u64 held_ino;
	__u8 held_mode;
};

#define DL_SB_WAIT_PUT(e, level_, frozen_, user_, kernel_)					\
	do {											\
		(e)->pos = (level_);								\
		(e)->len = (frozen_);								\
		(e)->ret = (__s64)((__u64)(user_) << 32 | (__u32)(kernel_));			\
	} while (0)

#define DL_SB_HELD_PUT(e, ino_, mode_) ((e)->ki_flags = ((__u64)(ino_) & ((1ULL << 56) - 1)) | (__u64)(mode_) << 56)

static inline struct dl_sb_wait dl_sb_wait_get(const struct dl_event *e)
{
	return (struct dl_sb_wait){
		.level = (__u8)e->pos, .frozen = (__u8)e->len,
		.user_freezes = (__u32)((__u64)e->ret >> 32), .kernel_freezes = (__u32)e->ret,
		.held_ino = e->ki_flags & ((1ULL << 56) - 1), .held_mode = (__u8)(e->ki_flags >> 56),
	};
}

#endif /* DIOLOCK_PACKED_H */
