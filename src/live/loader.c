// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <time.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "live/loader.h"
#include "lib/clock.h"
#include "live/libbpf_log.h"
#include "lib/log.h"
#include "live/probe.h"
#include "lib/ksyms.h"
#include "diolock.skel.h"

#define DEFAULT_RINGBUF (4u << 20)

static const enum dl_tier tier_order[] = {
	DL_TIER_FENTRY, DL_TIER_KPROBE, DL_TIER_TP_BTF, DL_TIER_RAW_TP,
};

static bool is_tp_tier(enum dl_tier t)
{
	return dl_tier_is_tp(t);
}

/*
 * --attach TIER applies to the hooks that have that tier; hooks that exist
 * only as tracepoints (task exit, syscalls) keep theirs.
 */
static bool tier_allowed(enum dl_hook_id h, enum dl_tier t, enum dl_tier forced)
{
	bool has_func = dl_hook_has_tier(h, DL_TIER_FENTRY) || dl_hook_has_tier(h, DL_TIER_KPROBE);

	if (forced == DL_TIER_NONE)
		return true;
	if (is_tp_tier(forced))
		return is_tp_tier(t);
	return t == forced || (!has_func && is_tp_tier(t));
}

static void add_why(struct dl_hook_state *hs, const char *why)
{
	size_t n = strlen(hs->why);

	snprintf(hs->why + n, sizeof(hs->why) - n, "%s%s", n ? "; " : "", why);
}

static void choose_tier(struct dl_session *s, enum dl_hook_id h, enum dl_tier forced)
{
	struct dl_hook_state *hs = &s->hooks[h];
	int leader = dl_hooks[h].leader;
	struct dl_tier_result res;
	bool lp_refused = false;

	hs->tier = DL_TIER_NONE;
	hs->why[0] = '\0';
	if (leader >= 0 && !is_tp_tier(s->hooks[leader].tier) && dl_hooks[leader].progs[DL_TIER_FENTRY][0].name) {
		/*
		 * The return half of a function pair rides on its entry half's tier:
		 * fexit/kretprobe read what the entry program stashed.
		 */
		enum dl_tier t = s->hooks[leader].tier;

		if (t == DL_TIER_NONE && !dl_hook_has_tier(h, DL_TIER_TP_BTF))
			add_why(hs, s->hooks[leader].why[0] ? s->hooks[leader].why : "its entry hook is unavailable");
		if (t == DL_TIER_NONE && !dl_hook_has_tier(h, DL_TIER_TP_BTF))
			return;
		if (t != DL_TIER_NONE) {
			if (!dl_hook_has_tier(h, t))
				add_why(hs, "no program at its entry hook's tier");
			else if (dl_probe_tier(h, t, &res))
				add_why(hs, res.why);
			else
				hs->tier = t;
			return;
		}
	}
	for (size_t i = 0; i < sizeof(tier_order) / sizeof(tier_order[0]); i++) {
		enum dl_tier t = tier_order[i];
		/* a livepatched function gets a kprobe even under --attach fentry (see probe.c) */
		bool lp_fallback = forced == DL_TIER_FENTRY && t == DL_TIER_KPROBE && lp_refused;

		if (!dl_hook_has_tier(h, t) || (!tier_allowed(h, t, forced) && !lp_fallback) ||
		    (s->refused[h] & (1u << t)))
			continue;
		if (!dl_probe_tier(h, t, &res)) {
			hs->tier = t;
			return;
		}
		lp_refused |= t == DL_TIER_FENTRY && res.err == -EBUSY;
		add_why(hs, res.why);
	}
	if (!hs->why[0])
		add_why(hs, forced ? "no program at the forced tier" :
			(dl_hooks[h].no_tp_why ? dl_hooks[h].no_tp_why : "no program"));
}

static void hook_off(struct dl_session *s, enum dl_hook_id h, const char *reason)
{
	char why[sizeof(s->hooks[h].why)];

	/* reason may be this hook's own why[] */
	snprintf(why, sizeof(why), "%s", reason);
	for (int i = 0; i < DL_HOOK_MAX_PROGS; i++) {
		bpf_link__destroy(s->links[h][i]);
		s->links[h][i] = NULL;
	}
	s->hooks[h].tier = DL_TIER_NONE;
	snprintf(s->hooks[h].why, sizeof(s->hooks[h].why), "%s", why);
}

