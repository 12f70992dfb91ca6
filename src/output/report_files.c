// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include "output/exit.h"
#include "output/report_files.h"

error_t dl_report_opt_parse(int key, char *arg, struct argp_state *state, struct dl_report_opts *r)
{
	char err[160];

	switch (key) {
	case ARGP_KEY_INIT:
		r->fail_on = DL_FAIL_DEFAULT;
		return ARGP_ERR_UNKNOWN;	/* the command may want it too */
	case 'j':
		r->json = true;
		return 0;
	case 'J':
		r->json_path = arg;
		return 0;
	case 'D':
		r->dot_path = arg;
		return 0;
	case DL_OPT_JUNIT:
		r->junit_path = arg;
		return 0;
	case 'q':
		r->quiet = true;
		return 0;
	case DL_OPT_FAIL_ON:
		if (dl_parse_fail_on(arg, &r->fail_on, err, sizeof(err))) {
			argp_error(state, "%s", err);
			return EINVAL;
		}
		return 0;
	default:
		return ARGP_ERR_UNKNOWN;
	}
}

int report_files_open(struct report_files *rf, const struct dl_report_opts *o, char *err, size_t len)
{
	if ((o->json_path && out_open(&rf->json, o->json_path, "JSON report", 0644, err, len)) ||
	    (o->dot_path && out_open(&rf->dot, o->dot_path, "graph", 0644, err, len)) ||
	    (o->junit_path && out_open(&rf->junit, o->junit_path, "JUnit report", 0644, err, len))) {
		report_files_discard(rf);
		return -1;
	}
	return 0;
}

static void write_json(FILE *f, void *ctx)
{
	dl_report_json(f, ctx);
}

int report_files_write(struct report_files *rf, const struct dl_report *r, unsigned int fail_on, int ret)
{
	dl_report_text(rf->json.f == stdout ? stderr : stdout, r);
	if (!ret)
		ret = dl_report_exit(r, fail_on);
	if (rf->json.f == stdout) {
		dl_report_json(stdout, r);
		if (out_commit(&rf->json))
			ret = DL_EXIT_USAGE;
	} else if (rf->json.path && out_rewrite(&rf->json, write_json, (void *)r)) {
		ret = DL_EXIT_USAGE;
	}
	if (rf->dot.f) {
		dl_report_dot(rf->dot.f, r);
		if (out_commit(&rf->dot))
			ret = DL_EXIT_USAGE;
	}
	if (rf->junit.f) {
		dl_report_junit(rf->junit.f, r, fail_on);
		if (out_commit(&rf->junit))
			ret = DL_EXIT_USAGE;
	}
	return ret;
}

void report_files_discard(struct report_files *rf)
{
	out_discard(&rf->json);
	out_discard(&rf->dot);
	out_discard(&rf->junit);
}
