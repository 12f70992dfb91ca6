// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stddef.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include "record/evfile.h"
#include "lib/version.h"

/*
 * The bytes every recording holds (DL_ABI_VERSION 4): a field that moves or
 * changes size breaks the replay of every recording made before. Named
 * re-readings of fields (struct dl_order_from) keep these bytes too.
 */
_Static_assert(offsetof(struct dl_hdr, type) == 0, "dl_hdr.type");
_Static_assert(offsetof(struct dl_hdr, size) == 2, "dl_hdr.size");
_Static_assert(offsetof(struct dl_hdr, cpu) == 4, "dl_hdr.cpu");
_Static_assert(offsetof(struct dl_hdr, ts_ns) == 8, "dl_hdr.ts_ns");
_Static_assert(offsetof(struct dl_hdr, tgid) == 16, "dl_hdr.tgid");
_Static_assert(offsetof(struct dl_hdr, tid) == 20, "dl_hdr.tid");
_Static_assert(offsetof(struct dl_event, comm) == 24, "dl_event.comm");
_Static_assert(offsetof(struct dl_event, fs) == 40, "dl_event.fs");
_Static_assert(offsetof(struct dl_event, dev) == 56, "dl_event.dev");
_Static_assert(offsetof(struct dl_event, stack_id) == 60, "dl_event.stack_id");
_Static_assert(offsetof(struct dl_event, ino) == 64, "dl_event.ino");
_Static_assert(offsetof(struct dl_event, lock_addr) == 72, "dl_event.lock_addr");
_Static_assert(offsetof(struct dl_event, lock) == 80, "dl_event.lock");
_Static_assert(offsetof(struct dl_event, ki_flags) == 112, "dl_event.ki_flags");
_Static_assert(offsetof(struct dl_event, pos) == 120, "dl_event.pos");
_Static_assert(offsetof(struct dl_event, len) == 128, "dl_event.len");
_Static_assert(offsetof(struct dl_event, ret) == 136, "dl_event.ret");
_Static_assert(offsetof(struct dl_event, flags) == 144, "dl_event.flags");
_Static_assert(offsetof(struct dl_event, arg) == 148, "dl_event.arg");
_Static_assert(offsetof(struct dl_event, holders) == 152, "dl_event.holders");
_Static_assert(offsetof(struct dl_event, held) == 168, "dl_event.held");
_Static_assert(offsetof(struct dl_event, held_mode) == 200, "dl_event.held_mode");
_Static_assert(offsetof(struct dl_event, sub_tgid) == 208, "dl_event.sub_tgid");
_Static_assert(offsetof(struct dl_event, sub_tid) == 212, "dl_event.sub_tid");
_Static_assert(offsetof(struct dl_event, sub_comm) == 216, "dl_event.sub_comm");
_Static_assert(offsetof(struct dl_event, path) == 232, "dl_event.path");
_Static_assert(sizeof(struct dl_hdr) == 24, "dl_hdr");
_Static_assert(offsetof(struct dl_event, cgroup) == 240, "dl_event.cgroup");
_Static_assert(sizeof(struct dl_event) == 248, "dl_event");

/* x86-64 only (see vmlinux/x86): host order is the file's little-endian order. */

static void put(struct evf_writer *w, const void *p, size_t n)
{
	if (!w->err && fwrite(p, 1, n, w->f) != n)
		w->err = -(errno ? errno : EIO);
}

static void put_record(struct evf_writer *w, __u16 type, const void *p, __u32 len)
{
	__u16 flags = 0;

	put(w, &len, sizeof(len));
	put(w, &type, sizeof(type));
	put(w, &flags, sizeof(flags));
	put(w, p, len);
}

