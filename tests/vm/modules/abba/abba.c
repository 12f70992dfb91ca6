// SPDX-License-Identifier: GPL-2.0
/*
 * abba - lets user tasks take real inode i_rwsem locks in a chosen order, so
 * that diolock's VM tests can create genuine lock-order deadlocks.
 *
 * Writing "PATH_A PATH_B ..." (up to 8 paths) to /proc/diolock_abba makes the
 * writing task do inode_lock(A), msleep(hold_ms), inode_lock(B), ... and then
 * unlock them all in reverse order. A path written as "r:PATH" is taken with
 * inode_lock_shared(). So two tasks writing "a b" and "b a" at about the same
 * time end in a real ABBA deadlock: both sleep in D state forever, in
 * down_write() on i_rwsem, exactly as a filesystem bug would leave them.
 * "a a" is a self-deadlock. "pair A B" takes the two through the kernel's
 * own ordered helper, lock_two_nondirectories() (by address, whatever the
 * order written), holds them hold_ms, and unlocks: the order that is safe by
 * construction. A path written as "i:PATH" takes the file's mapping's
 * invalidate_lock (filemap_invalidate_lock) instead of its i_rwsem:
 * truncate takes i_rwsem, then invalidate_lock; "i:a a" is the other order.
 * "m:PID" write-locks the mmap_lock of process PID (as munmap, mprotect or
 * khugepaged would): "m:PID a" with PID inside a DIO write to a, pinning
 * pages it must fault in, is a cycle across mmap_lock and i_rwsem. "w:PATH"
 * takes the freeze protection of PATH's filesystem (sb_start_write, as
 * mnt_want_write and file_start_write do): "a w:a" on a frozen filesystem
 * holds a's i_rwsem while waiting for the thaw, against the kernel's order
 * (sb_writers outermost). A first token "hold=MS" sets this write's sleep
 * between locks instead of hold_ms.
 * Only for throw-away VMs.
 */
#include <linux/delay.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/mmap_lock.h>
#include <linux/pid.h>
#include <linux/sched/mm.h>
#include <linux/module.h>
#include <linux/namei.h>
#include <linux/proc_fs.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#define ABBA_MAX_PATHS	8

static unsigned int hold_ms = 300;
module_param(hold_ms, uint, 0644);
MODULE_PARM_DESC(hold_ms, "How long to hold each lock before taking the next (ms, default 300)");

struct abba_lock {
	struct path path;
	struct mm_struct *mm;	/* "m:PID": that process's mmap_lock, no path */
	bool shared;
	bool invalidate;	/* the mapping's invalidate_lock, not i_rwsem */
	bool sb_write;		/* the filesystem's sb_writers (SB_FREEZE_WRITE), not i_rwsem */
};

static void abba_lock_inode(const struct abba_lock *l)
{
	struct inode *inode;

	if (l->mm) {
		mmap_write_lock(l->mm);
		return;
	}
	inode = d_inode(l->path.dentry);
	if (l->sb_write)
		sb_start_write(inode->i_sb);
	else if (l->invalidate)
		filemap_invalidate_lock(inode->i_mapping);
	else if (l->shared)
		inode_lock_shared(inode);
	else
		inode_lock(inode);
}

static void abba_unlock_inode(const struct abba_lock *l)
{
	struct inode *inode;

	if (l->mm) {
		mmap_write_unlock(l->mm);
		return;
	}
	inode = d_inode(l->path.dentry);
	if (l->sb_write)
		sb_end_write(inode->i_sb);
	else if (l->invalidate)
		filemap_invalidate_unlock(inode->i_mapping);
	else if (l->shared)
		inode_unlock_shared(inode);
	else
		inode_unlock(inode);
}

static ssize_t abba_write(struct file *file, const char __user *ubuf, size_t len, loff_t *ppos)
{
	struct abba_lock locks[ABBA_MAX_PATHS] = {};
	unsigned int hold = hold_ms;
	char *buf, *cur, *tok;
	int n = 0, i, err = 0;
	bool pair = false;

	if (!len || len >= PATH_MAX)
		return -EINVAL;
	buf = memdup_user_nul(ubuf, len);
	if (IS_ERR(buf))
		return PTR_ERR(buf);
	/* resolve every path first: a bad one fails the write with nothing locked */
	cur = buf;
	while ((tok = strsep(&cur, " \t\n"))) {
		bool shared = false, invalidate = false, sb_write = false;

		if (!*tok)
			continue;
		if (!n && !pair && !strcmp(tok, "pair")) {
			pair = true;
			continue;
		}
		if (!n && !strncmp(tok, "hold=", 5)) {
			err = kstrtouint(tok + 5, 10, &hold);
			if (err)
				goto out;
			continue;
		}
		if (n == ABBA_MAX_PATHS) {
			err = -E2BIG;
			goto out;
		}
		if (!strncmp(tok, "r:", 2)) {
			shared = true;
			tok += 2;
		} else if (!strncmp(tok, "i:", 2)) {
			invalidate = true;
			tok += 2;
		} else if (!strncmp(tok, "w:", 2)) {
			sb_write = true;
			tok += 2;
		} else if (!strncmp(tok, "m:", 2)) {
			struct task_struct *task;
			struct pid *pid;
			int nr;

			err = kstrtoint(tok + 2, 10, &nr);
			if (err)
				goto out;
			pid = find_get_pid(nr);
			task = pid ? get_pid_task(pid, PIDTYPE_PID) : NULL;
			put_pid(pid);
			/* the mm reference keeps it while we sleep holding its lock */
			locks[n].mm = task ? get_task_mm(task) : NULL;
			if (task)
				put_task_struct(task);
			if (!locks[n].mm) {
				err = -ESRCH;
				goto out;
			}
			n++;
			continue;
		}
		/* the path reference pins the inode while we sleep holding its lock */
		err = kern_path(tok, LOOKUP_FOLLOW, &locks[n].path);
		if (err)
			goto out;
		locks[n].shared = shared;
		locks[n].sb_write = sb_write;
		locks[n++].invalidate = invalidate;
	}
	if (!n || (pair && (n != 2 || locks[0].mm || locks[1].mm))) {
		err = -EINVAL;
		goto out;
	}
	if (pair) {
		struct inode *a = d_inode(locks[0].path.dentry), *b = d_inode(locks[1].path.dentry);

		lock_two_nondirectories(a, b);
		msleep(hold_ms);
		unlock_two_nondirectories(a, b);
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (i)
			msleep(hold);
		abba_lock_inode(&locks[i]);
	}
	for (i = n - 1; i >= 0; i--)
		abba_unlock_inode(&locks[i]);
out:
	while (n--) {
		if (locks[n].mm)
			mmput(locks[n].mm);
		else
			path_put(&locks[n].path);
	}
	kfree(buf);
	return err ? err : len;
}

static const struct proc_ops abba_proc_ops = {
	.proc_write = abba_write,
	.proc_lseek = noop_llseek,
};

static struct proc_dir_entry *abba_entry;

static int __init abba_init(void)
{
	abba_entry = proc_create("diolock_abba", 0200, NULL, &abba_proc_ops);
	return abba_entry ? 0 : -ENOMEM;
}

static void __exit abba_exit(void)
{
	/* waits for writers still inside abba_write(): never returns after a deadlock */
	proc_remove(abba_entry);
}

module_init(abba_init);
module_exit(abba_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("diolock VM tests: take inode locks in a chosen order to make real deadlocks");
