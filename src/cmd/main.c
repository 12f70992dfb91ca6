// SPDX-License-Identifier: GPL-2.0
/* diolock: see README.md. This file only dispatches subcommands. */
#include <argp.h>
#include <stdio.h>
#include <string.h>
#include <bpf/libbpf.h>
#include "commands.h"
#include "json.h"
#include "libbpf_log.h"
#include "log.h"
#include "version.h"

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
} commands[] = {
	{ "probe", cmd_probe, "show which hook tier each hook point gets on this kernel, and why" },
	{ "trace", cmd_trace, "stream i_rwsem waits, DIO and fsync events live" },
	{ "check", cmd_check, "run CMD, report deadlocks and DIO completion under i_rwsem; exit 1 on errors" },
	{ "record", cmd_record, "record every event of a run to a file" },
	{ "replay", cmd_replay, "analyse a recording offline, without privileges" },
	{ "validate", cmd_validate, "check the btrfs DIO locking / D_SYNC invariants on this kernel" },
	{ "stat", cmd_stat, "log2 histograms of i_rwsem wait/hold times and DIO latency, folded in BPF" },
	{ "top", cmd_top, "live view of the inodes with the most i_rwsem wait" },
	{ "serve", cmd_serve, "Prometheus metrics of the same aggregates over HTTP" },
};

static void usage(FILE *f)
{
	fprintf(f, "Usage: diolock [-v] COMMAND [OPTIONS] [-- CMD [ARG...]]\n\n"
		   "Observe inode i_rwsem and direct-I/O completion with eBPF.\n\nCommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].help);
	fprintf(f, "\nOptions (also after COMMAND):\n  -v, --verbose  show libbpf's messages\n"
		   "      --pretty   indent JSON documents (JSON lines stay one per line)\n"
		   "  -V, --version  print the version\n  -h, --help     this text\n\n"
		   "Run 'diolock COMMAND --help' for a command's options.\n");
}

#ifdef DL_NO_HTTP
#define DL_FEATURE_SERVE "no (static build: libmicrohttpd needs GnuTLS, which Debian ships no static library of)"
#else
#define DL_FEATURE_SERVE "yes"
#endif

static void version(void)
{
	printf("diolock %s (git %s, libbpf %s)\nfeatures: serve: %s\n", DIOLOCK_VERSION, dl_git_rev,
	       libbpf_version_string(), DL_FEATURE_SERVE);
}

/*
 * What every subcommand accepts before "--", as bpftool does: -v and
 * --pretty anywhere (taken out here), -h for --help (argp knows only -?).
 */
static int common_options(int argc, char **argv)
{
	int n = 1;

	for (int j = 1; j < argc; j++) {
		if (!strcmp(argv[j], "--")) {
			while (j < argc)
				argv[n++] = argv[j++];
			break;
		}
		if (!strcmp(argv[j], "-v") || !strcmp(argv[j], "--verbose")) {
			dl_verbose = true;
			continue;
		}
		if (!strcmp(argv[j], "--pretty")) {
			dl_json_pretty = true;
			continue;
		}
		if (!strcmp(argv[j], "-h"))
			argv[j] = "--help";
		argv[n++] = argv[j];
	}
	argv[n] = NULL;
	return n;
}

int main(int argc, char **argv)
{
	int i = 1;
	char prog[64];

	argp_err_exit_status = DL_EXIT_USAGE;
	libbpf_set_print(dl_libbpf_print);
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "-v") || !strcmp(argv[i], "--verbose")) {
			dl_verbose = true;
		} else if (!strcmp(argv[i], "--pretty")) {
			dl_json_pretty = true;
		} else if (!strcmp(argv[i], "-V") || !strcmp(argv[i], "--version")) {
			version();
			return DL_EXIT_OK;
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return DL_EXIT_OK;
		} else {
			dl_err("unknown option '%s' (try 'diolock --help')", argv[i]);
			return DL_EXIT_USAGE;
		}
	}
	if (i == argc) {
		usage(stderr);
		return DL_EXIT_USAGE;
	}
	/* validate's own workload, run by validate as its CMD */
	if (!strcmp(argv[i], "__validate-workload"))
		return cmd_validate_workload(argc - i, argv + i);
	for (size_t c = 0; c < sizeof(commands) / sizeof(commands[0]); c++) {
		if (strcmp(argv[i], commands[c].name))
			continue;
		/* argp names the program after argv[0]: "diolock check" */
		snprintf(prog, sizeof(prog), "diolock %s", commands[c].name);
		argv[i] = prog;
		return commands[c].fn(common_options(argc - i, argv + i), argv + i);
	}
	dl_err("unknown command '%s' (try 'diolock --help')", argv[i]);
	return DL_EXIT_USAGE;
}
