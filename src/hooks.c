// SPDX-License-Identifier: GPL-2.0
#include <stddef.h>
#include "hooks.h"

static const char NO_TP_RWSEM[] =
	"no tracepoint for uncontended acquire/release: lock state is read at each event instead";
static const char NO_TP_DIO_WAIT[] = "inode_dio_wait has no tracepoint";

const struct dl_hook dl_hooks[DL_HOOK_MAX] = {
	[DL_HOOK_DIO_SUBMIT] = { "dio_submit", "__iomap_dio_rw", NULL,
				 "iomap_dio_rw_begin", "iomap", true, NULL },
	[DL_HOOK_DIO_COMPLETE] = { "dio_complete", "iomap_dio_complete", NULL,
				   "iomap_dio_complete", "iomap", true, NULL },
	[DL_HOOK_DIO_QUEUED] = { "dio_queued", "__iomap_dio_rw", NULL,
				 "iomap_dio_rw_queued", "iomap", false, NULL },
	[DL_HOOK_BTRFS_SYNC] = { "btrfs_sync", "btrfs_sync_file", "btrfs",
				 "btrfs_sync_file", "btrfs", true, NULL },
	[DL_HOOK_EXT4_SYNC_ENTER] = { "ext4_sync_enter", "ext4_sync_file", "ext4",
				      "ext4_sync_file_enter", "ext4", false, NULL },
	[DL_HOOK_EXT4_SYNC_EXIT] = { "ext4_sync_exit", "ext4_sync_file", "ext4",
				     "ext4_sync_file_exit", "ext4", false, NULL },
	[DL_HOOK_WAIT_BEGIN] = { "rwsem_wait_begin", "rwsem_down_write_slowpath", NULL,
				 "contention_begin", "lock", true, NULL },
	[DL_HOOK_WAIT_END] = { "rwsem_wait_end", NULL, NULL,
			       "contention_end", "lock", true, NULL },
	[DL_HOOK_TASK_EXIT] = { "task_exit", NULL, NULL,
				"sched_process_exit", "sched", false, NULL },
	[DL_HOOK_SYSCALL_ENTER] = { "write_syscall_enter", NULL, NULL,
				    "sys_enter", "raw_syscalls", false, NULL },
	[DL_HOOK_SYSCALL_EXIT] = { "write_syscall_exit", NULL, NULL,
				   "sys_exit", "raw_syscalls", false, NULL },
	[DL_HOOK_RWSEM_ACQUIRE] = { "rwsem_acquire", "down_write", NULL,
				    NULL, NULL, false, NO_TP_RWSEM },
	[DL_HOOK_RWSEM_RELEASE] = { "rwsem_release", "up_write", NULL,
				    NULL, NULL, false, NO_TP_RWSEM },
	[DL_HOOK_DIO_DRAIN_WAIT] = { "dio_drain_wait", "inode_dio_wait", NULL,
				     NULL, NULL, false, NO_TP_DIO_WAIT },
};

const char *dl_tier_name(enum dl_tier t)
{
	switch (t) {
	case DL_TIER_FENTRY: return "fentry";
	case DL_TIER_KPROBE: return "kprobe";
	case DL_TIER_TP_BTF: return "tp_btf";
	case DL_TIER_RAW_TP: return "raw_tp";
	default: return "none";
	}
}
