# shellcheck shell=bash disable=SC2034 # SC_* are read by tests/vm/run
# io_uring (inline, IOSQE_ASYNC, SQPOLL) and AIO O_DIRECT writes that btrfs writes through the page cache: each reported with its submitter and path; ext4 io_uring DIO clean.
SC_BTRFS=any
SC_DEADLOCKS=no
SC_BUDGET=60
SC_TIERS="fentry kprobe tracepoint"
SC_MATRIX=yes
SC_MATRIX_TIERS="fentry kprobe tracepoint"

# uring_mode_ok MODE PATH_RE: uringwork MODE's six writes are six fallbacks of its pid, by a path PATH_RE names.
uring_mode_ok() {
	local line pid ino
	line=$(grep -m1 "\"mode\":\"$1\"" "$D/writer.out")
	pid=$(jq -r .pid <<<"$line" 2>/dev/null)
	ino=$(jq -r .ino <<<"$line" 2>/dev/null)
	[ -n "$pid" ] && [ "$pid" != null ] || { fail "uringwork $1 did not run: $(head -c 300 "$D/writer.err")"; return; }
	grep -q "\"role\":\"done\",\"mode\":\"$1\"" "$D/writer.out" || fail "uringwork $1 did not finish its writes"
	local v='[.findings[] | select(.kind == "dio_fallback_buffered" and .fs == "btrfs" and .ino == $ino)]'
	expect_jq "($v | map(.count) | add) == 6" \
		"uringwork $1: $(jq_r "$v | map(.count) | add" --argjson ino "$ino") fallbacks reported for its 6 unaligned btrfs writes" \
		--argjson ino "$ino"
	expect_jq "$v | all(.pid == \$pid and .comm == \"uringwork\")" \
		"uringwork $1: fallbacks named $(jq_r -c "$v | map([.pid, .comm])" --argjson ino "$ino"), expected pid $pid (uringwork)" \
		--argjson ino "$ino" --argjson pid "$pid"
	expect_jq "$v | all(.io_path | test(\$re))" \
		"uringwork $1: path $(jq_r -c "$v | map(.io_path)" --argjson ino "$ino"), expected /$2/" \
		--argjson ino "$ino" --arg re "$2"
}

expect() {
	expect_clean_exit
	expect_no_errors
	expect_jq '[.findings[] | select(.severity == "warning")] | length == 0' "warnings: $(findings)"
	expect_jq '.command.exit_status == 0' "the workload exited $(jq_r .command.exit_status)"
	uring_mode_ok inline '^io_uring(-wq)?$'
	uring_mode_ok async '^io_uring-wq$'
	uring_mode_ok sqpoll '^io_uring(-wq|-sqpoll)?$'
	uring_mode_ok aio '^aio$'
	# the ext4 writes were real DIO, seen where the tier sees DIO at all
	expect_jq '[.findings[] | select(.kind == "dio_fallback_buffered" and .fs == "ext4")] | length == 0' \
		"ext4's aligned io_uring writes reported as fallbacks"
	# (6.1 refuses fentry on __iomap_dio_rw, 7 arguments: under --attach fentry no submission is seen)
	if [ "$(jq_r .attach.dio_submit)" != unavailable ]; then
		expect_jq '(.dio_by_fs.ext4.submitted // 0) >= 6' "ext4 io_uring DIO submissions not counted: $(jq_r -c .dio_by_fs.ext4)"
	fi
	if [ "$(jq_r .attach.dio_complete)" != unavailable ]; then
		expect_jq '(.dio_by_fs.ext4.completed // 0) >= 6' "ext4 io_uring DIO completions not counted: $(jq_r -c .dio_by_fs.ext4)"
		# no interrupt completes DIO before v6.19: none may be counted as one
		expect_jq '(.dio_by_fs.ext4.completed_in_irq // 0) == 0' \
			"completions counted as run in an interrupt on $VM_KERNEL: $(jq_r -c .dio_by_fs.ext4)"
	fi
	expect_jq '(.dio_by_fs // {} | [.[].async_writes_unjudged // 0] | add // 0) == 0' \
		"io_uring writes diolock could not judge: $(jq_r -c .dio_by_fs)"
}
