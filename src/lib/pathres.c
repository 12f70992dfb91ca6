// SPDX-License-Identifier: GPL-2.0
#include <dirent.h>
#include <ftw.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include "lib/cgroups.h"
#include <sys/sysmacros.h>
#include "lib/filter.h"
#include "lib/pathres.h"

#define PR_MAX 1024

struct pr_dev {
	__u32 dev;
	char *name;		/* never NULL once cached */
	char *mnt;		/* NULL: not mounted */
};

struct pr_ino {
	__u32 dev;
	__u64 ino;
	char *path;		/* "unknown" when not found */
};

struct pr_comm {
	__u32 pid;
	char comm[17];		/* "exited" when /proc no longer has it */
};

struct pathres {
	struct pr_dev devs[PR_MAX];
	int ndevs;
	struct pr_ino inos[PR_MAX];
	int ninos;
	struct pr_comm comms[PR_MAX];
	int ncomms;
	struct dl_cgroups cgroups;
};

struct pathres *pathres_new(void)
{
	struct pathres *pr = calloc(1, sizeof(struct pathres));

	if (pr)
		dl_cgroups_init(&pr->cgroups);
	return pr;
}

const char *pathres_cgroup(struct pathres *pr, __u64 id)
{
	const char *p = pr ? dl_cgroups_path(&pr->cgroups, id) : NULL;

	return p ? p : "unknown";
}

void pathres_free(struct pathres *pr)
{
	if (!pr)
		return;
	for (int i = 0; i < pr->ndevs; i++) {
		free(pr->devs[i].name);
		free(pr->devs[i].mnt);
	}
	for (int i = 0; i < pr->ninos; i++)
		free(pr->inos[i].path);
	dl_cgroups_fini(&pr->cgroups);
	free(pr);
}

/* The kernel dev_t of records -> the glibc dev_t of stat(2). */
static dev_t user_dev(__u32 dev)
{
	return makedev(DL_DEV_MAJOR(dev), DL_DEV_MINOR(dev));
}

/* mountinfo escapes space, tab, newline and backslash as \ooo. */
static void unescape(char *s)
{
	char *o = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '7' && s[2] && s[3]) {
			*o++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 3;
		} else {
			*o++ = *s;
		}
	}
	*o = '\0';
}

static char *read_line(const char *path)
{
	char buf[PATH_MAX], *nl;
	FILE *f = fopen(path, "r");

	if (!f)
		return NULL;
	if (!fgets(buf, sizeof(buf), f)) {
		fclose(f);
		return NULL;
	}
	fclose(f);
	nl = strchr(buf, '\n');
	if (nl)
		*nl = '\0';
	return buf[0] ? strdup(buf) : NULL;
}

/* "/dev/loop0" -> "/dev/loop0 (backing file)" */
static char *describe_source(const char *src)
{
	char path[PATH_MAX], *backing, *out = NULL;

	if (!strncmp(src, "/dev/loop", 9) && strspn(src + 9, "0123456789") == strlen(src + 9)) {
		snprintf(path, sizeof(path), "/sys/block/%s/loop/backing_file", src + 5);
		backing = read_line(path);
		if (backing && asprintf(&out, "%s (%s)", src, backing) < 0)
			out = NULL;
		free(backing);
	}
	return out ? out : strdup(src);
}

/* A block device from /sys/dev/block/MAJ:MIN/uevent's DEVNAME. */
static char *sysfs_devname(__u32 dev)
{
	char path[320], line[256], *out = NULL;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/dev/block/%u:%u/uevent", DL_DEV_MAJOR(dev), DL_DEV_MINOR(dev));
	f = fopen(path, "r");
	if (!f)
		return NULL;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "DEVNAME=", 8))
			continue;
		line[strcspn(line, "\n")] = '\0';
		snprintf(path, sizeof(path), "/dev/%s", line + 8);
		out = describe_source(path);
		break;
	}
	fclose(f);
	return out;
}

