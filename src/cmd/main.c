// SPDX-License-Identifier: GPL-2.0
/* diolock: see README.md. This file only dispatches subcommands. */
#include <argp.h>
#include <stdio.h>
#include <string.h>
#include <bpf/libbpf.h>
#include "cmd/commands.h"
#include "record/evfile.h"
#include "lib/json.h"
#include "live/libbpf_log.h"
#include "lib/log.h"
#include "lib/version.h"

/* How a command took `--json FILE` before -j/-J (0.1; JSON_FLAG: it never did): see legacy_json() */
enum { JSON_FLAG, JSON_FILE_OPTION, JSON_FILE_OR_RECORDING };

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
	int json;
} commands[] = {
	{ "probe", cmd_probe, "show which hook tier each hook point gets on this kernel, and why", JSON_FLAG },
	{ "trace", cmd_trace, "stream i_rwsem waits, DIO and fsync events live", JSON_FLAG },
	{ "check", cmd_check, "run CMD, report deadlocks and DIO completion under i_rwsem; exit 1 on errors",
	  JSON_FILE_OPTION },
	{ "record", cmd_record, "record every event of a run to a file", JSON_FLAG },
	{ "replay", cmd_replay, "analyse a recording offline, without privileges", JSON_FILE_OR_RECORDING },
	{ "validate", cmd_validate, "check the btrfs DIO locking / D_SYNC invariants on this kernel",
	  JSON_FILE_OPTION },
	{ "stat", cmd_stat, "log2 histograms of i_rwsem wait/hold times and DIO latency, folded in BPF", JSON_FLAG },
	{ "top", cmd_top, "live view of the inodes with the most i_rwsem wait", JSON_FLAG },
	{ "serve", cmd_serve, "Prometheus metrics of the same aggregates over HTTP", JSON_FLAG },
};

static void usage(FILE *f)
{
	fprintf(f, "Usage: diolock [-v] COMMAND [OPTIONS] [-- CMD [ARG...]]\n\n"
		   "Observe inode i_rwsem and direct-I/O completion with eBPF.\n\nCommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].help);
	fprintf(f, "\nOptions (also after COMMAND):\n  -v, --verbose  show libbpf's messages\n"
		   "  -p, --pretty   JSON output, indented (JSON lines stay one per line)\n"
		   "  -V, --version  print the version\n  -h, --help     this text\n\n"
		   "Run 'diolock COMMAND --help' for a command's options.\n");
}

#ifdef DL_NO_HTTP
#define DL_FEATURE_SERVE "--textfile only (static build, no HTTP: Debian's libmicrohttpd.a needs GnuTLS, " \
	"whose p11-kit has no static library)"
#else
#define DL_FEATURE_SERVE "yes"
#endif

static void version(void)
{
	printf("diolock %s (git %s, libbpf %s)\nfeatures: serve: %s\n", DIOLOCK_VERSION, dl_git_rev,
	       libbpf_version_string(), DL_FEATURE_SERVE);
	/* renamed, both names written for one release */
	printf("deprecated until 0.3: JSON key \"violations\" (now \"findings\"), metric "
	       "diolock_violations_total (now diolock_findings_total)\n");
}

/*
 * check, replay and validate took the report's file as `--json FILE` until
 * 0.1; --json is a flag now (bpftool's -j) and the file is -J/--json-file.
 * For one release the old spelling is rewritten, with a line saying so,
 * whenever its word cannot be anything else: not an option, and for replay
 * not the recording. Returns the replacement for argv[j], or NULL.
 */
static char *legacy_json(int how, int argc, char **argv, int j)
{
	const char *next = j + 1 < argc ? argv[j + 1] : NULL;
	char *opt;

	if (how == JSON_FLAG)
		return NULL;
	if (!strncmp(argv[j], "--json=", 7)) {
		dl_warn("'--json=FILE' is deprecated: write '-J FILE' (--json is a flag now: JSON on stdout)");
		if (asprintf(&opt, "--json-file=%s", argv[j] + 7) < 0)
			return NULL;
		return opt;
	}
	if (strcmp(argv[j], "--json") || !next || !strcmp(next, "--"))
		return NULL;
	if (!strcmp(next, "-")) {
		dl_warn("'--json -' is deprecated: write '-j' (JSON on stdout)");
		return "--json-file";	/* "-J -" writes to stdout, as -j does */
	}
	if (next[0] == '-' || (how == JSON_FILE_OR_RECORDING && evf_is_recording(next)))
		return NULL;
	dl_warn("'--json %s' is deprecated: write '-J %s' (--json is a flag now: JSON on stdout)", next, next);
	return "--json-file";
}

/* -p was --pid until 0.1, and is --pretty now; a number after it still means a pid, for one release. */
static char *legacy_pid(int argc, char **argv, int j)
{
	const char *a = argv[j];
	char *opt;

	if (a[2] >= '0' && a[2] <= '9') {
		dl_warn("'%s' is deprecated: write '--pid %s' (-p is --pretty now)", a, a + 2);
		if (asprintf(&opt, "--pid=%s", a + 2) < 0)
			return NULL;
		return opt;
	}
	if (!a[2] && j + 1 < argc && argv[j + 1][0] >= '0' && argv[j + 1][0] <= '9') {
		dl_warn("'-p %s' is deprecated: write '--pid %s' (-p is --pretty now)", argv[j + 1], argv[j + 1]);
		return "--pid";
	}
	return NULL;
}

/*
 * What every subcommand accepts before "--", as bpftool does: -v and
 * -p/--pretty anywhere (taken out here), -h for --help (argp knows only -?).
 */
static int common_options(int how_json, int argc, char **argv)
{
	int n = 1;
	char *alt;

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
		alt = !strncmp(argv[j], "-p", 2) ? legacy_pid(argc, argv, j) : legacy_json(how_json, argc, argv, j);
		if (alt) {
			argv[j] = alt;
		} else if (!strcmp(argv[j], "-p") || !strcmp(argv[j], "--pretty")) {
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
		} else if (!strcmp(argv[i], "-p") || !strcmp(argv[i], "--pretty")) {
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
		return commands[c].fn(common_options(commands[c].json, argc - i, argv + i), argv + i);
	}
	dl_err("unknown command '%s' (try 'diolock --help')", argv[i]);
	return DL_EXIT_USAGE;
}