void evf_meta_fill(struct evf_meta *m, const char *kernel, const struct dl_hook_state *hooks,
		   const struct dl_filter *filter)
{
	time_t now = time(NULL);
	struct tm tm;

	memset(m, 0, sizeof(*m));
	snprintf(m->kernel, sizeof(m->kernel), "%s", kernel);
	if (hooks)
		memcpy(m->hooks, hooks, sizeof(m->hooks));
	snprintf(m->version, sizeof(m->version), "%s", DIOLOCK_VERSION);
	snprintf(m->git_rev, sizeof(m->git_rev), "%s", dl_git_rev);
	if (gethostname(m->host, sizeof(m->host) - 1))
		snprintf(m->host, sizeof(m->host), "unknown");
	if (gmtime_r(&now, &tm))
		strftime(m->start_time, sizeof(m->start_time), "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (filter)
		m->filter = *filter;
}

/* A metadata value is one line: a newline in it would start another key. */
static size_t meta_kv(char *buf, size_t len, const char *key, const char *val)
{
	size_t n = snprintf(buf, len, "%s=", key);

	for (; *val && n + 2 < len; val++)
		buf[n++] = *val == '\n' ? ' ' : *val;
	if (n + 1 < len)
		buf[n++] = '\n';
	if (n < len)
		buf[n] = '\0';
	return n;
}

int evf_write_header(struct evf_writer *w, FILE *f, const struct evf_meta *meta)
{
	char text[EVF_MAX_META];
	__u32 version = EVF_VERSION, len;
	size_t n = 0;

	w->f = f;
	w->err = 0;
	n += snprintf(text + n, sizeof(text) - n, "kernel=%s\nclock=CLOCK_MONOTONIC\nabi=%d\n",
		      meta->kernel, DL_ABI_VERSION);
	for (int h = 0; h < DL_HOOK_MAX && n < sizeof(text); h++)
		n += snprintf(text + n, sizeof(text) - n, "attach.%s=%s\nwhy.%s=%s\n", dl_hooks[h].name,
			      dl_tier_name(meta->hooks[h].tier), dl_hooks[h].name, meta->hooks[h].why);
	if (meta->version[0] && n < sizeof(text)) {
		const struct dl_filter *fl = &meta->filter;
		char num[24];

		n += meta_kv(text + n, sizeof(text) - n, "diolock", meta->version);
		n += meta_kv(text + n, sizeof(text) - n, "git_rev", meta->git_rev);
		n += meta_kv(text + n, sizeof(text) - n, "host", meta->host);
		n += meta_kv(text + n, sizeof(text) - n, "start", meta->start_time);
		if (meta->lock_layout[0])
			n += meta_kv(text + n, sizeof(text) - n, "lock_layout", meta->lock_layout);
		if (fl->tgid) {
			snprintf(num, sizeof(num), "%u", fl->tgid);
			n += meta_kv(text + n, sizeof(text) - n, "filter.pid", num);
		}
		if (fl->comm[0])
			n += meta_kv(text + n, sizeof(text) - n, "filter.comm", fl->comm);
		if (fl->fs[0])
			n += meta_kv(text + n, sizeof(text) - n, "filter.fs", fl->fs);
		if (fl->dev) {
			snprintf(num, sizeof(num), "%u:%u", DL_DEV_MAJOR(fl->dev), DL_DEV_MINOR(fl->dev));
			n += meta_kv(text + n, sizeof(text) - n, "filter.dev", num);
		}
		if (fl->ino) {
			snprintf(num, sizeof(num), "%llu", (unsigned long long)fl->ino);
			n += meta_kv(text + n, sizeof(text) - n, "filter.ino", num);
		}
		if (fl->cgroup[0])
			n += meta_kv(text + n, sizeof(text) - n, "filter.cgroup", fl->cgroup);
	}
	if (n >= sizeof(text))
		return -E2BIG;
	len = n;
	put(w, EVF_MAGIC, 8);
	put(w, &version, sizeof(version));
	put(w, &len, sizeof(len));
	put(w, text, len);
	return w->err;
}

void evf_write_event(struct evf_writer *w, const struct dl_event *e)
{
	put_record(w, EVF_EVENT, e, sizeof(*e));
}

void evf_write_fold(struct evf_writer *w, const struct dl_fold *f)
{
	put_record(w, EVF_FOLD, f, sizeof(*f));
}

void evf_write_wait_fold(struct evf_writer *w, const struct dl_wait_fold *f)
{
	put_record(w, EVF_WAIT_FOLD, f, sizeof(*f));
}

void evf_write_counts(struct evf_writer *w, const evf_dio_counts counts)
{
	put_record(w, EVF_COUNTS, counts, sizeof(evf_dio_counts));
}

void evf_write_stack(struct evf_writer *w, __s32 id, char frames[][EVF_FRAME_LEN], int n)
{
	unsigned char buf[8 + EVF_MAX_FRAMES * EVF_FRAME_LEN];
	__u32 nf = n, len = 8;

	memcpy(buf, &id, 4);
	memcpy(buf + 4, &nf, 4);
	for (int i = 0; i < n && i < EVF_MAX_FRAMES; i++) {
		size_t l = strnlen(frames[i], EVF_FRAME_LEN - 1);

		memcpy(buf + len, frames[i], l);
		buf[len + l] = '\0';
		len += l + 1;
	}
	put_record(w, EVF_STACK, buf, len);
}

void evf_write_trailer(struct evf_writer *w, const struct evf_trailer *t, char *const *argv)
{
	unsigned char buf[EVF_MAX_RECORD];
	__u32 len = sizeof(*t);

	memcpy(buf, t, sizeof(*t));
	for (; argv && *argv; argv++) {
		size_t l = strlen(*argv) + 1;

		if (len + l > sizeof(buf))
			break;
		memcpy(buf + len, *argv, l);
		len += l;
	}
	put_record(w, EVF_TRAILER, buf, len);
}

void evf_write_run_end(struct evf_writer *w, const struct evf_run_end *re)
{
	char text[96];
	int n = snprintf(text, sizeof(text), "killed_by_diolock=%d\nstacks_lost=%llu\n", re->killed_by,
			 (unsigned long long)re->stacks_lost);

	put_record(w, EVF_RUN_END, text, (__u32)n);
}

static void put_named(struct evf_writer *w, __u16 type, __u32 dev, __u64 ino, const char *path);

void evf_write_path(struct evf_writer *w, __u32 dev, __u64 ino, const char *path)
{
	put_named(w, EVF_PATH, dev, ino, path);
}

void evf_write_cgroup(struct evf_writer *w, __u64 id, const char *path)
{
	put_named(w, EVF_CGROUP, 0, id, path);
}

/* A number and the name it has: an inode's path, a cgroup's. */
static void put_named(struct evf_writer *w, __u16 type, __u32 dev, __u64 ino, const char *path)
{
	unsigned char buf[16 + PATH_MAX];
	size_t l = strnlen(path, PATH_MAX - 1);
	__u32 zero = 0;

	memcpy(buf, &dev, 4);
	memcpy(buf + 4, &zero, 4);
	memcpy(buf + 8, &ino, 8);
	memcpy(buf + 16, path, l);
	buf[16 + l] = '\0';
	put_record(w, type, buf, (__u32)(16 + l + 1));
}

void evf_flush(struct evf_writer *w)
{
	if (w->f && !w->err && fflush(w->f))
		w->err = -(errno ? errno : EIO);
}

void evf_sync(struct evf_writer *w)
{
	evf_flush(w);
	if (w->f && !w->err && fdatasync(fileno(w->f)) && errno != EINVAL)
		w->err = -errno;
}

int evf_parse_run_end(const unsigned char *p, __u32 len, struct evf_run_end *re)
{
	char text[256], *line, *save;

	memset(re, 0, sizeof(*re));
	if (len >= sizeof(text))
		return -1;
	memcpy(text, p, len);
	text[len] = '\0';
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if (!strncmp(line, "killed_by_diolock=", 18))
			re->killed_by = atoi(line + 18);
		else if (!strncmp(line, "stacks_lost=", 12))
			re->stacks_lost = strtoull(line + 12, NULL, 10);
	return 0;
}

int evf_parse_path(const unsigned char *p, __u32 len, __u32 *dev, __u64 *ino, const char **path)
{
	/* at least one character and its NUL, and the NUL where the record ends */
	if (len < 18 || p[len - 1] != '\0' || strlen((const char *)p + 16) != len - 17)
		return -1;
	memcpy(dev, p, 4);
	memcpy(ino, p + 8, 8);
	*path = (const char *)p + 16;
	return 0;
}

static int bad(struct evf_reader *r, char *err, size_t errlen, const char *what)
{
	snprintf(err, errlen, "%s: not a usable diolock recording: %s at byte %llu", r->path, what,
		 (unsigned long long)r->offset);
	return -EINVAL;
}

static void meta_line(struct evf_meta *m, char *line)
{
	char *eq = strchr(line, '=');

	if (!eq)
		return;
	*eq++ = '\0';
	if (!strcmp(line, "kernel")) {
		snprintf(m->kernel, sizeof(m->kernel), "%s", eq);
		return;
	}
	if (!strcmp(line, "diolock"))
		snprintf(m->version, sizeof(m->version), "%s", eq);
	else if (!strcmp(line, "git_rev"))
		snprintf(m->git_rev, sizeof(m->git_rev), "%s", eq);
	else if (!strcmp(line, "host"))
		snprintf(m->host, sizeof(m->host), "%s", eq);
	else if (!strcmp(line, "start"))
		snprintf(m->start_time, sizeof(m->start_time), "%s", eq);
	else if (!strcmp(line, "lock_layout"))
		snprintf(m->lock_layout, sizeof(m->lock_layout), "%s", eq);
	else if (!strncmp(line, "filter.", 7)) {
		char err[160];
		static const struct { const char *name; int key; } keys[] = {
			{ "pid", DL_OPT_PID }, { "comm", DL_OPT_COMM }, { "fs", DL_OPT_FS },
			{ "dev", DL_OPT_DEV }, { "ino", DL_OPT_INO }, { "cgroup", DL_OPT_CGROUP },
		};

		/* a bad value is dropped: the filter then did not apply */
		for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
			if (!strcmp(line + 7, keys[k].name))
				dl_filter_parse(&m->filter, keys[k].key, eq, err, sizeof(err));
	}
	for (int h = 0; h < DL_HOOK_MAX; h++) {
		if (!strncmp(line, "attach.", 7) && !strcmp(line + 7, dl_hooks[h].name)) {
			m->hooks[h].unrecorded = false;
			for (int t = 0; t < DL_TIER_MAX; t++)
				if (!strcmp(eq, dl_tier_name(t)))
					m->hooks[h].tier = t;
		} else if (!strncmp(line, "why.", 4) && !strcmp(line + 4, dl_hooks[h].name)) {
			snprintf(m->hooks[h].why, sizeof(m->hooks[h].why), "%s", eq);
		}
	}
}

int evf_open(struct evf_reader *r, const char *path, struct evf_meta *meta, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rbe");
	struct stat st;
	int ret;

	if (!f) {
		snprintf(err, errlen, "cannot open recording '%s': %s", path, strerror(errno));
		return -errno;
	}
	ret = evf_open_stream(r, f, path, meta, err, errlen);
	if (!fstat(fileno(f), &st))
		r->size = st.st_size;
	/* replay reads millions of records: map the file rather than copy each one twice */
	if (!ret && S_ISREG(st.st_mode) && st.st_size > 0) {
		void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fileno(f), 0);

		if (m != MAP_FAILED) {
			madvise(m, (size_t)st.st_size, MADV_SEQUENTIAL);
			r->map = m;
			r->map_len = (size_t)st.st_size;
		}
	}
	return ret;
}

