// SPDX-License-Identifier: GPL-2.0
/* Filters, the JSON writer, kallsyms symbolization and container names from cgroup paths. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "unit.h"
#include "lib/filter.h"
#include "lib/json.h"
#include "lib/ksyms.h"
#include "lib/cgroups.h"

static void filter_parsing(void)
{
	struct dl_filter f = {};
	char err[160];

	CHECK(!dl_filter_parse(&f, DL_OPT_PID, "1234", err, sizeof(err)) && f.tgid == 1234);
	CHECK(dl_filter_parse(&f, DL_OPT_PID, "0", err, sizeof(err)));
	CHECK(dl_filter_parse(&f, DL_OPT_PID, "-1", err, sizeof(err)));
	CHECK(dl_filter_parse(&f, DL_OPT_PID, "12x", err, sizeof(err)));
	CHECK(strstr(err, "PID") != NULL);
	CHECK(!dl_filter_parse(&f, DL_OPT_DEV, "7:3", err, sizeof(err)) && f.dev == ((7u << 20) | 3));
	CHECK(dl_filter_parse(&f, DL_OPT_DEV, "7", err, sizeof(err)));
	CHECK(dl_filter_parse(&f, DL_OPT_DEV, "4096:1", err, sizeof(err)));
	CHECK(dl_filter_parse(&f, DL_OPT_DEV, "0:0", err, sizeof(err)));
	CHECK(!dl_filter_parse(&f, DL_OPT_INO, "18446744073709551615", err, sizeof(err)));
	CHECK(dl_filter_parse(&f, DL_OPT_INO, "18446744073709551616", err, sizeof(err)));
	CHECK(!dl_filter_parse(&f, DL_OPT_FS, "btrfs", err, sizeof(err)) && !strcmp(f.fs, "btrfs"));
	CHECK(dl_filter_parse(&f, DL_OPT_FS, "a-very-long-fs-name", err, sizeof(err)));
	CHECK(dl_filter_match_comm(&f, "anything"));
	CHECK(!dl_filter_parse(&f, DL_OPT_COMM, "fio", err, sizeof(err)));
	CHECK(dl_filter_match_comm(&f, "fio") && !dl_filter_match_comm(&f, "dd"));
}

/* Replay's filters: a freeze is kept whoever froze it; the filesystem filters still apply. */
static void filter_events(void)
{
	struct dl_filter f = { .tgid = 42 };
	struct dl_event e = {};

	snprintf(f.comm, sizeof(f.comm), "dd");
	e.hdr.type = DL_EV_FREEZE;
	e.hdr.tgid = 7;
	snprintf(e.comm, sizeof(e.comm), "fsfreeze");
	snprintf(e.fs, sizeof(e.fs), "xfs");
	CHECK(dl_filter_match_event(&f, &e));
	e.hdr.type = DL_EV_SB_WAIT_BEGIN;
	CHECK(!dl_filter_match_event(&f, &e));
	e.hdr.type = DL_EV_THAW;
	snprintf(f.fs, sizeof(f.fs), "ext4");
	CHECK(!dl_filter_match_event(&f, &e));
}

static void json_writer(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct json j;

	json_init(&j, f);
	json_begin_object(&j);
	json_kv_str(&j, "s", "a\"b\\c\n\x01\xff");
	json_key(&j, "arr");
	json_begin_array(&j);
	json_u64(&j, 1);
	json_s64(&j, -2);
	json_begin_object(&j);
	json_end_object(&j);
	json_end_array(&j);
	json_kv_bool(&j, "t", true);
	json_key(&j, "d");
	json_double(&j, 1.5);
	json_kv_u64(&j, "after", 3);
	json_end_object(&j);
	fclose(f);
	CHECK(!strcmp(buf, "{\"s\":\"a\\\"b\\\\c\\n\\u0001\\u00ff\",\"arr\":[1,-2,{}],\"t\":true,"
			   "\"d\":1.5,\"after\":3}"));
	free(buf);
}

static char *json_of(const char *str)
{
	static char out[256];
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct json j;

	json_init(&j, f);
	json_string(&j, str);
	fclose(f);
	snprintf(out, sizeof(out), "%s", buf);
	free(buf);
	return out;
}

