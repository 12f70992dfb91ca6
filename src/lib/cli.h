/* SPDX-License-Identifier: GPL-2.0 */
/* Options shared by the live subcommands: filters, --timeout, --ringbuf, -- CMD. */
#ifndef DIOLOCK_CLI_H
#define DIOLOCK_CLI_H

#include <argp.h>
#include "lib/filter.h"
#include "lib/hooks.h"

struct dl_run_opts {
	struct dl_filter filter;
	double timeout_s;
	double kill_after_s;	/* 0: DL_DEFAULT_KILL_AFTER_S */
	size_t ringbuf_bytes;
	char **cmd;		/* NULL-terminated; NULL: none */
	enum dl_tier forced;	/* --attach; DL_TIER_NONE: best per hook */
	const char *btf_path;	/* --btf */
};

enum {
	DL_OPT_TIMEOUT = 0x200,
	DL_OPT_RINGBUF,
	DL_OPT_ATTACH,
	DL_OPT_BTF,
	DL_OPT_KILL_AFTER,
};

#define DL_RUN_ARGP_OPTIONS						\
	DL_FILTER_ARGP_OPTIONS,						\
	{ "timeout", DL_OPT_TIMEOUT, "SEC", 0, "Stop after SEC seconds (default: when CMD exits, or on a signal); CMD gets SIGTERM then", 2 }, \
	{ "kill-after", DL_OPT_KILL_AFTER, "SEC", 0, "SIGKILL a CMD still running SEC seconds after the --timeout SIGTERM (default 5)", 2 }, \
	{ "attach", DL_OPT_ATTACH, "TIER", 0, "Force a tier: fentry, kprobe or tracepoint (default: the best each hook point allows)", 2 }, \
	{ "btf", DL_OPT_BTF, "FILE", 0, "Kernel BTF to use for CO-RE, for kernels without /sys/kernel/btf/vmlinux", 2 }, \
	{ "ringbuf", DL_OPT_RINGBUF, "KB", 0, "Ring buffer size in KiB, a power of two, 4 to 1048576 (default 4096)", 2 }

/*
 * -v and -p, which main.c takes out of every command's arguments: listed in
 * each command's --help (and man page) through this argp child.
 */
extern const struct argp_child dl_common_argp_children[];

/*
 * Where a report's JSON goes, bpftool's way: -J FILE, or stdout for -j or
 * -p/--pretty (which implies -j); NULL: no JSON.
 */
const char *dl_json_target(bool json_flag, const char *file);
/* JSON on stdout: -j, or -p/--pretty, which implies it (as in bpftool) */
bool dl_json_wanted(bool json_flag);

/* Subcommands taking a CMD parse with these argp flags. */
#define DL_RUN_ARGP_FLAGS ARGP_IN_ORDER

/* One filter option (DL_IS_FILTER_KEY) into f, with argp's error on a bad value. */
error_t dl_filter_opt_parse(int key, char *arg, struct argp_state *state, struct dl_filter *f);

/* Handles the shared keys; ARGP_ERR_UNKNOWN for the rest. */
error_t dl_run_opt_parse(int key, char *arg, struct argp_state *state, struct dl_run_opts *o);
int dl_parse_seconds(const char *s, double *out);

#endif
