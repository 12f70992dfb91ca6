#!/usr/bin/env bash
# `trace` streams what the kernel did, field by field.
. "$(dirname "$0")/lib.sh"
require_root

test_trace_json_fields() {
	local mnt pid ino
	mnt=$(mkfs_mount ext4 tr) || { fail mount; return; }
	"$DIOLOCK" trace --dev "$(stat_dev "$mnt")" --json -- "$DIOWORK" -n 3 -b 8192 dio-dsync-write "$mnt/f" >"$T/t.out" 2>"$T/t.err"
	expect_eq "$?" 0 "trace exit status"
	pid=$(role_pid "$T/t.out" writer)
	ino=$(stat -c %i "$mnt/f")
	grep -v '^{"role"' "$T/t.out" >"$T/ev.jsonl"
	jq -e . "$T/ev.jsonl" >/dev/null || fail "every line is a JSON object"
	jq -s "[.[] | select(.pid == $pid)]" "$T/ev.jsonl" >"$T/mine.json"
	expect_jq "$T/mine.json" '[.[] | select(.type == "dio_begin")] | map(.pos) == [0, 8192, 16384]' "offsets"
	expect_jq "$T/mine.json" 'all(.[] | select(.type == "dio_begin"); .len == 8192 and .ino == '"$ino"' and .fs == "ext4")' "length, inode, fs"
	expect_jq "$T/mine.json" 'all(.[] | select(.type == "dio_begin"); .flags | index("direct") and index("dsync") and index("write"))' "iocb flags"
	# all() holds over nothing: the counts first
	expect_jq "$T/mine.json" '[.[] | select(.type == "dio_complete")] | length == 3' "one completion per write"
	expect_jq "$T/mine.json" 'all(.[] | select(.type == "dio_complete"); .ret == 8192 and .lock.current_holds == "write")' "completion return and lock held by writer"
	expect_jq "$T/mine.json" 'all(.[] | select(.type == "dio_complete"); .lock.holder_tid == .tid)' "holder tid"
	expect_jq "$T/mine.json" '[.[] | select(.type == "sync_begin")] | length == 3' "ext4_sync_file once per write"
	expect_jq "$T/mine.json" 'all(.[] | select(.type == "sync_begin"); .lock.current_holds == "write")' "sync under the writer's lock"
	# real direct writes never dirty the page cache: no direct_write (fallback) event
	expect_jq "$T/mine.json" '[.[] | select(.type == "direct_write")] | length == 0' "no fallback seen for real DIO"
	expect_jq "$T/mine.json" '[.[] | select(.type == "task_exit")] | length == 1' "task exit seen"
	grep -q "events shown, 0 lost" "$T/t.err" || fail "footer with lost count: $(cat "$T/t.err")"
}

test_trace_text() {
	local mnt
	mnt=$(mkfs_mount xfs tt) || { fail mount; return; }
	"$DIOLOCK" trace --fs xfs -- "$DIOWORK" -n 2 dio-write "$mnt/f" >"$T/t.txt" 2>/dev/null
	head -1 "$T/t.txt" | grep -q "^TIME(s) *PID/TID *COMM *EVENT" || fail "header"
	[ "$(grep -c ' dio_complete *xfs ' "$T/t.txt")" = 2 ] || fail "two completions: $(cat "$T/t.txt")"
	grep -v "^TIME\|^{" "$T/t.txt" | grep -v " xfs \| task_exit " && fail "--fs xfs let other filesystems through"
	return 0
}

run_test test_trace_json_fields
run_test test_trace_text
