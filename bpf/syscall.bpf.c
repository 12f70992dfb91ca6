// SPDX-License-Identifier: GPL-2.0
/*
 * O_DIRECT write syscalls, to catch the ones that never reach iomap: btrfs
 * (v6.15+, 968f19c5b1b7) writes O_DIRECT through the page cache whenever the
 * inode has data checksums, and btrfs, xfs and ext4 fall back in other cases
 * (see the analyzer's fallback notes). iomap's own events cannot show a DIO
 * that never started.
 *
 * Per-syscall tracepoints (syscalls:sys_{enter,exit}_write, ...), not
 * raw_syscalls: the kernel checks the syscall number against its enabled set
 * before any BPF runs, so the machine's other syscalls cost nothing here.
 * The write in progress lives in the task's storage; only one that never
 * reached iomap crosses as a record (`trace` streams every one).
 */
#include "diolock.bpf.h"

/* arch/x86/entry/syscalls/syscall_64.tbl */
#define NR_write	1
#define NR_pwrite64	18
#define NR_writev	20
#define NR_pwritev	296
#define NR_pwritev2	328
/* include/uapi/linux/stat.h */
#define S_IFMT_BITS	00170000
#define S_IFREG_BITS	0100000

/* The syscalls:* record layout (kernel/trace/trace_syscalls.c): nr, then 8-byte slots. */
struct dl_sys_enter {
	__u64 common;
	__s32 nr;
	__u32 pad;
	__u64 args[6];
};

struct dl_sys_exit {
	__u64 common;
	__s32 nr;
	__u32 pad;
	__s64 ret;
};

/* Every write syscall of the machine comes here: plain loads through the BTF task pointer. */
static __always_inline struct file *fd_to_file(unsigned int fd)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct fdtable *fdt = task->files->fdt;
	struct file **fds = fdt->fd;
	struct file *file = NULL;

	if (fd >= fdt->max_fds)
		return NULL;
	bpf_probe_read_kernel(&file, sizeof(file), &fds[fd]);
	return file;
}

static __always_inline int on_sys_enter(struct dl_sys_enter *sc, __u32 nr)
{
	struct dl_task_ctx *tc;
	struct dl_dwrite *dw;
	struct file *file;
	__u32 f_flags;

	if (dl_task_filtered())
		return 0;
	file = fd_to_file(sc->args[0]);
	if (!file)
		return 0;
	f_flags = BPF_CORE_READ(file, f_flags);
	if (!(f_flags & O_DIRECT_FLAG))
		return 0;
	/* block devices and the like do direct I/O without iomap: not a fallback */
	if ((BPF_CORE_READ(file, f_inode, i_mode) & S_IFMT_BITS) != S_IFREG_BITS)
		return 0;
	tc = dl_ctx(true);
	if (!tc) {
		dl_count(DL_CNT_MAP_FULL);
		return 0;
	}
	dw = &tc->dw;
	/* O_SYNC includes the O_DSYNC bit */
	dw->dsync = !!(f_flags & O_DSYNC_FLAG);
	dw->inode = (__u64)BPF_CORE_READ(file, f_inode);
	dw->nr = nr;
	dw->iomap_seen = 0;
	dw->len = 0;
	if (nr == NR_pwrite64 || nr == NR_pwritev || nr == NR_pwritev2)
		dw->pos = sc->args[3];
	else
		dw->pos = BPF_CORE_READ(file, f_pos);
	if (nr == NR_write || nr == NR_pwrite64)
		dw->len = sc->args[2];
	return 0;
}

static __always_inline void note_btrfs_flags(struct dl_event *e, struct inode *inode)
{
	struct btrfs_inode *bi;
	struct dl_ino_id id;

	if (!bpf_core_type_exists(struct btrfs_inode) || !dl_ino_id(inode, &id) || id.fsid != DL_FSID_BTRFS)
		return;
	bi = (void *)((char *)inode - bpf_core_field_offset(struct btrfs_inode, vfs_inode));
	e->flags |= DL_F_FS_FLAGS;
	if (BPF_CORE_READ(bi, flags) & BTRFS_INODE_NODATASUM)
		e->flags |= DL_F_NODATASUM;
}

static __always_inline int on_sys_exit(struct dl_sys_exit *sc)
{
	struct dl_task_ctx *tc = dl_ctx(false);
	struct dl_dwrite *dw;
	struct dl_event *e;
	struct inode *inode;

	if (!tc || !tc->dw.inode)
		return 0;
	dw = &tc->dw;
	inode = (void *)dw->inode;
	dw->inode = 0;
	/* check only needs the writes that never reached iomap */
	if (dw->iomap_seen && !stream_all)
		return 0;
	e = dl_reserve_inode(DL_EV_DIRECT_WRITE, inode);
	if (!e)
		return 0;
	e->pos = dw->pos;
	e->len = dw->len;
	e->ret = sc->ret;
	e->arg = dw->nr;
	e->flags |= DL_F_DIRECT | DL_F_WRITE;
	if (dw->iomap_seen)
		e->flags |= DL_F_IOMAP;
	if (dw->dsync)
		e->flags |= DL_F_DSYNC;
	if ((dw->pos | dw->len) & 4095)
		e->flags |= DL_F_UNALIGNED;
	note_btrfs_flags(e, inode);
	dl_submit(e);
	return 0;
}

#define DL_SYSCALL(name)							\
	SEC("?tracepoint/syscalls/sys_enter_" #name)				\
	int tp__sys_enter_##name(struct dl_sys_enter *sc) { return on_sys_enter(sc, NR_##name); } \
	SEC("?tracepoint/syscalls/sys_exit_" #name)				\
	int tp__sys_exit_##name(struct dl_sys_exit *sc) { return on_sys_exit(sc); }

DL_SYSCALL(write)
DL_SYSCALL(pwrite64)
DL_SYSCALL(writev)
DL_SYSCALL(pwritev)
DL_SYSCALL(pwritev2)
