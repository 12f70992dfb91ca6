/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One 64-bit mix for every hashed index, BPF's fold slots and the
 * analyzer's tables alike: keys that differ in one small field (dev 7:0 and
 * 7:1, inode 33 and 96, tids one apart) must land apart, and the
 * multiply-and-xor combines this replaced made them collide by the thousand.
 */
#ifndef DIOLOCK_MIX_H
#define DIOLOCK_MIX_H

#ifndef __BPF__
#include <linux/types.h>
#endif

/* h combined with v through the murmur3 finalizer: every bit reaches the low bits. */
static inline __u64 dl_mix(__u64 h, __u64 v)
{
	h ^= v;
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

#endif /* DIOLOCK_MIX_H */
