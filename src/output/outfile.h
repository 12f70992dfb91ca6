/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Output files (reports, recordings) are written to a temporary file beside
 * the target and renamed into place, so a reader never sees half of one,
 * and a symlink or directory at the target is refused rather than followed.
 * They are created before tracing starts, so a bad path fails at once.
 */
#ifndef DIOLOCK_OUTFILE_H
#define DIOLOCK_OUTFILE_H

#include <stdbool.h>
#include <stdio.h>

struct out_file {
	FILE *f;
	char tmp[4096];
	char tmpl[4096];	/* mkstemp template beside the target */
	const char *path;
	const char *what;	/* "JSON report", "recording" */
	unsigned int mode;
	bool published;		/* renamed into place, still being written */
};

/* "-" is stdout. mode: 0644 for reports, 0600 for recordings (kernel addresses). */
int out_open(struct out_file *of, const char *path, const char *what, unsigned int mode, char *err,
	     size_t len);
/*
 * Flush, sync, rename into place and sync the directory, so the file survives
 * a machine that dies right after (published: flush and sync). Prints the
 * error itself.
 */
int out_commit(struct out_file *of);
/*
 * A file written as it goes (a recording): rename the temporary file into
 * place now and keep writing to it, so a killed run leaves what it wrote.
 */
int out_publish(struct out_file *of);
/*
 * A document rewritten whole at times (the JSON report while a run goes on):
 * write(f, ctx) goes to a fresh temporary file that replaces the target, so a
 * reader sees the previous version or this one, never half of one. The first
 * call uses the file out_open() made. Not for "-". Prints the error itself.
 */
int out_rewrite(struct out_file *of, void (*write)(FILE *f, void *ctx), void *ctx);
void out_discard(struct out_file *of);

#endif
