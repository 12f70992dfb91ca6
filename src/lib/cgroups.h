/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cgroup v2 names: --cgroup's directory checked, a record's cgroup id (the
 * directory's inode number on the cgroup2 mount, what BPF reads from
 * kernfs) turned into its path, and the container or unit a runtime's
 * path names.
 */
#ifndef DIOLOCK_CGROUPS_H
#define DIOLOCK_CGROUPS_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "lib/table.h"

#define DL_CGROUP_PATH_LEN 256

/* Where cgroup2 is mounted ("" and false when it is not). */
bool dl_cgroup2_mount(char *buf, size_t len);

/*
 * --cgroup's argument: a directory on the cgroup2 mount, given as a path or
 * relative to the mount ("/system.slice/x.service"). Its id and its path on
 * the mount ("/" the root). 0, or -errno with a one-line reason.
 */
int dl_cgroup_dir(const char *arg, __u64 *id, char *rel, size_t rellen, char *err, size_t errlen);

/* The directory of a path on the cgroup2 mount ("/" the root), opened: an fd, or -errno. */
int dl_cgroup_open(const char *rel);

/* The id -> path cache of one run: filled by walking the mount on a miss, at most once a second. */
struct dl_cgroups {
	struct table by_id;	/* id -> strdup'ed path */
	char mount[DL_CGROUP_PATH_LEN];
	double walked_at;	/* monotonic seconds; 0 never */
	bool no_mount;
};

void dl_cgroups_init(struct dl_cgroups *c);
void dl_cgroups_fini(struct dl_cgroups *c);
/* The cgroup's path on the mount ("/" the root), NULL when no walk found it (gone, or no cgroup2). */
const char *dl_cgroups_path(struct dl_cgroups *c, __u64 id);
/* The path already known (no walk). */
const char *dl_cgroups_known(const struct dl_cgroups *c, __u64 id);
/* Record a name found elsewhere (a recording's EVF_CGROUP). */
void dl_cgroups_put(struct dl_cgroups *c, __u64 id, const char *path);

/*
 * The container or unit a path names: docker-ID.scope, cri-containerd-ID.scope
 * (kubepods), libpod-ID.scope (podman), crio-ID.scope: "docker:ID12"; a
 * systemd service: its unit name. false when the path names none.
 */
bool dl_cgroup_container(const char *path, char *name, size_t len);

#endif
