# shellcheck shell=bash disable=SC2034 # SC_* are read by tests/vm/run
# btrfs without 51bd9563b678 (patches/6.1/0004): O_DIRECT I/O whose buffer maps its own range faults inside the DIO and waits for its own ordered extent (write) or locked extent range (read): each a self_deadlock naming the lock in the function tiers; a buffered append waiting on the writer's i_rwsem a long_wait_chain in every tier.
SC_BTRFS=faulty
SC_DEADLOCKS=yes
SC_BUDGET=60
SC_TIERS="fentry kprobe tracepoint"
SC_KERNELS="6.1"

# self_deadlock_on PID INO LOCK FRAME: one self_deadlock error for PID on btrfs INO about LOCK, its stack through FRAME
self_deadlock_on() {
	local v args=(--argjson pid "${1:-0}" --argjson ino "${2:-0}" --arg lock "$3")
	v='[.findings[] | select(.kind == "self_deadlock" and .pid == $pid and .lock == $lock)]'
	expect_jq "$v | length == 1 and all(.severity == \"error\" and .fs == \"btrfs\" and .ino == \$ino)" \
		"expected one self_deadlock error on $3 of btrfs inode $2 for pid $1; findings: $(findings)" "${args[@]}"
	expect_jq "$v | any(.stack | any(test(\"$4\")) and any(test(\"handle_mm_fault\")) and any(test(\"iomap_dio\")))" \
		"the $3 self_deadlock's stack lacks $4, handle_mm_fault or __iomap_dio_rw: $(jq_r "$v | first | .stack | join(\" <- \")" "${args[@]}")" \
		"${args[@]}"
}

expect() {
	local w r a wi ri args
	w=$(pid_of writer) r=$(pid_of reader) a=$(pid_of appender) wi=$(meta ino_w) ri=$(meta ino_r)
	[ "$(state_of writer)" = D ] && [ "$(state_of reader)" = D ] ||
		fail "no deadlock: writer $(state_of writer), reader $(state_of reader) (is the faulty btrfs.ko loaded?)"
	grep -q btrfs_start_ordered_extent "$D/writer.stack" 2>/dev/null ||
		fail "the writer does not wait in btrfs_start_ordered_extent: $(tr '\n' ' ' <"$D/writer.stack" 2>/dev/null)"
	grep -q wait_extent_bit "$D/reader.stack" 2>/dev/null ||
		fail "the reader does not wait in wait_extent_bit: $(tr '\n' ' ' <"$D/reader.stack" 2>/dev/null)"
	args=(--argjson w "${w:-0}" --argjson a "${a:-0}" --argjson ino "${wi:-0}")
	# every tier: the append waits for the writer's i_rwsem (held shared across its DIO)
	expect_jq '[.findings[] | select(.kind == "long_wait_chain" and .pid == $a and .ino == $ino)] | length >= 1' \
		"no long_wait_chain for the appender ($a) on the written file ($wi); findings: $(findings)" "${args[@]}"
	case $SEEN in
	fentry | kprobe)
		expect_exit 1
		self_deadlock_on "$w" "$wi" ordered_extent btrfs_lock_and_flush_ordered_range
		self_deadlock_on "$r" "$ri" extent_range btrfs_page_mkwrite
		expect_jq '.events_by_type.extent_wait == 2' "expected two extent_wait records, got $(jq_r '.events_by_type.extent_wait // 0')"
		;;
	*)
		# no tracepoint where btrfs locks an extent range: the self-waits are out of sight
		expect_jq '[.findings[] | select(.kind == "self_deadlock")] | length == 0' \
			"the tracepoint tier cannot see extent waits, yet: $(findings)"
		expect_jq '(.events_by_type.extent_wait // 0) == 0' "extent_wait records in the tracepoint tier"
		;;
	esac
}
