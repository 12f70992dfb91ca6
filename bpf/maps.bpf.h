/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every map and setting, declared once (defined in maps.bpf.c, resolved by
 * `bpftool gen object`), and the counters' bump helpers. Included by
 * diolock.bpf.h.
 */
#ifndef DIOLOCK_MAPS_BPF_H
#define DIOLOCK_MAPS_BPF_H

/* Configuration, set by the loader between open and load. */
DL_EXTERN const volatile __u32 targ_tgid;
DL_EXTERN const volatile __u32 targ_dev;
DL_EXTERN const volatile __u64 targ_ino;
DL_EXTERN const volatile char targ_fs[DL_FS_LEN];
/* --cgroup: the cgroup v2 directory's id (its kernfs inode), 0 none; the directory itself in cgroup_filter. */
DL_EXTERN const volatile __u64 targ_cgroup;
/* The i_rwsem waits come from the contention tracepoints (else from the rwsem slow paths). */
DL_EXTERN const volatile __u8 rwsem_waits_by_tp;

/*
 * Tasks sleeping on a super block's sb_writers now (sb.bpf.h): in the
 * function tiers the contention_end program returns at once while it is 0.
 */
DL_EXTERN __s64 dl_sb_waits;
/*
 * mmap_lock write holds being timed (mmhold.bpf.c): while 0, the read-side
 * tracepoints return without a task-storage lookup.
 */
DL_EXTERN __s64 dl_mm_holds;

/* What the command asks for (enum dl_mode): read through the three tests below. */
DL_EXTERN const volatile __u8 run_mode;

/* stat, top, serve: no records at all; histograms are counted in maps instead (stat.bpf.h). */
static __always_inline bool dl_records_off(void)
{
	return !dl_mode_sends(run_mode);
}

/* trace, validate: stream routine records too (every O_DIRECT write, not only fallbacks). */
static __always_inline bool dl_stream_all(void)
{
	return run_mode == DL_MODE_STREAM;
}

/* serve without --findings: every judged completion counts in a fold slot, none is sent. */
static __always_inline bool dl_fold_all(void)
{
	return run_mode == DL_MODE_FOLD;
}

/*
 * Set once both acquisition and release hooks are attached: holds are then
 * exact. In .bss, not .rodata: it is known only after attaching.
 */
DL_EXTERN __u8 track_acquire;
/* Set once the DIO submission hook is attached: a DIO's submitter is then known (dio.bpf.c). */
DL_EXTERN __u8 track_submit;

/* Per-CPU loss counters: every output mode reports them. */
DL_EXTERN __u64 dl_counters[DL_MAX_CPUS][DL_CNT_MAX];
/* Per-CPU DIO counters by filesystem (enum dl_dio_counter). */
DL_EXTERN __u64 dl_dio[DL_MAX_CPUS][DL_FSID_MAX][DL_DIO_CNT_MAX];
/* CPUs the fold array is sized for (libbpf_num_possible_cpus()). */
DL_EXTERN const volatile __u32 nr_cpus;

/* Fold slots, nr_cpus * DL_FOLD_SLOTS of them; user space mmaps the array. */
struct dl_folds_map {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, DL_FOLD_SLOTS);	/* resized by the loader */
	__type(key, __u32);
	__type(value, struct dl_fold);
};
DL_EXTERN struct dl_folds_map folds SEC(".maps");

/* Wait-fold slots, nr_cpus * DL_WFOLD_SLOTS of them, mmapped like the fold slots. */
struct dl_wait_folds_map {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, DL_WFOLD_SLOTS);	/* resized by the loader */
	__type(key, __u32);
	__type(value, struct dl_wait_fold);
};
DL_EXTERN struct dl_wait_folds_map wait_folds SEC(".maps");
/* Pending waits (include/diolock/event.h); 0 in wait_defer_ns: every wait crosses at once. */
DL_EXTERN struct dl_pending dl_pending[DL_PENDING_SLOTS];
DL_EXTERN const volatile __u64 wait_defer_ns;

