/* SPDX-License-Identifier: GPL-2.0 */
/* Reading a recording back into the check sink (replay), or into trace lines. */
#ifndef DIOLOCK_REPLAY_H
#define DIOLOCK_REPLAY_H

#include "pipeline/sink.h"

#define REPLAY_MAX_STACKS 65536
#define REPLAY_MAX_ARGS 256

struct replay {
	struct sink cs;
	struct dl_filter filter;	/* applied in user space, as BPF does live */
	int trace;			/* 0: analyse; 1: event lines; 2: JSON lines */
	FILE *out;			/* for trace lines */
	struct table stacks;		/* stack id + 1 -> frames */
	struct evf_trailer trailer;
	bool have_trailer;
	struct evf_run_end run_end;
	bool cut;			/* the file ends before its trailer */
	__u64 cut_at;			/* where its last whole record ends */
	char argbuf[EVF_MAX_RECORD];
	char *argv[REPLAY_MAX_ARGS];
	__u64 t0;
};

void replay_init(struct replay *rp, const struct dl_filter *f);
/*
 * Every record of the file. 0, or -1 with a one-line reason in err. A file
 * cut short (a killed run) is read up to its last whole record: 0 with
 * rp->cut set and a one-line note in err.
 */
int replay_read(struct replay *rp, struct evf_reader *rd, char *err, size_t errlen);
void replay_fini(struct replay *rp);

#endif
