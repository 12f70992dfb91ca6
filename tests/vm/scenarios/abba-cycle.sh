# shellcheck shell=bash
# Two tasks lock two ext4 inodes' i_rwsem in opposite order (abba test module): a real ABBA deadlock; diolock must report the cycle.
SC_BTRFS=any
SC_DEADLOCKS=yes
SC_BUDGET=40
SC_TIERS="fentry kprobe tracepoint"

# >>> ENABLE ME when diolock's cycle detector lands: the deadlock_cycle finding
# is then required (set to 1 here, or run with DIOLOCK_VM_REQUIRE_CYCLE=1).
# Until then the scenario passes on the contention evidence (each task waits
# on one inode and holds the other), and checks deadlock_cycle only if present.
ABBA_REQUIRE_CYCLE=${DIOLOCK_VM_REQUIRE_CYCLE:-0}

expect() {
	local p1 p2 ia ib c args
	p1=$(pid_of t1) p2=$(pid_of t2) ia=$(meta ino_a) ib=$(meta ino_b)
	[ "$(state_of t1)" = D ] && [ "$(state_of t2)" = D ] ||
		fail "no deadlock happened: t1 is $(state_of t1), t2 is $(state_of t2) (abba module loaded?)"
	args=(--argjson p1 "${p1:-0}" --argjson p2 "${p2:-0}" --argjson ia "${ia:-0}" --argjson ib "${ib:-0}")
	c='[.violations[] | select(.kind == "deadlock_cycle")]'
	if [ "$ABBA_REQUIRE_CYCLE" = 1 ] || [ "$(jq_r "$c | length")" != 0 ]; then
		expect_exit 1
		expect_jq "$c | length >= 1" "no deadlock_cycle finding; findings: $(findings)"
		expect_jq "$c | any(.severity == \"error\")" "deadlock_cycle is not an error" "${args[@]}"
		# schema-agnostic: both pids and both inode numbers appear in one finding
		expect_jq "$c | any([.. | numbers] | contains([\$p1, \$p2, \$ia, \$ib]))" \
			"no deadlock_cycle names both tasks ($p1, $p2) and both inodes ($ia, $ib): $(jq_r -c "$c")" "${args[@]}"
	else
		note "deadlock_cycle not required yet (ABBA_REQUIRE_CYCLE=0): judged on .contention"
	fi
	# each task waits on one inode and holds the other
	expect_jq '.contention | any(.ino == $ia and any(.waiters[]; . == $p2) and any(.holders[]; . == $p1))' \
		"contention should show t2 ($p2) waiting on inode A ($ia) held by t1 ($p1): $(jq_r -c '.contention')" "${args[@]}"
	expect_jq '.contention | any(.ino == $ib and any(.waiters[]; . == $p1) and any(.holders[]; . == $p2))' \
		"contention should show t1 ($p1) waiting on inode B ($ib) held by t2 ($p2): $(jq_r -c '.contention')" "${args[@]}"
}
