# shellcheck shell=bash disable=SC2034 # SC_* are read by tests/vm/run
# One ext4 file's i_rwsem then its mapping's invalidate_lock in one task (truncate's order), the other way round in another after it (abba test module), no deadlock: the exact tiers predict a lock_order_inversion between the two locks of one inode (exit 1); real truncates racing DIO before them add edges in the safe order only.
SC_BTRFS=any
SC_DEADLOCKS=no
SC_BUDGET=40
SC_TIERS="fentry kprobe tracepoint"

expect() {
	local p1 p2 ino v args
	p1=$(pid_of t1) p2=$(pid_of t2) ino=$(meta ino)
	args=(--argjson p1 "${p1:-0}" --argjson p2 "${p2:-0}" --argjson ino "${ino:-0}")
	expect_order_tasks_finished
	v='[.findings[] | select(.kind == "lock_order_inversion")]'
	case $SEEN in
	fentry | kprobe)
		expect_one_exact_inversion
		# i_rwsem then invalidate_lock was first seen in a real truncate (an edge is
		# kept with the first task that made it: t1 repeats it); t2 took the
		# i_rwsem holding the invalidate_lock
		expect_jq "$v | first | .edges | any(.to.lock == \"invalidate_lock\" and .to.ino == \$ino and
				(.stack | any(test(\"ext4_setattr|abba_write\"))))
			and any(.pid == \$p2 and .to.lock == \"i_rwsem\" and .to.ino == \$ino and (.stack | any(test(\"abba_write\"))))" \
			"the edges should be a truncate (or t1, $p1) -> invalidate_lock and t2 ($p2) -> i_rwsem of ino $ino, with their stacks: $(jq_r -c "$v | first | .edges | map({pid, to, top: .stack[0:3]})")" "${args[@]}"
		;;
	tracepoint)
		expect_jq "$v | length == 0" "tracepoint tier: no acquisitions, no inversion expected; findings: $(findings)"
		;;
	esac
}
