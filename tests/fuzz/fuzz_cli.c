// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for the options every live subcommand parses: filters,
 * --timeout, --ringbuf, --attach, --btf and the CMD split. Input bytes are
 * split at NULs into argv. Whatever the words, parsing must end in options
 * or an error, never a crash.
 */
#include <argp.h>
#include <stdlib.h>
#include <string.h>
#include "lib/cli.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

static const struct argp_option options[] = {
	DL_RUN_ARGP_OPTIONS,
	{ 0 },
};

static error_t parse(int key, char *arg, struct argp_state *state)
{
	return dl_run_opt_parse(key, arg, state, state->input);
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	static const struct argp argp = { options, parse, NULL, NULL, NULL, NULL, NULL };
	char *buf, *argv[34] = { "diolock-check" };
	struct dl_run_opts o = {};
	int argc = 1;

	if (size > 4096)
		return 0;
	buf = malloc(size + 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	for (size_t i = 0; i <= size && argc < 33;) {
		argv[argc++] = buf + i;
		i += strlen(buf + i) + 1;
	}
	argv[argc] = NULL;
	argp_parse(&argp, argc, argv,
		   DL_RUN_ARGP_FLAGS | ARGP_NO_EXIT | ARGP_NO_HELP | ARGP_NO_ERRS | ARGP_SILENT, NULL, &o);
	/* what was accepted must be in range */
	if ((o.timeout_s && (o.timeout_s <= 0 || o.timeout_s > 1e6)) ||
	    (o.ringbuf_bytes && (o.ringbuf_bytes < 4096 || o.ringbuf_bytes > (1ULL << 30))))
		abort();
	free(buf);
	return 0;
}
