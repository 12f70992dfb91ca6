/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The options `check` and `replay` share for their final report (-j, -J,
 * --dot, --junit, --fail-on, -q), and the files they name: opened before any
 * work, written from one report in every form asked for.
 */
#ifndef DIOLOCK_REPORT_FILES_H
#define DIOLOCK_REPORT_FILES_H

#include <argp.h>
#include <stdbool.h>
#include "output/outfile.h"
#include "output/report.h"

struct dl_report_opts {
	bool json;			/* -j: the JSON report on stdout */
	const char *json_path;		/* -J FILE, or "-" once -j is resolved (dl_json_target) */
	const char *dot_path;		/* --dot FILE */
	const char *junit_path;		/* --junit FILE */
	unsigned int fail_on;		/* --fail-on; DL_FAIL_DEFAULT when not given */
	bool quiet;			/* -q: no finding lines as they are found */
};

enum { DL_OPT_JUNIT = 0x280, DL_OPT_FAIL_ON };

/* The keys above, into r; ARGP_ERR_UNKNOWN for any other. ARGP_KEY_INIT sets the default. */
error_t dl_report_opt_parse(int key, char *arg, struct argp_state *state, struct dl_report_opts *r);

struct report_files {
	struct out_file json, dot, junit;
};

/* Each file the options name, made now so a bad path fails at once. 0, or -1 with err set. */
int report_files_open(struct report_files *rf, const struct dl_report_opts *o, char *err, size_t len);
/*
 * The final report: text on stdout (stderr when stdout carries the JSON), the
 * JSON, the graph and the JUnit file. ret: the status so far; returns it, or
 * the verdict's when 0, or DL_EXIT_USAGE when a file could not be written.
 */
int report_files_write(struct report_files *rf, const struct dl_report *r, unsigned int fail_on, int ret);
void report_files_discard(struct report_files *rf);

#endif
