// SPDX-License-Identifier: GPL-2.0
#include "lib/version.h"

/* passed by the Makefile; a build outside git says so */
#ifndef DL_GIT_REV
#define DL_GIT_REV "unknown"
#endif

const char dl_git_rev[] = DL_GIT_REV;
