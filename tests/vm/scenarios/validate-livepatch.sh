# shellcheck shell=bash disable=SC2034 # SC_* are read by tests/vm/run
# diolock validate with patches/0002 livepatched in: the "no DIO-completion vs fallocate/truncate deadlock cycle" row fails where the tier sees it, n/a (exit 3) where not.
SC_BTRFS=stock
SC_DEADLOCKS=yes
SC_LIVEPATCH=yes
SC_BUDGET=60
SC_TIERS="fentry kprobe tracepoint"

expect() {
	local row='^no DIO-completion vs fallocate/truncate deadlock cycle'
	grep -q "^a DSYNC DIO completion never re-takes .* pass" "$D/report.txt" ||
		fail "invariant 1 should pass (the btrfs.ko is stock): $(cat "$D/report.txt")"
	grep -q "the workload did not finish" "$D/report.txt" ||
		fail "the AIO+truncate workload should have deadlocked: $(cat "$D/report.txt")"
	case $SEEN in
	fentry | kprobe)
		expect_exit 1
		grep -q "$row .* fail " "$D/report.txt" ||
			fail "the deadlock-cycle invariant should fail: $(grep 'deadlock cycle' "$D/report.txt")"
		expect_jq '.summary.deadlock_cycle >= 1' "the deadlock_cycle is in the JSON report"
		;;
	*)
		expect_exit 3
		grep -q "$row .* n/a .*needs inode_dio_wait" "$D/report.txt" ||
			fail "the deadlock-cycle invariant should be n/a with its reason: $(grep 'deadlock cycle' "$D/report.txt")"
		;;
	esac
}
