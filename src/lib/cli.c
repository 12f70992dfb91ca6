// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include "lib/cli.h"
#include "lib/json.h"

static const struct argp_option common_options[] = {
	{ "verbose", 'v', NULL, 0, "Show libbpf's messages", 0 },
	{ "pretty", 'p', NULL, 0, "JSON output, indented (implies --json; JSON lines stay a line each)", 0 },
	{ "-h", 0, NULL, OPTION_DOC | OPTION_NO_USAGE, "The same as --help", 0 },
	{ 0 },
};

static const struct argp common_argp = { common_options, NULL, NULL, NULL, NULL, NULL, NULL };

const struct argp_child dl_common_argp_children[] = {
	{ &common_argp, 0, "Options of every command:", 100 },
	{ 0 },
};

const char *dl_json_target(bool json_flag, const char *file)
{
	if (file)
		return file;
	return dl_json_wanted(json_flag) ? "-" : NULL;
}

bool dl_json_wanted(bool json_flag)
{
	return json_flag || dl_json_pretty;
}

int dl_parse_seconds(const char *s, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(v) || v <= 0 || v > 1e6)
		return -EINVAL;
	*out = v;
	return 0;
}

error_t dl_filter_opt_parse(int key, char *arg, struct argp_state *state, struct dl_filter *f)
{
	char err[160];

	/* argp_error() exits, except under ARGP_NO_EXIT: never keep a bad value */
	if (dl_filter_parse(f, key, arg, err, sizeof(err))) {
		argp_error(state, "%s", err);
		return EINVAL;
	}
	return 0;
}

error_t dl_run_opt_parse(int key, char *arg, struct argp_state *state, struct dl_run_opts *o)
{
	__u64 kb;

	char err[512];

	if (DL_IS_FILTER_KEY(key) && dl_filter_opt_parse(key, arg, state, &o->filter))
		return EINVAL;
	/* a live run's cgroup is checked here, its id found for BPF */
	if (key == DL_OPT_CGROUP && dl_filter_resolve_cgroup(&o->filter, err, sizeof(err))) {
		argp_error(state, "%s", err);
		return EINVAL;
	}
	if (DL_IS_FILTER_KEY(key))
		return 0;
	switch (key) {
	case DL_OPT_TIMEOUT:
		if (dl_parse_seconds(arg, &o->timeout_s)) {
			argp_error(state, "invalid --timeout '%s': expected seconds, > 0 and <= 1000000", arg);
			return EINVAL;
		}
		return 0;
	case DL_OPT_KILL_AFTER:
		if (dl_parse_seconds(arg, &o->kill_after_s)) {
			argp_error(state, "invalid --kill-after '%s': expected seconds, > 0 and <= 1000000", arg);
			return EINVAL;
		}
		return 0;
	case DL_OPT_ATTACH:
		if (dl_parse_tier(arg, &o->forced)) {
			argp_error(state, "invalid --attach '%s': fentry, kprobe or tracepoint", arg);
			return EINVAL;
		}
		return 0;
	case DL_OPT_BTF:
		o->btf_path = arg;
		return 0;
	case DL_OPT_RINGBUF:
		if (dl_parse_u64(arg, 1 << 20, &kb) || kb < 4 || (kb & (kb - 1))) {
			argp_error(state, "invalid --ringbuf '%s': a power of two from 4 to 1048576 KiB", arg);
			return EINVAL;
		}
		o->ringbuf_bytes = kb << 10;
		return 0;
	case ARGP_KEY_ARG:
		/* parsed with ARGP_IN_ORDER: the first non-option starts CMD, and
		 * everything after it belongs to CMD, options included */
		o->cmd = state->argv + state->next - 1;
		state->next = state->argc;
		return 0;
	default:
		return ARGP_ERR_UNKNOWN;
	}
}
