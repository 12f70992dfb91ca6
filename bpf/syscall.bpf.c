// SPDX-License-Identifier: GPL-2.0
/*
 * O_DIRECT write syscalls, to catch the ones that never reach iomap: btrfs
 * (v6.15+, 968f19c5b1b7) writes O_DIRECT through the page cache whenever the
 * inode has data checksums, and any fs may fall back for unaligned I/O.
 * iomap's own events cannot show a DIO that never started.
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

static __always_inline bool is_write_nr(long nr)
{
	return nr == NR_write || nr == NR_pwrite64 || nr == NR_writev ||
	       nr == NR_pwritev || nr == NR_pwritev2;
}

static __always_inline struct file *fd_to_file(unsigned int fd)
{
	struct task_struct *task = (void *)bpf_get_current_task();
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	struct file **fds = BPF_CORE_READ(fdt, fd);
	struct file *file = NULL;

	if (fd >= BPF_CORE_READ(fdt, max_fds))
		return NULL;
	bpf_probe_read_kernel(&file, sizeof(file), &fds[fd]);
	return file;
}

static __always_inline int on_sys_enter(void *ctx, struct pt_regs *regs, long nr)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct dl_dwrite dw = {};
	struct file *file;
	__u32 f_flags;

	if (!is_write_nr(nr) || dl_task_filtered())
		return 0;
	file = fd_to_file(BPF_CORE_READ(regs, di));
	if (!file)
		return 0;
	f_flags = BPF_CORE_READ(file, f_flags);
	if (!(f_flags & O_DIRECT_FLAG))
		return 0;
	/* block devices and the like do direct I/O without iomap: not a fallback */
	if ((BPF_CORE_READ(file, f_inode, i_mode) & S_IFMT_BITS) != S_IFREG_BITS)
		return 0;
	/* O_SYNC includes the O_DSYNC bit */
	dw.dsync = !!(f_flags & O_DSYNC_FLAG);
	dw.inode = (__u64)BPF_CORE_READ(file, f_inode);
	dw.nr = nr;
	if (nr == NR_pwrite64 || nr == NR_pwritev || nr == NR_pwritev2)
		dw.pos = BPF_CORE_READ(regs, r10);
	else
		dw.pos = BPF_CORE_READ(file, f_pos);
	if (nr == NR_write || nr == NR_pwrite64)
		dw.len = BPF_CORE_READ(regs, dx);
	if (bpf_map_update_elem(&dwrites, &tid, &dw, BPF_ANY))
		dl_count(DL_CNT_MAP_FULL);
	return 0;
}

static __always_inline void note_btrfs_flags(struct dl_event *e, struct inode *inode)
{
	struct btrfs_inode *bi;

	if (!bpf_core_type_exists(struct btrfs_inode) || !dl_is_btrfs(e->fs))
		return;
	bi = (void *)((char *)inode - bpf_core_field_offset(struct btrfs_inode, vfs_inode));
	e->flags |= DL_F_FS_FLAGS;
	if (BPF_CORE_READ(bi, flags) & BTRFS_INODE_NODATASUM)
		e->flags |= DL_F_NODATASUM;
}

static __always_inline int on_sys_exit(void *ctx, struct pt_regs *regs, long ret)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct dl_dwrite *dw;
	struct dl_event *e;
	struct inode *inode;

	/* every syscall of the machine passes here: the number first, cheapest */
	if (!is_write_nr(BPF_CORE_READ(regs, orig_ax)))
		return 0;
	dw = bpf_map_lookup_elem(&dwrites, &tid);
	if (!dw)
		return 0;
	/* check only needs the writes that never reached iomap */
	if (dw->iomap_seen && !stream_all) {
		bpf_map_delete_elem(&dwrites, &tid);
		return 0;
	}
	inode = (void *)dw->inode;
	e = dl_reserve(DL_EV_DIRECT_WRITE);
	if (e && !dl_fill_inode(e, inode)) {
		bpf_ringbuf_discard(e, 0);
		e = NULL;
	}
	if (e) {
		e->pos = dw->pos;
		e->len = dw->len;
		e->ret = ret;
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
	}
	bpf_map_delete_elem(&dwrites, &tid);
	return 0;
}

DL_TRACEPOINT(sys_enter, on_sys_enter(ctx, regs, id), struct pt_regs *regs, long id)
DL_TRACEPOINT(sys_exit, on_sys_exit(ctx, regs, ret), struct pt_regs *regs, long ret)