/*
 * The mount of dev: mountinfo's MAJ:MIN is the superblock's device; btrfs
 * subvolumes report their own anonymous device in stat(2), so also compare
 * what stat says about each btrfs mount point.
 */
static void find_mount(__u32 dev, char **name, char **mnt)
{
	char line[4096], *f[10], *sep, *save, *tok;
	unsigned int ma, mi;
	struct stat st;
	FILE *fp = fopen("/proc/self/mountinfo", "r");

	if (!fp)
		return;
	while (fgets(line, sizeof(line), fp)) {
		int n = 0;
		bool match;

		sep = strstr(line, " - ");
		if (!sep)
			continue;
		*sep = '\0';
		for (tok = strtok_r(line, " ", &save); tok && n < 5; tok = strtok_r(NULL, " ", &save))
			f[n++] = tok;
		if (n < 5 || sscanf(f[2], "%u:%u", &ma, &mi) != 2)
			continue;
		n = 5;
		for (tok = strtok_r(sep + 3, " \n", &save); tok && n < 7; tok = strtok_r(NULL, " \n", &save))
			f[n++] = tok;
		if (n < 7)
			continue;
		unescape(f[4]);
		match = DL_MKDEV(ma, mi) == dev;
		if (!match && !strcmp(f[5], "btrfs") && !stat(f[4], &st) && st.st_dev == user_dev(dev))
			match = true;
		/* prefer a mount of the filesystem's root over a bind mount of a subtree */
		if (match && (!*mnt || !strcmp(f[3], "/"))) {
			free(*mnt);
			free(*name);
			*mnt = strdup(f[4]);
			unescape(f[6]);
			*name = f[6][0] == '/' ? describe_source(f[6]) : strdup(f[6]);
			if (!strcmp(f[3], "/"))
				break;
		}
	}
	fclose(fp);
}

static struct pr_dev *dev_entry(struct pathres *pr, __u32 dev)
{
	struct pr_dev *d;
	char *name = NULL, *mnt = NULL;

	for (int i = 0; i < pr->ndevs; i++)
		if (pr->devs[i].dev == dev)
			return &pr->devs[i];
	find_mount(dev, &name, &mnt);
	if (!name || name[0] != '/') {
		char *sys = sysfs_devname(dev);

		if (sys) {
			free(name);
			name = sys;
		}
	}
	if (pr->ndevs == PR_MAX) {
		free(name);
		free(mnt);
		return NULL;
	}
	d = &pr->devs[pr->ndevs++];
	d->dev = dev;
	d->name = name ? name : strdup("unknown");
	d->mnt = mnt;
	return d;
}

const char *pathres_dev(struct pathres *pr, __u32 dev)
{
	struct pr_dev *d = dev_entry(pr, dev);

	return d && d->name ? d->name : "unknown";
}

const char *pathres_mountpoint(struct pathres *pr, __u32 dev)
{
	struct pr_dev *d = dev_entry(pr, dev);

	return d ? d->mnt : NULL;
}

const char *pathres_comm(struct pathres *pr, __u32 pid)
{
	struct pr_comm *c;
	char name[64];
	FILE *f;

	for (int i = 0; i < pr->ncomms; i++)
		if (pr->comms[i].pid == pid)
			return pr->comms[i].comm;
	/* a full cache recycles its first slot: a report names a few processes */
	c = &pr->comms[pr->ncomms < PR_MAX ? pr->ncomms++ : 0];
	c->pid = pid;
	snprintf(name, sizeof(name), "/proc/%u/comm", pid);
	f = fopen(name, "re");
	if (!f || !fgets(c->comm, sizeof(c->comm), f))
		snprintf(c->comm, sizeof(c->comm), "exited");
	if (f)
		fclose(f);
	c->comm[strcspn(c->comm, "\n")] = '\0';
	return c->comm;
}