/*
 * The sb_writers waits come from the contention tracepoints, whose programs
 * the i_rwsem waits use in the tracepoint tiers: there the two hooks share
 * them (attached once, as rwsem_wait_*). In the function tiers they attach
 * for sb_writers alone: the BPF side then leaves i_rwsem to the slow paths.
 */
static void share_contention(struct dl_session *s, bool records_off)
{
	static const enum dl_hook_id sb[] = { DL_HOOK_SB_WAIT_BEGIN, DL_HOOK_SB_WAIT_END };
	static const enum dl_hook_id rwsem[] = { DL_HOOK_WAIT_BEGIN, DL_HOOK_WAIT_END };

	s->skel->rodata->rwsem_waits_by_tp = is_tp_tier(s->hooks[DL_HOOK_WAIT_BEGIN].tier);
	for (int i = 0; i < 2; i++) {
		s->shares[sb[i]] = false;
		if (records_off)
			hook_off(s, sb[i], "not used by this command (its records are check's and trace's)");
		/* each half apart: the end hook may have got another tier than the beginning */
		else if (is_tp_tier(s->hooks[rwsem[i]].tier)) {
			s->hooks[sb[i]].tier = s->hooks[rwsem[i]].tier;
			s->shares[sb[i]] = true;
		}
	}
	if (records_off) {
		hook_off(s, DL_HOOK_FREEZE, "not used by this command (its records are check's and trace's)");
		hook_off(s, DL_HOOK_THAW, "not used by this command (its records are check's and trace's)");
	}
}

/* Hooks that only work together: the btrfs fault-in-DIO group, the mmap_lock hold halves. */
static const enum dl_hook_id btrfs_group[] = { DL_HOOK_BTRFS_EXTENT_LOCK, DL_HOOK_BTRFS_DIO, DL_HOOK_BTRFS_DIO_MAP,
					       DL_HOOK_BTRFS_ORDERED_WAIT };
static const enum dl_hook_id mmap_group[] = { DL_HOOK_MMAP_RELEASE, DL_HOOK_MMAP_HOLD };
#define GROUP_LEN(g) (sizeof(g) / sizeof((g)[0]))

/* A group this command does not use: every hook of it off, for one reason. */
static void group_off(struct dl_session *s, const enum dl_hook_id *ids, size_t n, const char *why)
{
	for (size_t i = 0; i < n; i++)
		hook_off(s, ids[i], why);
}

/* One of them unavailable (or not attached): all off, each saying which. */
static void all_or_none(struct dl_session *s, const enum dl_hook_id *ids, size_t n)
{
	char why[sizeof(s->hooks[0].why)];
	size_t i, off = n;

	for (i = 0; i < n && off == n; i++)
		if (!s->hooks[ids[i]].tier)
			off = i;
	if (off == n)
		return;
	snprintf(why, sizeof(why), "works only with %s, which is unavailable", dl_hooks[ids[off]].name);
	for (i = 0; i < n; i++)
		if (s->hooks[ids[i]].tier)
			hook_off(s, ids[i], why);
}

/* Enable the programs of every hook's chosen tier. */
static void choose_tiers(struct dl_session *s, enum dl_tier forced, bool records_off, bool stat)
{
	char name[96];

	for (int h = 0; h < DL_HOOK_MAX; h++)
		choose_tier(s, h, forced);
	/* fallbacks are findings: commands without records do not pay for the fallback hook */
	if (records_off) {
		hook_off(s, DL_HOOK_DIO_FALLBACK, "not used by this command (fallback detection is check's and trace's)");
		hook_off(s, DL_HOOK_URING_SUBMIT, "not used by this command (it serves the fallback hook)");
		hook_off(s, DL_HOOK_URING_SUBMIT_SQE, "not used by this command (it serves the fallback hook)");
		group_off(s, btrfs_group, GROUP_LEN(btrfs_group),
			  "not used by this command (its records are check's and trace's)");
	}
	/* mmap_lock write holds are histograms' alone */
	if (!stat)
		group_off(s, mmap_group, GROUP_LEN(mmap_group),
			  "not used by this command (hold times are stat's, top's and serve's)");
	all_or_none(s, mmap_group, GROUP_LEN(mmap_group));
	all_or_none(s, btrfs_group, GROUP_LEN(btrfs_group));
	share_contention(s, records_off);
	/* holds are tracked from both halves or not at all */
	if (!s->hooks[DL_HOOK_RWSEM_RELEASE].tier)
		hook_off(s, DL_HOOK_RWSEM_ACQUIRE, s->hooks[DL_HOOK_RWSEM_RELEASE].why);
	for (int h = 0; h < DL_HOOK_MAX; h++) {
		for (int i = 0; s->hooks[h].tier && dl_hook_prog(h, s->hooks[h].tier, i, name, sizeof(name)); i++) {
			struct bpf_program *prog = bpf_object__find_program_by_name(s->skel->obj, name);

			if (prog)
				bpf_program__set_autoload(prog, true);
			else
				hook_off(s, h, "diolock's BPF object lacks this hook's program");
		}
	}
}

