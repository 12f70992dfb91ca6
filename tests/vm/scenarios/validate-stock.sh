# shellcheck shell=bash disable=SC2034 # SC_* are read by tests/vm/run
# `diolock validate` on stock btrfs and xfs: every invariant of the seed patch set holds (or is n/a in this tier).
SC_BTRFS=stock
SC_DEADLOCKS=no
SC_BUDGET=60
SC_TIERS="fentry kprobe tracepoint"

expect() {
	expect_exit 0
	grep -q "^a DSYNC DIO completion never re-takes .* pass" "$D/report.txt" ||
		fail "invariant 1 should pass: $(cat "$D/report.txt")"
	grep -q "^no task waits on an i_rwsem it holds .* pass" "$D/report.txt" ||
		fail "invariant 2 should pass"
	grep -q " fail " "$D/report.txt" && fail "an invariant failed on the stock kernel: $(cat "$D/report.txt")"
	# where the submit hook attaches (kprobe; fentry has no 7-argument
	# trampolines before 6.x) the shared hold must be seen, else it is n/a
	if [ "$(jq_r '.attach.dio_submit')" != unavailable ]; then
		grep -q "^DIO writes below EOF on btrfs take i_rwsem shared .* pass" "$D/report.txt" ||
			fail "below-EOF DIO writes should be seen shared: $(grep 'below EOF' "$D/report.txt")"
	else
		grep -q "^DIO writes below EOF on btrfs take i_rwsem shared .* n/a .*dio_submit hook is unavailable" \
			"$D/report.txt" || fail "below-EOF invariant should say why it is n/a: $(grep 'below EOF' "$D/report.txt")"
	fi
	# the AIO+truncate workload ran to the end: judged where inode_dio_wait is seen
	case $SEEN in
	fentry | kprobe)
		grep -q "^no DIO-completion vs fallocate/truncate deadlock cycle .* pass" "$D/report.txt" ||
			fail "the deadlock-cycle invariant should pass: $(grep 'deadlock cycle' "$D/report.txt")" ;;
	*)
		grep -q "^no DIO-completion vs fallocate/truncate deadlock cycle .* n/a .*needs inode_dio_wait" "$D/report.txt" ||
			fail "the deadlock-cycle invariant should be n/a with its reason: $(grep 'deadlock cycle' "$D/report.txt")" ;;
	esac
	# invariant 5 (an fsync sharing the file with a DIO writer): judged where holds are tracked
	case $SEEN in
	fentry | kprobe)
		grep -q "^the DIO-write stub is only seen by the task holding i_rwsem .* pass .*0 sync_skips_unheld_lock" \
			"$D/report.txt" || fail "the stub invariant should pass: $(grep 'DIO-write stub' "$D/report.txt")" ;;
	*)
		grep -q "^the DIO-write stub is only seen by the task holding i_rwsem .* n/a .*needs the fentry or kprobe" \
			"$D/report.txt" || fail "the stub invariant should be n/a with its reason: $(grep 'DIO-write stub' "$D/report.txt")" ;;
	esac
	return 0
}
