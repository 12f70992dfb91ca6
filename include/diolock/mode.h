/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What a command asks of the BPF side, one value for the whole run: set in
 * .rodata before load, so the verifier drops the branches of every other mode.
 */
#ifndef DIOLOCK_MODE_H
#define DIOLOCK_MODE_H

#ifndef __BPF__
#include <stdbool.h>
#endif

enum dl_mode {
	DL_MODE_CHECK,	/* records for the analyzer; routine completions folded (check, serve --findings) */
	DL_MODE_STREAM,	/* CHECK's records and every O_DIRECT write too (trace, validate) */
	DL_MODE_COUNT,	/* no records: histograms counted in maps (stat, top) */
	DL_MODE_FOLD,	/* no records: every judged completion counted in a fold slot (serve) */
};

/* Whether the mode sends records through the ring buffer at all. */
static inline __attribute__((always_inline)) bool dl_mode_sends(int mode)
{
	return mode < DL_MODE_COUNT;
}

#endif /* DIOLOCK_MODE_H */
