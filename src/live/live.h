/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A live run shared by trace and check: start CMD held, attach, release it,
 * then poll until CMD exits, the timeout passes or a signal arrives.
 * At the timeout CMD gets SIGTERM, then SIGKILL kill_after_s later; a CMD
 * that even SIGKILL does not end (stuck in the kernel) is left after another
 * kill_after_s and reported still running.
 */
#ifndef DIOLOCK_LIVE_H
#define DIOLOCK_LIVE_H

#include "lib/cli.h"
#include "live/loader.h"
#include "live/runcmd.h"
#include "record/evfile.h"

#define DL_DEFAULT_KILL_AFTER_S 5.0

struct dl_live {
	struct dl_session s;
	struct dl_cmd cmd;
	char *const *argv;		/* CMD, or NULL to watch */
	double timeout_s;		/* 0: until CMD exits or a signal */
	double kill_after_s;		/* CMD at the timeout: SIGTERM, SIGKILL this much later */
	int killed_by;			/* the last signal sent CMD at the timeout, 0 none */
	double signal_at;
	bool interrupted, timed_out;
	double start_s, duration_s;	/* start_s: when dl_live_run began (dl_live_elapsed's origin) */
	struct ksyms *ksyms;		/* loaded on first stack */
	bool tick;			/* feed DL_EV_TICK records as time passes */
	/* called as time passes (before each TICK) and once more at the end; NULL: none */
	void (*on_tick)(struct dl_live *l, void *ctx, bool final);
	void *tick_ctx;
};

/*
 * What every live command takes from its common options (the filters,
 * --attach, --btf, --ringbuf-size), in one place so no command drops one.
 */
void dl_session_opts_init(struct dl_session_opts *so, const struct dl_run_opts *run, dl_event_fn cb, void *ctx);
/* ... and what the live loop takes from them: --timeout, --kill-after */
void dl_live_run_opts(struct dl_live *l, const struct dl_run_opts *run);
/* A run's ending as a recording's trailer says it: losses, CMD, duration, how it stopped. */
void dl_live_trailer(const struct dl_live *l, bool has_cmd, struct evf_trailer *t);
/* What the run attached and decoded, into a recording's header. */
void dl_live_meta(const struct dl_live *l, struct evf_meta *meta);
int dl_live_start(struct dl_live *l, const struct dl_session_opts *o, char *const *argv,
		  char *err, size_t errlen);
void dl_live_run(struct dl_live *l);
void dl_live_say_watching(const struct dl_live *l, const char *stop_does);
/* Seconds since dl_live_run began. */
double dl_live_elapsed(const struct dl_live *l);
void dl_live_stop(struct dl_live *l);
/* A dl_stack_resolver over this run's stack map and /proc/kallsyms. */
int dl_live_frames(void *live, __s32 stack_id, char frames[][128], int max);
/* Kernel release, for reports. */
const char *dl_kernel_release(void);

#endif
