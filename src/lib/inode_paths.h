/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The paths of the inodes findings name. A live run resolves them (see
 * src/live/pathres.c) and records them as EVF_PATH records, so a replay
 * names the same files without looking at a filesystem that may be gone.
 */
#ifndef DIOLOCK_INODE_PATHS_H
#define DIOLOCK_INODE_PATHS_H

#include <stdbool.h>
#include <linux/types.h>

#define INODE_PATHS_MAX 256	/* findings name few inodes; past this, paths are dropped and counted */

struct inode_path {
	__u32 dev;
	__u64 ino;
	char *path;
};

struct inode_paths {
	struct inode_path e[INODE_PATHS_MAX];
	int n;
	__u64 dropped;
};

/* The path of (dev, ino), or NULL when none is known. */
const char *inode_paths_get(const struct inode_paths *p, __u32 dev, __u64 ino);
/* Remember a path; the first one known for an inode stays. False if it was not kept. */
bool inode_paths_set(struct inode_paths *p, __u32 dev, __u64 ino, const char *path);
void inode_paths_free(struct inode_paths *p);

#endif
