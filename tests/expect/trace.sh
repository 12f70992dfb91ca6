# shellcheck shell=bash
# `diolock trace --json` on `diowork -n 3 -b 8192 dio-dsync-write FILE` on
# ext4 or xfs: every field of the writer's events. Usage:
#   expect_trace_dsync TRACE_JSONL PID INO FS
expect_trace_dsync() {
	local t=$1 pid=$2 ino=$3 fs=$4 mine
	mine=$t.mine.json
	grep -v '^{"role"' "$t" >"$t.ev"
	jq -e . "$t.ev" >/dev/null 2>&1 || fail "every line is a JSON object"
	jq -s "[.[] | select(.pid == $pid)]" "$t.ev" >"$mine"
	expect_file_jq "$mine" '[.[] | select(.type == "dio_begin")] | map(.pos) == [0, 8192, 16384]' "offsets"
	expect_file_jq "$mine" 'all(.[] | select(.type == "dio_begin"); .len == 8192 and .ino == '"$ino"' and .fs == "'"$fs"'")' \
		"length, inode, fs"
	expect_file_jq "$mine" 'all(.[] | select(.type == "dio_begin"); .flags | index("direct") and index("dsync") and index("write"))' \
		"iocb flags"
	# all() holds over nothing: the counts first
	expect_file_jq "$mine" '[.[] | select(.type == "dio_complete")] | length == 3' "one completion per write"
	expect_file_jq "$mine" 'all(.[] | select(.type == "dio_complete"); .ret == 8192 and .lock.current_holds == "write")' \
		"completion return and lock held by writer"
	expect_file_jq "$mine" 'all(.[] | select(.type == "dio_complete"); .lock.holder_tid == .tid)' "holder tid"
	if [ "$fs" = ext4 ]; then
		expect_file_jq "$mine" '[.[] | select(.type == "sync_begin")] | length == 3' "ext4_sync_file once per write"
		expect_file_jq "$mine" 'all(.[] | select(.type == "sync_begin"); .lock.current_holds == "write")' \
			"sync under the writer's lock"
	fi
	# real direct writes never dirty the page cache: no direct_write (fallback) event
	expect_file_jq "$mine" '[.[] | select(.type == "direct_write")] | length == 0' "no fallback seen for real DIO"
	expect_file_jq "$mine" '[.[] | select(.type == "task_exit")] | length == 1' "task exit seen"
}
