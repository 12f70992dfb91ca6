// SPDX-License-Identifier: GPL-2.0
#include <inttypes.h>
#include <string.h>
#include "analyzer.h"
#include "event_fmt.h"
#include "filter.h"

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
	{ DL_F_BUFFERED, "buffered" },
};

const char *dl_event_type_name(__u16 type)
{
	return type < DL_EV_TYPE_MAX && type_names[type] ? type_names[type] : "unknown";
}

void dl_fmt_dev(__u32 dev, char *buf, size_t len)
{
	snprintf(buf, len, "%u:%u", DL_DEV_MAJOR(dev), DL_DEV_MINOR(dev));
}

static const char *hold_name(__u8 h)
{
	return h == DL_HOLD_WRITE ? "write" : h == DL_HOLD_READ_HINT ? "read_hint" :
	       h == DL_HOLD_READ ? "read" : "no";
}

/* "W:me", "W:1234", "R3:me?", "R1:55?", "-" */
static void lock_text(const struct dl_rwsem_state *l, char *buf, size_t len)
{
	if (l->mode == DL_LOCK_WRITE)
		snprintf(buf, len, "W:%s%.0u", l->cur_holds == DL_HOLD_WRITE ? "me" : "",
			 l->cur_holds == DL_HOLD_WRITE ? 0 : l->holder_tid);
	else if (l->mode == DL_LOCK_READ && l->cur_holds == DL_HOLD_READ)
		snprintf(buf, len, "R%u:me", l->readers);
	else if (l->mode == DL_LOCK_READ && l->cur_holds == DL_HOLD_READ_HINT)
		snprintf(buf, len, "R%u:me?", l->readers);
	else if (l->mode == DL_LOCK_READ)
		snprintf(buf, len, "R%u:%u?", l->readers, l->holder_tid);
	else if (l->mode == DL_LOCK_UNKNOWN)
		snprintf(buf, len, "?");
	else
		snprintf(buf, len, "-");
}

void dl_event_text_header(FILE *f)
{
	fprintf(f, "%-12s %-15s %-15s %-12s %-6s %-7s %-10s %-10s %s\n", "TIME(s)", "PID/TID", "COMM",
		"EVENT", "FS", "DEV", "INO", "I_RWSEM", "DETAIL");
}

void dl_event_text(FILE *f, const struct dl_event *e, __u64 t0_ns)
{
	char pidtid[32], dev[16], lock[32], detail[160] = "";
	size_t n = 0;

	snprintf(pidtid, sizeof(pidtid), "%u/%u", e->hdr.tgid, e->hdr.tid);
	dl_fmt_dev(e->dev, dev, sizeof(dev));
	lock_text(&e->lock, lock, sizeof(lock));
	switch (e->hdr.type) {
	case DL_EV_DIO_BEGIN:
	case DL_EV_DIO_QUEUED:
	case DL_EV_DIRECT_WRITE:
		n += snprintf(detail + n, sizeof(detail) - n, "pos=%" PRId64 " len=%" PRIu64,
			      (int64_t)e->pos, (uint64_t)e->len);
		/* a fallback is seen while it runs: no return value yet */
		if (e->hdr.type == DL_EV_DIRECT_WRITE && !(e->flags & DL_F_BUFFERED))
			n += snprintf(detail + n, sizeof(detail) - n, " ret=%" PRId64, (int64_t)e->ret);
		break;
	case DL_EV_DRAIN_WAIT_BEGIN:
	case DL_EV_DRAIN_WAIT_END:
		n += snprintf(detail + n, sizeof(detail) - n, "dio_in_flight=%u", e->arg);
		break;
	case DL_EV_DIO_COMPLETE:
	case DL_EV_SYNC_END:
	case DL_EV_TASK_EXIT:
		n += snprintf(detail + n, sizeof(detail) - n, "ret=%" PRId64, (int64_t)e->ret);
		break;
	case DL_EV_WAIT_END:
		n += snprintf(detail + n, sizeof(detail) - n, "waited=%" PRIu64 "us ret=%" PRId64,
			      (uint64_t)e->len / 1000, (int64_t)e->ret);
		break;
	case DL_EV_SYNC_BEGIN:
		n += snprintf(detail + n, sizeof(detail) - n, "datasync=%u", e->arg);
		break;
	case DL_EV_ORDER_EDGE:
		dl_fmt_dev(e->arg, lock, sizeof(lock));
		n += snprintf(detail + n, sizeof(detail) - n, "after=%s:%" PRIu64 "%s", lock, (uint64_t)e->pos,
			      e->ret ? " gated" : "");
		lock_text(&e->lock, lock, sizeof(lock));
		break;
	}
	for (size_t i = 0; i < sizeof(flag_names) / sizeof(flag_names[0]) && n < sizeof(detail); i++)
		if (e->flags & flag_names[i].bit)
			n += snprintf(detail + n, sizeof(detail) - n, " %s", flag_names[i].name);
	fprintf(f, "%-12.6f %-15s %-15.16s %-12s %-6.16s %-7s %-10" PRIu64 " %-10s %s\n",
		(double)(e->hdr.ts_ns - t0_ns) / 1e9, pidtid, e->comm, dl_event_type_name(e->hdr.type),
		e->hdr.type == DL_EV_TASK_EXIT ? "-" : e->fs, e->hdr.type == DL_EV_TASK_EXIT ? "-" : dev,
		(uint64_t)e->ino, lock, detail);
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

void dl_event_json(FILE *f, const struct dl_event *e, const struct dl_stack_resolver *sr)
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
	if (e->stack_id >= 0)
		dl_json_stack(&j, e->stack_id, sr);
	json_end_object(&j);
	fputc('\n', f);
}
