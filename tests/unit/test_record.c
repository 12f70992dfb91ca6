// SPDX-License-Identifier: GPL-2.0
/*
 * Recordings cut short: a killed run leaves a file that ends anywhere. Every
 * prefix of a recording must replay up to its last whole record, as
 * incomplete (exit 3), and one corrupt in the middle must still be refused.
 */
#include <stdlib.h>
#include <string.h>
#include "unit.h"
#include "cmd/commands.h"
#include "pipeline/replay.h"

static __u64 clock_ns = 1000000;

static struct dl_event ev(__u16 type, __u32 tid, __u8 mode, __u8 holds, __u32 flags)
{
	struct dl_event e;

	memset(&e, 0, sizeof(e));
	e.hdr.type = type;
	e.hdr.size = sizeof(e);
	e.hdr.ts_ns = clock_ns += 1000;
	e.hdr.tgid = e.hdr.tid = tid;
	snprintf(e.comm, sizeof(e.comm), "task%u", tid);
	snprintf(e.fs, sizeof(e.fs), "btrfs");
	e.dev = (7 << 20) | 1;
	e.ino = 100;
	e.lock.mode = mode;
	e.lock.cur_holds = holds;
	e.lock.holder_tid = tid;
	e.flags = flags;
	e.stack_id = 3;
	e.lock_addr = 0xffff888000064000ULL;
	return e;
}

/* The seed bug as the tracepoint tier records it, then (path: its inode's path and) the run's end. */
static unsigned char *make_recording(size_t *len, size_t *error_end, const char *path)
{
	char frames[2][EVF_FRAME_LEN] = { "btrfs_sync_file+0x10", "iomap_dio_complete+0x20" };
	struct dl_event evs[3] = {
		ev(DL_EV_DIO_BEGIN, 13, DL_LOCK_WRITE, DL_HOLD_WRITE, DL_F_DIRECT | DL_F_DSYNC | DL_F_WRITE),
		ev(DL_EV_SYNC_BEGIN, 13, DL_LOCK_WRITE, DL_HOLD_WRITE, 0),
		ev(DL_EV_WAIT_BEGIN, 13, DL_LOCK_WRITE, DL_HOLD_WRITE, DL_F_WAIT_WRITE),
	};
	struct dl_hook_state hooks[DL_HOOK_MAX];
	struct evf_trailer t = { .duration_us = 1000 };
	struct evf_run_end re = {};
	struct evf_writer w = {};
	struct evf_meta m;
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);

	for (int h = 0; h < DL_HOOK_MAX; h++)
		hooks[h] = (struct dl_hook_state){ .tier = DL_TIER_TP_BTF };
	evf_meta_fill(&m, "6.18.0-test", hooks, NULL);
	evf_write_header(&w, f, &m);
	evf_write_stack(&w, 3, frames, 2);
	for (int i = 0; i < 3; i++)
		evf_write_event(&w, &evs[i]);
	fflush(f);
	*error_end = *len;
	if (path) {
		static const unsigned char no_nul[20] = { 1, 0, 0x70, 0 };

		/* a malformed one first, skipped; then one for another inode, then the writer's */
		fwrite(&(__u32){ sizeof(no_nul) }, 4, 1, f);
		fwrite(&(__u16){ EVF_PATH }, 2, 1, f);
		fwrite(&(__u16){ 0 }, 2, 1, f);
		fwrite(no_nul, sizeof(no_nul), 1, f);
		evf_write_path(&w, evs[0].dev, 101, "/mnt/btrfs/other");
		evf_write_path(&w, evs[0].dev, evs[0].ino, path);
	}
	evf_write_run_end(&w, &re);
	evf_write_trailer(&w, &t, NULL);
	fclose(f);
	return (unsigned char *)buf;
}

/* Replays the first n bytes: -1 refused, else the exit status; *errors found. */
static int replay_prefix(const unsigned char *p, size_t n, size_t *errors, bool *cut)
{
	static struct replay rp;
	struct evf_reader *rd = calloc(1, sizeof(*rd));
	FILE *f = fmemopen((void *)p, n, "rb");
	struct evf_meta meta;
	struct dl_report r;
	char err[512];
	int ret = -1;

	replay_init(&rp, NULL);
	if (f && rd && !evf_open_stream(rd, f, "mem", &meta, err, sizeof(err)) &&
	    !replay_read(&rp, rd, err, sizeof(err))) {
		sink_fill_report(&r, &rp.cs, &meta, &rp.trailer, rp.argv);
		r.cut = rp.cut;
		r.cut_at = rp.cut_at;
		*errors = an_count_severity(&rp.cs.an, AN_ERROR);
		*cut = rp.cut;
		ret = dl_report_exit(&r, DL_FAIL_DEFAULT);
		if (rp.cut && (!strstr(err, "recording cut at byte") || dl_report_verdict(&r) != DL_VERDICT_INCOMPLETE))
			ret = -2;
	}
	if (rd && rd->f)
		evf_close(rd);
	else if (f)
		fclose(f);
	free(rd);
	replay_fini(&rp);
	return ret;
}

