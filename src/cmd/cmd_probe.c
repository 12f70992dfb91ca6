// SPDX-License-Identifier: GPL-2.0
/* `diolock probe`: which tier each hook point gets here, and why not better. */
#include <argp.h>
#include <stdio.h>
#include <string.h>
#include "cmd/commands.h"
#include "lib/json.h"
#include "live/live.h"
#include "lib/log.h"
#include "live/probe.h"

struct probe_opts {
	bool json;
};

static const struct argp_option options[] = {
	{ "json", 'j', NULL, 0, "One JSON object instead of the table", 0 },
	{ 0 },
};

static const char doc[] =
	"Show which tier each hook point gets on this kernel, and why better tiers\n"
	"were refused.\n"
	"\n"
	"Tiers, best first: fentry/fexit (BPF trampolines), kprobe/kretprobe, tp_btf,\n"
	"raw_tp. Each is decided by loading (and attaching) an empty program at the\n"
	"real target.\n"
	"\n"
	"Examples:\n"
	"  diolock probe\n"
	"  diolock probe --json | jq .hooks.dio_complete\n";

static error_t parse(int key, char *arg, struct argp_state *state)
{
	struct probe_opts *o = state->input;

	(void)arg;
	switch (key) {
	case 'j':
		o->json = true;
		return 0;
	case ARGP_KEY_ARG:
		argp_error(state, "unexpected argument '%s'", arg);
		return EINVAL;
	default:
		return ARGP_ERR_UNKNOWN;
	}
}

struct hook_probe {
	struct dl_tier_result res[DL_TIER_MAX];
	enum dl_tier chosen;
};

static void probe_hook(enum dl_hook_id h, struct hook_probe *hp)
{
	hp->chosen = DL_TIER_NONE;
	for (int t = DL_TIER_FENTRY; t < DL_TIER_MAX; t++) {
		dl_probe_tier(h, t, &hp->res[t]);
		if (!hp->res[t].err && hp->chosen == DL_TIER_NONE && dl_hook_has_tier(h, t))
			hp->chosen = t;
	}
}

static const char *target_of(enum dl_hook_id h, enum dl_tier t, char *buf, size_t len)
{
	const struct dl_hook *hk = &dl_hooks[h];

	if (t == DL_TIER_FENTRY || t == DL_TIER_KPROBE)
		snprintf(buf, len, "%s%s%s", hk->func ? hk->func : "-", hk->module ? " " : "",
			 hk->module ? "[module]" : "");
	else if (t == DL_TIER_TP_BTF || t == DL_TIER_RAW_TP)
		snprintf(buf, len, "%s:%s", hk->tp ? hk->tp_system : "-", hk->tp ? hk->tp : "");
	else
		snprintf(buf, len, "-");
	return buf;
}

static const char *tier_note(enum dl_hook_id h, enum dl_tier t, const struct hook_probe *hp)
{
	if (hp->res[t].err)
		return hp->res[t].why;
	if (!dl_hook_has_tier(h, t))
		return "available, but diolock has no program for this tier";
	return t == hp->chosen ? "used" : "available";
}

/* What the BPF decoder makes of struct rw_semaphore here. */
static const char *layout_note(int layout)
{
	switch (layout) {
	case DL_LAYOUT_RWSEM: return "count/owner: holders decoded (a reader only as a hint)";
	case DL_LAYOUT_RWBASE_RT: return "PREEMPT_RT: readers counted, never named; the writer from the rt_mutex";
	default: return "not recognised (or the kernel cannot run syscall programs): lock state not decoded";
	}
}

static void print_table(const struct hook_probe *hps, int layout)
{
	char target[96];

	printf("diolock probe on Linux %s\n", dl_kernel_release());
	printf("i_rwsem layout: %s; %s\n\n", dl_lock_layout_name(layout), layout_note(layout));
	printf("%-20s %-8s %s\n", "HOOK POINT", "TIER", "TARGET");
	for (int h = 0; h < DL_HOOK_MAX; h++) {
		const struct hook_probe *hp = &hps[h];

		printf("%-20s %-8s %s\n", dl_hooks[h].name,
		       hp->chosen ? dl_tier_name(hp->chosen) : "none",
		       hp->chosen ? target_of(h, hp->chosen, target, sizeof(target)) : "unavailable");
		for (int t = DL_TIER_FENTRY; t < DL_TIER_MAX; t++)
			printf("    %-10s %s\n", dl_tier_name(t), tier_note(h, t, hp));
		if (dl_hooks[h].cost)
			printf("    cost: %s\n", dl_hooks[h].cost);
	}
}

static void print_json(const struct hook_probe *hps, int layout)
{
	char target[96];
	struct json j;

	json_init(&j, stdout);
	json_begin_object(&j);
	json_kv_u64(&j, "schema_version", DL_PROBE_JSON_SCHEMA);
	json_kv_str(&j, "kernel", dl_kernel_release());
	json_key(&j, "i_rwsem_layout");
	json_begin_object(&j);
	json_kv_str(&j, "name", dl_lock_layout_name(layout));
	json_kv_str(&j, "note", layout_note(layout));
	json_end_object(&j);
	json_key(&j, "hooks");
	json_begin_object(&j);
	for (int h = 0; h < DL_HOOK_MAX; h++) {
		const struct hook_probe *hp = &hps[h];

		json_key(&j, dl_hooks[h].name);
		json_begin_object(&j);
		json_kv_str(&j, "tier", hp->chosen ? dl_tier_name(hp->chosen) : "unavailable");
		json_kv_str(&j, "target", target_of(h, hp->chosen, target, sizeof(target)));
		json_key(&j, "tiers");
		json_begin_object(&j);
		for (int t = DL_TIER_FENTRY; t < DL_TIER_MAX; t++) {
			json_key(&j, dl_tier_name(t));
			json_begin_object(&j);
			json_kv_str(&j, "target", target_of(h, t, target, sizeof(target)));
			json_kv_bool(&j, "kernel_allows", !hp->res[t].err);
			json_kv_bool(&j, "diolock_program", dl_hook_has_tier(h, t));
			json_kv_str(&j, "note", tier_note(h, t, hp));
			json_end_object(&j);
		}
		json_end_object(&j);
		json_end_object(&j);
	}
	json_end_object(&j);
	json_end_object(&j);
	putchar('\n');
}

int cmd_probe(int argc, char **argv)
{
	static const struct argp argp = { options, parse, NULL, doc, dl_common_argp_children, NULL, NULL };
	struct hook_probe hps[DL_HOOK_MAX];
	struct probe_opts o = {};
	char why[256];
	int layout;

	if (argp_parse(&argp, argc, argv, 0, NULL, &o))
		return DL_EXIT_USAGE;
	o.json = dl_json_wanted(o.json);
	if (dl_env_check(NULL, why, sizeof(why))) {
		dl_err("%s", why);
		return DL_EXIT_USAGE;
	}
	for (int h = 0; h < DL_HOOK_MAX; h++)
		probe_hook(h, &hps[h]);
	layout = dl_probe_lock_layout();
	if (o.json)
		print_json(hps, layout);
	else
		print_table(hps, layout);
	return DL_EXIT_OK;
}
