/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Best-effort names for reports: a device number -> its device (and, for
 * loop devices, the backing file), an inode -> a path. Results, misses
 * included, are cached: a report asks again and again for the same few.
 */
#ifndef DIOLOCK_PATHRES_H
#define DIOLOCK_PATHRES_H

#include <linux/types.h>

struct pathres;

struct pathres *pathres_new(void);
void pathres_free(struct pathres *pr);

/*
 * dev in the kernel's encoding (major << 20 | minor), as records carry it.
 * "/dev/loop0 (/tmp/x.img)", "/dev/sda1", or "unknown".
 */
const char *pathres_dev(struct pathres *pr, __u32 dev);
/* Where the filesystem of dev is mounted, or NULL. */
const char *pathres_mountpoint(struct pathres *pr, __u32 dev);
/*
 * A path of inode ino on dev, or "unknown". First the open files of
 * pid_hint (0: none), a task seen using the inode, then a walk of the
 * mount bounded in entries and time (PATHRES_SCAN_*).
 */
const char *pathres_inode(struct pathres *pr, __u32 dev, __u64 ino, __u32 pid_hint);

/*
 * Only the open files of pid: cheap enough between two ring-buffer polls.
 * NULL on a miss, which is not cached (pathres_inode may find it later).
 */
const char *pathres_inode_open(struct pathres *pr, __u32 dev, __u64 ino, __u32 pid);

/* The name (/proc/PID/comm) of process pid, or "exited"; cached. */
const char *pathres_comm(struct pathres *pr, __u32 pid);

/* A cgroup v2 id's path on the cgroup2 mount ("/" the root), or "unknown" (gone, or no cgroup2). */
const char *pathres_cgroup(struct pathres *pr, __u64 id);

#define PATHRES_SCAN_ENTRIES 200000
#define PATHRES_SCAN_MS 2000

#endif
