// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "loader.h"
#include "log.h"
#include "probe.h"
#include "diolock.skel.h"

#define DEFAULT_RINGBUF (4u << 20)

static struct bpf_program *find_prog(struct dl_session *s, enum dl_tier tier, const char *tp)
{
	char name[128];

	snprintf(name, sizeof(name), "%s__%s", tier == DL_TIER_TP_BTF ? "tp_btf" : "raw_tp", tp);
	return bpf_object__find_program_by_name(s->skel->obj, name);
}

/*
 * Pick each hook's tier by probing: tp_btf first (typed arguments, cheaper
 * to call), raw_tp where the tracepoint exists without BTF. fentry and
 * kprobe programs do not exist yet; their refusals still show in `probe`.
 */
static void choose_tiers(struct dl_session *s)
{
	static const enum dl_tier order[] = { DL_TIER_TP_BTF, DL_TIER_RAW_TP };

	for (int h = 0; h < DL_HOOK_MAX; h++) {
		struct dl_hook_state *hs = &s->hooks[h];
		struct dl_tier_result res = { .err = -ENOENT, .why = "diolock has no program for this hook" };

		hs->tier = DL_TIER_NONE;
		if (!dl_hooks[h].tp) {
			snprintf(hs->why, sizeof(hs->why), "%s", dl_hooks[h].no_tp_why);
			continue;
		}
		for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
			struct bpf_program *prog = find_prog(s, order[i], dl_hooks[h].tp);

			if (!prog || dl_probe_tier(h, order[i], &res))
				continue;
			bpf_program__set_autoload(prog, true);
			hs->tier = order[i];
			break;
		}
		if (hs->tier == DL_TIER_NONE)
			snprintf(hs->why, sizeof(hs->why), "%s", res.why);
	}
}

static void configure(struct dl_session *s, const struct dl_session_opts *o)
{
	const struct dl_filter *f = o->filter;
	size_t rb = o->ringbuf_bytes ? o->ringbuf_bytes : DEFAULT_RINGBUF;

	bpf_map__set_max_entries(s->skel->maps.events, rb);
	if (!f)
		return;
	s->skel->rodata->targ_tgid = f->tgid;
	s->skel->rodata->targ_dev = f->dev;
	s->skel->rodata->targ_ino = f->ino;
	memcpy((char *)s->skel->rodata->targ_fs, f->fs, DL_FS_LEN);
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

static int load_error(int err, char *msg, size_t len)
{
	if (err == -EPERM || err == -EACCES)
		snprintf(msg, len, "the kernel refused to load diolock's BPF programs (permission denied): "
			 "run as root, or with CAP_BPF and CAP_PERFMON");
	else
		snprintf(msg, len, "cannot load diolock's BPF programs: %s (run with -v for libbpf's log)",
			 strerror(-err));
	return err;
}

int dl_session_open(struct dl_session *s, const struct dl_session_opts *o, char *msg, size_t len)
{
	int err, attached = 0;

	memset(s, 0, sizeof(*s));
	s->cb = o->cb;
	s->ctx = o->ctx;
	err = dl_env_check(msg, len);
	if (err)
		return err;
	s->skel = diolock_bpf__open();
	if (!s->skel)
		return load_error(-errno, msg, len);
	configure(s, o);
	choose_tiers(s);
	err = diolock_bpf__load(s->skel);
	if (err) {
		load_error(err, msg, len);
		goto fail;
	}
	for (int h = 0; h < DL_HOOK_MAX; h++) {
		struct bpf_program *prog;

		if (s->hooks[h].tier == DL_TIER_NONE)
			continue;
		prog = find_prog(s, s->hooks[h].tier, dl_hooks[h].tp);
		s->links[h] = bpf_program__attach(prog);
		err = libbpf_get_error(s->links[h]);
		if (err) {
			s->links[h] = NULL;
			s->hooks[h].tier = DL_TIER_NONE;
			snprintf(s->hooks[h].why, sizeof(s->hooks[h].why), "attach failed: %s", strerror(-err));
			continue;
		}
		attached++;
	}
	if (!attached) {
		err = -ENOENT;
		snprintf(msg, len, "no hook point could be attached on this kernel (see `diolock probe`)");
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

int dl_session_poll(struct dl_session *s, int timeout_ms)
{
	return ring_buffer__poll(s->rb, timeout_ms);
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
	__u64 buf[DL_STACK_DEPTH] = {};
	int n = 0;

	if (stack_id < 0 || !s->skel)
		return 0;
	if (bpf_map_lookup_elem(bpf_map__fd(s->skel->maps.stacks), &stack_id, buf))
		return 0;
	while (n < max && n < DL_STACK_DEPTH && buf[n])
		ips[n] = buf[n], n++;
	return n;
}

void dl_session_close(struct dl_session *s)
{
	ring_buffer__free(s->rb);
	s->rb = NULL;
	for (int h = 0; h < DL_HOOK_MAX; h++) {
		bpf_link__destroy(s->links[h]);
		s->links[h] = NULL;
	}
	diolock_bpf__destroy(s->skel);
	s->skel = NULL;
}