/* Well-formed UTF-8 passes, any other byte 0xXX becomes U+00XX: always valid UTF-8 out. */
static void json_utf8(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	struct json j;

	CHECK(!strcmp(json_of("caf\xc3\xa9 \xe6\x97\xa5 \xf0\x9f\x92\xbe"), "\"caf\xc3\xa9 \xe6\x97\xa5 \xf0\x9f\x92\xbe\""));
	CHECK(!strcmp(json_of("\xff\xfe"), "\"\\u00ff\\u00fe\""));
	CHECK(!strcmp(json_of("\xc0\xaf"), "\"\\u00c0\\u00af\""));		/* overlong '/' */
	CHECK(!strcmp(json_of("\xed\xa0\x80"), "\"\\u00ed\\u00a0\\u0080\""));	/* a surrogate */
	CHECK(!strcmp(json_of("\xf4\x90\x80\x80"), "\"\\u00f4\\u0090\\u0080\\u0080\""));	/* > U+10FFFF */
	CHECK(!strcmp(json_of("a\xe6\x97"), "\"a\\u00e6\\u0097\""));		/* cut short (a 16-byte comm) */
	CHECK(!strcmp(json_of("\x7f"), "\"\\u007f\""));
	f = open_memstream(&buf, &len);
	json_init(&j, f);
	json_begin_array(&j);
	json_double(&j, NAN);
	json_double(&j, INFINITY);
	json_hex(&j, 0xffff888012345678ULL);
	json_end_array(&j);
	fclose(f);
	CHECK(!strcmp(buf, "[null,null,\"0xffff888012345678\"]"));
	free(buf);
}

static void ksyms_symbolize(void)
{
	char path[] = "/tmp/diolock-kallsyms.XXXXXX", out[128];
	int fd = mkstemp(path);
	FILE *f = fdopen(fd, "w");
	struct ksyms *ks;

	fputs("ffffffff81000000 T _stext\n"
	      "ffffffff81000100 t down_write\n"
	      "ffffffff81000200 D some_data\n"
	      "ffffffffc0000000 t btrfs_sync_file\t[btrfs]\n", f);
	fclose(f);
	ks = ksyms_load(path);
	unlink(path);
	CHECK(ks != NULL);
	ksyms_format(ks, 0xffffffff81000123, out, sizeof(out));
	CHECK(!strcmp(out, "down_write+0x23"));
	ksyms_format(ks, 0xffffffff81000250, out, sizeof(out));
	CHECK(!strcmp(out, "down_write+0x150"));	/* data symbols are skipped */
	ksyms_format(ks, 0xffffffffc0000010, out, sizeof(out));
	CHECK(!strcmp(out, "btrfs_sync_file+0x10 [btrfs]"));
	ksyms_format(ks, 0x1000, out, sizeof(out));
	CHECK(!strcmp(out, "0x1000"));
	ksyms_free(ks);
}

/* The container or unit a runtime's cgroup path names; the rest names none. */
static void cgroup_container_names(void)
{
	static const char id[] = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
	static const struct {
		const char *fmt, *want;
	} cases[] = {
		{ "/system.slice/docker-%s.scope", "docker:0123456789ab" },
		{ "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod1f2e.slice/cri-containerd-%s.scope",
		  "containerd:0123456789ab" },
		{ "/machine.slice/libpod-%s.scope", "podman:0123456789ab" },
		{ "/kubepods.slice/crio-%s.scope", "crio:0123456789ab" },
		{ "/docker/%s", "docker:0123456789ab" },
		{ "/kubepods/burstable/pod1f2e/%s", "kubepods:0123456789ab" },
		{ "/system.slice/nginx.service", "nginx.service" },
		{ "/user.slice/user-0.slice/session-3.scope", NULL },
		{ "/system.slice/docker-xyz.scope", NULL },	/* not an id */
		{ "/", NULL },
		{ "/docker/0123", NULL },			/* too short for an id */
	};
	char path[256], name[80];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		bool named;

		snprintf(path, sizeof(path), cases[i].fmt, id);
		named = dl_cgroup_container(path, name, sizeof(name));
		CHECK(named == (cases[i].want != NULL));
		if (named && cases[i].want)
			CHECK(!strcmp(name, cases[i].want));
	}
}

int main(void)
{
	RUN(filter_parsing);
	RUN(filter_events);
	RUN(json_utf8);
	RUN(json_writer);
	RUN(ksyms_symbolize);
	RUN(cgroup_container_names);
	UNIT_EXIT();
}
