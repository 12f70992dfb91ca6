# shellcheck shell=bash disable=SC2034 # SC_* are read by tests/vm/run
# The seed's second deadlock predicted before it happens (dio_end_late livepatch): an AIO O_DSYNC write's completion takes i_rwsem in its fsync while its DIO is still in flight, and after it, never at once (--reap-first), a truncate holding i_rwsem drains the inode's DIO. Nothing deadlocks; the exact tiers report the inverted order, a warning (the completion's hold on the DIO is inferred from i_dio_count).
SC_BTRFS=stock
SC_LIVEPATCH=yes
SC_BUDGET=40
SC_TIERS="fentry kprobe tracepoint"

expect() {
	local ino tp v args
	ino=$(meta ino) tp=$(pid_of writer)
	args=(--argjson ino "${ino:-0}" --argjson tp "${tp:-0}")
	[ "$(meta livepatch)" = 1 ] || fail "the dio_end_late livepatch was not in effect"
	expect_workload_ok writer 20
	expect_jq '.summary.deadlock_cycle == 0 and .summary.self_deadlock == 0' "nothing deadlocked, but: $(findings)"
	v='[.findings[] | select(.kind == "lock_order_inversion")]'
	case $SEEN in
	fentry | kprobe)
		expect_jq "$v | length == 1" "expected one lock_order_inversion; findings: $(findings)"
		expect_jq "$v | first | .severity == \"warning\" and .confidence == \"inferred\"" \
			"the inversion through an inferred DIO hold should be an inferred warning: $(jq_r -c "$v | map({severity, confidence})")"
		# the truncater drains the DIO holding i_rwsem; the completion takes i_rwsem "holding" the DIO
		expect_jq "$v | first | .edges | any(.pid == \$tp and .to.lock == \"dio_drain\" and .to.ino == \$ino)
			and any(.to.lock == \"i_rwsem\" and .to.ino == \$ino and (.stack | any(test(\"btrfs_sync_file\"))))" \
			"the edges should be the truncater ($tp) into the DIO drain of ino $ino and a completion's fsync into its i_rwsem: $(jq_r -c "$v | first | .edges | map({pid, comm, to, top: .stack[0:3]})")" "${args[@]}"
		expect_clean_exit
		;;
	tracepoint)
		expect_jq "$v | length == 0" "tracepoint tier: no acquisitions, no inversion expected; findings: $(findings)"
		;;
	esac
}
