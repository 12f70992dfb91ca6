# shellcheck shell=bash disable=SC2034 # SC_* are read by tests/vm/run
# Two tasks take the same pair of ext4 inodes as "A B" and "B A" through lock_two_nondirectories(), the kernel's address-ordered helper: one order, no lock_order_inversion, exit 0.
SC_BTRFS=any
SC_DEADLOCKS=no
SC_BUDGET=40
SC_TIERS="fentry kprobe"

expect() {
	expect_jq '.command.exit_status == 0 and .timed_out == false' \
		"the two tasks should finish: exit status $(jq_r .command.exit_status), timed out $(jq_r .timed_out)"
	expect_jq '[.findings[] | select(.kind == "lock_order_inversion")] | length == 0' \
		"the ordered helper takes one order: no inversion expected; findings: $(findings)"
	# the helper's edge was seen (so the silence is a verdict, not blindness)
	expect_jq '.lock_order.instance_edges >= 1' "the helper's edge should be tracked: $(jq_r -c .lock_order)"
	expect_no_errors
	expect_clean_exit
}