static bool read_magic(FILE *f)
{
	char magic[8];

	return fread(magic, 1, sizeof(magic), f) == sizeof(magic) && !memcmp(magic, EVF_MAGIC, sizeof(magic));
}

bool evf_is_recording(const char *path)
{
	FILE *f = fopen(path, "r");
	bool yes = f && read_magic(f);

	if (f)
		fclose(f);
	return yes;
}

int evf_open_stream(struct evf_reader *r, FILE *f, const char *path, struct evf_meta *meta,
		    char *err, size_t errlen)
{
	char *text, *line, *save;
	__u32 version, len;

	memset(r, 0, sizeof(*r) - sizeof(r->buf));
	memset(meta, 0, sizeof(*meta));
	/* what the recording does not mention (a hook newer than its diolock) says so */
	for (int h = 0; h < DL_HOOK_MAX; h++) {
		snprintf(meta->hooks[h].why, sizeof(meta->hooks[h].why), "not in this recording (made by an older diolock)");
		meta->hooks[h].unrecorded = true;
	}
	r->path = path;
	r->f = f;
	/* records are small: read big blocks, not stdio's 4 KiB */
	setvbuf(f, NULL, _IOFBF, 1 << 20);
	if (!read_magic(r->f))
		return bad(r, err, errlen, "no DIOLOCK magic");
	r->offset = 8;
	if (fread(&version, 4, 1, r->f) != 1 || fread(&len, 4, 1, r->f) != 1)
		return bad(r, err, errlen, "truncated header");
	if (version != EVF_VERSION) {
		snprintf(err, errlen, "%s: recording format version %u, this diolock reads version %d",
			 path, version, EVF_VERSION);
		return -EPROTONOSUPPORT;
	}
	r->offset = 16;
	if (len > EVF_MAX_META)
		return bad(r, err, errlen, "metadata too long");
	text = malloc(len + 1);
	if (!text)
		return -ENOMEM;
	if (fread(text, 1, len, r->f) != len) {
		free(text);
		return bad(r, err, errlen, "truncated metadata");
	}
	text[len] = '\0';
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		meta_line(meta, line);
	free(text);
	r->offset += len;
	return 0;
}

