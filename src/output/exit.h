/* SPDX-License-Identifier: GPL-2.0 */
#ifndef DIOLOCK_EXIT_H
#define DIOLOCK_EXIT_H

/* Exit codes shared by every subcommand (reports decide them too). */
#define DL_EXIT_OK 0
#define DL_EXIT_FINDING 1
#define DL_EXIT_USAGE 2
/* No error found, but the run proved nothing: events lost, a needed hook
 * unavailable, filters that matched nothing, or a recording cut short. */
#define DL_EXIT_INCOMPLETE 3

#endif
