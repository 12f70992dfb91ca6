# shellcheck shell=bash disable=SC2034 # SC_* are read by tests/vm/run
# On a frozen xfs a task holding a file's i_rwsem waits for the filesystem's sb_writers (abba module "F w:F") until the thaw: the exact tiers report one lock_order_inversion (sb_writers is outermost), the tracepoint tier only the wait; the task finishes.
SC_BTRFS=any
SC_DEADLOCKS=no
SC_BUDGET=45
SC_TIERS="fentry kprobe tracepoint"
SC_KERNELS="6.1"

expect() {
	local p1 ino v args
	p1=$(pid_of t1) ino=$(meta ino)
	args=(--argjson p1 "${p1:-0}" --argjson ino "${ino:-0}")
	expect_order_tasks_finished
	[ "$(state_of t1)" = gone ] || fail "t1 did not finish after the thaw: $(state_of t1)"
	expect_jq '.events_by_type.sb_wait_begin >= 1' "no sb_writers wait seen"
	v='[.findings[] | select(.kind == "lock_order_inversion")]'
	case $SEEN in
	fentry | kprobe)
		expect_one_exact_inversion
		expect_jq "$v | first | .pid == \$p1 and .lock == \"sb_writers\" and .fs == \"xfs\"" \
			"the inversion should be t1's ($p1) on xfs's sb_writers: $(jq_r -c "$v | first | {pid, lock, fs}")" "${args[@]}"
		expect_jq "$v | first | .detail | startswith(\"i_rwsem of xfs \") and contains(\"ino \\(\$ino) held (write)\")" \
			"the inversion should name the file's i_rwsem held for write: $(jq_r "$v | first | .detail")" "${args[@]}"
		;;
	*)
		# what a waiter holds is the exact tiers' knowledge
		expect_jq "$v | length == 0" "the tracepoint tier cannot see what the waiter holds: $(findings)"
		;;
	esac
}
