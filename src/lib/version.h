/* SPDX-License-Identifier: GPL-2.0 */
/* What built this diolock: reports and recordings carry it. */
#ifndef DIOLOCK_VERSION_H
#define DIOLOCK_VERSION_H

#define DIOLOCK_VERSION "0.2.0"

extern const char dl_git_rev[];	/* `git describe --always --dirty`, or "unknown" */

#endif
