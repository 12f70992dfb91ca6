/* SPDX-License-Identifier: GPL-2.0 */
/* The filters every subcommand takes: --pid PID, -c COMM, --fs, --dev, --ino, --cgroup. */
#ifndef DIOLOCK_FILTER_H
#define DIOLOCK_FILTER_H

#include <stdbool.h>
#include <linux/types.h>
#include "diolock/event.h"
#include "lib/cgroups.h"

struct dl_filter {
	__u32 tgid;		/* 0: any process */
	__u32 dev;		/* kernel dev_t encoding, 0: any */
	__u64 ino;		/* 0: any */
	char fs[DL_FS_LEN];	/* "": any */
	char comm[DL_COMM_LEN];	/* "": any (checked in user space) */
	char cgroup[DL_CGROUP_PATH_LEN];	/* "": any; live runs only: its path on the cgroup2 mount */
	__u64 cgroup_id;	/* its id, found by dl_filter_resolve_cgroup */
};

/* Kernel dev_t <-> MAJ:MIN (include/linux/kdev_t.h: 12 bits major, 20 minor). */
#define DL_DEV_MAJOR(d) ((unsigned int)((d) >> 20))
#define DL_DEV_MINOR(d) ((unsigned int)((d) & 0xfffff))
#define DL_MKDEV(ma, mi) ((__u32)(((ma) << 20) | (mi)))
/* "MAJ:MIN", as users see a device */
void dl_fmt_dev(__u32 dev, char *buf, size_t len);

/*
 * Parse one filter option's argument into f. Returns 0, or -EINVAL with a
 * one-line reason in err.
 */
int dl_filter_parse(struct dl_filter *f, int key, const char *arg, char *err, size_t errlen);
int dl_parse_u64(const char *s, __u64 max, __u64 *out);
bool dl_filter_match_comm(const struct dl_filter *f, const char *comm);
/*
 * Live runs: a filter that cannot match on this system is refused (a PID no
 * process has, a filesystem type the kernel does not know, a device no block
 * device or mount has), so a typo does not silently watch nothing. Not for
 * replay: a recording comes from another machine. 0, or -errno with a reason.
 */
int dl_filter_check_system(const struct dl_filter *f, char *err, size_t errlen);
/* A live run's --cgroup: the directory checked, its id found, its path made the mount's. 0, or -errno. */
int dl_filter_resolve_cgroup(struct dl_filter *f, char *err, size_t errlen);
/* The whole filter in user space (replay): what BPF checks live, plus comm. */
bool dl_filter_match_event(const struct dl_filter *f, const struct dl_event *e);

/* argp keys shared by the subcommands that take filters. */
enum {
	DL_OPT_COMM = 'c',
	DL_OPT_FS = 0x100,
	DL_OPT_PID,		/* -p until 0.1; -p is --pretty now (main.c) */
	DL_OPT_DEV,
	DL_OPT_INO,
	DL_OPT_CGROUP,
};

#define DL_FILTER_ARGP_OPTIONS						\
	{ "pid", DL_OPT_PID, "PID", 0, "Only this process (tgid)", 1 },	\
	{ "comm", DL_OPT_COMM, "COMM", 0, "Only tasks with this command name", 1 }, \
	{ "fs", DL_OPT_FS, "NAME", 0, "Only this filesystem type (btrfs, xfs, ext4, ...)", 1 }, \
	{ "dev", DL_OPT_DEV, "MAJ:MIN", 0, "Only inodes on this device", 1 }, \
	{ "ino", DL_OPT_INO, "N", 0, "Only this inode number", 1 }, \
	{ "cgroup", DL_OPT_CGROUP, "PATH", 0, "Only tasks in this cgroup v2 directory or below it", 1 }

#define DL_IS_FILTER_KEY(k) ((k) == DL_OPT_PID || (k) == DL_OPT_COMM || (k) == DL_OPT_FS || \
			     (k) == DL_OPT_DEV || (k) == DL_OPT_INO || (k) == DL_OPT_CGROUP)

#endif
