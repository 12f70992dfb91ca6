// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <sys/utsname.h>
#include "live/live.h"
#include "lib/clock.h"
#include "lib/ksyms.h"
#include "lib/log.h"

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
}

/* Time passing is a record too, so a replay sees the same long waits. */
static void tick(struct dl_live *l)
{
	struct dl_event e = {};

	e.hdr.type = DL_EV_TICK;
	e.hdr.size = sizeof(e);
	e.hdr.ts_ns = dl_mono_ns();
	e.stack_id = -1;
	l->s.cb(l->s.ctx, &e);
}

const char *dl_kernel_release(void)
{
	static struct utsname u;

	if (!u.release[0] && uname(&u))
		return "unknown";
	return u.release;
}

int dl_live_start(struct dl_live *l, const struct dl_session_opts *o, char *const *argv,
		  char *err, size_t errlen)
{
	struct sigaction sa = { .sa_handler = on_signal };
	int ret;

	l->argv = argv;
	l->cmd.pid = -1;
	l->cmd.status = -1;
	if (l->kill_after_s <= 0)
		l->kill_after_s = DL_DEFAULT_KILL_AFTER_S;
	ret = dl_filter_check_system(o->filter, err, errlen);
	if (ret)
		return ret;
	/* no SA_RESTART: the ring-buffer poll must return on a signal */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (argv) {
		ret = dl_cmd_fork(&l->cmd, argv, err, errlen);
		if (ret)
			return ret;
	}
	ret = dl_session_open(&l->s, o, err, errlen);
	if (ret) {
		dl_cmd_abort(&l->cmd);
		return ret;
	}
	/*
	 * Symbolizing the first stack reads all of /proc/kallsyms: do it now, so
	 * the first finding is printed the moment it is found.
	 */
	l->ksyms = ksyms_load(NULL);
	if (argv) {
		ret = dl_cmd_release(&l->cmd, argv, err, errlen);
		if (ret) {
			dl_session_close(&l->s);
			return ret;
		}
	}
	return 0;
}

/* CMD outlived --timeout: SIGTERM, then SIGKILL. True when it is time to stop waiting. */
static bool timeout_cmd(struct dl_live *l)
{
	double now = dl_mono_s();

	if (!l->timed_out) {
		l->timed_out = true;
		l->killed_by = SIGTERM;
		l->signal_at = now;
		kill(l->cmd.pid, SIGTERM);
	} else if (now - l->signal_at >= l->kill_after_s) {
		if (l->killed_by == SIGKILL)
			return true;	/* unkillable: in the kernel, perhaps deadlocked */
		l->killed_by = SIGKILL;
		l->signal_at = now;
		kill(l->cmd.pid, SIGKILL);
	}
	return false;
}

void dl_live_run(struct dl_live *l)
{
	double start = dl_mono_s();
	int err;

	l->start_s = start;

	for (;;) {
		err = dl_session_poll(&l->s, 100);
		if (err < 0 && err != -EINTR) {
			dl_warn("polling the ring buffer failed: %s", strerror(-err));
			break;
		}
		if (l->on_tick)
			l->on_tick(l, l->tick_ctx, false);
		if (l->tick)
			tick(l);
		if (stop_signal) {
			l->interrupted = true;
			break;
		}
		if (l->argv && dl_cmd_reaped(&l->cmd))
			break;
		if (l->timeout_s > 0 && dl_mono_s() - start >= l->timeout_s) {
			if (!l->argv) {
				l->timed_out = true;
				break;
			}
			if (timeout_cmd(l))
				break;
		}
	}
	/* what the kernel produced before we stopped still counts */
	dl_session_poll(&l->s, 0);
	if (l->on_tick)
		l->on_tick(l, l->tick_ctx, true);
	l->duration_s = dl_mono_s() - start;
	if (l->argv && l->interrupted && !dl_cmd_reaped(&l->cmd))
		kill(l->cmd.pid, SIGTERM);
}

double dl_live_elapsed(const struct dl_live *l)
{
	return dl_mono_s() - l->start_s;
}

/*
 * With no CMD, one stderr line once every program is attached: a user knows
 * it is running, a script knows what it does from now on is seen.
 */
void dl_live_say_watching(const struct dl_live *l, const char *stop_does)
{
	if (l->argv)
		return;
	fprintf(stderr, "diolock: watching all tasks%s; Ctrl-C to %s\n",
		l->timeout_s > 0 ? " until --timeout" : "", stop_does);
}

void dl_live_stop(struct dl_live *l)
{
	dl_session_close(&l->s);
	ksyms_free(l->ksyms);
	l->ksyms = NULL;
}

/* Frames of diolock's own program and of the tracepoint dispatch. */
static bool tracer_frame(const char *sym)
{
	return strstr(sym, " [bpf]") || !strncmp(sym, "bpf_trace_run", 13) ||
	       !strncmp(sym, "__bpf_trace_", 12) || !strncmp(sym, "__traceiter_", 12);
}

int dl_live_frames(void *live, __s32 stack_id, char frames[][128], int max)
{
	struct dl_live *l = live;
	__u64 ips[DL_STACK_DEPTH];
	int n, out = 0;

	n = dl_session_stack(&l->s, stack_id, ips, max < DL_STACK_DEPTH ? max : DL_STACK_DEPTH);
	if (n && !l->ksyms)
		l->ksyms = ksyms_load(NULL);
	for (int i = 0; i < n; i++) {
		ksyms_format(l->ksyms, ips[i], frames[out], 128);
		if (!out && tracer_frame(frames[out]))
			continue;
		out++;
	}
	return out;
}

void dl_live_trailer(const struct dl_live *l, bool has_cmd, struct evf_trailer *t)
{
	memset(t, 0, sizeof(*t));
	t->lost_ringbuf = dl_session_lost(&l->s, DL_CNT_RINGBUF_LOST);
	t->lost_map_full = dl_session_lost(&l->s, DL_CNT_MAP_FULL);
	t->cmd_status = l->cmd.status;
	t->has_cmd = has_cmd;
	t->duration_us = (__u64)(l->duration_s * 1e6);
	t->interrupted = l->interrupted;
	t->timed_out = l->timed_out;
}

void dl_live_meta(const struct dl_live *l, struct evf_meta *meta)
{
	memcpy(meta->hooks, l->s.hooks, sizeof(meta->hooks));
	snprintf(meta->lock_layout, sizeof(meta->lock_layout), "%s", dl_lock_layout_name(l->s.lock_layout));
}

void dl_live_run_opts(struct dl_live *l, const struct dl_run_opts *run)
{
	l->timeout_s = run->timeout_s;
	l->kill_after_s = run->kill_after_s;
}

void dl_session_opts_init(struct dl_session_opts *so, const struct dl_run_opts *run, dl_event_fn cb, void *ctx)
{
	memset(so, 0, sizeof(*so));
	so->filter = &run->filter;
	so->ringbuf_bytes = run->ringbuf_bytes;
	so->forced = run->forced;
	so->btf_path = run->btf_path;
	so->cb = cb;
	so->ctx = ctx;
}
