// SPDX-License-Identifier: GPL-2.0
#include <inttypes.h>
#include <string.h>
#include "analyzer/analyzer.h"
#include "output/event_fmt.h"
#include "lib/filter.h"

static const char *const type_names[DL_EV_TYPE_MAX] = {
	[DL_EV_DIO_BEGIN] = "dio_begin",
	[DL_EV_DIO_QUEUED] = "dio_queued",
	[DL_EV_DIO_COMPLETE] = "dio_complete",
	[DL_EV_SYNC_BEGIN] = "sync_begin",
	[DL_EV_SYNC_END] = "sync_end",
	[DL_EV_WAIT_BEGIN] = "wait_begin",
	[DL_EV_WAIT_END] = "wait_end",
	[DL_EV_DIRECT_WRITE] = "direct_write",
	[DL_EV_TASK_EXIT] = "task_exit",
	[DL_EV_DIO_COMPLETE_BEGIN] = "dio_complete_begin",
	[DL_EV_DRAIN_WAIT_BEGIN] = "drain_wait_begin",
	[DL_EV_DRAIN_WAIT_END] = "drain_wait_end",
	[DL_EV_RECURSIVE_ACQUIRE] = "recursive_acquire",
	[DL_EV_TICK] = "tick",
	[DL_EV_ORDER_EDGE] = "order_edge",
	[DL_EV_SB_WAIT_BEGIN] = "sb_wait_begin",
	[DL_EV_SB_WAIT_END] = "sb_wait_end",
	[DL_EV_FREEZE] = "freeze",
	[DL_EV_THAW] = "thaw",
	[DL_EV_MMAP_WAIT_BEGIN] = "mmap_wait_begin",
	[DL_EV_MMAP_WAIT_END] = "mmap_wait_end",
	[DL_EV_INVAL_WAIT_BEGIN] = "inval_wait_begin",
	[DL_EV_INVAL_WAIT_END] = "inval_wait_end",
	[DL_EV_EXTENT_WAIT] = "extent_wait",
};

static const struct {
	__u32 bit;
	const char *name;
} flag_names[] = {
	{ DL_F_DIRECT, "direct" }, { DL_F_DSYNC, "dsync" }, { DL_F_SYNC, "sync" },
	{ DL_F_WRITE, "write" }, { DL_F_AIO, "aio" }, { DL_F_IOMAP, "iomap" },
	{ DL_F_NODATASUM, "nodatasum" }, { DL_F_UNALIGNED, "unaligned" },
	{ DL_F_WAIT_READ, "wait_read" }, { DL_F_WAIT_WRITE, "wait_write" },
	{ DL_F_STUB, "dio_write_stub" }, { DL_F_NEED_SYNC, "need_sync" }, { DL_F_EXACT, "exact" },
	{ DL_F_BUFFERED, "buffered" }, { DL_F_IRQ, "irq" }, { DL_F_KWORKER, "kworker" },
};

static const char *const path_names[DL_PATH_MAX] = {
	[DL_PATH_UNKNOWN] = "unknown",
	[DL_PATH_SYNC] = "sync",
	[DL_PATH_AIO] = "aio",
	[DL_PATH_IO_URING] = "io_uring",
	[DL_PATH_IO_URING_WQ] = "io_uring-wq",
	[DL_PATH_IO_URING_SQPOLL] = "io_uring-sqpoll",
	[DL_PATH_KERNEL] = "kernel",
};

const char *dl_io_path_name(__u8 path)
{
	return path < DL_PATH_MAX ? path_names[path] : "unknown";
}

int dl_parse_io_path(const char *s)
{
	for (int i = 1; i < DL_PATH_MAX; i++)
		if (!strcmp(s, path_names[i]))
			return i;
	return -1;
}

const char *dl_event_type_name(__u16 type)
{
	return type < DL_EV_TYPE_MAX && type_names[type] ? type_names[type] : "unknown";
}

static const char *hold_name(__u8 h)
{
	return h == DL_HOLD_WRITE ? "write" : h == DL_HOLD_READ_HINT ? "read_hint" :
	       h == DL_HOLD_READ ? "read" : "no";
}

/*
 * A text line built by hand: `trace` prints one per event, hundreds of
 * thousands a second, and printf's format parsing was most of its user
 * time. The result is byte for byte what the printf formats in the
 * comments would give.
 */
struct line {
	char *p, *end;
};

/* At most max bytes of s (it may lack a NUL within them, as comm does). */
static void put_strn(struct line *l, const char *s, size_t max)
{
	for (size_t i = 0; i < max && s[i] && l->p < l->end; i++)
		*l->p++ = s[i];
}

static void put_str(struct line *l, const char *s)
{
	put_strn(l, s, (size_t)-1);
}

