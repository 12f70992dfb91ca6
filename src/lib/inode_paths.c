// SPDX-License-Identifier: GPL-2.0
#include <stdlib.h>
#include <string.h>
#include "lib/inode_paths.h"

const char *inode_paths_get(const struct inode_paths *p, __u32 dev, __u64 ino)
{
	for (int i = 0; i < p->n; i++)
		if (p->e[i].dev == dev && p->e[i].ino == ino)
			return p->e[i].path;
	return NULL;
}

bool inode_paths_set(struct inode_paths *p, __u32 dev, __u64 ino, const char *path)
{
	char *copy;

	if (!path || !*path || inode_paths_get(p, dev, ino))
		return false;
	if (p->n == INODE_PATHS_MAX || !(copy = strdup(path))) {
		p->dropped++;
		return false;
	}
	p->e[p->n++] = (struct inode_path){ dev, ino, copy };
	return true;
}

void inode_paths_free(struct inode_paths *p)
{
	for (int i = 0; i < p->n; i++)
		free(p->e[i].path);
	p->n = 0;
}
