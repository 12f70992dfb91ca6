/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `diolock serve`'s parts: the metrics in the Prometheus text format
 * (serve_metrics.c), where they go (HTTP in serve_http.c, a textfile for
 * node_exporter's textfile collector in serve_metrics.c) and the command.
 */
#ifndef DIOLOCK_SERVE_H
#define DIOLOCK_SERVE_H

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/socket.h>
#include "pipeline/sink.h"
#include "lib/cli.h"
#include "lib/hist.h"
#include "live/live.h"

#define SERVE_DEFAULT_LISTEN "127.0.0.1:9435"

struct serve_opts {
	struct dl_run_opts run;
	const char *listen;		/* NULL: no HTTP (--textfile alone) */
	const char *textfile;		/* --textfile: the metrics written there too */
	enum dl_stat_by by;
	bool findings;		/* records on, the analyzer of `check` fed live */
	unsigned int top_inodes;	/* --by inode: series for this many inodes, the rest as ino="other" */
	unsigned int top_cgroups;	/* --by cgroup: the same for cgroups, the rest as cgroup="other" */
};

struct serve_ctx {
	const struct serve_opts *o;
	struct dl_live *live;
	struct sink cs;
	pthread_mutex_t lock;		/* cs: fed by the main thread, read by scrapes */
	pthread_mutex_t out_lock;	/* one metrics text at a time: pr is not thread-safe */
	struct pathres *pr;		/* names of devices and inodes, for the metrics */
	__u64 scrapes, textfile_writes;
	double textfile_at;		/* when the textfile was last written (live's clock) */
	int textfile_err;		/* the last write's -errno, 0 when it worked */
};

/* Every metric, as one scrape of /metrics shows it (takes out_lock). */
void serve_metrics(struct serve_ctx *sc, FILE *f);
/* The metrics to o->textfile, replaced whole (a reader never sees half). 0 or -errno. */
int serve_textfile(struct serve_ctx *sc);
/* Whether the textfile's temporary file can be made, before anything is attached. 0 or -errno. */
int serve_textfile_check(const char *path);

/* HTTP (absent from static builds: then these fail with a message in err). */
struct serve_http;
/* Whether --listen's ADDR:PORT can be served (before anything is attached). */
int serve_http_check(const char *listen, char *err, size_t errlen);
int serve_http_start(struct serve_ctx *sc, struct serve_http **h, char *err, size_t errlen);
void serve_http_stop(struct serve_http *h);

#endif
