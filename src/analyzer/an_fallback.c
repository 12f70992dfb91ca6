// SPDX-License-Identifier: GPL-2.0
/* dio_fallback_buffered: an O_DIRECT write that went through the page cache, and why. */
#include <string.h>
#include "analyzer/an_internal.h"

/*
 * Why an O_DIRECT write that succeeded never reached iomap, per filesystem
 * (checked against Debian 6.1's fs/{btrfs,xfs,ext4}/file.c and btrfs's direct-io.c of v6.15+).
 */
static const char NOTE_FB_BTRFS_CSUM[] =
	"btrfs inode has data checksums: since v6.15 (968f19c5b1b7) btrfs writes O_DIRECT "
	"through the page cache unless the inode is nodatasum/NOCOW";
static const char NOTE_FB_BTRFS_UNALIGNED[] =
	"not aligned to the btrfs sector size: btrfs_direct_write (check_direct_IO) writes it "
	"through the page cache";
static const char NOTE_FB_XFS_UNALIGNED[] =
	"not aligned to the xfs block: on a reflink/CoW inode xfs_file_dio_write_unaligned "
	"returns -ENOTBLK and xfs writes it buffered";
static const char NOTE_FB_EXT4[] =
	"ext4_should_use_dio() refused direct I/O (data=journal, inline data, verity or "
	"encryption) or iomap returned -ENOTBLK: ext4 wrote it buffered";
static const char NOTE_FB_OTHER[] =
	"the write went through the page cache, not iomap's direct I/O path (iomap's -ENOTBLK after "
	"a page-cache invalidation failure is written buffered)";
static const char NOTE_FB_GAVE_UP[] =
	"the write entered iomap's direct I/O path, which gave up (-ENOTBLK or a short write), and "
	"the filesystem wrote it, or its rest, through the page cache";

/*
 * Filesystems whose O_DIRECT writes go through iomap_dio_rw; elsewhere (block
 * devices, other filesystems' own DIO code) "never reached iomap" says nothing.
 */
static bool iomap_dio_fs(const char *fs)
{
	static const char *const names[] = { "ext4", "xfs", "btrfs", "f2fs", "gfs2", "zonefs" };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (an_is_fs(fs, names[i]))
			return true;
	return false;
}

static const char *fallback_note(const struct dl_event *e)
{
	bool unaligned = e->flags & DL_F_UNALIGNED;

	/* dirtying the page cache after iomap (DL_F_BUFFERED records only) */
	if ((e->flags & DL_F_BUFFERED) && (e->flags & DL_F_IOMAP))
		return an_is_fs(e->fs, "xfs") && unaligned ? NOTE_FB_XFS_UNALIGNED : NOTE_FB_GAVE_UP;

	if (an_is_fs(e->fs, "btrfs")) {
		if ((e->flags & DL_F_FS_FLAGS) && !(e->flags & DL_F_NODATASUM))
			return NOTE_FB_BTRFS_CSUM;
		return unaligned ? NOTE_FB_BTRFS_UNALIGNED : NOTE_FB_OTHER;
	}
	if (an_is_fs(e->fs, "xfs") && unaligned)
		return NOTE_FB_XFS_UNALIGNED;
	if (an_is_fs(e->fs, "ext4"))
		return NOTE_FB_EXT4;
	return NOTE_FB_OTHER;
}

void an_on_direct_write(struct analyzer *an, const struct dl_event *e)
{
	const char *note;
	size_t i;

	/*
	 * A record that saw the write dirty the page cache is a fallback; an
	 * older recording's was sent at every O_DIRECT write's return and says
	 * whether it reached iomap and succeeded.
	 */
	if (!(e->flags & DL_F_BUFFERED) && ((e->flags & DL_F_IOMAP) || e->ret <= 0))
		return;
	if (!iomap_dio_fs(e->fs))
		return;
	note = fallback_note(e);
	an_raise(an, AN_DIO_FALLBACK, AN_INFO, true, e, DL_LOCK_NONE, note);
	for (i = 0; i < an->nfallbacks; i++)
		if (!strncmp(an->fallbacks[i].fs, e->fs, DL_FS_LEN))
			break;
	if (i == an->nfallbacks) {
		if (i == sizeof(an->fallbacks) / sizeof(an->fallbacks[0]))
			return;
		memcpy(an->fallbacks[i].fs, e->fs, DL_FS_LEN);
		an->fallbacks[i].fs[DL_FS_LEN - 1] = '\0';
		an->nfallbacks++;
	}
	an->fallbacks[i].count++;
}