static void put_u64(struct line *l, __u64 v)
{
	char tmp[24];
	int n = 0;

	do
		tmp[n++] = '0' + v % 10;
	while ((v /= 10));
	while (n && l->p < l->end)
		*l->p++ = tmp[--n];
}

static void put_s64(struct line *l, __s64 v)
{
	if (v < 0 && l->p < l->end) {
		*l->p++ = '-';
		put_u64(l, -(__u64)v);
	} else {
		put_u64(l, (__u64)v);
	}
}

/* Spaces up to `width` bytes from `from`: printf's %-WIDTHs. */
static void pad_to(struct line *l, const char *from, size_t width)
{
	while ((size_t)(l->p - from) < width && l->p < l->end)
		*l->p++ = ' ';
}

static void put_dev(struct line *l, __u32 dev)
{
	put_u64(l, DL_DEV_MAJOR(dev));
	put_str(l, ":");
	put_u64(l, DL_DEV_MINOR(dev));
}

/* "%-12.6f" of ns / 1e9; a rounding tie (ns ending in 500) goes to printf itself. */
static void put_seconds(struct line *l, __u64 ns)
{
	char tmp[40];
	__u64 us = ns / 1000;
	const char *from = l->p;

	if (ns % 1000 == 500) {
		snprintf(tmp, sizeof(tmp), "%-12.6f", (double)ns / 1e9);
		put_str(l, tmp);
		return;
	}
	if (ns % 1000 > 500)
		us++;
	put_u64(l, us / 1000000);
	put_str(l, ".");
	for (__u64 d = 100000; d; d /= 10)
		if (l->p < l->end)
			*l->p++ = '0' + us / d % 10;
	pad_to(l, from, 12);
}

/* "W:me", "W:1234", "R3:me?", "R1:55?", "-" */
static void put_lock(struct line *l, const struct dl_rwsem_state *st)
{
	if (st->mode == DL_LOCK_WRITE) {
		put_str(l, "W:");
		if (st->cur_holds == DL_HOLD_WRITE)
			put_str(l, "me");
		else if (st->holder_tid)
			put_u64(l, st->holder_tid);
	} else if (st->mode == DL_LOCK_READ) {
		put_str(l, "R");
		put_u64(l, st->readers);
		put_str(l, ":");
		if (st->cur_holds == DL_HOLD_READ) {
			put_str(l, "me");
		} else if (st->cur_holds == DL_HOLD_READ_HINT) {
			put_str(l, "me?");
		} else {
			put_u64(l, st->holder_tid);
			put_str(l, "?");
		}
	} else {
		put_str(l, st->mode == DL_LOCK_UNKNOWN ? "?" : "-");
	}
}

void dl_event_text_header(FILE *f)
{
	fprintf(f, "%-12s %-15s %-15s %-12s %-6s %-7s %-10s %-10s %s\n", "TIME(s)", "PID/TID", "COMM",
		"EVENT", "FS", "DEV", "INO", "I_RWSEM", "DETAIL");
}

/* An SB_WAIT_BEGIN's freeze state, as its DETAIL. */
static void put_sb_wait(struct line *l, const struct dl_event *e)
{
	const struct dl_sb_wait w = dl_sb_wait_get(e);

	put_str(l, "sb_writers level=");
	put_u64(l, w.level);
	put_str(l, " frozen=");
	put_u64(l, w.frozen);
	put_str(l, " user_freezes=");
	put_u64(l, w.user_freezes);
	put_str(l, " kernel_freezes=");
	put_u64(l, w.kernel_freezes);
	if (w.held_ino) {
		put_str(l, " holding_ino=");
		put_u64(l, w.held_ino);
	}
}

