// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include "lib/filter.h"

int dl_parse_u64(const char *s, __u64 max, __u64 *out)
{
	unsigned long long v;
	char *end;

	if (!s || !*s || *s == '-' || *s == '+')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

static int parse_dev(const char *arg, __u32 *dev)
{
	char buf[32], *colon;
	__u64 ma, mi;

	if (strlen(arg) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, arg);
	colon = strchr(buf, ':');
	if (!colon)
		return -EINVAL;
	*colon = '\0';
	if (dl_parse_u64(buf, 0xfff, &ma) || dl_parse_u64(colon + 1, 0xfffff, &mi))
		return -EINVAL;
	if (!ma && !mi)
		return -EINVAL;
	*dev = DL_MKDEV((__u32)ma, (__u32)mi);
	return 0;
}

int dl_filter_parse(struct dl_filter *f, int key, const char *arg, char *err, size_t errlen)
{
	__u64 v;

	switch (key) {
	case DL_OPT_PID:
		if (dl_parse_u64(arg, 0x3fffffff, &v) || !v)
			goto bad;
		f->tgid = (__u32)v;
		return 0;
	case DL_OPT_COMM:
		if (!*arg || strlen(arg) >= DL_COMM_LEN)
			goto bad;
		strcpy(f->comm, arg);
		return 0;
	case DL_OPT_FS:
		if (!*arg || strlen(arg) >= DL_FS_LEN)
			goto bad;
		strcpy(f->fs, arg);
		return 0;
	case DL_OPT_DEV:
		if (parse_dev(arg, &f->dev))
			goto bad;
		return 0;
	case DL_OPT_INO:
		if (dl_parse_u64(arg, ~0ULL, &v) || !v)
			goto bad;
		f->ino = v;
		return 0;
	case DL_OPT_CGROUP:
		if (!*arg || strlen(arg) >= sizeof(f->cgroup))
			goto bad;
		strcpy(f->cgroup, arg);
		return 0;
	}
	snprintf(err, errlen, "unknown filter option");
	return -EINVAL;
bad:
	switch (key) {
	case DL_OPT_PID:
		snprintf(err, errlen, "invalid PID '%s': expected a positive process id", arg);
		break;
	case DL_OPT_COMM:
		snprintf(err, errlen, "invalid COMM '%s': 1 to %d characters", arg, DL_COMM_LEN - 1);
		break;
	case DL_OPT_FS:
		snprintf(err, errlen, "invalid filesystem name '%s': 1 to %d characters", arg, DL_FS_LEN - 1);
		break;
	case DL_OPT_DEV:
		snprintf(err, errlen, "invalid device '%s': expected MAJ:MIN, e.g. 7:0", arg);
		break;
	case DL_OPT_CGROUP:
		snprintf(err, errlen, "invalid cgroup '%.40s': 1 to %d characters", arg, DL_CGROUP_PATH_LEN - 1);
		break;
	default:
		snprintf(err, errlen, "invalid inode number '%s': expected a positive integer", arg);
	}
	return -EINVAL;
}

bool dl_filter_match_comm(const struct dl_filter *f, const char *comm)
{
	return !f->comm[0] || !strncmp(f->comm, comm, DL_COMM_LEN);
}

/* Who froze a filesystem matters whoever is watched: the task filters do not apply (bpf/freeze.bpf.c). */
static bool names_any_task(__u16 type)
{
	return type == DL_EV_FREEZE || type == DL_EV_THAW;
}

bool dl_filter_match_event(const struct dl_filter *f, const struct dl_event *e)
{
	if (f->tgid && e->hdr.tgid != f->tgid && !names_any_task(e->hdr.type))
		return false;
	if (e->hdr.type == DL_EV_TASK_EXIT || e->hdr.type == DL_EV_TICK)
		return true;
	if ((f->dev && e->dev != f->dev) || (f->ino && e->ino != f->ino))
		return false;
	if (f->fs[0] && strncmp(f->fs, e->fs, DL_FS_LEN))
		return false;
	return names_any_task(e->hdr.type) || dl_filter_match_comm(f, e->comm);
}

/* /proc/filesystems, or a module the kernel would load on the first mount. */
static bool fs_known(const char *fs, char *known, size_t klen)
{
	char line[128], path[512], *name;
	struct utsname u;
	size_t n = 0;
	bool found = false;
	FILE *f = fopen("/proc/filesystems", "re");

	known[0] = '\0';
	if (!f)
		return true;	/* cannot tell: do not refuse */
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		name = strchr(line, '\t');
		name = name ? name + 1 : line;
		if (!strcmp(name, fs))
			found = true;
		/* block filesystems only: the ones with i_rwsem-and-DIO stories */
		if (strncmp(line, "nodev", 5) && n < klen)
			n += snprintf(known + n, klen - n, "%s%s", n ? ", " : "", name);
	}
	fclose(f);
	if (found || uname(&u))
		return true;	/* known, or no release to look for modules under */
	snprintf(path, sizeof(path), "/lib/modules/%s/kernel/fs/%s", u.release, fs);
	return !access(path, F_OK);
}

