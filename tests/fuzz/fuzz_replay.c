// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: a recording is untrusted input (it may come from
 * somebody else's machine). Whatever the bytes, reading it must end in a
 * report or a clean error: no crash, no hang, no out-of-bounds access.
 */
#include <stdio.h>
#include <stdlib.h>
#include "pipeline/replay.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	static struct replay rp;
	static struct evf_reader rd;
	struct evf_meta meta;
	char err[512];
	FILE *f;

	if (!size)
		return 0;
	f = fmemopen((void *)data, size, "rb");
	if (!f)
		return 0;
	replay_init(&rp, NULL);
	rp.out = fopen("/dev/null", "w");
	if (!evf_open_stream(&rd, f, "fuzz", &meta, err, sizeof(err)) &&
	    !replay_read(&rp, &rd, err, sizeof(err)) && rp.out) {
		struct dl_report r;

		/* the report of whatever was read must render too */
		sink_fill_report(&r, &rp.cs, &meta, &rp.trailer, rp.argv);
		r.cut = rp.cut;
		r.cut_at = rp.cut_at;
		report_emit(&r, rp.out, rp.out, DL_FAIL_DEFAULT);
		dl_report_junit(rp.out, &r, DL_FAIL_DEFAULT);
	}
	evf_close(&rd);
	if (rp.out)
		fclose(rp.out);
	replay_fini(&rp);
	return 0;
}
