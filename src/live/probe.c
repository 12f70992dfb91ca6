// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <glob.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/mount.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "live/libbpf_log.h"
#include "lib/log.h"
#include "live/probe.h"
#include "probe.skel.h"

#define KPROBE_PMU "/sys/bus/event_source/devices/kprobe/type"
#define CAP_SYS_ADMIN_BIT 21
#define CAP_PERFMON_BIT 38
#define CAP_BPF_BIT 39

static unsigned long long cap_effective(void)
{
	unsigned long long caps = 0;
	char line[256];
	FILE *f = fopen("/proc/self/status", "re");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "CapEff: %llx", &caps) == 1)
			break;
	fclose(f);
	return caps;
}

int dl_env_check(const char *btf_path, char *why, size_t len)
{
	unsigned long long caps = cap_effective();
	bool admin = caps & (1ULL << CAP_SYS_ADMIN_BIT);
	bool bpf = caps & (1ULL << CAP_BPF_BIT), perfmon = caps & (1ULL << CAP_PERFMON_BIT);

	if (!admin && !(bpf && perfmon)) {
		snprintf(why, len, "missing privileges: diolock needs root, or CAP_BPF and CAP_PERFMON");
		return -EPERM;
	}
	if (btf_path && access(btf_path, R_OK)) {
		snprintf(why, len, "cannot read the BTF file '%s': %s", btf_path, strerror(errno));
		return -ENOENT;
	}
	if (!btf_path && access("/sys/kernel/btf/vmlinux", R_OK)) {
		snprintf(why, len, "this kernel has no BTF (/sys/kernel/btf/vmlinux missing): build it with "
			 "CONFIG_DEBUG_INFO_BTF=y, or pass its BTF with --btf FILE");
		return -ENOENT;
	}
	return 0;
}

static void explain(enum dl_hook_id hook, enum dl_tier tier, const char *what_full, int err,
		    struct dl_tier_result *res)
{
	const struct dl_hook *h = &dl_hooks[hook];
	bool tp = dl_tier_is_tp(tier);
	char what[72];

	snprintf(what, sizeof(what), "%.71s", what_full);

	res->err = err;
	if (tier == DL_TIER_KPROBE && access(KPROBE_PMU, F_OK)) {
		snprintf(res->why, sizeof(res->why), "kprobes not configured (no kprobe PMU: CONFIG_KPROBES is off)");
		return;
	}
	switch (-err) {
	case EPERM:
	case EACCES:
		snprintf(res->why, sizeof(res->why), "%s %s: permission denied by the kernel",
			 dl_tier_name(tier), what);
		break;
	case ENOENT:
	case ESRCH:
		if (tp)
			snprintf(res->why, sizeof(res->why), "tracepoint %s:%s does not exist on this kernel%s",
				 h->tp_system, what, h->module ? " (or its module is not loaded)" : "");
		else if (tier == DL_TIER_FENTRY)
			snprintf(res->why, sizeof(res->why), "%s not in kernel BTF (%s)", what,
				 h->module ? "module not loaded, or loaded without BTF" : "inlined or renamed?");
		else
			snprintf(res->why, sizeof(res->why), "%s is not a kprobe-able symbol%s", what,
				 h->module ? " (module not loaded?)" : " (inlined or renamed?)");
		break;
	case 524:	/* ENOTSUPP, kernel-internal */
		snprintf(res->why, sizeof(res->why), "%s %s: not supported for this function by this kernel "
			 "(e.g. more than 6 arguments)", dl_tier_name(tier), what);
		break;
	case EOPNOTSUPP:
		snprintf(res->why, sizeof(res->why), "%s not supported by this kernel", dl_tier_name(tier));
		break;
	default:
		snprintf(res->why, sizeof(res->why), "%s %s: %s", dl_tier_name(tier), what, strerror(-err));
	}
}

static struct bpf_program *tier_prog(struct probe_bpf *skel, enum dl_tier tier)
{
	switch (tier) {
	case DL_TIER_FENTRY: return skel->progs.probe_fentry;
	case DL_TIER_KPROBE: return skel->progs.probe_kprobe;
	case DL_TIER_TP_BTF: return skel->progs.probe_tp_btf;
	default: return skel->progs.probe_raw_tp;
	}
}

/* Load, and attach, an empty program of this tier at target. 0 or -errno. */
static int try_target(enum dl_tier tier, const char *target)
{
	struct bpf_link *link = NULL;
	struct probe_bpf *skel;
	struct bpf_program *prog;
	int err;

	/* an expected refusal is an answer, not a warning worth libbpf's log */
	libbpf_set_print(NULL);
	skel = probe_bpf__open();
	if (!skel) {
		err = -errno;
		libbpf_set_print(dl_libbpf_print);
		return err;
	}
	prog = tier_prog(skel, tier);
	bpf_program__set_autoload(prog, true);
	if (tier == DL_TIER_FENTRY || tier == DL_TIER_TP_BTF) {
		err = bpf_program__set_attach_target(prog, 0, target);
		if (err)
			goto out;
	}
	err = probe_bpf__load(skel);
	if (err)
		goto out;
	if (tier == DL_TIER_KPROBE)
		link = bpf_program__attach_kprobe(prog, false, target);
	else if (tier == DL_TIER_RAW_TP)
		link = bpf_program__attach_raw_tracepoint(prog, target);
	else
		link = bpf_program__attach(prog);
	err = libbpf_get_error(link);
	if (err)
		link = NULL;
out:
	bpf_link__destroy(link);
	probe_bpf__destroy(skel);
	libbpf_set_print(dl_libbpf_print);
	if (err)
		dl_debug("probe %s %s: %s", dl_tier_name(tier), target, strerror(err < 0 ? -err : err));
	return err < 0 ? err : -err;
}