/* The open files of a task: cheap, and the task is using the inode. */
static char *from_fds(__u32 pid, dev_t dev, __u64 ino)
{
	char dir[64], link[384], target[PATH_MAX];
	struct dirent *de;
	struct stat st;
	char *out = NULL;
	DIR *d;
	ssize_t n;

	snprintf(dir, sizeof(dir), "/proc/%u/fd", pid);
	d = opendir(dir);
	if (!d)
		return NULL;
	while (!out && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(link, sizeof(link), "%s/%s", dir, de->d_name);
		if (stat(link, &st) || st.st_dev != dev || st.st_ino != ino)
			continue;
		n = readlink(link, target, sizeof(target) - 1);
		if (n <= 0 || target[0] != '/')
			continue;
		target[n] = '\0';
		out = strdup(target);
	}
	closedir(d);
	return out;
}

/* nftw has no context argument: one walk at a time. */
static struct {
	dev_t dev;
	__u64 ino;
	char *found;
	long entries;
	struct timespec deadline;
} walk;

static bool past_deadline(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec > walk.deadline.tv_sec ||
	       (now.tv_sec == walk.deadline.tv_sec && now.tv_nsec > walk.deadline.tv_nsec);
}

static int walk_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)type;
	(void)ftw;
	if (st->st_ino == walk.ino && st->st_dev == walk.dev) {
		walk.found = strdup(path);
		return 1;
	}
	if (++walk.entries >= PATHRES_SCAN_ENTRIES || ((walk.entries & 1023) == 0 && past_deadline()))
		return 2;
	return 0;
}

static char *from_walk(const char *mnt, dev_t dev, __u64 ino)
{
	walk.dev = dev;
	walk.ino = ino;
	walk.found = NULL;
	walk.entries = 0;
	clock_gettime(CLOCK_MONOTONIC, &walk.deadline);
	walk.deadline.tv_sec += PATHRES_SCAN_MS / 1000;
	walk.deadline.tv_nsec += (PATHRES_SCAN_MS % 1000) * 1000000L;
	if (walk.deadline.tv_nsec >= 1000000000L) {
		walk.deadline.tv_sec++;
		walk.deadline.tv_nsec -= 1000000000L;
	}
	/* FTW_MOUNT: stay on this filesystem; FTW_PHYS: do not follow symlinks */
	nftw(mnt, walk_one, 16, FTW_MOUNT | FTW_PHYS);
	return walk.found;
}

const char *pathres_inode_open(struct pathres *pr, __u32 dev, __u64 ino, __u32 pid)
{
	struct pr_ino *e;
	char *path;

	for (int i = 0; i < pr->ninos; i++)
		if (pr->inos[i].dev == dev && pr->inos[i].ino == ino)
			return strcmp(pr->inos[i].path, "unknown") ? pr->inos[i].path : NULL;
	path = pid && pr->ninos < PR_MAX ? from_fds(pid, user_dev(dev), ino) : NULL;
	if (!path)
		return NULL;
	e = &pr->inos[pr->ninos++];
	e->dev = dev;
	e->ino = ino;
	e->path = path;
	return path;
}

const char *pathres_inode(struct pathres *pr, __u32 dev, __u64 ino, __u32 pid_hint)
{
	struct pr_ino *e;
	const char *mnt;
	char *path = NULL;

	for (int i = 0; i < pr->ninos; i++)
		if (pr->inos[i].dev == dev && pr->inos[i].ino == ino)
			return pr->inos[i].path;
	if (pid_hint)
		path = from_fds(pid_hint, user_dev(dev), ino);
	if (!path) {
		mnt = pathres_mountpoint(pr, dev);
		if (mnt)
			path = from_walk(mnt, user_dev(dev), ino);
	}
	if (pr->ninos == PR_MAX) {
		free(path);
		return "unknown";
	}
	e = &pr->inos[pr->ninos++];
	e->dev = dev;
	e->ino = ino;
	e->path = path ? path : strdup("unknown");
	return e->path;
}