/* DETAIL: what the type says, then the flags. */
static void put_detail(struct line *l, const struct dl_event *e)
{
	switch (e->hdr.type) {
	case DL_EV_DIO_BEGIN:
	case DL_EV_DIO_QUEUED:
	case DL_EV_DIRECT_WRITE:
		put_str(l, "pos=");
		put_s64(l, e->pos);
		put_str(l, " len=");
		put_u64(l, e->len);
		/* a fallback is seen while it runs: no return value yet */
		if (e->hdr.type == DL_EV_DIRECT_WRITE && !(e->flags & DL_F_BUFFERED)) {
			put_str(l, " ret=");
			put_s64(l, e->ret);
		}
		break;
	case DL_EV_DRAIN_WAIT_BEGIN:
	case DL_EV_DRAIN_WAIT_END:
		put_str(l, "dio_in_flight=");
		put_u64(l, e->arg);
		break;
	case DL_EV_DIO_COMPLETE:
	case DL_EV_SYNC_END:
	case DL_EV_TASK_EXIT:
	case DL_EV_FREEZE:
	case DL_EV_THAW:
		put_str(l, "ret=");
		put_s64(l, e->ret);
		break;
	case DL_EV_SB_WAIT_BEGIN:
		put_sb_wait(l, e);
		break;
	case DL_EV_MMAP_WAIT_BEGIN:
		/* its own process's */
		put_str(l, "mmap_lock pid=");
		put_u64(l, e->hdr.tgid);
		break;
	case DL_EV_EXTENT_WAIT:
		put_str(l, e->arg == DL_EXT_ORDERED ? "ordered_extent" : "extent_range");
		put_str(l, " pos=");
		put_u64(l, (__u64)e->pos);
		put_str(l, " len=");
		put_u64(l, e->len);
		break;
	case DL_EV_WAIT_END:
	case DL_EV_SB_WAIT_END:
	case DL_EV_MMAP_WAIT_END:
	case DL_EV_INVAL_WAIT_END:
		put_str(l, "waited=");
		put_u64(l, e->len / 1000);
		put_str(l, "us ret=");
		put_s64(l, e->ret);
		break;
	case DL_EV_SYNC_BEGIN:
		put_str(l, "datasync=");
		put_u64(l, e->arg);
		break;
	case DL_EV_ORDER_EDGE: {
		const struct dl_order_from from = dl_order_from_get(e);

		put_str(l, "after=");
		put_dev(l, from.dev);
		put_str(l, ":");
		put_u64(l, from.ino);
		if (from.gate)
			put_str(l, " gated");
		break;
	}
	}
	for (size_t i = 0; i < sizeof(flag_names) / sizeof(flag_names[0]); i++)
		if (e->flags & flag_names[i].bit) {
			put_str(l, " ");
			put_str(l, flag_names[i].name);
		}
	/* recordings older than the origin fields have none */
	if (e->path) {
		put_str(l, " path=");
		put_str(l, dl_io_path_name(e->path));
	}
	if (e->sub_tgid && e->sub_tid != e->hdr.tid) {
		put_str(l, " submitter=");
		put_u64(l, e->sub_tgid);
		put_str(l, "/");
		put_u64(l, e->sub_tid);
		put_str(l, "(");
		put_strn(l, e->sub_comm, DL_COMM_LEN);
		put_str(l, ")");
	}
}

/* "%-12.6f %-15s %-15.16s %-12s %-6.16s %-7s %-10" PRIu64 " %-10s %s\n" */
void dl_event_text(FILE *f, const struct dl_event *e, __u64 t0_ns, const char *cgroup)
{
	char buf[512];
	struct line l = { buf, buf + sizeof(buf) - 1 };
	bool exit = e->hdr.type == DL_EV_TASK_EXIT;
	const char *col;

	put_seconds(&l, e->hdr.ts_ns - t0_ns);
	put_str(&l, " ");
	col = l.p;
	put_u64(&l, e->hdr.tgid);
	put_str(&l, "/");
	put_u64(&l, e->hdr.tid);
	pad_to(&l, col, 15);
	put_str(&l, " ");
	col = l.p;
	put_strn(&l, e->comm, DL_COMM_LEN);
	pad_to(&l, col, 15);
	put_str(&l, " ");
	col = l.p;
	put_str(&l, dl_event_type_name(e->hdr.type));
	pad_to(&l, col, 12);
	put_str(&l, " ");
	col = l.p;
	if (exit)
		put_str(&l, "-");
	else
		put_strn(&l, e->fs, DL_FS_LEN);
	pad_to(&l, col, 6);
	put_str(&l, " ");
	col = l.p;
	if (exit)
		put_str(&l, "-");
	else
		put_dev(&l, e->dev);
	pad_to(&l, col, 7);
	put_str(&l, " ");
	col = l.p;
	put_u64(&l, e->ino);
	pad_to(&l, col, 10);
	put_str(&l, " ");
	col = l.p;
	put_lock(&l, &e->lock);
	pad_to(&l, col, 10);
	put_str(&l, " ");
	put_detail(&l, e);
	/* below the root only: on a host without containers every line would say "/" */
	if (cgroup && strcmp(cgroup, "/")) {
		put_str(&l, " cgroup=");
		put_str(&l, cgroup);
	}
	*l.p++ = '\n';
	fwrite(buf, 1, l.p - buf, f);
}

void dl_json_stack(struct json *j, __s32 stack_id, const struct dl_stack_resolver *sr)
{
	char frames[DL_STACK_DEPTH][128];
	int n = 0;

	if (sr && sr->frames && stack_id >= 0)
		n = sr->frames(sr->ctx, stack_id, frames, DL_STACK_DEPTH);
	json_key(j, "stack");
	json_begin_array(j);
	for (int i = 0; i < n; i++)
		json_string(j, frames[i]);
	json_end_array(j);
}

