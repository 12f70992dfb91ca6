/* SPDX-License-Identifier: GPL-2.0 */
#ifndef DIOLOCK_COMMANDS_H
#define DIOLOCK_COMMANDS_H

#include "output/exit.h"

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
