#!/usr/bin/env bash
# record + replay: the replay of a live run's recording reproduces that run's
# report byte for byte, without privileges; bad recordings fail cleanly.
. "$(dirname "$0")/lib.sh"
require_root

test_replay_reproduces_live_report() {
	local mnt
	mnt=$(mkfs_mount ext4 rr) || { fail mount; return; }
	"$DIOLOCK" check --dev "$(stat_dev "$mnt")" --json "$T/live.json" --record "$T/run.dlr" -- \
		"$DIOWORK" -j 3 --hold-ms 150 hold-contend "$mnt/h" >"$T/live.out" 2>&1
	expect_eq "$?" 0 "live check"
	grep -v '^{"role"' "$T/live.out" >"$T/live.txt"
	# replay as nobody: no root needed
	chmod 644 "$T/run.dlr"
	chmod 755 "$T"
	setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
		"$DIOLOCK" replay "$T/run.dlr" --json - >"$T/replay.json" 2>"$T/replay.txt"
	expect_eq "$?" 0 "replay as nobody"
	cmp -s "$T/live.json" "$T/replay.json" || fail "JSON report differs: $(diff "$T/live.json" "$T/replay.json" | head -5)"
	cmp -s "$T/live.txt" "$T/replay.txt" || fail "text report differs: $(diff "$T/live.txt" "$T/replay.txt" | head -5)"
	expect_jq "$T/replay.json" '.contention | length == 1 and .[0].waits == 3' "the contention is in the recording"
	# filters apply on replay as they do live
	"$DIOLOCK" replay -q "$T/run.dlr" --ino 999999 --json "$T/none.json" >/dev/null
	expect_jq "$T/none.json" '.events == 0 and (.contention | length == 0)' "--ino filters the replay"
	"$DIOLOCK" replay "$T/run.dlr" --trace-json >"$T/ev.jsonl"
	jq -e . "$T/ev.jsonl" >/dev/null || fail "replay --trace-json: JSON lines"
	expect_eq "$(grep -c '"type":"wait_begin"' "$T/ev.jsonl")" 3 "replayed wait_begin events"
}

test_record_command() {
	local mnt
	mnt=$(mkfs_mount xfs rc) || { fail mount; return; }
	"$DIOLOCK" record --dev "$(stat_dev "$mnt")" -o "$T/x.dlr" -- "$DIOWORK" -n 4 dio-dsync-write "$mnt/f" >/dev/null 2>"$T/err"
	expect_eq "$?" 0 "record exit status"
	grep -q "recorded [0-9]* records to" "$T/err" || fail "record summary: $(cat "$T/err")"
	"$DIOLOCK" replay -q "$T/x.dlr" --json "$T/x.json" >/dev/null
	expect_jq "$T/x.json" '.summary.dio_complete_under_i_rwsem == 4 and .command.argv[0] != null' "replayed findings"
	"$DIOLOCK" record -- true >/dev/null 2>"$T/err"
	expect_eq "$?" 2 "record without -o"
}

test_bad_recordings() {
	local rc
	head -c 100 tests/data/golden/xfs-dsync.dlr >"$T/trunc.dlr" 2>/dev/null ||
		head -c 100 "$ROOT/tests/data/golden/xfs-dsync.dlr" >"$T/trunc.dlr"
	"$DIOLOCK" replay "$T/trunc.dlr" >/dev/null 2>"$T/err"
	rc=$?
	expect_eq "$rc" 2 "truncated recording"
	grep -q "not a usable diolock recording\|truncated" "$T/err" || fail "truncated: $(cat "$T/err")"
	# cut exactly at a record boundary: no trailer
	local full=$ROOT/tests/data/golden/xfs-dsync.dlr
	head -c $(($(stat -c %s "$full") - 200)) "$full" >"$T/cut.dlr"
	"$DIOLOCK" replay "$T/cut.dlr" >/dev/null 2>"$T/err"
	expect_eq "$?" 2 "recording without its end"
	printf 'DIOLOCK\0\x63\0\0\0\0\0\0\0' >"$T/ver.dlr"
	"$DIOLOCK" replay "$T/ver.dlr" >/dev/null 2>"$T/err"
	expect_eq "$?" 2 "unknown format version"
	grep -q "format version 99" "$T/err" || fail "version message: $(cat "$T/err")"
	head -c 4096 /dev/urandom >"$T/rand.dlr"
	"$DIOLOCK" replay "$T/rand.dlr" >/dev/null 2>&1
	expect_eq "$?" 2 "random bytes"
	[ "$(wc -l <"$T/err")" = 1 ] || fail "one line of error: $(cat "$T/err")"
}

run_test test_replay_reproduces_live_report
run_test test_record_command
run_test test_bad_recordings
