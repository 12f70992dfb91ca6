# shellcheck shell=bash disable=SC2034 # SC_* are read by tests/vm/run
# Two tasks lock two ext4 inodes' i_rwsem in opposite order (abba test module): a real ABBA deadlock; diolock must report the cycle.
SC_BTRFS=any
SC_DEADLOCKS=yes
SC_BUDGET=50
SC_TIERS="fentry kprobe tracepoint"
SC_MATRIX=yes
# PREEMPT_RT has no rwsem_down_*_slowpath: fentry sees no wait there (and did not exit): tracepoint only
SC_RT_TIERS="tracepoint"

expect() {
	local p1 p2 ia ib c args
	p1=$(pid_of t1) p2=$(pid_of t2) ia=$(meta ino_a) ib=$(meta ino_b)
	if [ "$(state_of t1)" != D ] || [ "$(state_of t2)" != D ]; then
		fail "no deadlock happened: t1 is $(state_of t1), t2 is $(state_of t2) (abba module loaded?)"
	fi
	args=(--argjson p1 "${p1:-0}" --argjson p2 "${p2:-0}" --argjson ia "${ia:-0}" --argjson ib "${ib:-0}")
	c='[.findings[] | select(.kind == "deadlock_cycle")]'
	expect_exit 1
	expect_jq "$c | length >= 1" "no deadlock_cycle finding; findings: $(findings)"
	expect_jq "$c | any(.severity == \"error\")" "deadlock_cycle is not an error"
	# .cycle: one entry per task, {pid, tid, comm, waits_for: {fs, ino, mode, ...}}:
	# t1 waits for B (held by t2), t2 waits for A (held by t1)
	expect_jq "$c | any(.cycle | any(.pid == \$p1 and .waits_for.ino == \$ib) and any(.pid == \$p2 and .waits_for.ino == \$ia))" \
		"no deadlock_cycle with t1 ($p1) waiting for inode B ($ib) and t2 ($p2) waiting for inode A ($ia): $(jq_r -c "$c | map(.cycle)")" "${args[@]}"
	expect_jq "$c | any(.cycle | all(.waits_for.fs == \"ext4\"))" "the cycle's locks should be ext4 inodes"
	# each task waits on one inode and holds the other
	expect_jq '.contention | any(.ino == $ia and any(.waiters[]; . == $p2) and any(.holders[]; . == $p1))' \
		"contention should show t2 ($p2) waiting on inode A ($ia) held by t1 ($p1): $(jq_r -c '.contention')" "${args[@]}"
	expect_jq '.contention | any(.ino == $ib and any(.waiters[]; . == $p1) and any(.holders[]; . == $p2))' \
		"contention should show t1 ($p1) waiting on inode B ($ib) held by t2 ($p2): $(jq_r -c '.contention')" "${args[@]}"
}
