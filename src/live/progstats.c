// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "live/progstats.h"
#include "diolock.skel.h"

int dl_progstats_enable(void)
{
	int fd = bpf_enable_stats(BPF_STATS_RUN_TIME);

	return fd < 0 ? -errno : fd;
}

void dl_progstats_print(const struct dl_session *s, FILE *f)
{
	struct bpf_program *prog;

	if (!s->skel)
		return;
	bpf_object__for_each_program(prog, s->skel->obj) {
		struct bpf_prog_info info;
		__u32 len = sizeof(info);
		int fd = bpf_program__fd(prog);

		memset(&info, 0, sizeof(info));
		if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len) || !info.run_cnt)
			continue;
		fprintf(f, "diolock: bpf-stats: %s %llu runs %.0f ns/run\n", bpf_program__name(prog),
			(unsigned long long)info.run_cnt, (double)info.run_time_ns / (double)info.run_cnt);
	}
}
