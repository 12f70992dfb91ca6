/* SPDX-License-Identifier: GPL-2.0 */
/* What report.c shares with the renderers (report_text.c, report_json.c, report_dot.c). */
#ifndef DIOLOCK_REPORT_INTERNAL_H
#define DIOLOCK_REPORT_INTERNAL_H

#include "output/report.h"

/* A hook point `check` relies on that the kernel did not give. */
bool report_hook_missing(const struct dl_report *r, int h);
/* The filter in effect: the run's (BPF), narrowed by the analyzer's (replay). */
struct dl_filter report_effective_filter(const struct dl_report *r);
/* A lock_order_inversion member's lock class: "i_rwsem[ext4]", "dio_drain[btrfs]". */
const char *report_member_class(const struct an_member *m, char *buf, size_t len);
/* The recorded path of (dev, ino), or NULL. */
const char *report_path_of(const struct dl_report *r, __u32 dev, __u64 ino);

#endif