/* A record's 8-byte header (length, type): 0, or -errno for a bad length. */
static int take_header(struct evf_reader *r, const unsigned char *hdr, char *err, size_t errlen)
{
	__u16 type;

	memcpy(&r->len, hdr, 4);
	memcpy(&type, hdr + 4, 2);
	r->type = type;
	return r->len > EVF_MAX_RECORD ? bad(r, err, errlen, "record length out of range") : 0;
}

/* evf_next on a mapped file: the record stays where it is. */
static int next_mapped(struct evf_reader *r, char *err, size_t errlen)
{
	size_t left = r->offset < r->map_len ? r->map_len - r->offset : 0;
	const unsigned char *p = r->map + r->offset;
	size_t done = r->offset & ~(size_t)(EVF_MAP_DROP - 1);
	int ret;

	/* what was read is not read again: keep the mapping's resident part small */
	if (done > r->map_dropped) {
		madvise((void *)(r->map + r->map_dropped), done - r->map_dropped, MADV_DONTNEED);
		r->map_dropped = done;
	}
	if (!left)
		return 0;
	if (left < 8) {
		r->cut = true;
		return 0;
	}
	ret = take_header(r, p, err, errlen);
	if (ret)
		return ret;
	if (left - 8 < r->len) {
		r->cut = true;
		return 0;
	}
	r->rec = p + 8;
	r->offset += 8 + r->len;
	return 1;
}

