// SPDX-License-Identifier: GPL-2.0
/*
 * Which struct rw_semaphore layout the decoder was relocated for, for the
 * report: run once by the loader (bpf/rwsem_layout.bpf.h).
 */
#include "diolock.bpf.h"

DL_LOCK_LAYOUT_PROG