int dl_lock_layout_enable(struct bpf_program *prog)
{
	/* BPF_PROG_TYPE_SYSCALL is v5.14+: without it the layout stays unknown, nothing else fails */
	if (libbpf_probe_bpf_prog_type(BPF_PROG_TYPE_SYSCALL, NULL) <= 0)
		return -EOPNOTSUPP;
	return bpf_program__set_autoload(prog, true);
}

int dl_lock_layout_run(const struct bpf_program *prog, const volatile __u8 *value)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts);
	int fd = bpf_program__fd(prog), err;

	if (fd < 0)
		return DL_LAYOUT_UNKNOWN;
	err = bpf_prog_test_run_opts(fd, &opts);
	if (err) {
		dl_debug("lock_layout: BPF_PROG_RUN: %s", strerror(-err));
		return DL_LAYOUT_UNKNOWN;
	}
	return *value;
}

int dl_probe_lock_layout(void)
{
	struct probe_bpf *skel;
	int layout = DL_LAYOUT_UNKNOWN;

	libbpf_set_print(NULL);
	skel = probe_bpf__open();
	if (skel && !dl_lock_layout_enable(skel->progs.lock_layout) && !probe_bpf__load(skel))
		layout = dl_lock_layout_run(skel->progs.lock_layout, &skel->bss->dl_lock_layout);
	probe_bpf__destroy(skel);
	libbpf_set_print(dl_libbpf_print);
	return layout;
}

/* fexit shares fentry's verdict and kretprobe kprobe's: one probe per function. */
#define CACHE_MAX 64
static struct {
	enum dl_tier tier;
	char target[128];
	int err;
} cache[CACHE_MAX];
static int ncache;

static int try_cached(enum dl_tier tier, const char *target)
{
	int err;

	for (int i = 0; i < ncache; i++)
		if (cache[i].tier == tier && !strcmp(cache[i].target, target))
			return cache[i].err;
	err = try_target(tier, target);
	if (ncache < CACHE_MAX) {
		cache[ncache].tier = tier;
		snprintf(cache[ncache].target, sizeof(cache[ncache].target), "%s", target);
		cache[ncache++].err = err;
	}
	return err;
}

/*
 * The enabled livepatch replacing FUNC, into patch: its sysfs directory is
 * /sys/kernel/livepatch/PATCH/OBJECT/FUNC,SYMPOS. A BPF trampoline on such
 * a function shares ftrace's IPMODIFY with the livepatch; on Debian's 6.1,
 * detaching diolock's trampolines with one in place oopsed in BPF
 * trampoline code (tests/vm, the dio_end_late livepatch). kprobes are safe.
 */
static bool livepatch_of(const char *func, char *patch, size_t len)
{
	char pat[160], en[320];
	bool found = false;
	glob_t g;

	snprintf(pat, sizeof(pat), "/sys/kernel/livepatch/*/*/%s,*", func);
	if (glob(pat, GLOB_NOSORT, NULL, &g))
		return false;
	for (size_t i = 0; i < g.gl_pathc && !found; i++) {
		char *p = g.gl_pathv[i] + strlen("/sys/kernel/livepatch/"), *slash = strchr(p, '/');
		FILE *f;
		int on = 0;

		if (!slash)
			continue;
		snprintf(patch, len, "%.*s", (int)(slash - p), p);
		snprintf(en, sizeof(en), "/sys/kernel/livepatch/%s/enabled", patch);
		f = fopen(en, "re");
		if (f && fscanf(f, "%d", &on) == 1 && on)
			found = true;
		if (f)
			fclose(f);
	}
	globfree(&g);
	return found;
}

int dl_probe_tier(enum dl_hook_id hook, enum dl_tier tier, struct dl_tier_result *res)
{
	const struct dl_hook *h = &dl_hooks[hook];
	char prog[96];
	int err;

	memset(res, 0, sizeof(*res));
	if (!dl_hook_has_tier(hook, tier)) {
		res->err = -ENOENT;
		snprintf(res->why, sizeof(res->why), "%s", tier == DL_TIER_TP_BTF || tier == DL_TIER_RAW_TP ?
			 (h->no_tp_why ? h->no_tp_why : "no tracepoint") : "no function to attach to");
		return res->err;
	}
	for (int i = 0; dl_hook_prog(hook, tier, i, prog, sizeof(prog)); i++) {
		char full[128];
		const char *target = dl_hook_target(hook, tier, i);

		if (tier == DL_TIER_FENTRY && livepatch_of(target, full, sizeof(full))) {
			res->err = -EBUSY;
			snprintf(res->why, sizeof(res->why),
				 "%s is livepatched (%s): no BPF trampoline next to a livepatch", target, full);
			return res->err;
		}
		err = try_cached(tier, target);
		if (err) {
			explain(hook, tier, target, err, res);
			return err;
		}
	}
	return 0;
}
