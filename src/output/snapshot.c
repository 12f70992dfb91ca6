// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "output/event_fmt.h"
#include "lib/filter.h"
#include "output/snapshot.h"

void st_snap_free(struct st_snap *snap)
{
	free(snap->hists);
	free(snap->tasks);
	free(snap->fsdio);
	free(snap->punts);
	memset(snap, 0, sizeof(*snap));
}

const char *st_wait_tier(const struct st_run *run)
{
	return dl_tier_name(run->tier[DL_HOOK_WAIT_BEGIN]);
}

__u32 st_pid_hint(const struct st_snap *snap, __u32 dev, __u64 ino)
{
	for (size_t i = 0; i < snap->ntasks; i++)
		if (snap->tasks[i].key.dev == dev && snap->tasks[i].key.ino == ino)
			return snap->tasks[i].key.tid;
	return 0;
}

const char *st_kind_title(enum dl_hist_kind k)
{
	switch (k) {
	case DL_HIST_WAIT_READ:
		return "i_rwsem wait, read mode";
	case DL_HIST_WAIT_WRITE:
		return "i_rwsem wait, write mode";
	case DL_HIST_HOLD_READ:
		return "i_rwsem hold, read mode";
	case DL_HIST_HOLD_WRITE:
		return "i_rwsem hold, write mode";
	case DL_HIST_DIO_LOCKED:
		return "DIO submit -> complete, completion under i_rwsem";
	case DL_HIST_DIO_UNLOCKED:
		return "DIO submit -> complete, completion without i_rwsem";
	case DL_HIST_MMAP_WAIT_READ:
		return "mmap_lock wait, read mode";
	case DL_HIST_MMAP_WAIT_WRITE:
		return "mmap_lock wait, write mode";
	case DL_HIST_MMAP_HOLD_WRITE:
		return "mmap_lock hold, write mode";
	default:
		return "unknown";
	}
}

const char *st_mmap_comm(const struct dl_hist_key *k, struct pathres *pr)
{
	/* BPF reads it while the process lives; older recordings do not have it */
	return k->comm[0] ? k->comm : pathres_comm(pr, (__u32)k->ino);
}

void st_key_label(char *buf, size_t len, const struct st_snap *snap, const struct dl_hist_key *k,
		  enum dl_stat_by by, struct pathres *pr)
{
	char dev[24];

	dl_fmt_dev(k->dev, dev, sizeof(dev));
	if (by == DL_BY_INODE && hist_kind_is_mmap(k->kind)) {
		snprintf(buf, len, "mmap_lock of pid %llu (%.16s)", (unsigned long long)k->ino, st_mmap_comm(k, pr));
		return;
	}
	switch (by) {
	case DL_BY_INODE:
		snprintf(buf, len, "%.16s %s ino %llu %s [%s]", k->fs, dev, (unsigned long long)k->ino,
			 pathres_inode(pr, k->dev, k->ino, st_pid_hint(snap, k->dev, k->ino)),
			 pathres_dev(pr, k->dev));
		break;
	case DL_BY_FS:
		snprintf(buf, len, "%.16s %s [%s] on %s", k->fs, dev, pathres_dev(pr, k->dev),
			 pathres_mountpoint(pr, k->dev) ? pathres_mountpoint(pr, k->dev) : "unknown");
		break;
	case DL_BY_COMM:
		snprintf(buf, len, "comm %.16s", k->comm);
		break;
	case DL_BY_PATH:
		snprintf(buf, len, "path %s", k->path ? dl_io_path_name(k->path) : "none (i_rwsem)");
		break;
	case DL_BY_CGROUP: {
		const char *cg = pathres_cgroup(pr, k->cgroup);
		char name[80];

		if (dl_cgroup_container(cg, name, sizeof(name)))
			snprintf(buf, len, "cgroup %s (%s)", cg, name);
		else
			snprintf(buf, len, "cgroup %s", cg);
		break;
	}
	default:
		snprintf(buf, len, "stack id %d (%.16s)", k->stack_id, k->fs);
		break;
	}
}