static int attach_hook(struct dl_session *s, enum dl_hook_id h)
{
	char name[96], why[200];
	int err;

	for (int i = 0; dl_hook_prog(h, s->hooks[h].tier, i, name, sizeof(name)); i++) {
		struct bpf_program *prog = bpf_object__find_program_by_name(s->skel->obj, name);

		s->links[h][i] = bpf_program__attach(prog);
		err = libbpf_get_error(s->links[h][i]);
		if (err) {
			s->links[h][i] = NULL;
			snprintf(why, sizeof(why), "attaching %s failed: %s", name, strerror(-err));
			hook_off(s, h, why);
			return err;
		}
	}
	return 0;
}

/* The kiocb completion callbacks that tell an I/O's path (bpf/origin.bpf.h). */
static void set_ksyms(struct dl_session *s)
{
	static const char *const names[] = { "aio_complete_rw", "io_complete_rw", "io_complete_rw_iopoll" };
	__u64 addrs[3];

	ksyms_find(NULL, names, addrs, 3);
	s->skel->rodata->ksym_aio_complete_rw = addrs[0];
	s->skel->rodata->ksym_io_complete_rw = addrs[1];
	s->skel->rodata->ksym_io_complete_rw_iopoll = addrs[2];
}

static void configure(struct dl_session *s, const struct dl_session_opts *o)
{
	const struct dl_filter *f = o->filter;
	size_t rb = o->ringbuf_bytes ? o->ringbuf_bytes : DEFAULT_RINGBUF;

	/* with records off the ring buffer stays empty: one page will do */
	bpf_map__set_max_entries(s->skel->maps.events, !dl_mode_sends(o->mode) ? 4096 : rb);
	s->nr_cpus = libbpf_num_possible_cpus();
	if (s->nr_cpus < 1 || s->nr_cpus > DL_MAX_CPUS)
		s->nr_cpus = DL_MAX_CPUS;
	s->skel->rodata->nr_cpus = s->nr_cpus;
	bpf_map__set_max_entries(s->skel->maps.folds, s->nr_cpus * DL_FOLD_SLOTS);
	bpf_map__set_max_entries(s->skel->maps.wait_folds, s->nr_cpus * DL_WFOLD_SLOTS);
	/* the analyzer's consumers read the wait folds and claim the pending waits */
	s->skel->rodata->wait_defer_ns = o->mode == DL_MODE_CHECK ? DL_WAIT_DEFER_NS : 0;
	s->skel->rodata->run_mode = o->mode;
	s->skel->rodata->stat_on = o->stat;
	s->skel->rodata->stat_by = o->stat_by;
	set_ksyms(s);
	if (!f)
		return;
	s->skel->rodata->targ_tgid = f->tgid;
	s->skel->rodata->targ_dev = f->dev;
	s->skel->rodata->targ_ino = f->ino;
	s->skel->rodata->targ_cgroup = f->cgroup_id;
	memcpy((char *)s->skel->rodata->targ_fs, f->fs, DL_FS_LEN);
}

/* --cgroup: its directory into the map bpf_current_task_under_cgroup() reads, before any hook runs. */
static int set_cgroup_filter(struct dl_session *s, const struct dl_filter *f, char *msg, size_t len)
{
	__u32 key = 0;
	int fd, err;

	if (!f || !f->cgroup_id)
		return 0;
	fd = err = dl_cgroup_open(f->cgroup);
	if (fd >= 0) {
		err = bpf_map_update_elem(bpf_map__fd(s->skel->maps.cgroup_filter), &key, &fd, BPF_ANY) ? -errno : 0;
		close(fd);
	}
	if (err)
		snprintf(msg, len, "--cgroup %s: cannot hand the cgroup to BPF: %s", f->cgroup, strerror(-err));
	return err;
}

