/* SPDX-License-Identifier: GPL-2.0 */
/* How `trace` shows one record: a text line or a JSON object per line. */
#ifndef DIOLOCK_EVENT_FMT_H
#define DIOLOCK_EVENT_FMT_H

#include <stdio.h>
#include "diolock/event.h"
#include "lib/json.h"

/* Resolves a record's stack to symbol strings; NULL resolver: no stacks. */
struct dl_stack_resolver {
	int (*frames)(void *ctx, __s32 stack_id, char frames[][128], int max);
	void *ctx;
};

const char *dl_event_type_name(__u16 type);
void dl_event_text_header(FILE *f);
/* cgroup: the path of e->cgroup on the cgroup2 mount, NULL unknown */
void dl_event_text(FILE *f, const struct dl_event *e, __u64 t0_ns, const char *cgroup);
void dl_event_json(FILE *f, const struct dl_event *e, const struct dl_stack_resolver *sr, const char *cgroup);
/* The "stack" array of a record, for any JSON object being written. */
void dl_json_stack(struct json *j, __s32 stack_id, const struct dl_stack_resolver *sr);

/* enum dl_io_path as users see it: "sync", "aio", "io_uring", "io_uring-wq", ... */
const char *dl_io_path_name(__u8 path);
/* The enum dl_io_path a name spells; -1 for none. */
int dl_parse_io_path(const char *s);

#endif
