// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <string.h>
#include "hooks.h"

static const char NO_TP_RWSEM[] =
	"no tracepoint for uncontended acquire/release: lock state is read at each event instead";
static const char NO_TP_DIO_WAIT[] = "inode_dio_wait has no tracepoint";
static const char SYSCALL_COST[] =
	"per-syscall tracepoints: BPF runs only for write, pwrite64, writev, pwritev and pwritev2 "
	"(the kernel skips other syscalls before any BPF); O_DIRECT regular files only; "
	"attached by check, record and trace, not by stat, top or serve";
#define P DL_TIER_PERF_TP
#define SYSCALLS(dir) { [P] = { "tp__sys_" #dir "_write", "tp__sys_" #dir "_pwrite64", \
	"tp__sys_" #dir "_writev", "tp__sys_" #dir "_pwritev", "tp__sys_" #dir "_pwritev2" } }

#define F DL_TIER_FENTRY
#define K DL_TIER_KPROBE
#define ACQ(fn) "fentry__" #fn, "fexit__" #fn
#define ACQK(fn) "kprobe__" #fn, "kretprobe__" #fn

const struct dl_hook dl_hooks[DL_HOOK_MAX] = {
	[DL_HOOK_DIO_SUBMIT] = { "dio_submit", "__iomap_dio_rw", NULL, "iomap_dio_rw_begin", "iomap",
		true, NULL, -1, NULL, { [F] = { "fentry____iomap_dio_rw" }, [K] = { "kprobe____iomap_dio_rw" } } },
	[DL_HOOK_DIO_COMPLETE] = { "dio_complete", "iomap_dio_complete", NULL, "iomap_dio_complete",
		"iomap", true, NULL, -1, NULL,
		{ [F] = { "fentry__iomap_dio_complete", "fexit__iomap_dio_complete" },
		  [K] = { "kprobe__iomap_dio_complete", "kretprobe__iomap_dio_complete" } } },
	/* the return probe reads what the submit hook's entry probe stashed */
	[DL_HOOK_DIO_QUEUED] = { "dio_queued", "__iomap_dio_rw", NULL, "iomap_dio_rw_queued", "iomap",
		false, NULL, DL_HOOK_DIO_SUBMIT, NULL,
		{ [F] = { "fexit____iomap_dio_rw" }, [K] = { "kretprobe____iomap_dio_rw" } } },
	[DL_HOOK_BTRFS_SYNC] = { "btrfs_sync", "btrfs_sync_file", "btrfs", "btrfs_sync_file", "btrfs",
		true, NULL, -1, NULL,
		{ [F] = { "fentry__btrfs_sync_file", "fexit__btrfs_sync_file" },
		  [K] = { "kprobe__btrfs_sync_file", "kretprobe__btrfs_sync_file" } } },
	[DL_HOOK_EXT4_SYNC_ENTER] = { "ext4_sync_enter", "ext4_sync_file", "ext4", "ext4_sync_file_enter",
		"ext4", false, NULL, -1, NULL,
		{ [F] = { "fentry__ext4_sync_file" }, [K] = { "kprobe__ext4_sync_file" } } },
	[DL_HOOK_EXT4_SYNC_EXIT] = { "ext4_sync_exit", "ext4_sync_file", "ext4", "ext4_sync_file_exit",
		"ext4", false, NULL, DL_HOOK_EXT4_SYNC_ENTER, NULL,
		{ [F] = { "fexit__ext4_sync_file" }, [K] = { "kretprobe__ext4_sync_file" } } },
	[DL_HOOK_WAIT_BEGIN] = { "rwsem_wait_begin", "rwsem_down_write_slowpath", NULL,
		"contention_begin", "lock", true, NULL, -1, NULL,
		{ [F] = { "fentry__rwsem_down_write_slowpath", "fentry__rwsem_down_read_slowpath" },
		  [K] = { "kprobe__rwsem_down_write_slowpath", "kprobe__rwsem_down_read_slowpath" } } },
	[DL_HOOK_WAIT_END] = { "rwsem_wait_end", "rwsem_down_write_slowpath", NULL, "contention_end",
		"lock", true, NULL, DL_HOOK_WAIT_BEGIN, NULL,
		{ [F] = { "fexit__rwsem_down_write_slowpath", "fexit__rwsem_down_read_slowpath" },
		  [K] = { "kretprobe__rwsem_down_write_slowpath", "kretprobe__rwsem_down_read_slowpath" } } },
	[DL_HOOK_TASK_EXIT] = { "task_exit", NULL, NULL, "sched_process_exit", "sched", false, NULL, -1, NULL,
		{ { NULL } } },
	[DL_HOOK_SYSCALL_ENTER] = { "write_syscall_enter", NULL, NULL, NULL, "syscalls",
		false, "per-syscall tracepoints only", -1, SYSCALL_COST, SYSCALLS(enter) },
	[DL_HOOK_SYSCALL_EXIT] = { "write_syscall_exit", NULL, NULL, NULL, "syscalls",
		false, "per-syscall tracepoints only", DL_HOOK_SYSCALL_ENTER, SYSCALL_COST, SYSCALLS(exit) },
	[DL_HOOK_RWSEM_ACQUIRE] = { "rwsem_acquire", "down_write", NULL, NULL, NULL, false,
		NO_TP_RWSEM, -1, NULL,
		{ [F] = { ACQ(down_write), ACQ(down_read), ACQ(down_write_killable),
			  ACQ(down_read_killable), ACQ(down_write_trylock), ACQ(down_read_trylock) },
		  [K] = { ACQK(down_write), ACQK(down_read), ACQK(down_write_killable),
			  ACQK(down_read_killable), ACQK(down_write_trylock), ACQK(down_read_trylock) } } },
	/* tracking holds needs both halves: a missed release would invent a deadlock */
	[DL_HOOK_RWSEM_RELEASE] = { "rwsem_release", "up_write", NULL, NULL, NULL, false, NO_TP_RWSEM,
		DL_HOOK_RWSEM_ACQUIRE, NULL,
		{ [F] = { "fentry__up_write", "fentry__up_read", "fentry__downgrade_write" },
		  [K] = { "kprobe__up_write", "kprobe__up_read", "kprobe__downgrade_write" } } },
	[DL_HOOK_DIO_DRAIN_WAIT] = { "dio_drain_wait", "inode_dio_wait", NULL, NULL, NULL, false,
		NO_TP_DIO_WAIT, -1, NULL,
		{ [F] = { "fentry__inode_dio_wait", "fexit__inode_dio_wait" },
		  [K] = { "kprobe__inode_dio_wait", "kretprobe__inode_dio_wait" } } },
};