static int on_record(void *ctx, void *data, size_t size)
{
	struct dl_session *s = ctx;
	const struct dl_event *e = data;

	if (size < sizeof(*e)) {
		s->truncated++;
		return 0;
	}
	s->events++;
	s->cb(s->ctx, e);
	return 0;
}

static int load_error(int err, const char *prog, char *msg, size_t len)
{
	if (err == -EPERM)
		snprintf(msg, len, "the kernel refused to load diolock's BPF programs (permission denied): "
			 "run as root, or with CAP_BPF and CAP_PERFMON");
	else if (prog && prog[0])
		snprintf(msg, len, "the kernel's verifier rejected diolock's program %s: %s "
			 "(run with -v for its log)", prog, strerror(-err));
	else
		snprintf(msg, len, "cannot load diolock's BPF programs: %s (run with -v for libbpf's log)",
			 strerror(-err));
	return err;
}

/*
 * The probes load empty programs; a real one can still be refused by an
 * older verifier. libbpf names it in its log: catch the names, so the load
 * can be retried with that hook one tier down.
 */
static char failed_progs[512];

static int catch_failed(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char line[1024], *p, *q;
	va_list copy;

	va_copy(copy, ap);
	vsnprintf(line, sizeof(line), fmt, copy);
	va_end(copy);
	if (strstr(line, "failed") && (p = strstr(line, "prog '")) && (q = strchr(p + 6, '\''))) {
		size_t n = strlen(failed_progs);

		snprintf(failed_progs + n, sizeof(failed_progs) - n, "%s%.*s", n ? " " : "",
			 (int)(q - p - 6), p + 6);
	}
	return dl_libbpf_print(level, fmt, ap);
}

/* Mark the tier of every hook owning a failed program as refused. 0 if none. */
static int refuse_failed(struct dl_session *s)
{
	char name[96];
	int n = 0;

	for (int h = 0; h < DL_HOOK_MAX; h++)
		for (int i = 0; s->hooks[h].tier && dl_hook_prog(h, s->hooks[h].tier, i, name, sizeof(name)); i++) {
			char *at = strstr(failed_progs, name);
			size_t l = strlen(name);

			if (at && (at[l] == ' ' || !at[l]) && (at == failed_progs || at[-1] == ' ')) {
				s->refused[h] |= 1u << s->hooks[h].tier;
				dl_debug("%s: %s refused by the verifier, trying the next tier", dl_hooks[h].name,
					 dl_tier_name(s->hooks[h].tier));
				n++;
				break;
			}
		}
	return n;
}

#define LOAD_ATTEMPTS 4

static int open_and_load(struct dl_session *s, const struct dl_session_opts *o, char *msg, size_t len)
{
	LIBBPF_OPTS(bpf_object_open_opts, open_opts, .btf_custom_path = o->btf_path);
	int err = 0;

	for (int attempt = 0; attempt < LOAD_ATTEMPTS; attempt++) {
		s->skel = diolock_bpf__open_opts(&open_opts);
		if (!s->skel)
			return load_error(-errno, NULL, msg, len);
		configure(s, o);
		choose_tiers(s, o->forced, !dl_mode_sends(o->mode), o->stat);
		dl_lock_layout_enable(s->skel->progs.lock_layout);
		failed_progs[0] = '\0';
		libbpf_set_print(catch_failed);
		err = diolock_bpf__load(s->skel);
		libbpf_set_print(dl_libbpf_print);
		if (!err)
			return 0;
		if (err == -EPERM || !refuse_failed(s))
			break;
		diolock_bpf__destroy(s->skel);
		s->skel = NULL;
	}
	return load_error(err, failed_progs, msg, len);
}