struct dl_events_map {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 22);
};
DL_EXTERN struct dl_events_map events SEC(".maps");

struct dl_stacks_map {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(max_entries, 4096);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, DL_STACK_DEPTH * sizeof(__u64));
};
DL_EXTERN struct dl_stacks_map stacks SEC(".maps");

/*
 * A stack whose hash lands on a bucket another stack holds is refused
 * (-EEXIST); reusing the bucket would rename a stack already reported. A
 * second, smaller map takes those: only the colliding few ever reach it.
 */
struct dl_stacks_spill_map {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(max_entries, 1024);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, DL_STACK_DEPTH * sizeof(__u64));
};
DL_EXTERN struct dl_stacks_spill_map stacks_spill SEC(".maps");

/* --cgroup's directory, for bpf_current_task_under_cgroup() (the whole subtree, v4.9+). */
struct dl_cgroup_filter_map {
	__uint(type, BPF_MAP_TYPE_CGROUP_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
};
DL_EXTERN struct dl_cgroup_filter_map cgroup_filter SEC(".maps");

/* Who holds an i_rwsem, kept by the acquisition hooks (acquire.bpf.c). */
struct dl_lock_holders {
	__u32 writer;
	__u32 nreaders;
	__u32 readers[DL_MAX_HOLDERS];
};

struct dl_holders_map {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct dl_lock_holders);
};
DL_EXTERN struct dl_holders_map holders SEC(".maps");

/*
 * Lock-order pairs already sent (acquire.bpf.c): an edge crosses once. LRU:
 * a pair it forgets is sent again, which the analyzer folds, so eviction
 * costs a record, never an edge.
 */
struct dl_order_key {
	__u64 from, to;		/* i_rwsem addresses: held, then acquired */
};

struct dl_order_seen_map {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct dl_order_key);
	__type(value, __u8);
};
DL_EXTERN struct dl_order_seen_map order_seen SEC(".maps");

static __always_inline void dl_count(enum dl_counter c)
{
	__u32 cpu = bpf_get_smp_processor_id() & (DL_MAX_CPUS - 1);

	if (c < DL_CNT_MAX)
		__sync_fetch_and_add(&dl_counters[cpu][c], 1);
}

/* The stack's id in stacks, else in stacks_spill (DL_STACK_SPILL set), else counted lost. */
static __always_inline __s32 dl_stackid(void *ctx, __u64 flags)
{
	__s32 id = bpf_get_stackid(ctx, &stacks, flags);

	if (id >= 0)
		return id;
	id = bpf_get_stackid(ctx, &stacks_spill, flags);
	if (id >= 0)
		return id | DL_STACK_SPILL;
	dl_count(DL_CNT_STACK_LOST);
	return -1;
}

/*
 * A hash map's value for key, made from init if absent (libbpf-tools'
 * bpf_map_lookup_or_try_init): NULL only when the map is full, counted.
 */
static __always_inline void *dl_lookup_or_init(void *map, const void *key, const void *init)
{
	void *v = bpf_map_lookup_elem(map, key);

	if (v)
		return v;
	bpf_map_update_elem(map, key, init, BPF_NOEXIST);
	v = bpf_map_lookup_elem(map, key);
	if (!v)
		dl_count(DL_CNT_MAP_FULL);
	return v;
}

static __always_inline void dl_dio_count(__u8 fsid, enum dl_dio_counter c)
{
	__u32 cpu = bpf_get_smp_processor_id() & (DL_MAX_CPUS - 1);

	/* this CPU's own row: the atomic is never contended */
	__sync_fetch_and_add(&dl_dio[cpu][fsid & (DL_FSID_MAX - 1)][c & (DL_DIO_CNT_MAX - 1)], 1);
}

#endif /* DIOLOCK_MAPS_BPF_H */
