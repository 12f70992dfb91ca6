// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <linux/magic.h>
#include "lib/cgroups.h"
#include "lib/clock.h"

bool dl_cgroup2_mount(char *buf, size_t len)
{
	char line[4096], mnt[DL_CGROUP_PATH_LEN], *sep;
	FILE *f = fopen("/proc/self/mountinfo", "re");

	buf[0] = '\0';
	if (!f)
		return false;
	/* "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [TAGS] - FSTYPE SOURCE SUPEROPTS" */
	while (fgets(line, sizeof(line), f)) {
		sep = strstr(line, " - cgroup2 ");
		if (!sep || sscanf(line, "%*s %*s %*s %*s %255s", mnt) != 1)
			continue;
		snprintf(buf, len, "%s", mnt);
		break;
	}
	fclose(f);
	return buf[0] != '\0';
}

static bool is_cgroup2(const char *path, bool *v1)
{
	struct statfs sf;

	*v1 = false;
	if (statfs(path, &sf))
		return false;
	*v1 = sf.f_type == CGROUP_SUPER_MAGIC;
	return sf.f_type == CGROUP2_SUPER_MAGIC;
}

int dl_cgroup_dir(const char *arg, __u64 *id, char *rel, size_t rellen, char *err, size_t errlen)
{
	char mount[DL_CGROUP_PATH_LEN], path[2 * DL_CGROUP_PATH_LEN], real[4096];
	struct stat st;
	bool v1;

	if (!dl_cgroup2_mount(mount, sizeof(mount))) {
		snprintf(err, errlen, "--cgroup %s: cgroup v2 is not mounted here (diolock filters on the unified "
			 "hierarchy only)", arg);
		return -ENOENT;
	}
	snprintf(path, sizeof(path), "%s", arg);
	/* "/system.slice/x.service", as systemd and /proc/PID/cgroup name it */
	if (stat(path, &st) && arg[0] == '/')
		snprintf(path, sizeof(path), "%s%s", mount, arg);
	if (stat(path, &st) || !S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "--cgroup %s: no such directory (a cgroup v2 directory, under %s)", arg, mount);
		return -ENOENT;
	}
	if (!is_cgroup2(path, &v1)) {
		snprintf(err, errlen, "--cgroup %s: %s, not a cgroup v2 directory (cgroup v2 is mounted at %s)", arg,
			 v1 ? "a cgroup v1 hierarchy" : "not on a cgroup filesystem", mount);
		return -EINVAL;
	}
	if (!realpath(path, real) || strncmp(real, mount, strlen(mount))) {
		snprintf(err, errlen, "--cgroup %s: not under the cgroup v2 mount %s", arg, mount);
		return -EINVAL;
	}
	*id = st.st_ino;
	snprintf(rel, rellen, "%s", real[strlen(mount)] ? real + strlen(mount) : "/");
	return 0;
}

int dl_cgroup_open(const char *rel)
{
	char mount[DL_CGROUP_PATH_LEN], path[2 * DL_CGROUP_PATH_LEN];
	int fd;

	if (!dl_cgroup2_mount(mount, sizeof(mount)))
		return -ENOENT;
	snprintf(path, sizeof(path), "%s%s", mount, rel);
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

void dl_cgroups_init(struct dl_cgroups *c)
{
	memset(c, 0, sizeof(*c));
	c->no_mount = !dl_cgroup2_mount(c->mount, sizeof(c->mount));
}

void dl_cgroups_fini(struct dl_cgroups *c)
{
	void *v;

	for (size_t i = 0; table_next(&c->by_id, &i, &v);)
		free(v);
	table_free(&c->by_id);
}

void dl_cgroups_put(struct dl_cgroups *c, __u64 id, const char *path)
{
	char *p;

	if (!id || table_get(&c->by_id, id))
		return;
	p = strdup(path);
	if (p && table_put(&c->by_id, id, p))
		free(p);
}

const char *dl_cgroups_known(const struct dl_cgroups *c, __u64 id)
{
	return id ? table_get(&c->by_id, id) : NULL;
}

/* nftw has no context argument: the walk in progress */
static struct dl_cgroups *walking;

static int on_dir(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	const char *rel = path + strlen(walking->mount);

	(void)ftw;
	if (type == FTW_D)
		dl_cgroups_put(walking, st->st_ino, *rel ? rel : "/");
	return 0;
}

const char *dl_cgroups_path(struct dl_cgroups *c, __u64 id)
{
	const char *p = id ? table_get(&c->by_id, id) : NULL;
	double now;

	if (p || !id || c->no_mount)
		return p;
	/* a cgroup made since the last walk; one walk a second bounds a flood of unknown ids */
	now = dl_mono_s();
	if (c->walked_at && now - c->walked_at < 1.0)
		return NULL;
	c->walked_at = now;
	walking = c;
	nftw(c->mount, on_dir, 16, FTW_PHYS | FTW_MOUNT);
	walking = NULL;
	return table_get(&c->by_id, id);
}

/* The last component of path, its length in *n. */
static const char *last_component(const char *path, size_t *n)
{
	const char *s = strrchr(path, '/');

	s = s ? s + 1 : path;
	*n = strlen(s);
	return s;
}

static bool hex_id(const char *s, size_t n)
{
	if (n < 12)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!strchr("0123456789abcdef", s[i]))
			return false;
	return true;
}

bool dl_cgroup_container(const char *path, char *name, size_t len)
{
	static const struct {
		const char *prefix, *runtime;
	} scopes[] = {
		{ "docker-", "docker" },
		{ "cri-containerd-", "containerd" },
		{ "libpod-", "podman" },
		{ "crio-", "crio" },
	};
	size_t n, pl;
	const char *s = last_component(path, &n);

	for (size_t i = 0; i < sizeof(scopes) / sizeof(scopes[0]); i++) {
		pl = strlen(scopes[i].prefix);
		if (n > pl + 6 && !strncmp(s, scopes[i].prefix, pl) && !strcmp(s + n - 6, ".scope") &&
		    hex_id(s + pl, n - pl - 6)) {
			snprintf(name, len, "%s:%.12s", scopes[i].runtime, s + pl);
			return true;
		}
	}
	/* the cgroupfs drivers: /docker/ID, /kubepods/<qos>/pod<uid>/ID */
	if (hex_id(s, n) && n == 64) {
		snprintf(name, len, "%s:%.12s", !strncmp(path, "/kubepods", 9) ? "kubepods" : "docker", s);
		return true;
	}
	if (n > 8 && !strcmp(s + n - 8, ".service")) {
		snprintf(name, len, "%s", s);
		return true;
	}
	return false;
}
