# shellcheck shell=bash disable=SC2034 # SC_* are read by tests/vm/run
# Stock 6.12: an unshare of a reflinked XFS file cut short by writeback (xfs-zero-relock's workload without its livepatch) completes, and diolock reports no warning or error: the benign twin of the invalidate_lock recursion.
SC_BTRFS=any
SC_DEADLOCKS=no
SC_BUDGET=60
SC_TIERS="fentry kprobe tracepoint"
SC_MATRIX=yes
SC_KERNELS="6.12"
SC_MATRIX_TIERS="fentry kprobe tracepoint"

expect() {
	expect_clean_exit
	expect_jq '.command.exit_status == 0' "the unshare failed: $(tail -2 "$D/writer.out" 2>/dev/null)"
	grep -q '"unshare":0' "$D/writer.out" 2>/dev/null ||
		fail "the unshare did not complete: $(tail -2 "$D/writer.out" 2>/dev/null)"
	expect_jq '[.findings[] | select(.severity != "info")] | length == 0' \
		"a warning or error on stock 6.12: $(findings)"
}