/*
 * A block device, or the device of a mounted filesystem (mountinfo's third
 * field). btrfs files report their subvolume's anonymous device (0:N, even
 * for the top subvolume), which mountinfo does not list and which cannot be
 * enumerated without walking every subvolume: any 0:N passes while a btrfs
 * is mounted.
 */
static bool dev_known(__u32 dev)
{
	char path[64], line[4096], want[32];
	bool found = false, btrfs = false;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/dev/block/%u:%u", DL_DEV_MAJOR(dev), DL_DEV_MINOR(dev));
	if (!access(path, F_OK))
		return true;
	f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return true;
	/* "36 35 0:39 / /mnt rw,relatime - btrfs /dev/loop3 rw": the third field, the type after " - " */
	snprintf(want, sizeof(want), " %u:%u ", DL_DEV_MAJOR(dev), DL_DEV_MINOR(dev));
	while (!found && fgets(line, sizeof(line), f)) {
		char *p = strchr(line, ' ');

		p = p ? strchr(p + 1, ' ') : NULL;
		found = p && !strncmp(p, want, strlen(want));
		p = strstr(line, " - ");
		if (p && !strncmp(p + 3, "btrfs ", 6))
			btrfs = true;
	}
	fclose(f);
	return found || (btrfs && !DL_DEV_MAJOR(dev));
}

int dl_filter_check_system(const struct dl_filter *f, char *err, size_t errlen)
{
	char path[64], known[512];
	struct stat st;

	if (f->tgid) {
		snprintf(path, sizeof(path), "/proc/%u/status", f->tgid);
		if (stat(path, &st)) {
			snprintf(err, errlen, "--pid %u: no such process (--pid takes the id of a running process)",
				 f->tgid);
			return -ESRCH;
		}
	}
	if (f->fs[0] && !fs_known(f->fs, known, sizeof(known))) {
		snprintf(err, errlen, "--fs %s: not a filesystem type this kernel knows (/proc/filesystems: %s)",
			 f->fs, known);
		return -EINVAL;
	}
	if (f->dev && !dev_known(f->dev)) {
		snprintf(err, errlen, "--dev %u:%u: no block device or mounted filesystem has this device "
			 "(--dev takes the MAJ:MIN that stat(2) reports for a file on it)",
			 DL_DEV_MAJOR(f->dev), DL_DEV_MINOR(f->dev));
		return -ENODEV;
	}
	return 0;
}

int dl_filter_resolve_cgroup(struct dl_filter *f, char *err, size_t errlen)
{
	char rel[DL_CGROUP_PATH_LEN];
	int ret = dl_cgroup_dir(f->cgroup, &f->cgroup_id, rel, sizeof(rel), err, errlen);

	/* what the report and a recording's metadata say: the path on the mount */
	if (!ret)
		snprintf(f->cgroup, sizeof(f->cgroup), "%s", rel);
	return ret;
}

void dl_fmt_dev(__u32 dev, char *buf, size_t len)
{
	snprintf(buf, len, "%u:%u", DL_DEV_MAJOR(dev), DL_DEV_MINOR(dev));
}
