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
 * a real direct write never does. A dirtied folio is a fallback when the
 * write dirtying it is an O_DIRECT write to a regular file backed by the
 * folio's inode, on ext4, xfs or btrfs (rules.h). Which write that is
 * depends on how it was submitted:
 *  - a write syscall (write, pwrite64, writev, pwritev, pwritev2; x86-64):
 *    the file descriptor in its saved registers;
 *  - io_submit(2) (AIO): the iocb of the batch, read from user memory, that
 *    the order of the batch and of the write's folios names (judge_aio);
 *  - io_uring: the request being issued, which the kernel names: an io-wq
 *    worker's current work (task->worker_private->cur_work), or, issued
 *    inline by the submitter or by the SQPOLL thread, the write request the
 *    task submitted last (io_uring:io_uring_submit_req, uring.bpf.c); its
 *    kiocb says O_DIRECT, its position which folio is its first.
 * Nothing runs per syscall:
 * per-syscall tracepoints (the previous design) put every task of the
 * machine on the slow syscall path (TIF_SYSCALL_TRACEPOINT), measured here
 * at +70 ns on every syscall and +400 ns on every write. Now a folio of
 * another filesystem costs three loads, and a buffered write to these an fd
 * lookup once per syscall (task->ioac.syscw numbers a task's writes); only a
 * write to an O_DIRECT file goes further.
 */
#include "diolock.bpf.h"
#include "origin.bpf.h"

/* arch/x86/entry/syscalls/syscall_64.tbl */
#define NR_write	1
#define NR_pwrite64	18
#define NR_writev	20
#define NR_pwritev	296
#define NR_pwritev2	328
#define NR_io_submit	209
#define NR_io_uring_enter	426
/* include/uapi/linux/stat.h */
#define S_IFMT_BITS	00170000
#define S_IFREG_BITS	0100000
/* include/uapi/linux/fs.h */
#define RWF_DSYNC_BITS	0x00000006	/* RWF_DSYNC | RWF_SYNC */
#define DL_PAGE_SHIFT	12
/* the largest folio: PMD-sized on x86-64 */
#define DL_FOLIO_MAX_PAGES	512
/* iocbs of one io_submit() searched for the folio's write, and iovecs of one read for its length */
#define DL_AIO_SCAN	32
#define DL_AIO_IOVECS	8

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

	if (!bpf_core_type_exists(struct btrfs_inode) || !dl_ino_id(inode, &id, DL_PROBED) || id.fsid != DL_FSID_BTRFS)
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

/* One O_DIRECT write found dirtying its file's page cache. */
struct fb_write {
	struct inode *inode;
	struct task_struct *sub;	/* its submitter */
	__s64 pos;
	__u64 len;
	__u32 nr;			/* the write syscall, 0 none */
	__u32 flags;			/* DL_F_* known from how it was submitted */
	__u8 path;			/* enum dl_io_path */
};

/*
 * Does the write that starts at byte pos begin in the folio at index? A
 * write dirties its folios in ascending order, and the one holding its first
 * byte is the only one of them at or below that page: an asynchronous write
 * is judged there, once, with no state kept between its folios.
 */
static __always_inline bool first_folio(__u64 index, __s64 pos)
{
	__u64 page = (__u64)pos >> DL_PAGE_SHIFT;

	return pos >= 0 && index <= page && page - index < DL_FOLIO_MAX_PAGES;
}

/* An O_DIRECT regular file whose page cache is the folio's: the write is a fallback. */
static __always_inline bool direct_file_of(struct file *file, struct inode *host, __u32 *f_flags)
{
	struct inode *inode;

	if (!file)
		return false;
	*f_flags = BPF_CORE_READ(file, f_flags);
	if (!(*f_flags & O_DIRECT_FLAG))
		return false;
	inode = BPF_CORE_READ(file, f_inode);
	/* the folio is this file's, not one its user buffer faulted in */
	if ((__u64)inode != (__u64)host)
		return false;
	/* block devices do direct I/O without iomap: not a fallback */
	return (BPF_CORE_READ(inode, i_mode) & S_IFMT_BITS) == S_IFREG_BITS;
}

static __always_inline void emit_fallback(const struct fb_write *w, __u32 f_flags)
{
	struct dl_event *e = dl_reserve_inode(DL_EV_DIRECT_WRITE, w->inode, DL_PROBED);

	if (!e)
		return;
	e->pos = w->pos;
	e->len = w->len;
	e->arg = w->nr;
	e->flags |= DL_F_DIRECT | DL_F_WRITE | DL_F_BUFFERED | w->flags;
	/* O_SYNC includes the O_DSYNC bit */
	if (f_flags & O_DSYNC_FLAG)
		e->flags |= DL_F_DSYNC;
	if ((e->pos | e->len) & 4095)
		e->flags |= DL_F_UNALIGNED;
	note_btrfs_flags(e, w->inode);
	dl_set_origin(e, w->path, w->sub);
	dl_submit(e);
}

/*
 * io_uring: the write request this task issues. An io-wq worker names it
 * (its current work); the submitter and the SQPOLL thread issue the request
 * they submitted last, inline.
 */
static __always_inline int judge_uring(struct task_struct *task, struct inode *host, __u64 index, __u8 path)
{
	struct fb_write w = { .inode = host, .path = path };
	struct io_kiocb *req = NULL;
	struct dl_task_ctx *tc;
	struct io_wq_work *work;
	struct kiocb *kiocb;
	__u32 f_flags;

	if (path == DL_PATH_IO_URING_WQ) {
		struct io_worker *worker = BPF_CORE_READ(task, worker_private);

		work = BPF_CORE_READ(worker, cur_work);
		if (work)
			req = (void *)((char *)work - bpf_core_field_offset(struct io_kiocb, work));
	} else {
		tc = dl_ctx(false);
		req = tc ? (void *)tc->uring_req : NULL;
	}
	if (!req) {
		dl_dio_count(dl_fsid_of_magic(BPF_CORE_READ(host, i_sb, s_magic)), DL_DIO_UNSEEN);
		return 0;
	}
	if (!dl_uring_write_op(BPF_CORE_READ(req, opcode)) || dl_task_filtered())
		return 0;
	if (!direct_file_of(BPF_CORE_READ(req, file), host, &f_flags))
		return 0;
	/* the request's io_rw, kiocb first, is its first member */
	kiocb = (void *)req;
	w.pos = BPF_CORE_READ(kiocb, ki_pos);
	if (!first_folio(index, w.pos))
		return 0;
	if (BPF_CORE_READ(kiocb, ki_flags) & (IOCB_DSYNC | IOCB_SYNC))
		w.flags |= DL_F_DSYNC;
	w.len = BPF_CORE_READ((struct io_rw *)req, len);
	w.sub = path == DL_PATH_IO_URING_SQPOLL ? BPF_CORE_READ(task, group_leader) : dl_uring_task(req);
	w.flags |= DL_F_AIO;
	emit_fallback(&w, f_flags);
	return 0;
}

/* An AIO write's bytes: aio_nbytes, or its iovecs' sum (DL_AIO_IOVECS read at most; else 0: unknown). */
static __always_inline __u64 aio_len(const struct iocb *cb)
{
	struct iovec iov;
	__u64 len = 0;

	if (cb->aio_lio_opcode == IOCB_CMD_PWRITE)
		return cb->aio_nbytes;
	if (cb->aio_nbytes > DL_AIO_IOVECS)
		return 0;
	for (__u64 i = 0; i < DL_AIO_IOVECS && i < cb->aio_nbytes; i++) {
		if (bpf_probe_read_user(&iov, sizeof(iov), (void *)(cb->aio_buf + i * sizeof(iov))))
			return 0;
		len += iov.iov_len;
	}
	return len;
}

/* One io_submit batch searched for the write that dirtied a folio: bpf_loop's state. */
struct aio_scan {
	struct iocb **cbs;
	long nr;
	long start;
	__u64 index;		/* the folio */
	__u64 host;		/* its inode */
	long found;		/* the iocb, -1 none */
	__u32 f_flags;
	__u32 unread;		/* an iocb could not be read */
	struct iocb cb;		/* the last one read: the found one's, when found */
};

/*
 * One iocb of the batch, n after the current one (wrapping). A bpf_loop
 * callback: the verifier walks it once, where an unrolled loop of 32 cost
 * two seconds of every load.
 */
static long aio_scan_one(__u32 n, void *ctx)
{
	struct aio_scan *s = ctx;
	long i = s->start + n;
	struct iocb *ucb;

	if (i >= s->nr)
		i -= s->nr;
	if (i < 0 || i >= s->nr)
		return 1;
	if (bpf_probe_read_user(&ucb, sizeof(ucb), &s->cbs[i]) || bpf_probe_read_user(&s->cb, sizeof(s->cb), ucb)) {
		s->unread = 1;
		return 1;
	}
	if ((s->cb.aio_lio_opcode != IOCB_CMD_PWRITE && s->cb.aio_lio_opcode != IOCB_CMD_PWRITEV) ||
	    !first_folio(s->index, s->cb.aio_offset))
		return 0;
	if (!direct_file_of(fd_to_file(bpf_get_current_task_btf(), s->cb.aio_fildes), (void *)s->host, &s->f_flags))
		return 0;
	s->found = i;
	return 1;
}

/*
 * io_submit(2): which write of the batch dirties this folio. io_submit runs
 * its iocbs in order, and each write dirties its folios in ascending order:
 * a folio above the one the batch's current write dirtied last, within that
 * write, is that write going on; any other folio is a later write's first
 * (the iocb whose range starts there, searched from the current one on).
 * Position alone is not enough: an unaligned write's last page is the next
 * one's first.
 */
static __always_inline int judge_aio(struct task_struct *task, struct pt_regs *regs, struct inode *host,
				     __u64 index)
{
	struct fb_write w = { .inode = host, .path = DL_PATH_AIO, .sub = task, .nr = NR_io_submit };
	struct aio_scan s = { .cbs = (void *)regs->dx, .nr = regs->si, .index = index, .host = (__u64)host,
			      .found = -1 };
	struct dl_task_ctx *tc;

	if (dl_task_filtered() || s.nr <= 0)
		return 0;
	tc = dl_ctx(true);
	if (!tc)
		return 0;
	if (tc->aio_cbs == (__u64)s.cbs) {
		if (index > tc->aio_seen && index <= tc->aio_last) {
			tc->aio_seen = index;
			return 0;
		}
		s.start = tc->aio_k + 1;
	}
	/* a new batch in the same array: from its first iocb */
	if (s.start >= s.nr)
		s.start = 0;
	bpf_loop(s.nr < DL_AIO_SCAN ? s.nr : DL_AIO_SCAN, aio_scan_one, &s, 0);
	if (s.found >= 0) {
		w.pos = s.cb.aio_offset;
		w.len = aio_len(&s.cb);
		tc->aio_cbs = (__u64)s.cbs;
		tc->aio_k = s.found;
		tc->aio_seen = index;
		tc->aio_last = w.len ? (__u64)(w.pos + w.len - 1) >> DL_PAGE_SHIFT : index;
		w.flags = DL_F_AIO | ((s.cb.aio_rw_flags & RWF_DSYNC_BITS) ? DL_F_DSYNC : 0);
		emit_fallback(&w, s.f_flags);
		return 0;
	}
	/* every iocb read and none of them this folio's write: a buffered AIO, not a fallback */
	if (!s.unread && s.nr <= DL_AIO_SCAN)
		return 0;
	/* an iocb not read (DL_AIO_SCAN past the current one, or unreadable): said, not guessed */
	dl_dio_count(dl_fsid_of_magic(BPF_CORE_READ(host, i_sb, s_magic)), DL_DIO_UNSEEN);
	return 0;
}

/* A write syscall: its file descriptor, judged at the syscall's first dirtied folio. */
static __always_inline int judge_syscall(struct task_struct *task, struct pt_regs *regs, struct inode *host)
{
	struct fb_write w = { .inode = host, .path = DL_PATH_SYNC, .sub = task };
	struct dl_judged *j;
	struct dl_task_ctx *tc;
	struct file *file;
	__u32 nr = regs->orig_ax, f_flags;
	__u64 seq;

	seq = dl_write_seq();
	j = &dl_judged[bpf_get_smp_processor_id() & (DL_MAX_CPUS - 1)];
	if (seq && j->task == (__u64)task && j->seq == seq && j->start == task->start_time)
		return 0;
	if (!write_syscall(nr) || dl_task_filtered())
		return 0;
	j->task = (__u64)task;
	j->start = task->start_time;
	j->seq = seq;
	/* every buffered write to these filesystems gets this far once: the rest is for O_DIRECT files */
	file = fd_to_file(task, regs->di);
	if (!direct_file_of(file, host, &f_flags))
		return 0;
	seq = dl_write_seq();
	tc = dl_ctx(false);
	/* a multi-folio write is judged at its first folio */
	if (seq && tc && tc->fallback_seq == seq)
		return 0;
	tc = dl_ctx(true);
	if (tc)
		tc->fallback_seq = seq;
	if (nr == NR_pwrite64 || nr == NR_pwritev || nr == NR_pwritev2)
		w.pos = regs->r10;
	else	/* write(2), writev(2): the file position moves when the write is done */
		w.pos = BPF_CORE_READ(file, f_pos);
	if (nr == NR_write || nr == NR_pwrite64)
		w.len = regs->dx;
	w.nr = nr;
	/* it entered iomap's DIO path first, and iomap gave up */
	if (seq && tc && tc->dio_seq == seq)
		w.flags |= DL_F_IOMAP;
	emit_fallback(&w, f_flags);
	return 0;
}

static __always_inline int on_dirty_folio(struct folio *folio, struct address_space *mapping, bool btf)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct inode *host;
	struct super_block *sb;
	struct pt_regs *regs;
	__u32 nr;

	if (!mapping || (task->flags & PF_KTHREAD))
		return 0;
	/* the filesystems whose O_DIRECT writes rules.h knows go through iomap */
	host = DL_RD(btf, mapping, host);
	if (!host)
		return 0;
	sb = DL_RD(btf, host, i_sb);
	if (!sb || dl_fsid_of_magic(DL_RD(btf, sb, s_magic)) == DL_FSID_OTHER)
		return 0;
	if (task->flags & PF_IO_WORKER)
		return judge_uring(task, host, DL_RD(btf, folio, index), dl_io_worker_path(task));
	regs = (void *)bpf_task_pt_regs(task);
	nr = regs->orig_ax;
	if (nr == NR_io_uring_enter)
		return judge_uring(task, host, DL_RD(btf, folio, index), DL_PATH_IO_URING);
	if (nr == NR_io_submit)
		return judge_aio(task, regs, host, DL_RD(btf, folio, index));
	return judge_syscall(task, regs, host);
}

DL_TRACEPOINT(writeback_dirty_folio, on_dirty_folio(folio, mapping, btf), struct folio *folio,
	      struct address_space *mapping)
