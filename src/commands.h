/* SPDX-License-Identifier: GPL-2.0 */
#ifndef DIOLOCK_COMMANDS_H
#define DIOLOCK_COMMANDS_H

/* Exit codes shared by every subcommand. */
#define DL_EXIT_OK 0
#define DL_EXIT_VIOLATION 1
#define DL_EXIT_USAGE 2
/* No error found, but the run proved nothing: events lost, a needed hook
 * unavailable, filters that matched nothing, or a recording cut short. */
#define DL_EXIT_INCOMPLETE 3

int cmd_probe(int argc, char **argv);
int cmd_trace(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_record(int argc, char **argv);
int cmd_replay(int argc, char **argv);
int cmd_validate(int argc, char **argv);
int cmd_validate_workload(int argc, char **argv);
int cmd_stat(int argc, char **argv);
int cmd_top(int argc, char **argv);
int cmd_serve(int argc, char **argv);

#endif
