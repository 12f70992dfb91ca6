# shellcheck shell=bash disable=SC2034 # SC_* are read by tests/vm/run
# One task write-takes an xfs file's invalidate_lock twice (abba module "i:A i:A"): a real invalidate_lock recursion; every tier must report a self_deadlock on it (the lock's owner), the exact tiers a recursive_acquire too.
SC_BTRFS=any
SC_DEADLOCKS=yes
SC_BUDGET=50
SC_TIERS="fentry kprobe tracepoint"

expect() {
	local pid ino v args
	pid=$(pid_of self) ino=$(meta ino_a)
	[ "$(state_of self)" = D ] ||
		fail "no deadlock happened: the task is $(state_of self) (abba module loaded?)"
	expect_exit 1
	args=(--argjson pid "${pid:-0}" --argjson ino "${ino:-0}")
	v='[.findings[] | select(.kind == "self_deadlock" and .severity == "error" and .pid == $pid)]'
	expect_jq "$v | any(.lock == \"invalidate_lock\" and .fs == \"xfs\" and .ino == \$ino and .confidence == \"exact\")" \
		"no exact self_deadlock on the xfs file's invalidate_lock (pid $pid, ino $ino); findings: $(findings)" "${args[@]}"
	expect_jq '.events_by_type.inval_wait_begin >= 1' "no inval_wait_begin record"
	case $SEEN in
	fentry | kprobe)
		expect_jq '[.findings[] | select(.kind == "recursive_acquire" and .pid == $pid)] |
			any(.severity == "error" and .lock == "invalidate_lock" and .ino == $ino)' \
			"$SEEN: expected an error recursive_acquire on the invalidate_lock; findings: $(findings)" "${args[@]}"
		;;
	tracepoint)
		# no acquisition is seen: the wait on its own hold is the finding
		expect_jq '[.findings[] | select(.kind == "recursive_acquire")] | length == 0' \
			"tracepoint tier: a recursive_acquire without acquisition hooks: $(findings)"
		;;
	esac
}
