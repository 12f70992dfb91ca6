// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "lib/log.h"
#include "output/outfile.h"

int out_open(struct out_file *of, const char *path, const char *what, unsigned int mode, char *err,
	     size_t len)
{
	char dir[4096];
	struct stat st;
	int fd, e;

	of->path = path;
	of->what = what;
	of->mode = mode;
	of->published = false;
	if (!strcmp(path, "-")) {
		of->f = stdout;
		return 0;
	}
	if (!lstat(path, &st) && !S_ISREG(st.st_mode)) {
		snprintf(err, len, "cannot write %s to '%s': not a regular file", what, path);
		return -EINVAL;
	}
	snprintf(dir, sizeof(dir), "%s", path);
	if (snprintf(of->tmpl, sizeof(of->tmpl), "%s/.diolock-out.XXXXXX", dirname(dir)) >=
	    (int)sizeof(of->tmpl)) {
		snprintf(err, len, "cannot write %s to '%s': path too long", what, path);
		return -ENAMETOOLONG;
	}
	memcpy(of->tmp, of->tmpl, sizeof(of->tmp));
	fd = mkstemp(of->tmp);
	if (fd < 0 || fchmod(fd, mode) || !(of->f = fdopen(fd, "w"))) {
		e = errno;
		snprintf(err, len, "cannot write %s to '%s': %s", what, path, strerror(e));
		if (fd >= 0) {
			close(fd);
			unlink(of->tmp);
		}
		of->f = NULL;
		return -e;
	}
	return 0;
}

/*
 * A rename is durable only once its directory is: without this a machine
 * that dies seconds after the report was written can come back with the
 * previous version, or none (ext4 commits its journal every 5 s by default).
 */
static int sync_dir_of(const char *path)
{
	char dir[4096];
	int fd, err = 0;

	snprintf(dir, sizeof(dir), "%s", path);
	fd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fsync(fd) && errno != EINVAL)
		err = -errno;
	close(fd);
	return err;
}

int out_commit(struct out_file *of)
{
	int err = 0;

	if (of->f == stdout)
		return fflush(stdout) ? -errno : 0;
	if (fflush(of->f) || fsync(fileno(of->f)))
		err = -errno;
	fclose(of->f);
	of->f = NULL;
	if (!err && !of->published && rename(of->tmp, of->path))
		err = -errno;
	if (!err && !of->published)
		err = sync_dir_of(of->path);
	if (err) {
		if (!of->published)
			unlink(of->tmp);
		dl_err("cannot write %s to '%s': %s", of->what, of->path, strerror(-err));
	}
	return err;
}

void out_discard(struct out_file *of)
{
	if (!of->f || of->f == stdout)
		return;
	fclose(of->f);
	of->f = NULL;
	if (!of->published)
		unlink(of->tmp);
}

int out_publish(struct out_file *of)
{
	int err = 0;

	if (!of->f || of->f == stdout || of->published)
		return 0;
	if (fflush(of->f) || rename(of->tmp, of->path))
		err = -errno;
	else
		err = sync_dir_of(of->path);
	if (err) {
		dl_err("cannot write %s to '%s': %s", of->what, of->path, strerror(-err));
		return err;
	}
	of->published = true;
	return 0;
}

int out_rewrite(struct out_file *of, void (*write)(FILE *f, void *ctx), void *ctx)
{
	int fd, err;

	if (of->f == stdout)
		return -EINVAL;
	if (!of->f) {
		memcpy(of->tmp, of->tmpl, sizeof(of->tmp));
		fd = mkstemp(of->tmp);
		if (fd < 0 || fchmod(fd, of->mode) || !(of->f = fdopen(fd, "w"))) {
			err = -errno;
			if (fd >= 0) {
				close(fd);
				unlink(of->tmp);
			}
			dl_err("cannot write %s to '%s': %s", of->what, of->path, strerror(-err));
			return err;
		}
	}
	write(of->f, ctx);
	return out_commit(of);
}