const char *dl_tier_name(enum dl_tier t)
{
	switch (t) {
	case DL_TIER_FENTRY: return "fentry";
	case DL_TIER_KPROBE: return "kprobe";
	case DL_TIER_TP_BTF: return "tp_btf";
	case DL_TIER_RAW_TP: return "raw_tp";
	case DL_TIER_PERF_TP: return "tracepoint";
	default: return "none";
	}
}

bool dl_tier_is_tp(enum dl_tier t)
{
	return t == DL_TIER_TP_BTF || t == DL_TIER_RAW_TP || t == DL_TIER_PERF_TP;
}

bool dl_hook_has_tier(enum dl_hook_id h, enum dl_tier t)
{
	if (t == DL_TIER_TP_BTF || t == DL_TIER_RAW_TP)
		return dl_hooks[h].tp != NULL;
	return t > DL_TIER_NONE && t < DL_TIER_MAX && dl_hooks[h].progs[t][0];
}

bool dl_hook_prog(enum dl_hook_id h, enum dl_tier t, int i, char *buf, size_t len)
{
	if (t == DL_TIER_TP_BTF || t == DL_TIER_RAW_TP) {
		if (i || !dl_hooks[h].tp)
			return false;
		snprintf(buf, len, "%s__%s", dl_tier_name(t), dl_hooks[h].tp);
		return true;
	}
	if (t <= DL_TIER_NONE || t >= DL_TIER_MAX || i >= DL_HOOK_MAX_PROGS || !dl_hooks[h].progs[t][i])
		return false;
	snprintf(buf, len, "%s", dl_hooks[h].progs[t][i]);
	return true;
}

const char *dl_prog_target(const char *prog)
{
	const char *sep = strstr(prog, "__");

	return sep ? sep + 2 : prog;
}

int dl_parse_tier(const char *s, enum dl_tier *t)
{
	if (!strcmp(s, "fentry"))
		*t = DL_TIER_FENTRY;
	else if (!strcmp(s, "kprobe"))
		*t = DL_TIER_KPROBE;
	else if (!strcmp(s, "tracepoint"))
		*t = DL_TIER_TP_BTF;
	else
		return -1;
	return 0;
}