int dl_session_open(struct dl_session *s, const struct dl_session_opts *o, char *msg, size_t len)
{
	int err, attached = 0;

	memset(s, 0, sizeof(*s));
	s->cb = o->cb;
	s->ctx = o->ctx;
	err = dl_env_check(o->btf_path, msg, len);
	if (err)
		return err;
	err = open_and_load(s, o, msg, len);
	if (err || (err = set_cgroup_filter(s, o->filter, msg, len)))
		goto fail;
	s->lock_layout = dl_lock_layout_run(s->skel->progs.lock_layout, &s->skel->bss->dl_lock_layout);
	for (int h = 0; h < DL_HOOK_MAX; h++)
		if (s->hooks[h].tier && !s->shares[h] && !attach_hook(s, h))
			attached++;
	/* a hook sharing another's programs goes with them */
	for (int h = DL_HOOK_SB_WAIT_BEGIN; h <= DL_HOOK_SB_WAIT_END; h++)
		if (s->shares[h] && !s->hooks[h == DL_HOOK_SB_WAIT_BEGIN ? DL_HOOK_WAIT_BEGIN : DL_HOOK_WAIT_END].tier)
			hook_off(s, h, "the i_rwsem wait hooks whose programs it shares are not attached");
	if (s->hooks[DL_HOOK_RWSEM_ACQUIRE].tier && !s->hooks[DL_HOOK_RWSEM_RELEASE].tier)
		hook_off(s, DL_HOOK_RWSEM_ACQUIRE, s->hooks[DL_HOOK_RWSEM_RELEASE].why);
	all_or_none(s, btrfs_group, GROUP_LEN(btrfs_group));
	all_or_none(s, mmap_group, GROUP_LEN(mmap_group));
	if (!s->hooks[DL_HOOK_RWSEM_ACQUIRE].tier)
		hook_off(s, DL_HOOK_RWSEM_RELEASE, s->hooks[DL_HOOK_RWSEM_RELEASE].why[0] ?
			 s->hooks[DL_HOOK_RWSEM_RELEASE].why : s->hooks[DL_HOOK_RWSEM_ACQUIRE].why);
	s->skel->bss->track_acquire = s->hooks[DL_HOOK_RWSEM_ACQUIRE].tier != DL_TIER_NONE;
	s->skel->bss->track_submit = s->hooks[DL_HOOK_DIO_SUBMIT].tier != DL_TIER_NONE;
	if (!attached) {
		err = -ENOENT;
		snprintf(msg, len, "no hook point could be attached on this kernel (see `diolock probe`)");
		goto fail;
	}
	s->folds_len = (size_t)s->nr_cpus * DL_FOLD_SLOTS * sizeof(struct dl_fold);
	s->folds = mmap(NULL, s->folds_len, PROT_READ, MAP_SHARED, bpf_map__fd(s->skel->maps.folds), 0);
	if (s->folds == MAP_FAILED) {
		err = -errno;
		s->folds = NULL;
		snprintf(msg, len, "cannot map diolock's fold slots: %s", strerror(-err));
		goto fail;
	}
	s->wait_folds_len = (size_t)s->nr_cpus * DL_WFOLD_SLOTS * sizeof(struct dl_wait_fold);
	s->wait_folds = mmap(NULL, s->wait_folds_len, PROT_READ, MAP_SHARED,
			     bpf_map__fd(s->skel->maps.wait_folds), 0);
	if (s->wait_folds == MAP_FAILED) {
		err = -errno;
		s->wait_folds = NULL;
		snprintf(msg, len, "cannot map diolock's wait-fold slots: %s", strerror(-err));
		goto fail;
	}
	s->rb = ring_buffer__new(bpf_map__fd(s->skel->maps.events), on_record, s, NULL);
	if (!s->rb) {
		err = -errno;
		snprintf(msg, len, "cannot open the ring buffer: %s", strerror(-err));
		goto fail;
	}
	return 0;
fail:
	dl_session_close(s);
	return err;
}

/* A pending wait as the WAIT_BEGIN record BPF would have sent at its start, without the stack. */
static void pending_record(const struct dl_pending *p, struct dl_event *e)
{
	memset(e, 0, sizeof(*e));
	e->hdr.type = DL_EV_WAIT_BEGIN;
	e->hdr.size = sizeof(*e);
	e->hdr.cpu = p->cpu;
	e->hdr.ts_ns = p->ts;
	e->hdr.tgid = p->tgid;
	e->hdr.tid = p->tid;
	memcpy(e->comm, p->comm, sizeof(e->comm));
	snprintf(e->fs, sizeof(e->fs), "%s", dl_fsid_name(p->fsid));
	e->dev = p->dev;
	e->stack_id = -1;
	e->ino = p->ino;
	e->lock_addr = p->lock;
	e->lock = p->st;
	e->arg = p->flags;
	e->flags = p->eflags;
}

/*
 * Waits that have lasted DL_WAIT_DEFER_NS in their pending slot cross now:
 * copy, then claim with the seq seen, so a slot reused meanwhile fails the
 * claim (see DL_PENDING_SLOTS).
 */
