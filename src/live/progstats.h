/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What each of diolock's own BPF programs cost during a run, as bpftool
 * prog show counts it (run_cnt, run_time_ns), without needing bpftool: the
 * VM guest has none, and that is where the function tiers run.
 */
#ifndef DIOLOCK_PROGSTATS_H
#define DIOLOCK_PROGSTATS_H

#include <stdio.h>
#include "live/loader.h"

/* Turn the kernel's run-time statistics on for as long as the fd stays open: fd, or -errno. */
int dl_progstats_enable(void);
/* One line per program of the session that ran: "diolock: bpf-stats: NAME RUNS runs NS ns/run". */
void dl_progstats_print(const struct dl_session *s, FILE *f);

#endif
