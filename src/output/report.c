// SPDX-License-Identifier: GPL-2.0
/* The verdict, the exit status and the filters of a report; helpers its renderers share. */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include "output/exit.h"
#include "output/report_internal.h"

/*
 * A hook point `check` relies on that the kernel did not give. A recording
 * made before the hook existed saw what its diolock could: no blind spot.
 */
bool report_hook_missing(const struct dl_report *r, int h)
{
	return dl_hooks[h].check_needs && r->hooks[h].tier == DL_TIER_NONE && !r->hooks[h].unrecorded;
}

static bool blind_spot(const struct dl_report *r)
{
	for (int h = 0; h < DL_HOOK_MAX; h++)
		if (report_hook_missing(r, h))
			return true;
	return false;
}

/* io_uring writes whose request BPF could not name (bpf/fallback.bpf.c): fallbacks unseen. */
static bool unjudged_writes(const struct dl_report *r)
{
	for (int fs = 0; r->dio && fs < DL_FSID_MAX; fs++)
		if (r->dio[fs][DL_DIO_UNSEEN])
			return true;
	return false;
}

/* The filter in effect: the run's (BPF), narrowed by the analyzer's (replay). */
struct dl_filter report_effective_filter(const struct dl_report *r)
{
	struct dl_filter f = r->run_filter ? *r->run_filter : (struct dl_filter){};
	const struct dl_filter *a = r->an.filter;

	if (a->tgid)
		f.tgid = a->tgid;
	if (a->dev)
		f.dev = a->dev;
	if (a->ino)
		f.ino = a->ino;
	if (a->fs[0])
		memcpy(f.fs, a->fs, sizeof(f.fs));
	if (a->comm[0])
		memcpy(f.comm, a->comm, sizeof(f.comm));
	return f;
}

void dl_report_filter_desc(const struct dl_report *r, char *buf, size_t len)
{
	struct dl_filter f = report_effective_filter(r);
	size_t n = 0;

	buf[0] = '\0';
	if (f.tgid)
		n += snprintf(buf + n, len - n, " --pid %u", f.tgid);
	if (f.comm[0] && n < len)
		n += snprintf(buf + n, len - n, " -c %.*s", DL_COMM_LEN, f.comm);
	if (f.fs[0] && n < len)
		n += snprintf(buf + n, len - n, " --fs %.*s", DL_FS_LEN, f.fs);
	if (f.cgroup[0] && n < len)
		n += snprintf(buf + n, len - n, " --cgroup %s", f.cgroup);
	if (f.dev && n < len)
		n += snprintf(buf + n, len - n, " --dev %u:%u", DL_DEV_MAJOR(f.dev), DL_DEV_MINOR(f.dev));
	if (f.ino && n < len)
		snprintf(buf + n, len - n, " --ino %llu", (unsigned long long)f.ino);
	if (buf[0])
		memmove(buf, buf + 1, strlen(buf));
}

bool dl_report_filters_matched(const struct dl_report *r)
{
	struct dl_filter f = report_effective_filter(r);
	bool any = f.tgid || f.dev || f.ino || f.fs[0] || f.comm[0] || f.cgroup[0];

	/* an->events counts the records that passed every filter (no ticks, no exits) */
	if (!any || r->an.events > 0)
		return true;
	/* the kernel counts DIO past the same filters, without records (a routine DIO sends none) */
	for (int fs = 0; r->dio && !f.comm[0] && fs < DL_FSID_MAX; fs++)
		if (r->dio[fs][DL_DIO_SUBMITTED] || r->dio[fs][DL_DIO_COMPLETED])
			return true;
	return false;
}

bool dl_report_cmd_failed(const struct dl_report *r)
{
	return r->cmd_argv && r->cmd_status >= 0 &&
	       !(WIFEXITED(r->cmd_status) && WEXITSTATUS(r->cmd_status) == 0);
}

const char *dl_report_why_incomplete(const struct dl_report *r)
{
	if (r->cut)
		return "the recording was cut short (diolock killed?): the run's end is not in it";
	if (an_results_count(&r->an, AN_ERROR))
		return NULL;
	if (r->lost_ringbuf || r->lost_map_full)
		return "events were lost";
	if (r->an.oom)
		return "the analyzer ran out of memory";
	if (blind_spot(r))
		return "some hook points are unavailable (listed above)";
	if (unjudged_writes(r))
		return "io_uring or AIO wrote to the page cache where diolock could not tell which request or iocb "
		       "it was (io_uring_submit_req unavailable? an io_submit write 32 iocbs past the last?): O_DIRECT "
		       "fallbacks among them are not judged";
	if (!dl_report_filters_matched(r))
		return "the filters matched no event";
	return NULL;
}

