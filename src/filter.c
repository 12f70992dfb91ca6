// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "filter.h"

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
	default:
		snprintf(err, errlen, "invalid inode number '%s': expected a positive integer", arg);
	}
	return -EINVAL;
}

bool dl_filter_match_comm(const struct dl_filter *f, const char *comm)
{
	return !f->comm[0] || !strncmp(f->comm, comm, DL_COMM_LEN);
}

bool dl_filter_match_event(const struct dl_filter *f, const struct dl_event *e)
{
	if (f->tgid && e->hdr.tgid != f->tgid)
		return false;
	if (e->hdr.type == DL_EV_TASK_EXIT || e->hdr.type == DL_EV_TICK)
		return true;
	if ((f->dev && e->dev != f->dev) || (f->ino && e->ino != f->ino))
		return false;
	if (f->fs[0] && strncmp(f->fs, e->fs, DL_FS_LEN))
		return false;
	return dl_filter_match_comm(f, e->comm);
}