/* An SB_WAIT_BEGIN's freeze state, as its "sb_writers" object. */
static void json_sb_wait(struct json *j, const struct dl_event *e)
{
	const struct dl_sb_wait w = dl_sb_wait_get(e);

	json_key(j, "sb_writers");
	json_begin_object(j);
	json_kv_u64(j, "level", w.level);
	json_kv_u64(j, "frozen", w.frozen);
	json_kv_u64(j, "user_freezes", w.user_freezes);
	json_kv_u64(j, "kernel_freezes", w.kernel_freezes);
	/* the function tiers: an i_rwsem of this filesystem the waiter holds */
	if (w.held_ino) {
		json_kv_u64(j, "held_ino", w.held_ino);
		json_kv_str(j, "held_mode", an_lock_mode_name(w.held_mode));
	}
	json_end_object(j);
}

void dl_event_json(FILE *f, const struct dl_event *e, const struct dl_stack_resolver *sr, const char *cgroup)
{
	struct json j;
	char dev[16];

	json_init(&j, f);
	j.pretty = false;	/* JSON lines: one event per line, whatever --pretty says */
	json_begin_object(&j);
	/* 2: lock_addr, lock.owner and held[].lock became "0x..." strings */
	json_kv_u64(&j, "schema_version", DL_EVENT_JSON_SCHEMA);
	json_kv_u64(&j, "ts_ns", e->hdr.ts_ns);
	json_kv_str(&j, "type", dl_event_type_name(e->hdr.type));
	json_kv_u64(&j, "cpu", e->hdr.cpu);
	json_kv_u64(&j, "pid", e->hdr.tgid);
	json_kv_u64(&j, "tid", e->hdr.tid);
	json_key(&j, "comm");
	json_stringn(&j, e->comm, DL_COMM_LEN);
	if (e->hdr.type != DL_EV_TASK_EXIT) {
		json_key(&j, "fs");
		json_stringn(&j, e->fs, DL_FS_LEN);
		dl_fmt_dev(e->dev, dev, sizeof(dev));
		json_kv_str(&j, "dev", dev);
		json_kv_u64(&j, "ino", e->ino);
		json_key(&j, "lock");
		json_begin_object(&j);
		json_kv_str(&j, "mode", an_lock_mode_name(e->lock.mode));
		json_kv_u64(&j, "holder_tid", e->lock.holder_tid);
		json_kv_u64(&j, "readers", e->lock.readers);
		json_kv_str(&j, "current_holds", hold_name(e->lock.cur_holds));
		json_kv_u64(&j, "count", e->lock.count);
		json_kv_hex(&j, "owner", e->lock.owner);
		json_end_object(&j);
		json_key(&j, "flags");
		json_begin_array(&j);
		for (size_t i = 0; i < sizeof(flag_names) / sizeof(flag_names[0]); i++)
			if (e->flags & flag_names[i].bit)
				json_string(&j, flag_names[i].name);
		json_end_array(&j);
		json_kv_u64(&j, "ki_flags", e->ki_flags);
		json_kv_s64(&j, "pos", e->pos);
		json_kv_u64(&j, "len", e->len);
		json_kv_u64(&j, "arg", e->arg);
		if (e->hdr.type == DL_EV_SB_WAIT_BEGIN)
			json_sb_wait(&j, e);
		if (e->flags & DL_F_EXACT) {
			json_key(&j, "holders");
			json_begin_array(&j);
			for (int i = 0; i < DL_MAX_HOLDERS; i++)
				if (e->holders[i])
					json_u64(&j, e->holders[i]);
			json_end_array(&j);
			json_key(&j, "held");
			json_begin_array(&j);
			for (int i = 0; i < DL_MAX_HELD; i++) {
				if (!e->held[i])
					continue;
				json_begin_object(&j);
				json_kv_hex(&j, "lock", e->held[i]);
				json_kv_str(&j, "mode", an_lock_mode_name(e->held_mode[i]));
				json_end_object(&j);
			}
			json_end_array(&j);
		}
		json_kv_hex(&j, "lock_addr", e->lock_addr);
	}
	json_kv_s64(&j, "ret", e->ret);
	if (e->path)
		json_kv_str(&j, "io_path", dl_io_path_name(e->path));
	if (e->sub_tgid) {
		json_key(&j, "submitter");
		json_begin_object(&j);
		json_kv_u64(&j, "pid", e->sub_tgid);
		json_kv_u64(&j, "tid", e->sub_tid);
		json_key(&j, "comm");
		json_stringn(&j, e->sub_comm, DL_COMM_LEN);
		json_end_object(&j);
	}
	json_kv_u64(&j, "cgroup_id", e->cgroup);
	if (cgroup)
		json_kv_str(&j, "cgroup", cgroup);
	if (e->stack_id >= 0)
		dl_json_stack(&j, e->stack_id, sr);
	json_end_object(&j);
	fputc('\n', f);
}