enum dl_verdict dl_report_verdict(const struct dl_report *r)
{
	/* a cut recording is incomplete even with errors in it: its end is unknown */
	if (r->cut)
		return DL_VERDICT_INCOMPLETE;
	if (an_results_count(&r->an, AN_ERROR))
		return DL_VERDICT_FAIL;
	return dl_report_why_incomplete(r) ? DL_VERDICT_INCOMPLETE : DL_VERDICT_CLEAN;
}

int dl_report_exit(const struct dl_report *r, unsigned int fail_on)
{
	enum dl_verdict v = dl_report_verdict(r);
	__u64 errors = an_results_count(&r->an, AN_ERROR);
	__u64 warnings = an_results_count(&r->an, AN_WARNING) - errors;

	if (r->cut && (fail_on & DL_FAIL_LOST))
		return DL_EXIT_INCOMPLETE;
	if ((errors && (fail_on & DL_FAIL_ERROR)) || (warnings && (fail_on & DL_FAIL_WARNING)) ||
	    ((fail_on & DL_FAIL_CMD) && dl_report_cmd_failed(r)))
		return DL_EXIT_FINDING;
	if (v == DL_VERDICT_INCOMPLETE && (fail_on & DL_FAIL_LOST))
		return DL_EXIT_INCOMPLETE;
	return DL_EXIT_OK;
}

int dl_parse_fail_on(const char *s, unsigned int *mask, char *err, size_t errlen)
{
	static const struct { const char *name; unsigned int bit; } items[] = {
		{ "error", DL_FAIL_ERROR }, { "warning", DL_FAIL_WARNING }, { "lost", DL_FAIL_LOST },
		{ "incomplete", DL_FAIL_LOST }, { "cmd", DL_FAIL_CMD }, { "none", 0 },
	};
	unsigned int m = 0;
	const char *p = s;

	do {
		size_t n = strcspn(p, ","), i;

		for (i = 0; i < sizeof(items) / sizeof(items[0]); i++)
			if (strlen(items[i].name) == n && !strncmp(p, items[i].name, n))
				break;
		if (i == sizeof(items) / sizeof(items[0])) {
			snprintf(err, errlen, "invalid --fail-on '%s': a comma-separated list of error, warning, "
				 "lost, cmd (or none)", s);
			return -EINVAL;
		}
		m |= items[i].bit;
		p += n;
	} while (*p++ == ',');
	*mask = m;
	return 0;
}

const char *dl_verdict_name(enum dl_verdict v)
{
	return v == DL_VERDICT_FAIL ? "fail" : v == DL_VERDICT_INCOMPLETE ? "incomplete" : "clean";
}

void dl_finding_line(FILE *f, const struct an_finding *v)
{
	char dev[16];

	dl_fmt_dev(v->dev, dev, sizeof(dev));
	fprintf(f, "[%s] %s: pid %u tid %u (%.16s) %s %s", an_severity_name(v->severity), an_kind_name(v->kind),
		v->pid, v->tid, v->comm, v->fs, dev);
	/* a wait on a frozen filesystem is about its super block, on an mmap_lock about a process: no inode */
	if (an_finding_lock(v) == AN_LOCK_SB_WRITERS)
		fprintf(f, ", sb_writers %s", an_lock_mode_name(v->lock_mode));
	else if (an_finding_lock(v) == AN_LOCK_MMAP)
		fprintf(f, ", mmap_lock of pid %u %s", v->members[0].mm_pid, an_lock_mode_name(v->lock_mode));
	else if (an_finding_lock(v) == AN_LOCK_INVALIDATE || an_finding_lock(v) == AN_LOCK_EXTENT ||
		 an_finding_lock(v) == AN_LOCK_ORDERED)
		fprintf(f, " ino %" PRIu64 ", %s %s", (uint64_t)v->ino, an_lock_kind_name(an_finding_lock(v)),
			an_lock_mode_name(v->lock_mode));
	else
		fprintf(f, " ino %" PRIu64 ", i_rwsem %s%s", (uint64_t)v->ino, an_lock_mode_name(v->lock_mode),
			v->dsync ? ", dsync" : "");
	if (v->io_path)
		fprintf(f, ", via %s", dl_io_path_name(v->io_path));
	if (v->run_tid)
		fprintf(f, " (run by tid %u %.16s)", v->run_tid, v->run_comm);
	fprintf(f, "%s\n", v->exact ? "" : " (inferred)");
}


/* A lock_order_inversion member's lock class: "i_rwsem[ext4]", "dio_drain[btrfs]". */
const char *report_member_class(const struct an_member *m, char *buf, size_t len)
{
	return an_class_name(m->lock_kind, m->fs, buf, len);
}

/* The recorded path of (dev, ino), or NULL. */
const char *report_path_of(const struct dl_report *r, __u32 dev, __u64 ino)
{
	return r->paths && ino ? inode_paths_get(r->paths, dev, ino) : NULL;
}
