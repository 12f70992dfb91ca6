/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The filesystems' locking rules, once, for BPF and user space alike: BPF
 * folds a completion it judges benign, and the analyzer reports the ones
 * that cross, and both must agree on what "benign" is. Sources: Debian
 * 6.1's fs/ext4/file.c, fs/xfs/xfs_file.c, fs/btrfs/file.c and v6.15+'s
 * fs/btrfs/direct-io.c; each rule below names the functions it rests on.
 */
#ifndef DIOLOCK_RULES_H
#define DIOLOCK_RULES_H

#ifndef __BPF__
#include <stdbool.h>
#include <linux/types.h>
#endif

/* super_block->s_magic (include/uapi/linux/magic.h): an integer identity on the hot path. */
#define DL_EXT4_SUPER_MAGIC	0xEF53
#define DL_XFS_SUPER_MAGIC	0x58465342
#define DL_BTRFS_SUPER_MAGIC	0x9123683E

enum dl_fsid {
	DL_FSID_OTHER = 0,
	DL_FSID_EXT4,
	DL_FSID_XFS,
	DL_FSID_BTRFS,
	DL_FSID_MAX,
};

static inline __u8 dl_fsid_of_magic(__u64 magic)
{
	switch (magic) {
	case DL_EXT4_SUPER_MAGIC: return DL_FSID_EXT4;	/* ext2/ext3 share it: all ext4.ko today */
	case DL_XFS_SUPER_MAGIC: return DL_FSID_XFS;
	case DL_BTRFS_SUPER_MAGIC: return DL_FSID_BTRFS;
	default: return DL_FSID_OTHER;
	}
}

#ifndef __BPF__
/* The name a record built from a fsid gives its filesystem ("?": another). */
static inline const char *dl_fsid_name(__u8 fsid)
{
	static const char *const names[DL_FSID_MAX] = {
		[DL_FSID_OTHER] = "?", [DL_FSID_EXT4] = "ext4", [DL_FSID_XFS] = "xfs", [DL_FSID_BTRFS] = "btrfs",
	};

	return names[fsid < DL_FSID_MAX ? fsid : DL_FSID_OTHER];
}

/* The group a fsid's DIO counters are shown under: "other" is every other filesystem. */
static inline const char *dl_fsid_group(__u8 fsid)
{
	return fsid == DL_FSID_OTHER || fsid >= DL_FSID_MAX ? "other" : dl_fsid_name(fsid);
}
#endif

/*
 * ext4, xfs and btrfs hold i_rwsem (shared or exclusive) around every
 * iomap_dio_rw/__iomap_dio_rw call, reads and writes alike (ext4_dio_*_iter,
 * xfs_file_dio_*, btrfs_direct_*): a synchronous DIO's submitter that finds
 * the lock read-held is one of its readers, whatever the reader hint names.
 */
static inline bool dl_fs_holds_across_dio(__u8 fsid)
{
	return fsid == DL_FSID_EXT4 || fsid == DL_FSID_XFS || fsid == DL_FSID_BTRFS;
}

/* Severities, shared with the analyzer's enum an_severity. */
#define DL_SEV_INFO	0
#define DL_SEV_WARNING	1
#define DL_SEV_ERROR	2

/* Why a DIO completion under its task's i_rwsem has the severity it has. */
enum dl_complete_reason {
	DL_CR_NONE = 0,
	DL_CR_NOT_DSYNC,		/* no fsync runs in the completion */
	DL_CR_SYNC_NO_RWSEM,		/* ext4_sync_file, xfs_file_fsync take no i_rwsem */
	DL_CR_UNKNOWN_FS,		/* a DSYNC completion on a filesystem not known here */
	DL_CR_BTRFS_STUB_INFERRED,	/* tracepoint tier: btrfs synced under the lock and finished */
	DL_CR_BTRFS_NOSYNC,		/* btrfs: no fsync ran (FUA write-through, or not DSYNC) */
	DL_CR_BTRFS_STUB_SEEN,		/* function tiers: journal_info holds the DIO-write stub */
	DL_CR_BTRFS_NO_STUB,		/* function tiers: btrfs_sync_file will take our own i_rwsem */
	DL_CR_MAX,
};

/*
 * At the end of the completion (the iomap tracepoint fires after the fsync):
 * `synced` says a btrfs_sync_file began in this DIO while the task held the lock.
 */
static inline __u8 dl_complete_reason_at_end(__u8 fsid, bool dsync, bool synced)
{
	if (fsid == DL_FSID_BTRFS)
		return synced ? DL_CR_BTRFS_STUB_INFERRED : DL_CR_BTRFS_NOSYNC;
	if (!dsync)
		return DL_CR_NOT_DSYNC;
	if (fsid == DL_FSID_EXT4 || fsid == DL_FSID_XFS)
		return DL_CR_SYNC_NO_RWSEM;
	return DL_CR_UNKNOWN_FS;
}

/* At iomap_dio_complete() entry (fentry/kprobe): the fsync has not run, the stub is visible. */
static inline __u8 dl_complete_reason_at_entry(__u8 fsid, bool dsync, bool need_sync, bool stub)
{
	if (fsid == DL_FSID_BTRFS)
		return !need_sync ? DL_CR_BTRFS_NOSYNC : stub ? DL_CR_BTRFS_STUB_SEEN : DL_CR_BTRFS_NO_STUB;
	return dl_complete_reason_at_end(fsid, dsync, false);
}

/* `exact`: the hold was read from owner == current or from acquisition tracking, not a hint. */
static inline __u8 dl_complete_severity(__u8 reason, bool exact)
{
	if (reason == DL_CR_BTRFS_NO_STUB)
		/* on a hinted hold, the fsync's own wait decides (self_deadlock, confirmed) */
		return exact ? DL_SEV_ERROR : DL_SEV_WARNING;
	return reason == DL_CR_UNKNOWN_FS ? DL_SEV_WARNING : DL_SEV_INFO;
}

/*
 * btrfs_sync_file sees the DIO-write stub though its task does not hold the
 * inode's i_rwsem (another task's stub: the race cd9253c23aed fixed). Certain
 * when holds are tracked (@exact), when nobody holds the lock (@lock_free),
 * or when another task holds it for write (@lock_written, and not @held):
 * the lock names its writer, and a task that is not it holds no part of it.
 */
static inline bool dl_sync_skips_unheld(bool stub, bool held, bool exact, bool lock_free, bool lock_written)
{
	return stub && !held && (exact || lock_free || lock_written);
}

#endif /* DIOLOCK_RULES_H */