static int claim_pending(struct dl_session *s)
{
	struct dl_pending *slots;
	__u64 now;
	int n = 0;

	if (!s->skel->rodata->wait_defer_ns || !s->skel->bss)
		return 0;
	slots = s->skel->bss->dl_pending;
	now = dl_mono_ns();
	for (int i = 0; i < DL_PENDING_SLOTS; i++) {
		__u32 st = __atomic_load_n(&slots[i].state, __ATOMIC_ACQUIRE);
		struct dl_pending copy;
		struct dl_event e;

		if ((st & DL_PEND_MASK) != DL_PEND_WAITING)
			continue;
		memcpy(&copy, &slots[i], sizeof(copy));
		if (now < copy.ts || now - copy.ts < DL_WAIT_DEFER_NS)
			continue;
		if (!__atomic_compare_exchange_n(&slots[i].state, &st, (st & ~DL_PEND_MASK) | DL_PEND_CLAIMED, false,
						 __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
			continue;
		pending_record(&copy, &e);
		s->events++;
		s->cb(s->ctx, &e);
		n++;
	}
	return n;
}

int dl_session_poll(struct dl_session *s, int timeout_ms)
{
	int n = ring_buffer__poll(s->rb, timeout_ms), m;

	if (n < 0)
		return n;
	/* routine records are submitted without a wakeup: read what is there */
	m = ring_buffer__consume(s->rb);
	if (m < 0)
		return m;
	return n + m + claim_pending(s);
}

__u64 dl_session_lost(const struct dl_session *s, enum dl_counter c)
{
	__u64 n = 0;

	if (!s->skel || !s->skel->bss)
		return 0;
	for (int cpu = 0; cpu < DL_MAX_CPUS; cpu++)
		n += s->skel->bss->dl_counters[cpu][c];
	return n;
}

int dl_session_stack(const struct dl_session *s, __s32 stack_id, __u64 *ips, int max)
{
	struct bpf_map *map;
	__u64 buf[DL_STACK_DEPTH] = {};
	int n = 0;

	if (stack_id < 0 || !s->skel)
		return 0;
	map = stack_id & DL_STACK_SPILL ? s->skel->maps.stacks_spill : s->skel->maps.stacks;
	stack_id &= ~DL_STACK_SPILL;
	if (bpf_map_lookup_elem(bpf_map__fd(map), &stack_id, buf))
		return 0;
	while (n < max && n < DL_STACK_DEPTH && buf[n])
		ips[n] = buf[n], n++;
	return n;
}

const struct dl_fold *dl_session_folds(const struct dl_session *s, size_t *n)
{
	*n = s->folds ? (size_t)s->nr_cpus * DL_FOLD_SLOTS : 0;
	return s->folds;
}

const struct dl_wait_fold *dl_session_wait_folds(const struct dl_session *s, size_t *n)
{
	*n = s->wait_folds ? (size_t)s->nr_cpus * DL_WFOLD_SLOTS : 0;
	return s->wait_folds;
}

void dl_session_dio_counts(const struct dl_session *s, __u64 out[DL_FSID_MAX][DL_DIO_CNT_MAX])
{
	memset(out, 0, sizeof(__u64) * DL_FSID_MAX * DL_DIO_CNT_MAX);
	if (!s->skel || !s->skel->bss)
		return;
	for (int cpu = 0; cpu < DL_MAX_CPUS; cpu++)
		for (int f = 0; f < DL_FSID_MAX; f++)
			for (int c = 0; c < DL_DIO_CNT_MAX; c++)
				out[f][c] += s->skel->bss->dl_dio[cpu][f][c];
}

int dl_session_map_fd(const struct dl_session *s, const char *name)
{
	struct bpf_map *m = s->skel ? bpf_object__find_map_by_name(s->skel->obj, name) : NULL;

	return m ? bpf_map__fd(m) : -ENOENT;
}

void dl_session_close(struct dl_session *s)
{
	if (s->folds)
		munmap((void *)s->folds, s->folds_len);
	s->folds = NULL;
	if (s->wait_folds)
		munmap((void *)s->wait_folds, s->wait_folds_len);
	s->wait_folds = NULL;
	ring_buffer__free(s->rb);
	s->rb = NULL;
	for (int h = 0; h < DL_HOOK_MAX; h++)
		for (int i = 0; i < DL_HOOK_MAX_PROGS; i++) {
			bpf_link__destroy(s->links[h][i]);
			s->links[h][i] = NULL;
		}
	diolock_bpf__destroy(s->skel);
	s->skel = NULL;
}
