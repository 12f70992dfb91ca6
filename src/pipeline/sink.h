/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What `check`, `record` and `replay` share: one sink that every record goes
 * through, live or from a file, so a replay reproduces the live report.
 * No libbpf here: stacks come through a resolver.
 */
#ifndef DIOLOCK_SINK_H
#define DIOLOCK_SINK_H

#include "analyzer/analyzer.h"
#include "lib/clock.h"
#include "record/evfile.h"
#include "lib/inode_paths.h"
#include "output/event_fmt.h"
#include "output/report.h"
#include "lib/table.h"
#include "lib/cgroups.h"

struct check_wait_fed {
	__u64 count, ns_total;
};

struct sink {
	struct analyzer an;
	bool analyze;			/* feed the analyzer */
	bool announce;			/* print error findings the moment they appear */
	/* live, with -v: say how long after its event each announced finding was printed */
	bool announce_latency;
	__u64 rx_ns;			/* with it: when the record being fed reached user space */
	size_t announced;
	struct dl_stack_resolver sr;	/* where stacks come from */
	struct evf_writer *rec;		/* NULL: not recording */
	struct table stacks_written;	/* stack ids already in the recording */
	__u64 records;
	__u64 *fold_fed;		/* per fold slot: the count already fed to the analyzer */
	size_t nfold;
	struct check_wait_fed *wait_fed;	/* per wait-fold slot: what was already fed */
	size_t nwait_fold;
	evf_dio_counts dio;		/* the kernel's DIO counters, at the end */
	bool have_dio;
	__u64 last_flush_ts;		/* record time of the recording's last flush */
	/* a new warning or error finding (the recording is flushed first) */
	void (*on_finding)(void *ctx);
	void *finding_ctx;
	/* the paths of the inodes that findings name: recorded, or resolved live */
	struct inode_paths paths;
	/* the cgroups records name: resolved live at first sight (it may be gone by the end), or recorded */
	struct dl_cgroups cgroups;
	struct table cgroups_seen;	/* ids already resolved (and recorded) */
	/*
	 * Live only: a path of (dev, ino), pid a task that used it, or NULL.
	 * thorough false: only what is cheap enough for the event loop.
	 */
	const char *(*path_of)(void *ctx, __u32 dev, __u64 ino, __u32 pid, bool thorough);
	void *path_ctx;
};


void sink_init(struct sink *cs, const struct dl_filter *f);
void sink_event(struct sink *cs, const struct dl_event *e);
void sink_fini(struct sink *cs);
/* The fold slots as BPF keeps them: what grew since the last call becomes EVF_FOLD records. */
void sink_folds(struct sink *cs, const struct dl_fold *slots, size_t n);
/* The same for the wait-fold slots (EVF_WAIT_FOLD records). */
void sink_wait_folds(struct sink *cs, const struct dl_wait_fold *slots, size_t n);
void sink_wait_fold(struct sink *cs, const struct dl_wait_fold *f);
/* One increment of a fold slot (live from sink_folds, or from a recording). */
void sink_fold(struct sink *cs, const struct dl_fold *f);
void sink_counts(struct sink *cs, const evf_dio_counts counts);
/* A path from a recording (EVF_PATH). */
void sink_path(struct sink *cs, __u32 dev, __u64 ino, const char *path);
/* A recording's EVF_CGROUP. */
void sink_cgroup(struct sink *cs, __u64 id, const char *path);
/*
 * Live: resolve the paths of the inodes that warning and error findings
 * name (thorough: also by walking their filesystems, for the end of a run)
 * and record them.
 */
void sink_name_inodes(struct sink *cs, bool thorough);

/* Everything the report shows besides the analyzer: the run's metadata and its trailer. */
void sink_fill_report(struct dl_report *r, const struct sink *cs, const struct evf_meta *meta,
		       const struct evf_trailer *t, char *const *argv);
/* Writes the text report to text_out and the JSON report to json_out (may be NULL); the exit status. */
int report_emit(const struct dl_report *r, FILE *text_out, FILE *json_out, unsigned int fail_on);

#endif