int evf_next(struct evf_reader *r, char *err, size_t errlen)
{
	unsigned char hdr[8];
	size_t n;
	int ret;

	if (r->map)
		return next_mapped(r, err, errlen);
	n = fread(hdr, 1, sizeof(hdr), r->f);

	if (n != sizeof(hdr) && ferror(r->f))
		return bad(r, err, errlen, "read error");
	if (!n)
		return 0;
	if (n != sizeof(hdr)) {
		/* a killed writer: what came before is whole */
		r->cut = true;
		return 0;
	}
	ret = take_header(r, hdr, err, errlen);
	if (ret)
		return ret;
	if (fread(r->buf, 1, r->len, r->f) != r->len) {
		if (ferror(r->f))
			return bad(r, err, errlen, "read error");
		r->cut = true;
		return 0;
	}
	r->rec = r->buf;
	r->offset += sizeof(hdr) + r->len;
	return 1;
}

void evf_close(struct evf_reader *r)
{
	if (r->map)
		munmap((void *)r->map, r->map_len);
	r->map = NULL;
	if (r->f)
		fclose(r->f);
	r->f = NULL;
}

int evf_parse_stack(const unsigned char *p, __u32 len, __s32 *id, char frames[][EVF_FRAME_LEN], int max)
{
	__u32 nf, off = 8;

	if (len < 8)
		return -1;
	memcpy(id, p, 4);
	memcpy(&nf, p + 4, 4);
	if (nf > (__u32)max)
		return -1;
	for (__u32 i = 0; i < nf; i++) {
		const unsigned char *end;
		size_t l;

		if (off >= len)
			return -1;
		end = memchr(p + off, '\0', len - off);
		if (!end)
			return -1;
		l = end - (p + off);
		if (l >= EVF_FRAME_LEN)
			return -1;
		memcpy(frames[i], p + off, l + 1);
		off += l + 1;
	}
	return (int)nf;
}

int evf_parse_trailer(const unsigned char *p, __u32 len, struct evf_trailer *t, char *argbuf,
		      size_t argbuf_len, char **argv, int max_args)
{
	__u32 off = sizeof(*t);
	int n = 0;

	if (len < sizeof(*t) || len - off > argbuf_len)
		return -1;
	memcpy(t, p, sizeof(*t));
	memcpy(argbuf, p + off, len - off);
	for (__u32 i = 0; i < len - off && n < max_args - 1;) {
		const char *end = memchr(argbuf + i, '\0', len - off - i);

		if (!end)
			return -1;
		argv[n++] = argbuf + i;
		i = end - argbuf + 1;
	}
	argv[n] = NULL;
	return n;
}
