// SPDX-License-Identifier: GPL-2.0
/*
 * O_DIRECT writes that went through the page cache. btrfs (v6.15+,
 * 968f19c5b1b7) writes O_DIRECT buffered whenever the inode has data
 * checksums, and btrfs, xfs and ext4 fall back in other cases, before iomap
 * or after it gave up (-ENOTBLK); see the analyzer's fallback notes. iomap's
 * own events show neither.
 *
 * The hook is writeback:writeback_dirty_folio, which fires when a clean
 * page-cache folio becomes dirty: a fallback dirties its file's page cache,
 * a real direct write never does. A dirtied folio is a fallback when the task
 * is in a write syscall (write, pwrite64, writev, pwritev, pwritev2; x86-64)
 * whose file descriptor is an O_DIRECT regular file backed by the folio's
 * inode, on ext4, xfs or btrfs (rules.h). Nothing runs per syscall:
 * per-syscall tracepoints (the previous design) put every task of the
 * machine on the slow syscall path (TIF_SYSCALL_TRACEPOINT), measured here
 * at +70 ns on every syscall and +400 ns on every write. Now a folio of
 * another filesystem costs three loads, and a buffered write to these an fd
 * lookup once per syscall (task->ioac.syscw numbers a task's writes); only a
 * write to an O_DIRECT file goes further.
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
/* include/linux/sched.h: no syscall of a user task behind these */
#define PF_IO_WORKER	0x00000010
#define PF_KTHREAD	0x00200000

/* A write syscall's file, from the fd in its saved registers: plain loads through BTF pointers. */
static __always_inline struct file *fd_to_file(struct task_struct *task, unsigned int fd)
{
	struct fdtable *fdt = task->files->fdt;
	struct file **fds = fdt->fd;
	struct file *file = NULL;

	if (fd >= fdt->max_fds)
		return NULL;
	bpf_probe_read_kernel(&file, sizeof(file), &fds[fd]);
	return file;
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

static __always_inline bool write_syscall(__u32 nr)
{
	return nr == NR_write || nr == NR_pwrite64 || nr == NR_writev || nr == NR_pwritev || nr == NR_pwritev2;
}

/*
 * The write syscall each CPU judged last (its task, that task's start time,
 * and dl_write_seq): the other folios of a multi-folio write stop here. The
 * start time tells a task from a newer one at the same address, whose first
 * writes count from 1 again. Static: per object file, invisible to user
 * space.
 */
struct dl_judged {
	__u64 task;
	__u64 start;
	__u64 seq;
};
static struct dl_judged dl_judged[DL_MAX_CPUS];

static __always_inline int on_dirty_folio(struct address_space *mapping, bool btf)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct dl_judged *j;
	struct pt_regs *regs;
	struct dl_task_ctx *tc;
	struct inode *host, *inode;
	struct super_block *sb;
	struct file *file;
	struct dl_event *e;
	__u64 seq;
	__u32 nr, f_flags;

	if (!mapping || (task->flags & (PF_KTHREAD | PF_IO_WORKER)))
		return 0;
	/* the filesystems whose O_DIRECT writes rules.h knows go through iomap */
	host = DL_RD(btf, mapping, host);
	if (!host)
		return 0;
	sb = DL_RD(btf, host, i_sb);
	if (!sb || dl_fsid_of_magic(DL_RD(btf, sb, s_magic)) == DL_FSID_OTHER)
		return 0;
	seq = dl_write_seq();
	j = &dl_judged[bpf_get_smp_processor_id() & (DL_MAX_CPUS - 1)];
	if (seq && j->task == (__u64)task && j->seq == seq && j->start == task->start_time)
		return 0;
	regs = (void *)bpf_task_pt_regs(task);
	nr = regs->orig_ax;
	if (!write_syscall(nr) || dl_task_filtered())
		return 0;
	j->task = (__u64)task;
	j->start = task->start_time;
	j->seq = seq;
	/* every buffered write to these filesystems gets this far once: the rest is for O_DIRECT files */
	file = fd_to_file(task, regs->di);
	if (!file)
		return 0;
	f_flags = BPF_CORE_READ(file, f_flags);
	if (!(f_flags & O_DIRECT_FLAG))
		return 0;
	inode = BPF_CORE_READ(file, f_inode);
	/* the folio is this file's, not one its user buffer faulted in */
	if ((__u64)inode != (__u64)host)
		return 0;
	/* block devices do direct I/O without iomap: not a fallback */
	if ((BPF_CORE_READ(inode, i_mode) & S_IFMT_BITS) != S_IFREG_BITS)
		return 0;
	seq = dl_write_seq();
	tc = dl_ctx(false);
	/* a multi-folio write is judged at its first folio */
	if (seq && tc && tc->fallback_seq == seq)
		return 0;
	tc = dl_ctx(true);
	if (tc)
		tc->fallback_seq = seq;
	e = dl_reserve_inode(DL_EV_DIRECT_WRITE, inode);
	if (!e)
		return 0;
	if (nr == NR_pwrite64 || nr == NR_pwritev || nr == NR_pwritev2)
		e->pos = regs->r10;
	else	/* write(2), writev(2): the file position moves when the write is done */
		e->pos = BPF_CORE_READ(file, f_pos);
	if (nr == NR_write || nr == NR_pwrite64)
		e->len = regs->dx;
	e->arg = nr;
	e->flags |= DL_F_DIRECT | DL_F_WRITE | DL_F_BUFFERED;
	/* it entered iomap's DIO path first, and iomap gave up */
	if (seq && tc && tc->dio_seq == seq)
		e->flags |= DL_F_IOMAP;
	/* O_SYNC includes the O_DSYNC bit */
	if (f_flags & O_DSYNC_FLAG)
		e->flags |= DL_F_DSYNC;
	if ((e->pos | e->len) & 4095)
		e->flags |= DL_F_UNALIGNED;
	note_btrfs_flags(e, inode);
	dl_submit(e);
	return 0;
}

DL_TRACEPOINT(writeback_dirty_folio, on_dirty_folio(mapping, btf), struct folio *folio,
	      struct address_space *mapping)
