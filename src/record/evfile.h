/* SPDX-License-Identifier: GPL-2.0 */
/*
 * diolock's recording format, so that any report can be reproduced offline.
 *
 *   header:  "DIOLOCK\0" magic, u32 format version, u32 metadata length,
 *            metadata: "key=value\n" lines (kernel, clock, abi, attach.*,
 *            diolock, git_rev, host, start, filter.*)
 *   records: u32 payload length, u16 type, u16 flags (0), payload
 *
 * All integers little-endian. Readers skip record types they do not know,
 * and every length is checked against the file before it is trusted.
 * The writer flushes whole records as it goes: a file cut at any byte (a
 * killed run) reads back up to its last complete record, as "cut".
 */
#ifndef DIOLOCK_EVFILE_H
#define DIOLOCK_EVFILE_H

#include <stdbool.h>
#include <stdio.h>
#include <linux/types.h>
#include "diolock/event.h"
#include "lib/filter.h"
#include "lib/hooks.h"

#define EVF_MAGIC "DIOLOCK"	/* 8 bytes with its NUL */
#define EVF_VERSION 1
#define EVF_MAX_META (64 << 10)
#define EVF_MAX_RECORD (64 << 10)
#define EVF_MAX_FRAMES DL_STACK_DEPTH
#define EVF_FRAME_LEN 128

enum evf_record_type {
	EVF_EVENT = 1,		/* struct dl_event, hdr.size bytes */
	EVF_STACK = 2,		/* s32 stack_id, u32 nframes, then NUL-terminated symbols */
	EVF_TRAILER = 3,	/* struct evf_trailer, then the CMD argv as NUL-terminated strings */
	EVF_RUN_END = 4,	/* "key=value\n" lines: how the run ended, beyond the trailer */
	EVF_FOLD = 5,		/* struct dl_fold: count is the increment since the last one of its slot */
	EVF_COUNTS = 6,		/* __u64[DL_FSID_MAX][DL_DIO_CNT_MAX]: the kernel's DIO counters at the end */
	EVF_WAIT_FOLD = 7,	/* struct dl_wait_fold: count and ns_total are increments, like EVF_FOLD's */
	EVF_PATH = 8,		/* u32 dev, u32 0, u64 ino, then the inode's path, NUL-terminated */
	EVF_CGROUP = 9,		/* u32 0, u32 0, u64 cgroup id, then its path on the cgroup2 mount (as EVF_PATH) */
};

typedef __u64 evf_dio_counts[DL_FSID_MAX][DL_DIO_CNT_MAX];

/* How a recorded run ended: what the report needs besides the events. */
struct evf_trailer {
	__u64 lost_ringbuf;
	__u64 lost_map_full;
	__s32 cmd_status;	/* wait status, -1 still running */
	__u32 has_cmd;
	__u64 duration_us;
	__u32 interrupted;
	__u32 timed_out;
};

/* Run facts written into the metadata and read back ("" where a file lacks them). */
struct evf_meta {
	char kernel[65];
	struct dl_hook_state hooks[DL_HOOK_MAX];
	char version[32];	/* diolock's, and its git revision */
	char git_rev[64];
	char host[65];
	char start_time[32];	/* wall clock, UTC, ISO 8601 */
	char lock_layout[16];	/* the i_rwsem layout BPF decoded (dl_lock_layout_name) */
	struct dl_filter filter;	/* the filters the run applied in BPF */
};

/* What EVF_RUN_END holds. */
struct evf_run_end {
	int killed_by;		/* signal diolock sent CMD (--timeout), 0 none */
	__u64 stacks_lost;	/* records that went out without their stack */
};

struct evf_writer {
	FILE *f;
	int err;		/* first write error, -errno */
};

/* This diolock, this host, now: the metadata of a run starting. */
void evf_meta_fill(struct evf_meta *m, const char *kernel, const struct dl_hook_state *hooks,
		   const struct dl_filter *filter);

int evf_write_header(struct evf_writer *w, FILE *f, const struct evf_meta *meta);
void evf_write_event(struct evf_writer *w, const struct dl_event *e);
void evf_write_stack(struct evf_writer *w, __s32 id, char frames[][EVF_FRAME_LEN], int n);
void evf_write_trailer(struct evf_writer *w, const struct evf_trailer *t, char *const *argv);
void evf_write_fold(struct evf_writer *w, const struct dl_fold *f);
void evf_write_wait_fold(struct evf_writer *w, const struct dl_wait_fold *f);
void evf_write_counts(struct evf_writer *w, const evf_dio_counts counts);
void evf_write_run_end(struct evf_writer *w, const struct evf_run_end *re);
void evf_write_path(struct evf_writer *w, __u32 dev, __u64 ino, const char *path);
void evf_write_cgroup(struct evf_writer *w, __u64 id, const char *path);
/* Hand whole records to the kernel now, so a killed run keeps them. */
void evf_flush(struct evf_writer *w);
/* And onto the disk: for the evidence of a finding the machine may not survive. */
void evf_sync(struct evf_writer *w);
int evf_parse_run_end(const unsigned char *p, __u32 len, struct evf_run_end *re);
/* An EVF_PATH payload; *path points into p. -1 if malformed. */
int evf_parse_path(const unsigned char *p, __u32 len, __u32 *dev, __u64 *ino, const char **path);

/* A mapped recording is released behind the reader in steps of this many bytes. */
#define EVF_MAP_DROP ((size_t)4 << 20)

struct evf_reader {
	FILE *f;
	const char *path;
	__u64 offset;
	__u32 type;
	__u32 len;
	bool cut;		/* the file ends inside a record: cut at offset */
	__u64 size;		/* bytes in the file, when known */
	const unsigned char *rec;	/* the current record's bytes: into map, or buf */
	/* a regular file is read in place (no copy per record); a pipe through buf */
	const unsigned char *map;
	size_t map_len;
	size_t map_dropped;	/* bytes from the start already released (MADV_DONTNEED) */
	unsigned char buf[EVF_MAX_RECORD];
};

/* 0, or -errno with a one-line reason. */
int evf_open_stream(struct evf_reader *r, FILE *f, const char *name, struct evf_meta *meta,
		    char *err, size_t errlen);
int evf_open(struct evf_reader *r, const char *path, struct evf_meta *meta, char *err, size_t errlen);
/* Whether the file at path starts like a recording (its magic); nothing more is checked. */
bool evf_is_recording(const char *path);
/*
 * 1: a record is in r->type/len/buf; 0: end of the file (r->cut set if it
 * ends inside a record: r->offset is then where the last whole one ends);
 * -errno with a reason for a bad file.
 */
int evf_next(struct evf_reader *r, char *err, size_t errlen);
void evf_close(struct evf_reader *r);

/* Parse an EVF_STACK payload. Returns frames, or -1 if malformed. */
int evf_parse_stack(const unsigned char *p, __u32 len, __s32 *id, char frames[][EVF_FRAME_LEN], int max);
/* Parse an EVF_TRAILER payload; argv strings are copied into argbuf. -1 if malformed. */
int evf_parse_trailer(const unsigned char *p, __u32 len, struct evf_trailer *t, char *argbuf,
		      size_t argbuf_len, char **argv, int max_args);

#endif
