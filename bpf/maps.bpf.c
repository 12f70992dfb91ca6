// SPDX-License-Identifier: GPL-2.0
/*
 * The one definition of diolock's shared maps and configuration: every other
 * file sees them as externs (diolock.bpf.h), resolved by `bpftool gen object`.
 * Configuration defaults are zero: no filter.
 */
#define DL_DEFINE_MAPS
#include "diolock.bpf.h"
#include "stat.bpf.h"
#include "origin.bpf.h"
#include "owed.bpf.h"

/* Explicit initializers keep the configuration in .rodata, counters in .bss. */
const volatile __u32 targ_tgid = 0;
const volatile __u32 targ_dev = 0;
const volatile __u64 targ_ino = 0;
const volatile char targ_fs[DL_FS_LEN] = {};
const volatile __u64 targ_cgroup = 0;
const volatile __u8 run_mode = DL_MODE_CHECK;
const volatile __u8 rwsem_waits_by_tp = 1;
const volatile __u8 stat_on = 0;
const volatile __u8 stat_by = 0;
struct dl_hist dl_hist_zero = {};
__u8 track_acquire = 0;
__s64 dl_sb_waits = 0;
__s64 dl_mm_holds = 0;
__u8 track_submit = 0;
__u64 dl_counters[DL_MAX_CPUS][DL_CNT_MAX] = {};
__u64 dl_dio[DL_MAX_CPUS][DL_FSID_MAX][DL_DIO_CNT_MAX] = {};
const volatile __u32 nr_cpus = 1;
const volatile __u64 wait_defer_ns = 0;
const volatile __u64 ksym_aio_complete_rw = 0;
const volatile __u64 ksym_io_complete_rw = 0;
const volatile __u64 ksym_io_complete_rw_iopoll = 0;
struct dl_pending dl_pending[DL_PENDING_SLOTS] = {};

char LICENSE[] SEC("license") = "GPL";
