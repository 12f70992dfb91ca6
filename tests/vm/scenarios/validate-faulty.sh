# shellcheck shell=bash disable=SC2034 # SC_* are read by tests/vm/run
# `diolock validate` on the btrfs without the DIO-write stub: the self-deadlock invariant fails, exit 1.
SC_BTRFS=faulty
SC_DEADLOCKS=yes
SC_BUDGET=60
SC_TIERS="fentry kprobe tracepoint"

expect() {
	expect_exit 1
	grep -q "^a DSYNC DIO completion never re-takes .* fail" "$D/report.txt" ||
		fail "invariant 1 should fail: $(cat "$D/report.txt")"
	grep -q "^no task waits on an i_rwsem it holds .* fail" "$D/report.txt" ||
		fail "invariant 2 should fail"
	expect_jq '.summary.self_deadlock >= 1' "the self-deadlock is in the JSON report"
}
