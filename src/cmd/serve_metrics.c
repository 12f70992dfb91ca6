// SPDX-License-Identifier: GPL-2.0
/*
 * Where serve's metrics come from and go: a snapshot of the run read under
 * the lock, rendered by output/metrics.c, to a scrape or a textfile.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "cmd/serve.h"
#include "live/stats.h"
#include "output/metrics.h"

/* Findings by kind and severity: the analyzer's (--findings), or the kernel's completion folds. */
static void count_findings(struct serve_ctx *sc, __u64 finding[AN_KIND_MAX][AN_ERROR + 1])
{
	if (sc->o->findings) {
		struct an_results res;

		pthread_mutex_lock(&sc->lock);
		res = an_results(&sc->cs.an);
		metrics_count_findings(&res, finding);
		pthread_mutex_unlock(&sc->lock);
	} else {
		size_t n;
		const struct dl_fold *slots = dl_session_folds(&sc->live->s, &n);

		metrics_count_folds(slots, n, finding);
	}
}

void serve_metrics(struct serve_ctx *sc, FILE *f)
{
	__u64 finding[AN_KIND_MAX][AN_ERROR + 1] = {};
	struct st_snap s;
	struct st_run run;
	struct metrics_view v = {
		.snap = &s, .run = &run, .by = sc->o->by, .top_inodes = sc->o->top_inodes,
		.top_cgroups = sc->o->top_cgroups,
		.analyzer = sc->o->findings, .finding = (const __u64 (*)[AN_ERROR + 1])finding, .pr = sc->pr,
		.libbpf = libbpf_version_string(),
	};

	pthread_mutex_lock(&sc->out_lock);
	st_run_read(sc->live, &run);
	if (st_snap_read(&sc->live->s, &s)) {
		fprintf(f, "# diolock: cannot read the histogram maps\n");
	} else {
		count_findings(sc, finding);
		metrics_print(f, &v);
		st_snap_free(&s);
	}
	pthread_mutex_unlock(&sc->out_lock);
}


/*
 * FILE.tmp, opened for writing: never through a symlink (diolock runs as
 * root; outfile.c refuses one the same way). 0 or -errno.
 */
static int textfile_tmp(const char *path, char *tmp, size_t len, FILE **f)
{
	int fd;

	if (snprintf(tmp, len, "%s.tmp", path) >= (int)len)
		return -ENAMETOOLONG;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	*f = fdopen(fd, "w");
	if (!*f) {
		int e = errno ? errno : ENOMEM;

		close(fd);
		unlink(tmp);
		return -e;
	}
	return 0;
}

int serve_textfile_check(const char *path)
{
	char tmp[4096];
	FILE *f = NULL;
	int err = textfile_tmp(path, tmp, sizeof(tmp), &f);

	if (err)
		return err;
	fclose(f);
	unlink(tmp);
	return 0;
}

int serve_textfile(struct serve_ctx *sc)
{
	char tmp[4096];
	FILE *f = NULL;
	int err = textfile_tmp(sc->o->textfile, tmp, sizeof(tmp), &f);

	if (err)
		return err;
	serve_metrics(sc, f);
	if (fflush(f) || ferror(f))
		err = -(errno ? errno : EIO);
	if (fclose(f) && !err)
		err = -errno;
	if (!err && rename(tmp, sc->o->textfile))
		err = -errno;
	if (err)
		unlink(tmp);
	else
		sc->textfile_writes++;
	return err;
}