static void cut_at_every_byte(void)
{
	size_t len, error_end, errors, header, refused = 0;
	unsigned char *p = make_recording(&len, &error_end, NULL);
	__u32 meta_len;
	bool cut;
	int rc;

	/* magic, version, metadata length, metadata */
	memcpy(&meta_len, p + 12, 4);
	header = 16 + meta_len;
	for (size_t n = 0; n <= len; n++) {
		errors = 0;
		cut = false;
		rc = replay_prefix(p, n, &errors, &cut);
		if (n < header) {
			/* no metadata: nothing to replay, refused */
			refused += rc == -1;
			continue;
		}
		if (n < len) {
			CHECK(rc == DL_EXIT_INCOMPLETE && cut);
			/* the self-deadlock is in every prefix holding its record */
			if (n >= error_end)
				CHECK(errors >= 1);
		} else {
			CHECK(rc == DL_EXIT_FINDING && !cut && errors >= 1);
		}
	}
	CHECK(refused == header);
	free(p);
}

static void corrupt_middle_refused(void)
{
	size_t len, error_end, errors;
	unsigned char *p = make_recording(&len, &error_end, NULL);
	__u32 huge = 0xffffffffu, meta_len;
	bool cut;

	memcpy(&meta_len, p + 12, 4);
	size_t header = 16 + meta_len;

	/* the first record's length, made impossible */
	memcpy(p + header, &huge, 4);
	CHECK(replay_prefix(p, len, &errors, &cut) == -1);
	free(p);
}

/* Paths recorded live name the finding's inode in the replayed report, text and JSON. */
static void paths_replayed(void)
{
	size_t len, error_end, tlen = 0, jlen = 0;
	unsigned char *p = make_recording(&len, &error_end, "/mnt/btrfs/seed file");
	FILE *f = fmemopen(p, len, "rb"), *tf, *jf;
	struct evf_reader *rd = calloc(1, sizeof(*rd));
	static struct replay rp;
	char err[512], *text = NULL, *json = NULL, *dot = NULL;
	size_t dlen = 0;
	FILE *df;
	struct evf_meta meta;
	struct dl_report r;

	replay_init(&rp, NULL);
	CHECK(f && rd && !evf_open_stream(rd, f, "mem", &meta, err, sizeof(err)));
	CHECK(!replay_read(&rp, rd, err, sizeof(err)));
	sink_fill_report(&r, &rp.cs, &meta, &rp.trailer, rp.argv);
	tf = open_memstream(&text, &tlen);
	jf = open_memstream(&json, &jlen);
	dl_report_text(tf, &r);
	dl_report_json(jf, &r);
	df = open_memstream(&dot, &dlen);
	dl_report_dot(df, &r);
	fclose(tf);
	fclose(jf);
	fclose(df);
	CHECK(rp.cs.paths.n == 2);
	CHECK(an_count_severity(&rp.cs.an, AN_ERROR) >= 1);
	CHECK(strstr(text, "path: /mnt/btrfs/seed file\n") != NULL);
	CHECK(strstr(json, "\"ino\":100,\"path\":\"/mnt/btrfs/seed file\"") != NULL);
	CHECK(!strstr(json, "/mnt/btrfs/other"));
	CHECK(strstr(dot, "ino 100\\n/mnt/btrfs/seed file\"") != NULL);
	free(dot);
	free(text);
	free(json);
	evf_close(rd);
	free(rd);
	replay_fini(&rp);
	free(p);
}

static void fail_on_parsing(void)
{
	unsigned int m;
	char err[160];

	CHECK(!dl_parse_fail_on("error,lost", &m, err, sizeof(err)) && m == DL_FAIL_DEFAULT);
	CHECK(!dl_parse_fail_on("error,warning,lost,cmd", &m, err, sizeof(err)) &&
	      m == (DL_FAIL_ERROR | DL_FAIL_WARNING | DL_FAIL_LOST | DL_FAIL_CMD));
	CHECK(!dl_parse_fail_on("incomplete", &m, err, sizeof(err)) && m == DL_FAIL_LOST);
	CHECK(!dl_parse_fail_on("none", &m, err, sizeof(err)) && m == 0);
	CHECK(dl_parse_fail_on("error,", &m, err, sizeof(err)));
	CHECK(dl_parse_fail_on("errors", &m, err, sizeof(err)) && strstr(err, "--fail-on"));
	CHECK(dl_parse_fail_on("", &m, err, sizeof(err)));
}

int main(void)
{
	RUN(cut_at_every_byte);
	RUN(corrupt_middle_refused);
	RUN(paths_replayed);
	RUN(fail_on_parsing);
	return unit_failed_total ? 1 : 0;
}
