// SPDX-License-Identifier: GPL-2.0
/*
 * Build-time check that src/lib/hooks.def and bpf/ name the same programs: every
 * program of the hook list exists in the BPF object, in the section its tier
 * and target say, and the object has no program the list does not name (it
 * would never be loaded). Opens the object only: no privileges, no kernel.
 * The Makefile runs it after linking the object; it prints what drifted.
 */
#include <stdio.h>
#include <string.h>
#include <bpf/libbpf.h>
#include "lib/hooks.h"
#include "diolock.skel.h"

/* The SEC() a program of this tier and target must have, '?' (no autoload) included. */
static void want_section(enum dl_tier t, const char *name, const char *target, char *buf, size_t len)
{
	const char *kind = t == DL_TIER_TP_BTF ? "tp_btf" : t == DL_TIER_RAW_TP ? "raw_tp" : NULL;

	if (!kind) {
		/* function tiers: the name's prefix is the section's kind */
		size_t n = strcspn(name, "_");

		snprintf(buf, len, "?%.*s/%s", (int)n, name, target);
		return;
	}
	snprintf(buf, len, "?%s/%s", kind, target);
}

static int libbpf_quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return level == LIBBPF_WARN ? vfprintf(stderr, fmt, ap) : 0;
}

int main(void)
{
	static const enum dl_tier tiers[] = { DL_TIER_FENTRY, DL_TIER_KPROBE, DL_TIER_TP_BTF, DL_TIER_RAW_TP };
	struct diolock_bpf *skel;
	struct bpf_program *p;
	int bad = 0;

	libbpf_set_print(libbpf_quiet);
	skel = diolock_bpf__open();
	if (!skel) {
		fprintf(stderr, "hookcheck: cannot open the BPF object\n");
		return 1;
	}
	for (int h = 0; h < DL_HOOK_MAX; h++)
		for (size_t ti = 0; ti < sizeof(tiers) / sizeof(tiers[0]); ti++) {
			char name[128], want[192];

			for (int i = 0; dl_hook_prog(h, tiers[ti], i, name, sizeof(name)); i++) {
				const char *sec;

				p = bpf_object__find_program_by_name(skel->obj, name);
				if (!p) {
					fprintf(stderr, "hookcheck: hook %s, tier %s: no program %s in bpf/\n",
						dl_hooks[h].name, dl_tier_name(tiers[ti]), name);
					bad++;
					continue;
				}
				want_section(tiers[ti], name, dl_hook_target(h, tiers[ti], i),
					     want, sizeof(want));
				sec = bpf_program__section_name(p);
				/* libbpf may keep or drop the '?' */
				if (strcmp(sec, want) && strcmp(sec, want + 1)) {
					fprintf(stderr, "hookcheck: %s is in section %s, hooks.def says %s\n", name, sec,
						want);
					bad++;
				}
			}
		}
	bpf_object__for_each_program(p, skel->obj) {
		bool found = false;

		for (int h = 0; h < DL_HOOK_MAX && !found; h++)
			for (size_t ti = 0; ti < sizeof(tiers) / sizeof(tiers[0]) && !found; ti++) {
				char name[128];

				for (int i = 0; !found && dl_hook_prog(h, tiers[ti], i, name, sizeof(name)); i++)
					found = !strcmp(name, bpf_program__name(p));
			}
		/* the loader runs this one itself (BPF_PROG_RUN), it hooks nothing */
		if (!strcmp(bpf_program__name(p), "lock_layout"))
			continue;
		if (!found) {
			fprintf(stderr, "hookcheck: program %s (%s) belongs to no hook in src/lib/hooks.def\n",
				bpf_program__name(p), bpf_program__section_name(p));
			bad++;
		}
	}
	diolock_bpf__destroy(skel);
	if (bad)
		fprintf(stderr, "hookcheck: %d mismatch(es) between src/lib/hooks.def and bpf/\n", bad);
	return bad ? 1 : 0;
}
