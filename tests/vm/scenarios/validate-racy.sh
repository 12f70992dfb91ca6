# shellcheck shell=bash disable=SC2034 # SC_* are read by tests/vm/run
# `diolock validate` on btrfs with the stub on the shared struct file (patches/6.12/0003): the stub invariant fails, the others hold, exit 1.
SC_BTRFS=racy
SC_BUDGET=60
SC_TIERS="fentry tracepoint"
SC_KERNELS=6.12
SC_MATRIX=yes
SC_MATRIX_TIERS="fentry tracepoint"

expect() {
	expect_exit 1
	grep -q "^the DIO-write stub is only seen by the task holding i_rwsem .* fail .*[1-9][0-9]* sync_skips_unheld_lock" \
		"$D/report.txt" || fail "the stub invariant should fail: $(cat "$D/report.txt")"
	grep -q "^a DSYNC DIO completion never re-takes .* pass" "$D/report.txt" ||
		fail "invariant 1 should pass: $(grep 'never re-takes' "$D/report.txt")"
	grep -q "^no task waits on an i_rwsem it holds .* pass" "$D/report.txt" ||
		fail "invariant 2 should pass: $(grep 'waits on an i_rwsem' "$D/report.txt")"
	# invariant 3 fails on 6.12 for a reason of the kernel's own, stock or not:
	# btrfs_direct_write takes i_rwsem shared only for IS_NOSEC inodes, and
	# btrfs's own mount path never sets SB_NOSEC, so every overwrite is exclusive
	[ "$(grep -v '^DIO writes below EOF' "$D/report.txt" | grep -c ' fail ')" = 1 ] ||
		fail "only the stub invariant (and 6.12's below-EOF one) should fail: $(cat "$D/report.txt")"
	note "$(grep '^DIO writes below EOF' "$D/report.txt" | tr -s ' ')"
	expect_jq '.summary.sync_skips_unheld_lock >= 1' "the finding is in the JSON report: $(jq_r -c .summary)"
}
