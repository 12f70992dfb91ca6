/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Output files (reports, recordings) are written to a temporary file beside
 * the target and renamed into place, so a reader never sees half of one,
 * and a symlink or directory at the target is refused rather than followed.
 * They are created before tracing starts, so a bad path fails at once.
 */
#ifndef DIOLOCK_OUTFILE_H
#define DIOLOCK_OUTFILE_H

#include <stdio.h>

struct out_file {
	FILE *f;
	char tmp[4096];
	const char *path;
	const char *what;	/* "JSON report", "recording" */
};

/* "-" is stdout. mode: 0644 for reports, 0600 for recordings (kernel addresses). */
int out_open(struct out_file *of, const char *path, const char *what, unsigned int mode, char *err,
	     size_t len);
/* Flush, sync and rename into place; prints the error itself. */
int out_commit(struct out_file *of);
void out_discard(struct out_file *of);

#endif
