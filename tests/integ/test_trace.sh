#!/usr/bin/env bash
# `trace` streams what the kernel did, field by field.
. "$(dirname "$0")/lib.sh"
# shellcheck source=../expect/trace.sh
. "$ROOT/tests/expect/trace.sh"
require_root

test_trace_json_fields() {
	local mnt pid ino
	mnt=$(mkfs_mount ext4 tr) || { fail mount; return; }
	"$DIOLOCK" trace --dev "$(stat_dev "$mnt")" --json -- "$DIOWORK" -n 3 -b 8192 dio-dsync-write "$mnt/f" >"$T/t.out" 2>"$T/t.err"
	expect_eq "$?" 0 "trace exit status"
	pid=$(role_pid "$T/t.out" writer)
	ino=$(stat -c %i "$mnt/f")
	expect_trace_dsync "$T/t.out" "$pid" "$ino" ext4
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
