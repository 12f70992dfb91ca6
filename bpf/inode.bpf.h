/* SPDX-License-Identifier: GPL-2.0 */
/*
 * An inode's identity as records carry it (device, inode number,
 * filesystem), the filters applied on the way. Included by diolock.bpf.h.
 */
#ifndef DIOLOCK_INODE_BPF_H
#define DIOLOCK_INODE_BPF_H

static __always_inline bool dl_fs_matches(const char *fs)
{
	if (!targ_fs[0])
		return true;
	for (int i = 0; i < DL_FS_LEN; i++) {
		if (fs[i] != targ_fs[i])
			return false;
		if (!fs[i])
			break;
	}
	return true;
}

/*
 * The device users see in stat(2). btrfs gives each subvolume its own
 * anonymous device (btrfs_getattr), which is not the superblock's s_dev.
 */
static __always_inline __u32 dl_inode_dev(struct inode *inode, struct super_block *sb, __u8 fsid, bool btf)
{
	struct btrfs_inode *bi;
	__u64 addr = (__u64)inode;
	__u32 dev;

	if (bpf_core_type_exists(struct btrfs_inode) && fsid == DL_FSID_BTRFS) {
		/* container_of on a BTF pointer is not allowed: go through its value */
		if (btf)
			bpf_probe_read_kernel(&addr, sizeof(addr), &addr);
		bi = (void *)(addr - bpf_core_field_offset(struct btrfs_inode, vfs_inode));
		dev = BPF_CORE_READ(bi, root, anon_dev);
		if (dev)
			return dev;
	}
	return DL_RD(btf, sb, s_dev);
}


/* An inode as the hot path knows it: integers only, the filters applied. */
struct dl_ino_id {
	__u64 ino;
	__u32 dev;
	__u8 fsid;		/* enum dl_fsid */
};

/*
 * A one-entry cache per CPU of a super block's filesystem name: a busy run
 * names one or two. Static: each object file keeps its own, and user space
 * never sees it.
 */
struct dl_fs_name_slot {
	__u64 sb;		/* struct super_block *; 0: empty or being written */
	char name[DL_FS_LEN];
};
static struct dl_fs_name_slot dl_fs_names[DL_MAX_CPUS];

/* sb->s_type->name, the string read only when this CPU last named another super block. */
static __always_inline void dl_fs_name(struct super_block *sb, char fs[DL_FS_LEN])
{
	struct dl_fs_name_slot *c = &dl_fs_names[bpf_get_smp_processor_id() & (DL_MAX_CPUS - 1)];

	if (c->sb == (__u64)sb) {
		__builtin_memcpy(fs, c->name, DL_FS_LEN);
		/* a program nested on this CPU may have refilled the slot meanwhile */
		asm volatile("" ::: "memory");
		if (c->sb == (__u64)sb)
			return;
	}
	bpf_probe_read_kernel_str(fs, DL_FS_LEN, BPF_CORE_READ(sb, s_type, name));
	c->sb = 0;
	asm volatile("" ::: "memory");
	__builtin_memcpy(c->name, fs, DL_FS_LEN);
	asm volatile("" ::: "memory");
	c->sb = (__u64)sb;
}

static __always_inline bool dl_fs_name_matches(struct super_block *sb)
{
	char fs[DL_FS_LEN];

	dl_fs_name(sb, fs);
	return dl_fs_matches(fs);
}

/* false when the filters reject the inode (rodata tests first: the verifier drops unset ones). */
static __always_inline bool dl_ino_id(struct inode *inode, struct dl_ino_id *id, bool btf)
{
	struct super_block *sb = DL_RD(btf, inode, i_sb);

	id->ino = DL_RD(btf, inode, i_ino);
	if (targ_ino && id->ino != targ_ino)
		return false;
	if (targ_fs[0] && !dl_fs_name_matches(sb))
		return false;
	id->fsid = dl_fsid_of_magic(DL_RD(btf, sb, s_magic));
	id->dev = dl_inode_dev(inode, sb, id->fsid, btf);
	return !(targ_dev && id->dev != targ_dev);
}


/*
 * The identity part of a record (with the filesystem's name); false
 * when the filters reject the inode. The caller then discards the record.
 * `btf`: inode is a BTF-typed pointer (plain loads), as in DL_RD.
 */
static __always_inline bool dl_read_ident(struct inode *inode, __u64 *ino, char fs[DL_FS_LEN], __u32 *dev,
					      bool btf)
{
	struct super_block *sb = DL_RD(btf, inode, i_sb);

	*ino = DL_RD(btf, inode, i_ino);
	if (targ_ino && *ino != targ_ino)
		return false;
	dl_fs_name(sb, fs);
	if (!dl_fs_matches(fs))
		return false;
	*dev = dl_inode_dev(inode, sb, dl_fsid_of_magic(DL_RD(btf, sb, s_magic)), btf);
	return !(targ_dev && *dev != targ_dev);
}


static __always_inline bool dl_fill_ident(struct dl_event *e, struct inode *inode, bool btf)
{
	if (!dl_read_ident(inode, &e->ino, e->fs, &e->dev, btf))
		return false;
	e->lock_addr = (__u64)&inode->i_rwsem;
	return true;
}


/* The inode part of a record, with the lock's state now. */
static __always_inline bool dl_fill_inode(struct dl_event *e, struct inode *inode, bool btf)
{
	if (!dl_fill_ident(e, inode, btf))
		return false;
	dl_rwsem_state(inode, &e->lock, btf);
	dl_rwsem_holder(&e->lock);
	if (track_acquire)
		dl_exact_holds(e);
	return true;
}


#endif /* DIOLOCK_INODE_BPF_H */
